"""The README's production guide against the files that make it true: the
environment it lists is what production reads and starts with, its table of
Procfile variables is the Procfile's, the address ``make run`` prints is the
one the web process binds, and the proxy it shows takes the bodies the
application takes. The restore it describes is proven in
``tests/compliance/test_checkpoints.py``."""

from __future__ import annotations

import base64
import os
import re
import secrets
import shlex
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import environ
import pytest
from cryptography.fernet import Fernet
from django.conf import settings

from contactcenter.secrets import SECRET_RULES
from tests.loopback import free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_DIR = ROOT / "contactcenter" / "settings"


def readme_section(title: str) -> str:
    readme = (ROOT / "README.md").read_text()
    start = readme.index(f"\n## {title}\n")
    end = readme.find("\n## ", start + 1)
    return readme[start : end if end != -1 else None]


def guide() -> str:
    return readme_section("Running in production")


def code_blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, re.DOTALL)


def assignments(block: str) -> dict[str, str]:
    """``NAME=value`` lines, a trailing backslash continuing a command."""
    return dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*?)(?:\s+\\)?$", block, re.MULTILINE))


def guide_environment() -> dict[str, str]:
    """The environment every process needs, as the guide lists it."""
    (block,) = [block for block in code_blocks(guide(), "sh") if "\nSECRET_KEY=" in block]
    return assignments(block)


def owner_url() -> str:
    (url,) = [
        value for block in code_blocks(guide(), "sh") for name, value in assignments(block).items()
        if name == "DATABASE_OWNER_URL"
    ]  # fmt: skip
    return url


def variables_read_by_the_settings() -> set[str]:
    """Every environment variable the settings (and the settings module's
    choice) read, from their source."""
    names = set()
    for path in [*SETTINGS_DIR.glob("*.py"), ROOT / "contactcenter" / "environment.py"]:
        source = path.read_text()
        names.update(re.findall(r"\benv(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]*)\"", source))
        names.update(re.findall(r"\benv_secret\(\s*\"([A-Z][A-Z0-9_]*)\"", source))
        names.update(re.findall(r"os\.environ(?:\.get\(|\[)\s*\"([A-Z][A-Z0-9_]*)\"", source))
    return names


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip() and not line.startswith("#"))


def procfile_variables() -> dict[str, str]:
    """Each ``${NAME:-default}`` the Procfile's lines expand, with its default."""
    found: dict[str, str] = {}
    for command in procfile().values():
        for name, default in re.findall(r"\$\{(\w+):-([^}]*)\}", command):
            assert found.setdefault(name, default) == default, f"{name} has two defaults in the Procfile"
    return found


def filled(name: str, value: str, directory: Path) -> str:
    """A placeholder of the guide replaced by a value made as its issuer makes it."""
    if name == "PROMETHEUS_MULTIPROC_DIR":
        return str(directory)  # the settings refuse a directory that does not exist
    rule = SECRET_RULES.get(name)
    if value.startswith("<") and value.endswith(">") and rule is not None:
        if rule.kind == "fernet":
            return Fernet.generate_key().decode()
        if rule.kind == "ed25519":
            return base64.b64encode(os.urandom(32)).decode()
        return secrets.token_urlsafe(48)
    return re.sub(
        r"<[^>]*>", lambda match: secrets.token_hex(16) if "hex" in match.group() else secrets.token_urlsafe(24), value
    )


def deploy_check(environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``python -m contactcenter check --deploy``, as the guide says to run it
    before the first start, with nothing in its environment but ``environment``."""
    clean = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/"), "DJANGO_READ_DOT_ENV": "0"}
    return subprocess.run(
        [sys.executable, "-m", "contactcenter", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env={**clean, **environment}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_the_guides_environment_is_what_production_reads_and_is_enough_to_start(tmp_path):
    listed = guide_environment()
    read = variables_read_by_the_settings()
    required = set(re.findall(r'^require\("([A-Z][A-Z0-9_]*)"', (SETTINGS_DIR / "production.py").read_text(), re.M))
    refusal = re.search(r"Production refuses to start without (.*?)\.\s", guide(), re.DOTALL).group(1)

    assert set(listed) <= read, f"the guide lists variables nothing reads: {set(listed) - read}"
    assert "DATABASE_OWNER_URL" not in listed, "the owner's URL is for the release step and the purge job only"
    assert set(re.findall(r"`([A-Z][A-Z0-9_]*)`", refusal)) == required
    assert required <= set(listed)

    environment = {name: filled(name, value, tmp_path) for name, value in listed.items()}
    served = deploy_check(environment)
    assert served.returncode == 0, served.stdout + served.stderr

    # The release step: the same environment and the owner's URL, for the same database as another user.
    release = {**environment, "DATABASE_OWNER_URL": filled("DATABASE_OWNER_URL", owner_url(), tmp_path)}
    runtime, owner = (environ.Env.db_url_config(release[name]) for name in ("DATABASE_URL", "DATABASE_OWNER_URL"))
    assert (owner["NAME"], owner["HOST"], owner["PORT"]) == (runtime["NAME"], runtime["HOST"], runtime["PORT"])
    assert owner["USER"] != runtime["USER"]
    released = deploy_check(release)
    assert released.returncode == 0, released.stdout + released.stderr


def test_the_guides_table_of_procfile_variables_is_the_procfiles():
    table = dict(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \| `([^`]*)` \|", guide(), re.MULTILINE))

    assert table == procfile_variables()


def test_make_run_prints_the_address_it_hands_the_web_process():
    """The Makefile's defaults reach the Procfile's web line unchanged, the
    address it prints is made of the same variables, and the README says
    that address."""
    from honcho.environ import expand_processes

    makefile = (ROOT / "Makefile").read_text()
    defaults = dict(re.findall(r"^(BIND|PORT) \?= (\S+)$", makefile, re.MULTILINE))
    run = makefile[makefile.index("\nrun:") : makefile.index("\ntest:")].replace("\\\n", " ")
    (start,) = [line for line in run.splitlines() if "honcho start" in line]
    names = shlex.split(start[start.index("honcho start") :])[2:]
    names = [name for name in names if name in procfile()]
    bind = procfile()["web"].split("--bind ", 1)[1].split()[0]

    assert bind == "${BIND:-0.0.0.0}:${PORT:-8000}"
    assert "BIND=$(BIND)" in start and "PORT=$(PORT)" in start
    assert 'echo "Serving on http://$(BIND):$(PORT)/admin/' in run
    assert "--base-url http://$(BIND):$(PORT)" in run
    # honcho gives the port it is handed to the first process it starts, and +100 to each next one.
    first = expand_processes({name: procfile()[name] for name in names}, port=int(defaults["PORT"]))[0]
    assert (first.name, first.env["PORT"]) == ("web.1", defaults["PORT"])

    setup = readme_section("Set-up: two commands")
    assert f"http://{defaults['BIND']}:{defaults['PORT']}" in setup
    assert "make run PORT=" in setup and "BIND=" in setup and bind in setup


def test_the_guides_proxy_takes_every_body_the_application_takes():
    (nginx,) = code_blocks(guide(), "nginx")
    size = re.search(r"client_max_body_size (\d+)m;", nginx).group(1)
    production = (SETTINGS_DIR / "production.py").read_text()

    assert int(size) * 1024 * 1024 == settings.VAPI_MAX_BODY_BYTES == settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert settings.WEBHOOK_MAX_BODY_BYTES <= settings.VAPI_MAX_BODY_BYTES
    # The header the proxy sets is the one production trusts, and it reaches gunicorn where the guide binds it.
    assert '("HTTP_X_FORWARDED_PROTO", "https")' in production
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in nginx
    assert set(re.findall(r"proxy_pass http://([^;\s]+);", nginx)) == {"127.0.0.1:8000"}
    assert "`BIND=127.0.0.1\nPORT=8000`" in guide() or "`BIND=127.0.0.1 PORT=8000`" in guide()


def listening_sockets(pids: set[int]) -> set[tuple[str, int]]:
    """The TCP addresses the processes ``pids`` listen on, from /proc."""
    inodes = set()
    for pid in pids:
        try:
            for descriptor in Path(f"/proc/{pid}/fd").iterdir():
                target = os.readlink(descriptor)
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        except (FileNotFoundError, PermissionError):
            continue
    found = set()
    for table, width in (("tcp", 8), ("tcp6", 32)):
        for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                address, port = fields[1].split(":")
                raw = bytes.fromhex(address)[::-1] if width == 8 else bytes.fromhex(address)
                host = ".".join(str(byte) for byte in raw) if width == 8 else raw.hex()
                found.add((host, int(port, 16)))
    return found


def process_group(leader: int) -> set[int]:
    pids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == leader:
                    pids.add(int(entry.name))
            except ProcessLookupError:
                continue
    return pids


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads listening sockets from /proc")
def test_the_procfiles_web_line_listens_on_bind_and_port_and_nowhere_else():
    port = free_port()
    environment = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "DJANGO_SETTINGS_MODULE": "contactcenter.settings.test",
        "DJANGO_READ_DOT_ENV": "0",
        "BIND": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
    }
    web = subprocess.Popen(
        ["sh", "-c", procfile()["web"]], cwd=ROOT, env=environment, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip

    def serving() -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    try:
        wait_for(serving, 60, "gunicorn to answer /healthz")
        assert listening_sockets(process_group(web.pid)) == {("127.0.0.1", port)}
    finally:
        os.killpg(web.pid, signal.SIGTERM)
        web.wait(timeout=30)
