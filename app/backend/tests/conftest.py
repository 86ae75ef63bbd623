"""A throwaway PostgreSQL 15 server on 127.0.0.1 for the backend's tests.

initdb in a temporary folder, a free port, run as a non-root user (postgres, else nobody) when the
tests run as root, stopped and removed afterwards. The binaries come from PG_BIN (default
/usr/lib/postgresql/15/bin; scripts/ensure_postgresql.sh installs them).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
SUPERUSER = "tierstack"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _runner():
    """(preexec_fn, uid, gid): drop to the postgres (or nobody) user when we are root."""
    if os.geteuid() != 0:
        return None, None, None
    for name in ("postgres", "nobody"):
        try:
            user = pwd.getpwnam(name)
            break
        except KeyError:
            continue
    else:
        pytest.skip("running as root and no postgres/nobody user to run PostgreSQL as")

    def demote():
        os.setgid(user.pw_gid)
        os.setuid(user.pw_uid)

    return demote, user.pw_uid, user.pw_gid


class PgServer:
    def __init__(self):
        if not (PG_BIN / "initdb").exists():
            pytest.skip(f"PostgreSQL binaries not found in {PG_BIN} (run scripts/ensure_postgresql.sh)")
        self.demote, self.uid, gid = _runner()
        uid = self.uid
        self.root = Path(tempfile.mkdtemp(prefix="tierstack-pg-"))
        if uid is not None:
            os.chown(self.root, uid, gid)
        self.data = self.root / "data"
        self.port = _free_port()
        self.host = "127.0.0.1"
        self.password = os.urandom(12).hex()

    def _run(self, *args, **kwargs):
        return subprocess.run(  # noqa: S603 - fixed binaries
            [str(a) for a in args], check=True, capture_output=True, preexec_fn=self.demote, cwd=self.root, **kwargs
        )

    def start(self):
        pwfile = self.root / "pw"
        pwfile.write_text(self.password)
        if self.uid is not None:
            os.chown(pwfile, self.uid, -1)
        self._run(PG_BIN / "initdb", "-D", self.data, "-U", SUPERUSER, "--pwfile", pwfile, "-A", "scram-sha-256", "-E", "UTF8")
        pwfile.unlink()
        self._run(
            PG_BIN / "pg_ctl", "-D", self.data, "-l", self.root / "log", "-w", "-t", "60", "start",
            "-o", f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.root}",
        )
        return self

    def stop(self):
        try:
            self._run(PG_BIN / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def dsn(self, user=SUPERUSER, password=None, dbname="postgres"):
        return dict(host=self.host, port=self.port, user=user, password=password or self.password, dbname=dbname)


@pytest.fixture(scope="session")
def pg_server():
    server = PgServer().start()
    try:
        yield server
    finally:
        server.stop()
