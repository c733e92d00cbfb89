"""What production serving does under load and under attack, measured on gunicorn with
gunicorn.conf.py and production settings (a fresh database, one account):

1. worker RSS before and after 1,000 mixed requests (JSON and XML reads, lists, creates,
   422s, PDFs, a few 3 MB bodies), from /proc;
2. the login throttle: what the 1st, 5th, 6th, 20th and 200th wrong password get, what the
   right password gets during the lockout, and after how long it works again (run with
   LOGIN_LOCKOUT_MINUTES=1 so that the wait is a minute, not fifteen).

    python bench/measure_serving.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fg_measure python bench/measure_serving.py
"""

import json
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import served  # bench/served.py (a script's own folder is on sys.path)

LOCKOUT_MINUTES = 1


def environment(tmp: Path) -> dict[str, str]:
    return served.environment(tmp, LOGIN_LOCKOUT_MINUTES=str(LOCKOUT_MINUTES))


def call(base: str, method: str, path: str, body: bytes | None = None, **headers: str):
    request = urllib.request.Request(base + path, data=body, method=method, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return sorted(int(pid) for pid in children)


def mixed_requests(base: str, key: str, account: str, count: int) -> dict[int, int]:
    statuses: dict[int, int] = {}
    auth = {"X-Api-Key": key, "Content-Type": "application/json"}
    client_ids: list[int] = []
    invoice_ids: list[int] = []
    big = json.dumps({"name": "x", "notes": "y" * 3_000_000}).encode()
    for n in range(count):
        kind = n % 10
        if kind == 0:
            status, body, _ = call(base, "POST", f"/api/v1/accounts/{account}/clients.json",
                                   json.dumps({"name": f"Cliente {n}"}).encode(), **auth)
            if status == 200:
                client_ids.append(json.loads(body)["id"])
        elif kind == 1 and client_ids:
            lines = [{"description": f"Línea {i}", "quantity": "2", "unit_price": "10.5"}
                     for i in range(10)]
            status, body, _ = call(base, "POST", f"/api/v1/accounts/{account}/invoices.json",
                                   json.dumps({"client_id": client_ids[-1], "lines": lines})
                                   .encode(), **auth)
            if status == 200:
                invoice_ids.append(json.loads(body)["id"])
        elif kind == 2:
            status, _, _ = call(base, "GET", f"/api/v1/accounts/{account}/invoices.xml", **auth)
        elif kind == 3 and invoice_ids:
            status, _, _ = call(base, "GET",
                                f"/api/v1/accounts/{account}/invoices/{invoice_ids[-1]}.pdf",
                                **auth)
        elif kind == 4:
            status, _, _ = call(base, "POST", f"/api/v1/accounts/{account}/clients.json",
                                b'{"name": ""}', **auth)  # 422
        elif kind == 5 and n % 100 == 5:
            status, _, _ = call(base, "PUT", f"/api/v1/accounts/{account}/clients/1.json",
                                big, **auth)  # a 3 MB body
        elif kind == 6:
            status, _, _ = call(base, "GET", "/api/v1/countries.json")
        else:
            status, _, _ = call(base, "GET", f"/api/v1/accounts/{account}/clients.json", **auth)
        statuses[status] = statuses.get(status, 0) + 1
    return statuses


def login(base: str, password: str, address: str = "") -> tuple[int, str]:
    body = json.dumps({"login": "carol", "password": password}).encode()
    status, _, headers = call(base, "POST", "/api/v1/session.json", body,
                              **{"Content-Type": "application/json"})
    return status, headers.get("Retry-After", "")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        env = environment(tmp)
        served.manage("migrate", "--no-input", env=env)
        created = served.manage("createaccount", "carol", "--password", served.PASSWORD, "--email",
                         "carol@example.com", "--account-name", "Carol SL", "--tax-id",
                         "B12345674", env=env)
        account = created.split("account: ")[1].split()[0]
        key = created.split("api_key: ")[1].split()[0]
        with served.gunicorn(env, tmp / "gunicorn.log") as (server, base):
            call(base, "GET", "/api/v1/countries/es.json")
            time.sleep(1)
            before = {pid: rss_mib(pid) for pid in workers(server.pid)}
            started = time.monotonic()
            statuses = mixed_requests(base, key, account, 1_000)
            elapsed = time.monotonic() - started
            after = {pid: rss_mib(pid) for pid in workers(server.pid)}
            print(f"database: {env['DATABASE_URL'].split(':')[0]}")
            codes = dict(sorted(statuses.items()))
            print(f"1,000 mixed requests in {elapsed:.1f} s, statuses {codes}")
            for pid in sorted(set(before) | set(after)):
                print(f"  worker {pid}: RSS {before.get(pid, 0):.0f} MiB"
                      f" -> {after.get(pid, 0):.0f} MiB")

            answers = {}
            for attempt in range(1, 201):
                answers[attempt] = login(base, f"wrong {attempt}")
            print("wrong passwords, one login, one address:")
            for attempt in (1, 4, 5, 6, 20, 200):
                status, retry = answers[attempt]
                after_text = f", Retry-After {retry}" if retry else ""
                print(f"  attempt {attempt:>3}: {status}{after_text}")
            locked_at = time.monotonic()
            print(f"  the right password at once: {login(base, served.PASSWORD)[0]}")
            while True:
                status, _ = login(base, served.PASSWORD)
                if status == 200:
                    break
                time.sleep(5)
            waited = time.monotonic() - locked_at
            print(f"  the right password works again {waited:.0f} s after the 200th attempt "
                  f"(LOGIN_LOCKOUT_MINUTES={LOCKOUT_MINUTES}; counted from the 5th failure)")


if __name__ == "__main__":
    main()
