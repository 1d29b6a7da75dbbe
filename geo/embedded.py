"""The embedded PostGIS: a PostgreSQL cluster of the project's own, in ``<data_dir>/postgres``.

Created once with ``initdb``, started with ``pg_ctl`` on 127.0.0.1 only (no Unix socket, so it never
clashes with a system PostgreSQL), on a port derived from the folder's path so that two checkouts on
one machine do not collide. ``initdb`` and the server refuse to run as root: when Gridsight runs as
root, the cluster belongs to the unprivileged ``postgres`` system user and every server command runs
through ``runuser``. A file lock serialises concurrent starts (several workers, tests, the CLI).
"""

from __future__ import annotations

import fcntl
import glob
import os
import pwd
import shutil
import socket
import subprocess
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from geo.errors import DatabaseUnavailable

SUPERUSER = "gridsight"
DATABASE = "gridsight"
_SERVICE_USER = "postgres"
_INSTALL_HINT = "run 'make setup' (installs postgresql-15-postgis-3) or set DATABASE_URL"


def find_bindir() -> Path:
    """The folder holding ``initdb``/``pg_ctl`` of the newest installed PostgreSQL (Debian layout).

    Raises
    ------
    DatabaseUnavailable
        When no PostgreSQL server binaries are installed.
    """
    override = os.environ.get("GRIDSIGHT_PG_BIN")
    candidates = [override] if override else []
    candidates += sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True
    )
    for folder in candidates:
        if folder and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    raise DatabaseUnavailable(f"No PostgreSQL server is installed (no pg_ctl found): {_INSTALL_HINT}.")


def _default_port(folder: Path) -> int:
    return 20000 + zlib.crc32(str(folder.resolve()).encode()) % 20000


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@dataclass(frozen=True)
class EmbeddedCluster:
    """The project's own PostgreSQL cluster under ``root`` (``<data_dir>/postgres``)."""

    root: Path
    port_hint: int | None = None

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "postgres.log"

    @property
    def _port_file(self) -> Path:
        return self.root / "port"

    def url(self, database: str = DATABASE) -> str:
        """SQLAlchemy URL of ``database`` on this cluster (after :meth:`ensure_running`)."""
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port()}/{database}"

    def port(self) -> int:
        if self._port_file.exists():
            return int(self._port_file.read_text().strip())
        return self.port_hint or _default_port(self.root)

    # -- commands -------------------------------------------------------------------------------
    def _as_root(self) -> bool:
        return os.geteuid() == 0

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [str(find_bindir() / args[0]), *args[1:]]
        if self._as_root():
            cmd = ["runuser", "-u", _SERVICE_USER, "--", *cmd]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if check and result.returncode != 0:
            tail = (result.stdout + result.stderr).strip()[-1500:]
            raise DatabaseUnavailable(
                f"'{' '.join(args[:2])}' failed for the embedded PostgreSQL in {self.data}:\n{tail}\n"
                f"See {self.log}. To start afresh: 'make stop' and delete {self.root}."
            )
        return result

    @contextmanager
    def _lock(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root.parent / ".postgres.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _prepare_root_for_service_user(self) -> None:
        """As root, hand the cluster folder to ``postgres`` and make sure it can reach it."""
        try:
            entry = pwd.getpwnam(_SERVICE_USER)
        except KeyError:
            raise DatabaseUnavailable(
                f"Running as root needs the '{_SERVICE_USER}' system user to own the embedded "
                f"cluster (initdb refuses root), and it does not exist: {_INSTALL_HINT}."
            ) from None
        os.chown(self.root, entry.pw_uid, entry.pw_gid)
        # The service user must be able to traverse every parent folder (execute bit only).
        for parent in self.root.resolve().parents:
            mode = parent.stat().st_mode
            if not mode & 0o001:
                os.chmod(parent, mode | 0o001)

    def initialise(self) -> None:
        """Run ``initdb`` once and write the server settings; a no-op when the cluster exists."""
        if (self.data / "PG_VERSION").exists():
            return
        self.root.mkdir(parents=True, exist_ok=True)
        if self._as_root():
            self._prepare_root_for_service_user()
        if self.data.exists():
            shutil.rmtree(self.data)  # a half-made cluster from an interrupted initdb
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust",
                  "-E", "UTF8", "--locale=C.UTF-8")
        port = self.port_hint or _default_port(self.root)
        while not _port_free(port):
            port += 1
        settings = (
            f"\n# --- Gridsight embedded cluster ---\nport = {port}\n"
            "listen_addresses = '127.0.0.1'\nunix_socket_directories = ''\n"
            "shared_buffers = 256MB\nwork_mem = 64MB\nmaintenance_work_mem = 256MB\n"
            "max_connections = 200\nsynchronous_commit = off\njit = off\n"
        )
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(settings)
        self._port_file.write_text(f"{port}\n")

    def is_running(self) -> bool:
        if not (self.data / "PG_VERSION").exists():
            return False
        return self._run("pg_ctl", "status", "-D", str(self.data), check=False).returncode == 0

    def ensure_running(self) -> str:
        """Create the cluster if needed, start it if stopped, create the database; return its URL.

        Raises
        ------
        DatabaseUnavailable
            With the reason and what to do, when it cannot be created or started.
        """
        with self._lock():
            self.initialise()
            if not self.is_running():
                if not _port_free(self.port()):
                    raise DatabaseUnavailable(
                        f"Port {self.port()} on 127.0.0.1, used by the embedded PostgreSQL in "
                        f"{self.data}, is taken by another program. Stop it, or edit 'port' in "
                        f"{self.data / 'postgresql.conf'} and {self._port_file}."
                    )
                self._run("pg_ctl", "start", "-D", str(self.data), "-l", str(self.log), "-w",
                          "-t", "60")
            self._create_database(DATABASE)
        return self.url()

    def _create_database(self, name: str) -> None:
        import psycopg

        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(
                    host="127.0.0.1", port=self.port(), user=SUPERUSER, dbname="postgres",
                    autocommit=True, connect_timeout=5,
                ) as conn:
                    exists = conn.execute(
                        "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
                    ).fetchone()
                    if not exists:
                        conn.execute(f'CREATE DATABASE "{name}"')
                    return
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise DatabaseUnavailable(
                        f"The embedded PostgreSQL on 127.0.0.1:{self.port()} does not accept "
                        f"connections: {exc}. See {self.log}."
                    ) from None
                time.sleep(0.3)

    def stop(self) -> bool:
        """Stop the server if it runs; True when it was running."""
        with self._lock():
            if not self.is_running():
                return False
            self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w")
            return True
