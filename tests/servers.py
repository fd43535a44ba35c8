"""Real servers on 127.0.0.1 for tests: the app under waitress, a frozen tree under http.server."""

import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from app import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


@contextmanager
def running(args: list[str], port: int, env: dict | None = None, cwd: Path = PROJECT_ROOT):
    """Start a server process (by sys.executable, so its PID is the server's), yield, stop it."""
    # Output goes to a file, not a pipe: an unread pipe would block a chatty server.
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            args, cwd=cwd, env={**os.environ, **(env or {})}, stdout=log, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        process.output = lambda: (log.seek(0), log.read())[1]
        try:
            wait_for_port(port, process)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@contextmanager
def waitress_app(site_root: Path, threads: int = 4, env: dict | None = None):
    """The app served by waitress, as the README documents; yields the port."""
    port = free_port()
    args = [
        sys.executable, "-m", "waitress", "--host", "127.0.0.1", f"--port={port}", f"--threads={threads}",
        "--call", "app:create_app",
    ]  # fmt: skip
    with running(args, port, {"FLASK_SITE_ROOT": str(site_root), **(env or {})}):
        yield port


@contextmanager
def static_server(directory: Path):
    """A plain static file server over a frozen tree; yields the port."""
    port = free_port()
    args = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(directory)]
    with running(args, port):
        yield port


def raw_get(port: int, path: str) -> tuple[int, dict, bytes]:
    """GET exactly `path` (no client-side normalisation of `..` or escapes)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()
