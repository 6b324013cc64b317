"""What both API test scripts share: web sessions made as a browser without JavaScript
makes them, and the runner."""
import os
import sys
import time

import requests


def browser():
    """A web session that posts forms as a browser without JavaScript does."""
    s = requests.Session()
    s.headers["Accept"] = "text/html,application/xhtml+xml"
    return s


BASE = os.environ["E2E_BASE_URL"]


def signed_in(username, password):
    """A web session signed in through the sign-in form."""
    web = browser()
    r = web.post(f"{BASE}/api/auth/sign_in", data={"username": username, "password": password},
                 allow_redirects=False, timeout=30)
    assert r.status_code in (302, 303), r.status_code
    return web


def new_listener(prefix):
    """Signs up a fresh listener through the sign-up form: (username, web session)."""
    name = f"{prefix}{int(time.time() * 1000) % 10**9}"
    web = browser()
    r = web.post(f"{BASE}/api/auth/sign_up", allow_redirects=False, timeout=30,
                 data={"username": name, "email": f"{name}@example.com", "display_name": "",
                       "password": "listener-password-1", "confirm": "listener-password-1"})
    assert r.status_code in (302, 303), r.text
    return name, web


def run(tests):
    """Runs every test_* function in `tests`, reports each, exits 1 if any failed."""
    failures = 0
    for name, fn in list(tests.items()):
        if name.startswith("test_") and callable(fn):
            try:
                fn()
                print(f"ok   {name}")
            except Exception as e:  # noqa: BLE001 - report every failure, then fail
                failures += 1
                print(f"FAIL {name}: {type(e).__name__}: {e}")
    print(f"{failures} failed")
    sys.exit(1 if failures else 0)
