"""Refreshes docs/playground.png: runs the playground's browser test, which drives the
console in headless Chromium and, with WRITE_DOCS_SCREENSHOTS=1, saves its screenshot.

    python scripts/screenshot_playground.py
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    environment = {**os.environ, "WRITE_DOCS_SCREENSHOTS": "1"}
    command = [
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
        "tests/browser/test_playground.py",
        "-k", "test_an_integrator_works_through_the_api_from_the_playground",
    ]
    return subprocess.call(command, cwd=ROOT, env=environment)


if __name__ == "__main__":
    sys.exit(main())
