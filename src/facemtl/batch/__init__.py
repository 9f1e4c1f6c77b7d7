"""Batch runs over many files: the per-file work shared by the local engine and the Ray
engine (``run.py``), and the Ray engine itself (``ray_engine.py``, the ``[ray]`` extra)."""

from facemtl.batch.run import FileRun, Outcome, attempt, local_outcomes

__all__ = ["FileRun", "Outcome", "attempt", "local_outcomes"]
