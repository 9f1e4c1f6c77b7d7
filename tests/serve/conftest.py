"""A real ``facemtl serve`` process on a free loopback port, for the service tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

pytest.importorskip("fastapi", reason="the service tests need the serve extra "
                                      "(pip install -e '.[serve]')")
pytest.importorskip("fastapi_offline", reason="the service tests need the serve extra")
pytest.importorskip("requests", reason="the service tests need requests ([dev] extra)")

from facemtl.serve.process import ServerProcess  # noqa: E402

Server = ServerProcess


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One inference thread and no waiting room, so that a second request while a video
    streams is refused (503); 2 MB uploads at most."""
    with Server(tmp_path_factory.mktemp("serve"), "--threads", "1", "--queue", "0",
                "--max-upload-mb", "2", "--max-pixels", "20000000") as running:
        yield running
