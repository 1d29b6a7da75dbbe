"""The embedded PostGIS: a PostgreSQL cluster of the project's own, in ``<data_dir>/postgres``.

Created once with ``initdb``, started with ``pg_ctl`` on 127.0.0.1 only (no Unix socket, so it never
clashes with a system PostgreSQL), on a port derived from the folder's path so that two checkouts on
one machine do not collide. ``initdb`` and the server refuse to run as root: when Gridsight runs as
root, the cluster belongs to the unprivileged ``postgres`` system user and every server command runs
through ``runuser``. A file lock serialises concurrent starts (several workers, tests, the CLI).

Every connection needs a password (SCRAM-SHA-256; ``pg_hba.conf`` trusts nobody). Two login roles:
``gridsight`` (the cluster's superuser: migrations, the coverage engine, imports, the command line)
and ``gridsight_web`` (the web app: not a superuser, owns nothing, member of ``gridsight_app``, the
group the grants go to, see :func:`geo.db.grant_app_role`). Their passwords are generated on the
first start and kept in ``<data_dir>/postgres/credentials.json``, readable by its owner only
(0600). A cluster made by an earlier version (trusting local connections) is upgraded in place on
start: passwords set, ``pg_hba.conf`` rewritten, configuration reloaded.
"""

from __future__ import annotations

import fcntl
import glob
import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geo.errors import DatabaseUnavailable

SUPERUSER = "gridsight"
WEB_USER = "gridsight_web"
APP_GROUP = "gridsight_app"  # the role the web app's grants go to (geo.db.grant_app_role)
DATABASE = "gridsight"
_SERVICE_USER = "postgres"
_INSTALL_HINT = "run 'make setup' (installs postgresql-15-postgis-3) or set DATABASE_URL"
# Loopback TCP only (the cluster has no Unix socket), passwords checked with SCRAM-SHA-256.
PG_HBA = """# Gridsight embedded cluster: every connection needs a password (SCRAM-SHA-256).
# TYPE  DATABASE  USER  ADDRESS        METHOD
host    all       all   127.0.0.1/32   scram-sha-256
"""


def find_bindir(override: Path | None = None) -> Path:
    """Find the folder holding ``initdb``/``pg_ctl``.

    ``override`` (the ``GRIDSIGHT_PG_BIN`` setting) when it holds them, else the newest installed
    PostgreSQL's (the Debian layout, ``/usr/lib/postgresql/<version>/bin``).

    Raises
    ------
    DatabaseUnavailable
        When no PostgreSQL server binaries are installed.
    """
    candidates = [str(override)] if override else []
    candidates += sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True
    )
    for folder in candidates:
        if folder and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    raise DatabaseUnavailable(
        f"No PostgreSQL server is installed (no pg_ctl found): {_INSTALL_HINT}."
    )


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
    bindir: Path | None = None  # the GRIDSIGHT_PG_BIN setting; None: found by find_bindir

    @property
    def data(self) -> Path:
        """The cluster's data directory."""
        return self.root / "data"

    @property
    def log(self) -> Path:
        """The server's log file."""
        return self.root / "postgres.log"

    @property
    def _port_file(self) -> Path:
        return self.root / "port"

    @property
    def credentials_file(self) -> Path:
        """The JSON file of the login roles' passwords (mode 0600)."""
        return self.root / "credentials.json"

    def credentials(self) -> dict[str, str]:
        """Return ``{role: password}`` of the cluster's login roles.

        The file is created on first use, with mode 0600.

        Raises
        ------
        DatabaseUnavailable
            When the file exists but cannot be read or is not what this module writes.
        """
        try:
            stored = json.loads(self.credentials_file.read_text())
        except FileNotFoundError:
            stored = {}
        except (OSError, ValueError) as exc:
            raise DatabaseUnavailable(
                f"Cannot read the embedded cluster's credentials {self.credentials_file}: {exc}. "
                "Expected a JSON object of role: password, readable by this user."
            ) from None
        if not isinstance(stored, dict):
            stored = {}
        wanted = {
            r: str(stored[r]) for r in (SUPERUSER, WEB_USER) if isinstance(stored.get(r), str)
        }
        if len(wanted) < 2:
            wanted = {
                SUPERUSER: secrets.token_urlsafe(24),
                WEB_USER: secrets.token_urlsafe(24),
                **wanted,
            }
            self.root.mkdir(parents=True, exist_ok=True)
            fd = os.open(
                self.credentials_file.with_suffix(".tmp"),
                os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                0o600,
            )
            with os.fdopen(fd, "w") as handle:
                json.dump(wanted, handle)
            os.replace(self.credentials_file.with_suffix(".tmp"), self.credentials_file)
        os.chmod(self.credentials_file, 0o600)
        return wanted

    def url(self, database: str = DATABASE, role: str = SUPERUSER) -> str:
        """Return the SQLAlchemy URL of ``database`` on this cluster as ``role``, with its password.

        ``role`` is SUPERUSER or WEB_USER; the URL works after :meth:`ensure_running`.
        """
        password = self.credentials()[role]
        return f"postgresql+psycopg://{role}:{password}@127.0.0.1:{self.port()}/{database}"

    def port(self) -> int:
        """Return the cluster's TCP port: the one it was started on, else the one it would use."""
        if self._port_file.exists():
            return int(self._port_file.read_text().strip())
        return self.port_hint or _default_port(self.root)

    # -- commands -------------------------------------------------------------------------------
    def _as_root(self) -> bool:
        return os.geteuid() == 0

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [str(find_bindir(self.bindir) / args[0]), *args[1:]]
        if self._as_root():
            cmd = ["runuser", "-u", _SERVICE_USER, "--", *cmd]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if check and result.returncode != 0:
            tail = (result.stdout + result.stderr).strip()[-1500:]
            raise DatabaseUnavailable(
                f"'{' '.join(args[:2])}' failed for the embedded PostgreSQL in {self.data}:"
                f"\n{tail}\n"
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
        pwfile = self.root / ".initdb-password"
        fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(self.credentials()[SUPERUSER] + "\n")
        try:
            if self._as_root():
                entry = pwd.getpwnam(_SERVICE_USER)
                os.chown(pwfile, entry.pw_uid, entry.pw_gid)  # initdb runs as the service user
            self._run(
                "initdb",
                "-D",
                str(self.data),
                "-U",
                SUPERUSER,
                "--auth=scram-sha-256",
                f"--pwfile={pwfile}",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            )
        finally:
            pwfile.unlink(missing_ok=True)
        self._write_hba()
        port = self.port_hint or _default_port(self.root)
        while not _port_free(port):
            port += 1
        self._configure(port)

    def _configure(self, port: int) -> None:
        """Append the server settings (loopback only, no Unix socket, ``port``); note the port."""
        settings = (
            f"\n# --- Gridsight embedded cluster ---\nport = {port}\n"
            "listen_addresses = '127.0.0.1'\nunix_socket_directories = ''\n"
            "shared_buffers = 256MB\nwork_mem = 64MB\nmaintenance_work_mem = 256MB\n"
            "max_connections = 200\nsynchronous_commit = off\njit = off\n"
        )
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(settings)
        self._port_file.write_text(f"{port}\n")

    def _write_hba(self) -> None:
        """Replace ``pg_hba.conf`` (in place, so it keeps its owner and mode) by :data:`PG_HBA`."""
        with open(self.data / "pg_hba.conf", "w") as hba:
            hba.write(PG_HBA)

    def _trusting(self) -> bool:
        """Tell whether ``pg_hba.conf`` still lets anyone in without a password.

        An earlier version of this module wrote such a file.
        """
        hba = (self.data / "pg_hba.conf").read_text()
        lines = [line.split("#", 1)[0].split() for line in hba.splitlines()]
        return any(words and words[-1] == "trust" for words in lines)

    def _secure_in_place(self) -> None:
        """Upgrade a running cluster that trusts local connections to passwords.

        Give the roles their passwords (over the trusting connection), then require them and reload
        the configuration.
        """
        import psycopg

        creds = self.credentials()
        with psycopg.connect(
            host="127.0.0.1",
            port=self.port(),
            user=SUPERUSER,
            dbname="postgres",
            autocommit=True,
            connect_timeout=10,
        ) as conn:
            conn.execute("SET password_encryption = 'scram-sha-256'")
            conn.execute(f'ALTER ROLE "{SUPERUSER}" PASSWORD {_literal(creds[SUPERUSER])}')
            self._write_hba()
            conn.execute("SELECT pg_reload_conf()")

    def is_running(self) -> bool:
        """Tell whether the cluster exists and its server is running (``pg_ctl status``)."""
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
                self._run(
                    "pg_ctl", "start", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60"
                )
            if self._trusting():
                self._secure_in_place()
            self._create_database(DATABASE)
        return self.url()

    def _create_database(self, name: str) -> None:
        import psycopg

        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(
                    host="127.0.0.1",
                    port=self.port(),
                    user=SUPERUSER,
                    dbname="postgres",
                    password=self.credentials()[SUPERUSER],
                    autocommit=True,
                    connect_timeout=5,
                ) as conn:
                    self._ensure_web_role(conn)
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

    def _ensure_web_role(self, conn: Any) -> None:
        """Create (or re-key) ``gridsight_web``, the web app's login role.

        A login that is no superuser, creates no databases or roles, owns nothing, and holds the
        grants of ``gridsight_app``.
        """
        password = _literal(self.credentials()[WEB_USER])
        conn.execute("SET password_encryption = 'scram-sha-256'")
        for role, options in ((APP_GROUP, "NOLOGIN"), (WEB_USER, f"LOGIN PASSWORD {password}")):
            if (
                conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
                is None
            ):
                conn.execute(f'CREATE ROLE "{role}" {options}')
        conn.execute(
            f'ALTER ROLE "{WEB_USER}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION '
            f"NOBYPASSRLS PASSWORD {password}"
        )
        conn.execute(f'GRANT "{APP_GROUP}" TO "{WEB_USER}"')

    def stop(self) -> bool:
        """Stop the server if it runs; True when it was running."""
        with self._lock():
            if not self.is_running():
                return False
            self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w")
            return True


def _literal(value: str) -> str:
    """Quote ``value`` as an SQL string literal (for DDL, which takes no bound parameters)."""
    return "'" + value.replace("'", "''") + "'"
