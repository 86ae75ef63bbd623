"""A throwaway PostgreSQL server on loopback, for the rotation tests.

``PgServer`` runs initdb into a temporary folder and starts the server on 127.0.0.1 on a
free port, with SCRAM-SHA-256 password authentication over TCP (what Aurora uses) and every
statement logged, so tests can also check that no password reaches the server's log.
The superuser connects over the Unix socket in the temporary folder (trust), so tests can
create login roles. PostgreSQL refuses to run as root: when the tests run as root, the
server runs as the ``postgres`` system user (created by Debian's postgresql package) via
runuser. ``stop()`` stops the server and deletes the folder.

The binaries come from $TIERSTACK_PG_BINDIR, the newest /usr/lib/postgresql/*/bin, or the
PATH; scripts/ensure_postgresql.sh installs Debian's postgresql when none is found.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg
from psycopg import sql

SUPERUSER = "postgres"


def find_bindir() -> Path | None:
    env = os.environ.get("TIERSTACK_PG_BINDIR")
    if env and Path(env, "initdb").is_file():
        return Path(env)
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True)
    for candidate in candidates:
        if Path(candidate, "initdb").is_file() and Path(candidate, "pg_ctl").is_file():
            return Path(candidate)
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PgServer:
    def __init__(self):
        self.bindir = find_bindir()
        if self.bindir is None:
            raise RuntimeError("PostgreSQL server binaries not found; run scripts/ensure_postgresql.sh (make test does)")
        self.port = None
        self.base = None
        self.os_user = None

    # --- process control ----------------------------------------------------------------------
    def _run(self, *argv, check=True):
        cmd = [str(self.bindir / argv[0]), *argv[1:]]
        if self.os_user:
            cmd = ["runuser", "-u", self.os_user, "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=120)

    def start(self):
        self.base = Path(tempfile.mkdtemp(prefix="tierstack-pg-"))
        if os.geteuid() == 0:
            try:
                entry = pwd.getpwnam("postgres")
            except KeyError as exc:
                raise RuntimeError("running as root needs a 'postgres' system user for the server") from exc
            self.os_user = "postgres"
            os.chown(self.base, entry.pw_uid, entry.pw_gid)
        self.data = self.base / "data"
        self.log = self.base / "server.log"
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth-local=trust",
                  "--auth-host=scram-sha-256", "--encoding=UTF8", "--no-instructions")
        self.port = free_port()
        options = " ".join([
            "-c listen_addresses=127.0.0.1", f"-c port={self.port}", f"-c unix_socket_directories={self.base}",
            "-c password_encryption=scram-sha-256", "-c log_statement=all", "-c fsync=off",
        ])
        result = self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start", check=False)
        if result.returncode != 0:
            raise RuntimeError(f"pg_ctl start failed: {result.stdout}{result.stderr}\n{self.server_log()}")
        return self

    def stop(self):
        if self.base is None:
            return
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)
        finally:
            shutil.rmtree(self.base, ignore_errors=True)
            self.base = None

    def pause(self):
        """Stop the server but keep its data, to simulate an unreachable database."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def resume(self):
        options = " ".join([
            "-c listen_addresses=127.0.0.1", f"-c port={self.port}", f"-c unix_socket_directories={self.base}",
            "-c password_encryption=scram-sha-256", "-c log_statement=all", "-c fsync=off",
        ])
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start")

    def server_log(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    # --- connections --------------------------------------------------------------------------
    def admin(self):
        """A superuser connection over the Unix socket (autocommit)."""
        return psycopg.connect(host=str(self.base), port=self.port, user=SUPERUSER, dbname="postgres", autocommit=True)

    def create_login(self, username: str, password: str, dbname: str = "postgres"):
        """A plain LOGIN role (no superuser, no CREATEROLE), like an application's user."""
        with self.admin() as conn:
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(username), sql.Literal(password)))
            if dbname != "postgres":
                exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone()
                if not exists:
                    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
            conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(dbname), sql.Identifier(username)))

    def can_login(self, username: str, password: str, dbname: str = "postgres") -> bool:
        """Whether a TCP login with this password succeeds (SCRAM over 127.0.0.1)."""
        try:
            with psycopg.connect(host="127.0.0.1", port=self.port, user=username, password=password,
                                 dbname=dbname, connect_timeout=5, sslmode="disable") as conn:
                return conn.execute("SELECT current_user").fetchone()[0] == username
        except psycopg.OperationalError:
            return False

    def stored_verifier(self, username: str) -> str:
        with self.admin() as conn:
            return conn.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", (username,)).fetchone()[0]


def random_name(prefix: str = "app") -> str:
    return f"{prefix}_{secrets.token_hex(4)}"
