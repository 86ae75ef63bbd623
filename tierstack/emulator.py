"""Start, stop and inspect the embedded AWS emulator (moto in server mode).

Usage::

    python -m tierstack.emulator up|down|status|reset

The server listens on 127.0.0.1 and on the port of ``AWS_ENDPOINT_URL``
(default 4566).  ``up`` reuses a server that already answers on that port;
``down`` stops only a server whose pid this module recorded.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

from tierstack import REPO_ROOT

DEFAULT_PORT = 4566
HOST = "127.0.0.1"
START_TIMEOUT = 60.0


def endpoint_port(env=None) -> int:
    """Port named by AWS_ENDPOINT_URL, or the default one."""
    env = os.environ if env is None else env
    url = env.get("AWS_ENDPOINT_URL")
    if url:
        parsed = urlparse(url)
        if parsed.port:
            return parsed.port
    return DEFAULT_PORT


def endpoint_url(port: int | None = None) -> str:
    return f"http://{HOST}:{port or endpoint_port()}"


def state_dir() -> Path:
    path = Path(os.environ.get("TIERSTACK_STATE_DIR", REPO_ROOT / ".emulator"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def pid_file(port: int) -> Path:
    return state_dir() / f"moto-{port}.pid"


def log_file(port: int) -> Path:
    return state_dir() / f"moto-{port}.log"


def _request(url: str, data: bytes | None = None, timeout: float = 2.0) -> bytes:
    req = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - loopback only
        return resp.read()


def answers(port: int, timeout: float = 5.0) -> bool:
    """True when a moto server answers on the port (a cheap call, not a state dump)."""
    try:
        _request(f"{endpoint_url(port)}/moto-api/config", timeout=timeout)
        return True
    except (urllib.error.URLError, OSError):
        return False


def listening(port: int) -> bool:
    """True when something accepts connections on the port."""
    try:
        with socket.create_connection((HOST, port), timeout=1.0):
            return True
    except OSError:
        return False


def _wait_until_answers(port: int, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while not answers(port):
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the emulator exited with {proc.returncode}; see {log_file(port)}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the emulator on port {port} did not answer within {START_TIMEOUT:.0f}s; see {log_file(port)}")
        time.sleep(0.1)


def _own_pid(port: int) -> int | None:
    """The pid we recorded for this port, if that process is still alive."""
    path = pid_file(port)
    try:
        pid = int(path.read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        path.unlink(missing_ok=True)
        return None
    except PermissionError:
        return None
    return pid


def configure(port: int) -> None:
    """Switch off docker-backed Lambda execution (there is no Docker engine)."""
    body = json.dumps({"lambda": {"use_docker": False}}).encode()
    _request(f"{endpoint_url(port)}/moto-api/config", data=body, timeout=5.0)


def reset(port: int | None = None) -> None:
    """Wipe all emulator state."""
    port = port or endpoint_port()
    _request(f"{endpoint_url(port)}/moto-api/reset", data=b"", timeout=10.0)
    configure(port)


def up(port: int | None = None) -> dict:
    """Start the emulator unless one already answers; idempotent."""
    port = port or endpoint_port()
    if listening(port):
        # Reuse whatever serves the port (ours or not); a busy server may be slow to answer.
        _wait_until_answers(port)
        configure(port)
        return {"changed": False, "endpoint": endpoint_url(port), "pid": _own_pid(port)}
    env = dict(os.environ)
    env["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    env.setdefault("AWS_ACCESS_KEY_ID", "testing")
    env.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    with open(log_file(port), "ab") as log:
        proc = subprocess.Popen(  # noqa: S603 - fixed argv
            [sys.executable, "-m", "tierstack.emulator_server", "-H", HOST, "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
    pid_file(port).write_text(f"{proc.pid}\n")
    try:
        _wait_until_answers(port, proc)
    except RuntimeError:
        if proc.poll() is None:
            down(port)
        else:
            pid_file(port).unlink(missing_ok=True)
        raise
    configure(port)
    return {"changed": True, "endpoint": endpoint_url(port), "pid": proc.pid}


def _exited(pid: int) -> bool:
    """Whether the process is gone. When this process started it (up() in the same interpreter, as the
    tests do), it stays a zombie until reaped, and signal 0 still finds it: reap it first."""
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return True
    except ChildProcessError:  # not our child: someone else reaps it
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def down(port: int | None = None) -> dict:
    """Stop the emulator this module started on the port; leave any other alone."""
    port = port or endpoint_port()
    pid = _own_pid(port)
    if pid is None:
        return {"changed": False, "endpoint": endpoint_url(port), "pid": None}
    os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if _exited(pid):
            break
        time.sleep(0.1)
    else:
        os.killpg(pid, signal.SIGKILL)
    pid_file(port).unlink(missing_ok=True)
    return {"changed": True, "endpoint": endpoint_url(port), "pid": pid}


def status(port: int | None = None) -> dict:
    port = port or endpoint_port()
    return {
        "endpoint": endpoint_url(port),
        "answers": answers(port),
        "pid": _own_pid(port),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tierstack.emulator", description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["up", "down", "status", "reset"])
    parser.add_argument("--port", type=int, default=None, help="default: the port of AWS_ENDPOINT_URL, else 4566")
    args = parser.parse_args(argv)
    if args.action == "reset":
        reset(args.port)
        result = status(args.port)
    else:
        result = {"up": up, "down": down, "status": status}[args.action](args.port)
    print(json.dumps(result))
    if args.action == "status" and not result["answers"]:
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
