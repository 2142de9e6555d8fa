"""The whole product as production runs it, for the load and fault benchmarks.

A durable PostgreSQL cluster (fsync and synchronous commit on) and a Redis
of their own, then the Procfile's ``release``, ``web``, ``worker``,
``capture``, ``beat`` and ``sealer`` commands with ``contactcenter.settings.production`` and fresh
secrets. Twilio's REST API (recording starts) and the CRM are the loopback
stand-ins from the test suite; nothing leaves the machine.

The methods that break things (``kill_workers``, ``restart_redis``,
``break_database``) are what ``faults.py`` uses.
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import requests
from common import ROOT
from cryptography.fernet import Fernet

from tests.crm_api import FakeCrm
from tests.loopback import free_port, wait_for
from tests.pgserver import PostgresServer
from tests.twilio_api import FakeTwilioApi

PUBLIC_BASE_URL = "https://contactcenter.bench.example"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
DATABASE = "contactcenter"
# As production: the tables' owner migrates (release); web, worker and beat
# run as a role that may only read and append to the ledgers.
OWNER_ROLE, RUNTIME_ROLE = "contactcenter_owner", "contactcenter_app"


def procfile(checkout: Path = ROOT) -> dict[str, str]:
    lines = (checkout / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip() and not line.startswith("#"))


class Stack:
    def __init__(self, *, environment: dict[str, str] | None = None, checkout: Path = ROOT) -> None:
        """``checkout``: the tree whose Procfile and code run (another commit's worktree, to compare
        it with this one in the same run); this venv runs it."""
        self.checkout = checkout
        self.run_dir = Path(tempfile.mkdtemp(prefix="contactcenter-bench-"))
        self.port = free_port()
        self.redis_port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.processes: dict[str, subprocess.Popen] = {}
        self.extra_environment = environment or {}

    # --- Start and stop ---------------------------------------------------------------

    def start(self) -> Stack:
        self.postgres = PostgresServer(durable=True).start()
        try:
            self.admin_url = f"postgresql://postgres@127.0.0.1:{self.postgres.port}/postgres"
            self.postgres.create_roles(owner=OWNER_ROLE, runtime=RUNTIME_ROLE)
            with psycopg.connect(self.admin_url, autocommit=True) as connection:
                connection.execute(f"CREATE DATABASE {DATABASE} OWNER {OWNER_ROLE}")
            self.twilio_api = FakeTwilioApi().start()
            self.crm = FakeCrm().start()
            self._start_redis()
            self.env = {
                **os.environ,
                "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
                "PYTHONPATH": str(self.checkout),
                "PORT": str(self.port),
                "DJANGO_SETTINGS_MODULE": "contactcenter.settings.production",
                "DJANGO_READ_DOT_ENV": "0",
                "SECRET_KEY": secrets.token_urlsafe(50),
                "ALLOWED_HOSTS": "127.0.0.1",
                "DATABASE_URL": f"postgres://{RUNTIME_ROLE}@127.0.0.1:{self.postgres.port}/{DATABASE}",
                "AUDIT_CHECKPOINT_SIGNING_KEY": base64.b64encode(os.urandom(32)).decode(),
                "AUDIT_CHECKPOINT_DIR": str(self.run_dir / "checkpoints"),
                "CELERY_BROKER_URL": f"redis://127.0.0.1:{self.redis_port}/0",
                "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
                "TWILIO_ACCOUNT_SID": "AC" + secrets.token_hex(16),
                "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
                "TWILIO_API_BASE_URL": self.twilio_api.url,
                "VAPI_AUTH": "hmac",
                "VAPI_WEBHOOK_SECRET": secrets.token_urlsafe(32),
                "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
                "IDENTIFIER_HASH_KEY": secrets.token_urlsafe(32),
                "CRM_ADAPTER": "webhook",
                "CRM_WEBHOOK_URL": self.crm.url + "/hook",
                "CRM_WEBHOOK_SECRET": secrets.token_urlsafe(32),
                "LOG_LEVEL": "INFO",
                **self.extra_environment,
            }
            commands = procfile(self.checkout)
            owner = {"DATABASE_OWNER_URL": f"postgres://{OWNER_ROLE}@127.0.0.1:{self.postgres.port}/{DATABASE}"}
            release = {**self.env, **owner}
            subprocess.run(["sh", "-c", commands["release"]], cwd=self.checkout, env=release, check=True, timeout=300)
            for name in ("web", "worker", "capture", "beat", "sealer"):
                if name in commands:  # an older checkout may not have them all
                    self._spawn(name, commands[name])
            wait_for(self._serving, 60, "gunicorn to answer /readyz")
            wait_for(lambda: "ready." in self.log("worker"), 60, "the Celery worker")
            wait_for(lambda: "ready." in self.log("capture"), 60, "the capture worker")
        except BaseException:
            self.stop()
            raise
        return self

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> None:
        for process in self.processes.values():
            _signal_group(process, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait()
        if hasattr(self, "redis"):
            self.redis.kill()
            self.redis.wait()
        for server in (getattr(self, "twilio_api", None), getattr(self, "crm", None)):
            if server is not None:
                server.stop()
        self.postgres.stop()
        shutil.rmtree(self.run_dir, ignore_errors=True)

    def _spawn(self, name: str, command: str) -> None:
        if name == "beat":  # its schedule file goes with the run, not into the checkout
            command += f" --schedule {self.run_dir / 'beat-schedule'}"
        log = (self.run_dir / f"{name}.log").open("a")
        # Its database connections carry its name, so that their backends' CPU is its own.
        self.processes[name] = subprocess.Popen(
            ["sh", "-c", f"exec {command}"], cwd=self.checkout, env={**self.env, "PGAPPNAME": name},
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def _start_redis(self) -> None:
        self.redis = subprocess.Popen(
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        wait_for(self._redis_up, 10, "Redis")

    def log(self, name: str) -> str:
        path = self.run_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def _serving(self) -> bool:
        try:
            return requests.get(self.base_url + "/readyz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def _redis_up(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.redis_port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    # --- Looking inside ---------------------------------------------------------------

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(self.env["DATABASE_URL"].replace("postgres://", "postgresql://", 1)) as connection:
            return connection.execute(sql, params).fetchall()

    def manage(self, *arguments: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *arguments],
            cwd=self.checkout, env=self.env, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip

    def outstanding(self, *, due_only: bool = False) -> int:
        """Work not yet done: inbox events not applied, segments awaiting
        redaction, CRM deliveries not yet delivered (``due_only``: those whose
        time has come; a call's write waits out CRM_SETTLE_SECONDS, and a Vapi
        call's for its end-of-call report, by design)."""
        due = " AND available_at <= now()" if due_only else ""
        return self.query(
            "SELECT (SELECT count(*) FROM calls_inboundevent WHERE status IN ('pending', 'processing'))"
            " + (SELECT count(*) FROM calls_transcriptsegment WHERE status = 'pending')"
            f" + (SELECT count(*) FROM calls_crmdelivery WHERE status = 'delivering' OR status = 'pending'{due})"
        )[0][0]

    def drain(self, timeout: float) -> float:
        """Seconds until nothing due is outstanding: how far the workers were
        behind. Returns once everything is done, CRM writes still settling
        included, so that a CPU reading taken next holds all of a run's work."""
        started = time.monotonic()
        wait_for(lambda: self.outstanding(due_only=True) == 0, timeout, "the workers to drain")
        behind = time.monotonic() - started
        wait_for(lambda: self.outstanding() == 0, timeout, "the CRM writes to settle")
        return behind

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time (user and system) used so far by each part of the stack,
        by this process (the load generator), and by the whole machine.
        Differences between two readings say where a run's CPU went."""
        sessions = {process.pid: name for name, process in self.processes.items()}
        used = dict.fromkeys([*self.processes, "postgres", "redis", "generator", "machine"], 0.0)
        used |= {f"postgres {name}": 0.0 for name in self.processes}
        backends = self._backends()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # it ended while we looked
                continue
            command = stat[stat.index("(") + 1 : stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2 :].split()
            session = int(fields[3])
            own, children = int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])
            # A server's children that have ended (database connections
            # closed, workers recycled) count in their parent's children's time.
            if session in sessions:
                used[sessions[session]] += (own + children) / CLOCK_TICKS
            elif command in ("postgres", "redis-server"):
                used[command.removesuffix("-server")] += (own + children) / CLOCK_TICKS
                if (client := backends.get(int(entry.name))) in self.processes:
                    used[f"postgres {client}"] += own / CLOCK_TICKS
            elif int(entry.name) == os.getpid():
                used["generator"] += own / CLOCK_TICKS
        user, nice, system, _idle, _iowait, irq, softirq = map(int, Path("/proc/stat").read_text().split()[1:8])
        used["machine"] = (user + nice + system + irq + softirq) / CLOCK_TICKS  # not idle, iowait or steal
        return used

    def _backends(self) -> dict[int, str]:
        """Each PostgreSQL backend's process id, and the application it serves (``PGAPPNAME``)."""
        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            return dict(connection.execute("SELECT pid, application_name FROM pg_stat_activity").fetchall())

    # --- Faults ---------------------------------------------------------------------

    def kill_workers(self) -> int:
        """SIGKILL the Celery worker and its pool processes, then start it
        again, as a process supervisor would. Returns how many were killed."""
        worker = self.processes["worker"]
        children = subprocess.run(
            ["pgrep", "-g", str(worker.pid)], capture_output=True, text=True, check=False
        ).stdout.split()
        _signal_group(worker, signal.SIGKILL)
        worker.wait()
        self._spawn("worker", procfile()["worker"])
        return len(children)

    def replace_worker(self, command: str) -> None:
        """Stop the Celery worker (SIGTERM: it finishes its tasks) and start
        ``command`` in its place (what says it is ready is the caller's:
        below INFO it logs nothing)."""
        worker = self.processes["worker"]
        _signal_group(worker, signal.SIGTERM)
        worker.wait(timeout=60)
        (self.run_dir / "worker.log").unlink(missing_ok=True)
        self._spawn("worker", command)

    @contextlib.contextmanager
    def workers_paused(self) -> Iterator[None]:
        """The Celery worker stopped (SIGSTOP) for the block, and continued
        after it: the web tier with the machine to itself."""
        _signal_group(self.processes["worker"], signal.SIGSTOP)
        try:
            yield
        finally:
            _signal_group(self.processes["worker"], signal.SIGCONT)

    def restart_redis(self, down_seconds: float = 1.0) -> None:
        """Kill Redis (no persistence: every queued message is lost) and start it again."""
        self.redis.kill()
        self.redis.wait()
        time.sleep(down_seconds)
        self._start_redis()

    def crash_database(self) -> None:
        """Crash the PostgreSQL server and start it again (``PostgresServer.crash``)."""
        self.postgres.crash()

    def break_database(self, seconds: float) -> None:
        """Cut every connection to the application's database and refuse new
        ones for ``seconds``, with PostgreSQL itself still up."""
        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(f"ALTER DATABASE {DATABASE} WITH ALLOW_CONNECTIONS false")
            connection.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (DATABASE,))
            time.sleep(seconds)
            connection.execute(f"ALTER DATABASE {DATABASE} WITH ALLOW_CONNECTIONS true")


def _signal_group(process: subprocess.Popen, sig: signal.Signals) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass
