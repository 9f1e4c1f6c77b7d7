"""``facemtl serve``: a REST service and a web page over the same pipeline as the CLI.

FastAPI + uvicorn, behind the ``[serve]`` extra so the core install stays lean. The routes
answer with the rows the CLI writes (``results/rows.py``); limits, errors and the bounded
work queue are in ``limits.py``; the page and its assets ship in ``static/`` (no CDN).
"""

from facemtl.serve.settings import ServeSettings

__all__ = ["ServeSettings", "create_app"]


def create_app(settings: ServeSettings | None = None):  # noqa: ANN201 - FastAPI is optional
    """The ASGI application (imports FastAPI only when called)."""
    from facemtl.serve.app import create_app as create

    return create(settings or ServeSettings())
