"""Exceptions that carry a one-line, user-facing message.

The CLI prints ``str(error)`` for these and moves on to the next file, so every message
names the input and the problem without a traceback.
"""

from __future__ import annotations


class FacemtlError(Exception):
    """Base class of errors that the CLI reports as one line."""


class InputError(FacemtlError):
    """An input file or array cannot be read or is not usable as an image or video."""


class ModelError(FacemtlError):
    """A model or its card is missing, corrupt or inconsistent."""
