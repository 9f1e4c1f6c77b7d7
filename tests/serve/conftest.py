"""A real ``facemtl serve`` process on a free loopback port, for the service tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the service tests need the serve extra "
                                      "(pip install -e '.[serve]')")
pytest.importorskip("fastapi_offline", reason="the service tests need the serve extra")
requests = pytest.importorskip("requests", reason="the service tests need requests")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """``python -m facemtl serve`` with the given options; ``url`` once it answers /health.
    Its temporary files go to ``tmp`` so that a test can see that none are left."""

    def __init__(self, tmp: Path, *options: str, env: dict[str, str] | None = None) -> None:
        self.tmp = tmp
        self.url = f"http://127.0.0.1:{free_port()}"
        port = self.url.rsplit(":", 1)[1]
        self.log = tmp / "server.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "facemtl", "serve", "--port", port, *options],
            stdout=self.log.open("w"), stderr=subprocess.STDOUT,
            env={**os.environ, "TMPDIR": str(tmp), **(env or {})})
        deadline = time.time() + 90
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()}")
            try:
                if requests.get(f"{self.url}/health", timeout=1).ok:
                    return
            except requests.ConnectionError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"server did not start in 90 s: {self.log.read_text()}")

    def alive(self) -> bool:
        return self.process.poll() is None and requests.get(f"{self.url}/health",
                                                            timeout=5).ok

    def leftovers(self) -> list[str]:
        return sorted(p.name for p in self.tmp.iterdir() if p.name.startswith("facemtl-"))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One inference thread and no waiting room, so that a second request while a video
    streams is refused (503); 2 MB uploads at most."""
    running = Server(tmp_path_factory.mktemp("serve"), "--threads", "1", "--queue", "0",
                     "--max-upload-mb", "2", "--max-pixels", "20000000")
    yield running
    running.stop()
