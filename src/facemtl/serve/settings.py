"""What a running service is allowed to do: one frozen record, checked once, so the CLI,
the environment (for uvicorn's worker processes) and tests build the same thing."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields

from facemtl.errors import FacemtlError
from facemtl.runtime.registry import DEFAULT_MODEL

#: Environment variable that carries the settings to uvicorn's worker processes.
SETTINGS_VARIABLE = "FACEMTL_SERVE_SETTINGS"
#: Environment variable for the API key, so it need not appear in ``ps`` output.
API_KEY_VARIABLE = "FACEMTL_API_KEY"


@dataclass(frozen=True)
class ServeSettings:
    """Limits and defaults of one service.

    ``threads`` inference threads per process each run one request at a time; up to
    ``queue`` more requests wait, and beyond that the service answers 503 at once rather
    than let memory grow. ``timeout_s`` bounds each request's wait for its result (504).
    """

    model: str = DEFAULT_MODEL
    max_upload_mb: float = 25.0
    max_pixels: int = 40_000_000
    threads: int = 1
    queue: int = 8
    timeout_s: float = 60.0
    api_key: str | None = None
    #: the logit-adjustment strength of every model's expression answer (None: each card's)
    tau: float | None = None

    def __post_init__(self) -> None:
        for name in ("max_upload_mb", "max_pixels", "threads", "timeout_s"):
            if not getattr(self, name) > 0:
                raise FacemtlError(f"serve: {name.replace('_', '-')} must be positive, "
                                   f"not {getattr(self, name)}")
        if self.queue < 0:
            raise FacemtlError(f"serve: queue must be 0 or more, not {self.queue}")
        if self.tau is not None and not self.tau >= 0:
            raise FacemtlError(f"serve: tau must be 0 or more, not {self.tau}")

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    def to_environment(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_environment(cls) -> ServeSettings:
        """The settings the ``facemtl serve`` parent process left for its workers."""
        values = json.loads(os.environ.get(SETTINGS_VARIABLE, "{}"))
        known = {f.name for f in fields(cls)}
        settings = cls(**{k: v for k, v in values.items() if k in known})
        if settings.api_key is None and os.environ.get(API_KEY_VARIABLE):
            settings = cls(**{**asdict(settings), "api_key": os.environ[API_KEY_VARIABLE]})
        return settings
