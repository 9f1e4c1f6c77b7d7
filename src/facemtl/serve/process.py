"""``facemtl serve`` as a child process, for tests, benchmarks and scripts that need a real
server on a loopback port (started, waited for, stopped)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ServerProcess:
    """Start ``python -m facemtl serve --port <free port> *options`` and wait until /health
    answers (``url`` then works). Its temporary files go to ``tmp`` (TMPDIR), so that a
    caller can check that none are left (``leftovers()``); its output goes to
    ``tmp/server.log``."""

    def __init__(self, tmp: Path, *options: str, env: dict[str, str] | None = None,
                 start_timeout: float = 90.0) -> None:
        self.tmp = Path(tmp)
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.log = self.tmp / "server.log"
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "facemtl", "serve", "--port", str(port), *options],
                stdout=log, stderr=subprocess.STDOUT,
                env={**os.environ, "TMPDIR": str(self.tmp), **(env or {})})
        deadline = time.time() + start_timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"facemtl serve exited: {self.log.read_text()}")
            if self.healthy():
                return
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"facemtl serve did not answer in {start_timeout:g} s: "
                           f"{self.log.read_text()}")

    @property
    def pid(self) -> int:
        return self.process.pid

    def healthy(self, timeout: float = 1.0) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/health", timeout=timeout) as answer:
                return answer.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def alive(self) -> bool:
        return self.process.poll() is None and self.healthy(timeout=5)

    def rss_mb(self) -> float:
        """The server's resident memory (Linux /proc), in MB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS in /proc status")

    def leftovers(self) -> list[str]:
        return sorted(p.name for p in self.tmp.iterdir() if p.name.startswith("facemtl-"))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
