"""One way to open onnxruntime sessions, shared by the detector and the face model."""

from __future__ import annotations

from pathlib import Path

import onnxruntime as ort


def cpu_session(model: str | Path | bytes, threads: int = 0, spinning: bool = False
                ) -> ort.InferenceSession:
    """A CPU session; ``threads`` = 0 lets onnxruntime use every core.

    Spinning is switched off: the pipeline alternates between the detector's and the
    model's sessions, and threads left spinning in one starve the other (measured here on
    two cores by ``benchmarks/speed.py``, which times both side by side).
    """
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    source = model if isinstance(model, bytes) else str(model)
    return ort.InferenceSession(source, sess_options=options, providers=["CPUExecutionProvider"])
