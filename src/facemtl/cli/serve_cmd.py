"""``facemtl serve``: the REST service and web page (needs the ``[serve]`` extra)."""

from __future__ import annotations

import argparse
import os
import sys

from facemtl.cli.options import add_tau_option, positive
from facemtl.errors import FacemtlError
from facemtl.runtime.registry import DEFAULT_MODEL


def add_serve_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "serve", help="REST service and web page (pip install 'facemtl[serve]')",
        description="Serve /analyze, /analyze/video, /health, /models, a web page at / and "
                    "the API docs at /docs. Binds to 127.0.0.1 unless told otherwise.")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to bind (0.0.0.0 exposes it to the network)")
    parser.add_argument("--port", type=positive(int), default=8000)
    parser.add_argument("--model", default=DEFAULT_MODEL,
                        help=f"default model of the requests (default: {DEFAULT_MODEL})")
    for option, kind, default, text in (
            ("--workers", positive(int), 1, "server processes, each with its own model copy"),
            ("--threads", positive(int), 1, "inference threads per process (requests at once)"),
            ("--queue", positive(int, least=0), 8, "requests that may wait per process; "
                                                   "beyond that: 503"),
            ("--max-upload-mb", positive(float), 25.0, "largest request body (413 beyond)"),
            ("--max-pixels", positive(int), 40_000_000, "largest image in pixels (422 beyond)"),
            ("--timeout", positive(float), 60.0, "seconds a request may take (504 beyond)")):
        parser.add_argument(option, type=kind, default=default, help=f"{text} (default: "
                                                                     f"{default})")
    add_tau_option(parser)
    parser.add_argument("--api-key", default=None,
                        help="require this key in the X-API-Key header (or set "
                             "FACEMTL_API_KEY, which keeps it out of the process list)")
    parser.set_defaults(func=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    if args.port > 65535:
        raise FacemtlError(f"--port must be 1-65535, not {args.port}")
    try:
        import fastapi  # noqa: F401
        import fastapi_offline  # noqa: F401
        import multipart  # noqa: F401
        import uvicorn

        from facemtl.serve.settings import API_KEY_VARIABLE, SETTINGS_VARIABLE, ServeSettings
    except ModuleNotFoundError as error:
        raise FacemtlError(f"'serve' needs the serve extra (pip install 'facemtl[serve]'); "
                           f"missing: {error.name}") from None
    settings = ServeSettings(model=args.model, max_upload_mb=args.max_upload_mb,
                             max_pixels=args.max_pixels, threads=args.threads,
                             queue=args.queue, timeout_s=args.timeout, tau=args.tau,
                             api_key=args.api_key or os.environ.get(API_KEY_VARIABLE))
    from facemtl.runtime import ModelCard, resolve_model

    card = ModelCard.load(resolve_model(settings.model))  # an unknown model fails here
    if card.kind != "analysis":
        raise FacemtlError(f"--model {settings.model}: a {card.kind} model cannot analyse "
                           "faces; choose an analysis model (facemtl models)")
    os.environ[SETTINGS_VARIABLE] = settings.to_environment()
    print(f"facemtl: serving on http://{args.host}:{args.port} (page /, API docs /docs)",
          file=sys.stderr)
    uvicorn.run("facemtl.serve.app:app_from_environment", factory=True, host=args.host,
                port=args.port, workers=args.workers, log_level="warning")
    return 0
