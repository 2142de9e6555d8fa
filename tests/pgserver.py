"""A throwaway PostgreSQL cluster for the test run, from the local server
binaries. PostgreSQL refuses to run as root, so as root the cluster is
owned by, and run as, the ``postgres`` system user."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from tests.loopback import free_port


def _bindir() -> Path:
    configured = os.environ.get("PG_BINDIR")
    if configured:
        return Path(configured)
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda path: int(Path(path).parent.name))
    if not candidates:
        raise RuntimeError("No PostgreSQL server binaries found: install them or set DATABASE_URL or PG_BINDIR.")
    return Path(candidates[-1])


class PostgresServer:
    """``durable`` keeps PostgreSQL's defaults (fsync, synchronous commit),
    as the load benchmarks want; otherwise durability is off for speed."""

    def __init__(self, *, durable: bool = False) -> None:
        self.durable = durable
        self.bindir = _bindir()
        self.root = Path(tempfile.mkdtemp(prefix="contactcenter-pg-"))
        self.datadir = self.root / "data"
        self.port = free_port()
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
            self.prefix = ["runuser", "-u", "postgres", "--"]

    def _run(self, *command: str) -> None:
        subprocess.run([*self.prefix, *command], check=True, capture_output=True, cwd=self.root)

    def start(self) -> PostgresServer:
        self._run(
            str(self.bindir / "initdb"), "-D", str(self.datadir), "-U", "postgres",
            "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync",
        )  # fmt: skip
        self._options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=200"
        if not self.durable:
            # This cluster is thrown away after the run.
            self._options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._pg_ctl_start()
        return self

    def _pg_ctl_start(self) -> None:
        self._run(
            str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-o", self._options,
            "-l", str(self.root / "server.log"), "-w", "-t", "60", "start",
        )  # fmt: skip

    def crash(self) -> None:
        """Stop the server as a crash would, then start it again: SIGQUIT, an
        immediate shutdown (every backend gone at once, no shutdown checkpoint,
        the WAL not yet written lost), sent at once rather than through
        ``pg_ctl``. It recovers from the WAL that reached its files."""
        postmaster = int((self.datadir / "postmaster.pid").read_text().split()[0])
        os.kill(postmaster, signal.SIGQUIT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                os.kill(postmaster, 0)
            except ProcessLookupError:
                break
            time.sleep(0.01)
        self._pg_ctl_start()

    def url(self, *, user: str = "postgres", database: str = "postgres") -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def execute(self, *statements: str, database: str = "postgres") -> None:
        """Run ``statements`` as the cluster's superuser."""
        import psycopg

        with psycopg.connect(self.url(database=database), autocommit=True) as connection:
            for statement in statements:
                connection.execute(statement)

    def create_roles(self, *, owner: str, runtime: str) -> None:
        """The two roles production has (compliance/database.py): the owner,
        who may create databases (the test database is then its own), and
        the runtime role, which owns nothing. Trust authentication: no passwords."""
        self.execute(f'CREATE ROLE "{owner}" LOGIN CREATEDB', f'CREATE ROLE "{runtime}" LOGIN')

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
