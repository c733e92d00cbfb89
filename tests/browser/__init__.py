"""Real-browser tests (a package, so that `browser/test_admin.py` and `test_admin.py` can share
a basename)."""
