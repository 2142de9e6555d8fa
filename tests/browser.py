"""What the browser tests share: Debian's Chromium driven by Playwright
through ``executable_path``, a page fixture, and signing in as a staff
member with a password and an authenticator's code. Screenshots are kept in
test-artifacts/browser/."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.db import connections
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# No sandbox (CI runs as root), and nothing that reaches for the network.
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
SHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "browser"
PASSWORD = "officer-password-2026"

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium binary (apt-get install chromium; .ci/run does)"
)


@pytest.fixture
def browser_page() -> Iterator:
    # Playwright's sync API runs an event loop in this thread; the ORM calls
    # the test makes between browser steps are still plain synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        yield page
        browser.close()
        # Django keeps a connection per context, and the ORM calls made while
        # Playwright's loop runs are in a context of their own: close that
        # connection here, in the same context, or it outlives the test and
        # holds the test database open.
        connections.close_all()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def staff_with_device(username: str, role: str) -> tuple[User, TOTPDevice]:
    """A staff member holding ``role``, with a confirmed authenticator."""
    user = User.objects.create_user(username, password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user, TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def fill_sign_in(page, live_server, username: str, device: TOTPDevice) -> None:  # noqa: ANN001
    """The sign-in form filled in, as a person does: password and code."""
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.fill("#id_otp_token", f"{totp(device.bin_key):06d}")


def sign_in(page, live_server, username: str, device: TOTPDevice) -> None:  # noqa: ANN001
    fill_sign_in(page, live_server, username, device)
    page.click("input[type=submit][value='Log in']")
    page.wait_for_selector("#site-name")
