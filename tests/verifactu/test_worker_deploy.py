"""The worker is a process of its own (CONTRACT §8): the Procfile's `worker`, started beside
the web server by `make run` (Procfile.dev under honcho) and by bin/serve-production, and a
formation entry in app.json."""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def procfile(name: str) -> dict[str, str]:
    lines = (ROOT / name).read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


def test_the_procfile_runs_the_worker_beside_the_web_server():
    processes = procfile("Procfile")

    assert processes["worker"] == "python manage.py worker"
    assert processes["web"] == "gunicorn facturagem.wsgi"


def test_make_run_starts_the_web_server_and_the_worker_with_one_command():
    processes = procfile("Procfile.dev")
    makefile = (ROOT / "Makefile").read_text()

    assert processes == {"web": "python manage.py runserver $PORT",
                         "worker": "python manage.py worker"}
    run = makefile.split("\nrun: install\n", 1)[1].split("\n\n", 1)[0]
    assert "honcho -f Procfile.dev start" in run


def test_app_json_has_a_worker_formation():
    app = json.loads((ROOT / "app.json").read_text())

    assert app["formation"]["worker"] == {"quantity": 1}


def test_serve_production_starts_the_worker_too():
    script = (ROOT / "bin" / "serve-production").read_text()

    assert '"$PYTHON" manage.py worker &' in script
    assert "trap" in script
