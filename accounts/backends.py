"""One way to check a login and password, for the API session, the browsable API's login
and the admin: login name or e-mail, and the same work whatever the outcome.

An unknown login and a user without a usable password (signed up through Heroku or
another third party) would otherwise answer at once, while a wrong password costs a
password hash: the time alone would tell which logins exist. Each of them hashes the
password it was sent, as a check of a real password does.
"""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import make_password
from django.db.models import Q

from accounts.models import User


class LoginOrEmailBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if not username or password is None:
            return None
        user = (
            User.objects.select_related("account")
            .filter(Q(login__iexact=username) | Q(email__iexact=username))
            .order_by("id")
            .first()
        )
        if user is None or not user.has_usable_password():
            make_password(password)  # the cost of a real check, for nothing
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
