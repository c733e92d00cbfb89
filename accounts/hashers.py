"""Password hashing: Argon2id at OWASP's first recommended setting.

Django's default, PBKDF2-SHA256 at 1,000,000 iterations, costs ~270 ms of a worker per login
on this service's machines: sixteen concurrent logins (or wrong passwords) held every worker
thread for seconds (p50 2.2 s for everyone). Argon2id is memory-hard, so an attacker's GPUs
gain far less from it than from PBKDF2, at a fraction of the time: OWASP's Password Storage
Cheat Sheet recommends m=19 MiB, t=2, p=1 (~20 ms here; bench/bench_login.py measures it).
Django's own Argon2PasswordHasher defaults to 100 MiB and 8 lanes (~175 ms, and 1.6 GB for
16 concurrent logins).

The algorithm name stays `argon2`, so hashes of Django's hasher verify too; any hash with other
parameters, and every PBKDF2 hash, is rewritten with these at the user's next login
(Django's `must_update`).
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idPasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
