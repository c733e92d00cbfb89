"""The signature of a delivery (CONTRACT §10):

    X-Facturagem-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">

keyed with the webhook's secret. While a rotated-out secret is still valid, a second `v1=`
carries the signature under it: a receiver that knows either secret verifies. The time is
the attempt's own (a retry is signed again), so receivers can refuse old deliveries
(docs/api.md, "Verifying a delivery")."""

import hashlib
import hmac

HEADER = "X-Facturagem-Signature"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def header(secrets: list[str], timestamp: int, body: bytes) -> str:
    return ",".join([f"t={timestamp}", *(f"v1={signature(s, timestamp, body)}" for s in secrets)])
