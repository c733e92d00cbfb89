"""Web sessions (the browsable API's login, the admin, Heroku single sign-on) whose rows a
database dump cannot replay.

Django's database store keeps the cookie's value as the row's `session_key`: whoever reads
`django_session` holds every logged-in browser's cookie, and a web session's user can read
their api_key at GET /api/v1/session. Here the row keeps a SHA-256 digest of the cookie's
value instead; the cookie (32 random characters, ~165 bits) is the only way back to it.

Why not signed cookies (`signed_cookies`)? They keep nothing server-side, so logging out
or an administrator cannot end a stolen session before it expires; this store keeps that,
and keeps the session data on the server.
"""

import hashlib

from django.contrib.sessions.backends import db


def stored_key(session_key: str) -> str:
    """The row's key: 40 hexadecimal characters (160 bits) of SHA-256, the column's width."""
    return hashlib.sha256(f"session:{session_key}".encode()).hexdigest()[:40]


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        real_key = self.session_key
        if real_key is None:
            return None
        self._session_key = stored_key(real_key)
        try:
            found = super()._get_session_from_db()
        finally:
            if self._session_key is not None:  # None: not found, and forgotten
                self._session_key = real_key
        return found

    async def _aget_session_from_db(self):
        real_key = self.session_key
        if real_key is None:
            return None
        self._session_key = stored_key(real_key)
        try:
            found = await super()._aget_session_from_db()
        finally:
            if self._session_key is not None:
                self._session_key = real_key
        return found

    def exists(self, session_key):
        return super().exists(stored_key(session_key))

    async def aexists(self, session_key):
        return await super().aexists(stored_key(session_key))

    def create_model_instance(self, data):
        instance = super().create_model_instance(data)
        instance.session_key = stored_key(instance.session_key)
        return instance

    async def acreate_model_instance(self, data):
        instance = await super().acreate_model_instance(data)
        instance.session_key = stored_key(instance.session_key)
        return instance

    def delete(self, session_key=None):
        key = session_key if session_key is not None else self.session_key
        if key is not None:
            super().delete(stored_key(key))

    async def adelete(self, session_key=None):
        key = session_key if session_key is not None else self.session_key
        if key is not None:
            await super().adelete(stored_key(key))
