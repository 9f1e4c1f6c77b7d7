"""The routes of ``facemtl serve``: ``/health``, ``/models``, ``/analyze``,
``/analyze/video``, the web page at ``/`` and the OpenAPI docs at ``/docs`` (served from the
package, like the page: no CDN).

Every answer is JSON (video: NDJSON lines); every error is ``{"error": one sentence, "file":
name or null}`` with a 4xx status (5xx only for an overloaded or broken server), and the
service keeps serving. Face fields are the CLI's rows (``results/rows.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import secrets
import shutil
import tempfile
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, File, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from facemtl import __version__
from facemtl.analyzer import FaceAnalyzer
from facemtl.detect import RetinaFaceDetector
from facemtl.errors import FacemtlError, InputError
from facemtl.io.images import decode_image
from facemtl.results.video import VideoResult
from facemtl.runtime import ModelCard, available_models, resolve_model
from facemtl.runtime.model import FaceModel
from facemtl.serve.limits import BodyLimit, Busy, WorkQueue
from facemtl.serve.settings import ServeSettings
from facemtl.video.pipeline import VideoAnalyzer

log = logging.getLogger("facemtl.serve")
STATIC = Path(__file__).parent / "static"
RETRY_AFTER_S = 2

EXAMPLE_FACE = {
    "file": "multi_face.jpg", "face": 0, "box": [461.6, 172.3, 93.5, 121.4], "score": 0.9991,
    "landmarks": [[483.1, 219.5], [522.0, 218.1], [500.9, 240.7], [487.7, 262.4],
                  [519.3, 261.3]],
    "emotion": "happiness",
    "emotion_probs": {"anger": 0.0011, "contempt": 0.0046, "disgust": 0.0004, "fear": 0.0002,
                      "happiness": 0.9812, "neutral": 0.0106, "sadness": 0.0009,
                      "surprise": 0.001},
    "valence": 0.71, "arousal": 0.32, "age": 31.4, "gender": "female", "gender_prob": 0.93,
    "ethnicity": "White", "ethnicity_probs": {"White": 0.81, "Black": 0.02, "Asian": 0.05,
                                              "Indian": 0.03, "Others": 0.09}}
EXAMPLE_ANSWER = {"model": "accurate", "files": [
    {"file": "multi_face.jpg", "image_size": [1000, 667],
     "timings": {"detect_ms": 41.2, "model_ms": 28.9}, "faces": [EXAMPLE_FACE]}]}


def error_body(message: str, file: str | None = None) -> dict[str, Any]:
    return {"error": message, "file": file}


def error_response(status: int, message: str, file: str | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(message, file), status_code=status, headers=headers)


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    examples = {
        401: "missing or wrong API key: send it in the X-API-Key header",
        413: "upload too large: the limit is 25 MB",
        415: "send the files as multipart/form-data in the field 'file'",
        422: "photo.jpg: damaged or truncated image (image file is truncated)",
        503: "the service is busy: retry after 2 s",
        504: "no answer within 60 s: the request was too slow",
    }
    return {status: {"description": examples[status], "content": {"application/json": {
        "example": error_body(examples[status], "photo.jpg" if status == 422 else None)}}}
        for status in statuses}


class Engine:
    """Models and detectors loaded once per process and shared by the inference threads
    (ONNX Runtime sessions may be run from several threads at once)."""

    def __init__(self, settings: ServeSettings) -> None:
        self.settings = settings
        self.queue = WorkQueue(settings.threads, settings.queue)
        self._models: dict[str, FaceModel] = {}
        self._detectors: dict[int, RetinaFaceDetector] = {}
        self._lock = threading.Lock()

    def loaded(self, name: str) -> bool:
        return name in self._models

    def analyzer(self, model: str | None, align: bool | None, min_face: int) -> FaceAnalyzer:
        """A pipeline for one request's options, from the shared model and detector."""
        name = model or self.settings.model
        if name not in available_models():
            raise InputError(f"unknown model {name!r}: choose one of "
                             f"{', '.join(available_models())}")
        with self._lock:
            if name not in self._models:
                self._models[name] = FaceModel.load(name, tau=self.settings.tau)
            if min_face not in self._detectors:
                self._detectors[min_face] = RetinaFaceDetector(min_face=min_face)
            return FaceAnalyzer(self._models[name], self._detectors[min_face], align=align)

    def analyze_uploads(self, analyzer: FaceAnalyzer, uploads: list[tuple[str, bytes]],
                        embedding: bool) -> list[dict[str, Any]]:
        """One entry per upload: its faces (the CLI's rows) and timings, or its error; one
        bad file never stops the others."""
        answers = []
        for name, data in uploads:
            try:
                rgb = decode_image(data, name, self.settings.max_pixels)
                result = analyzer.analyze_array(rgb, path=name)
            except InputError as error:
                answers.append(error_body(str(error), name))
                continue
            rows = result.to_dicts(embedding=embedding)
            answers.append({"file": name, "image_size": list(result.image_size),
                            "timings": result.timings,
                            "faces": [row for row in rows if row["face"] is not None]})
        return answers


def create_app(settings: ServeSettings) -> FastAPIOffline:
    engine = Engine(settings)

    @contextlib.asynccontextmanager
    async def lifespan(_: Any) -> AsyncIterator[None]:
        await run_in_threadpool(engine.analyzer, settings.model, None, 20)
        yield
        engine.queue.shutdown()

    app = FastAPIOffline(
        title="facemtl", version=__version__, lifespan=lifespan, redoc_url=None,
        description="Facial expression (8 emotions, valence/arousal), age, gender, ethnicity "
                    "and face embeddings, offline. Face fields are the rows of `facemtl "
                    "analyze --jsonl`. Errors are `{\"error\": ..., \"file\": ...}`.")
    app.state.engine = engine
    app.add_middleware(BodyLimit, max_bytes=settings.max_upload_bytes)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        content_type = request.headers.get("content-type", "")
        if request.method == "POST" and not content_type.startswith("multipart/form-data"):
            return error_response(415, "send the files as multipart/form-data in the field "
                                       f"'file' (got content type {content_type or 'none'!r})")
        first = error.errors()[0]
        field = str(first["loc"][-1]) if first.get("loc") else "request"
        if field == "file" and first.get("type") == "missing":
            return error_response(422, "no file uploaded: send it in the multipart field "
                                       "'file'")
        return error_response(422, f"{field}: {first.get('msg', 'invalid value')}")

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, error: HTTPException) -> JSONResponse:
        return error_response(error.status_code, str(error.detail),
                              headers=getattr(error, "headers", None))

    @app.exception_handler(Exception)
    async def broken(_: Request, error: Exception) -> JSONResponse:
        log.exception("internal error")
        return error_response(500, f"internal error ({type(error).__name__}); the service "
                                   "goes on serving")

    def check_key(request: Request) -> None:
        if not settings.api_key:
            return
        given = request.headers.get("x-api-key") or \
            request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not secrets.compare_digest(given.encode(), settings.api_key.encode()):
            raise HTTPException(401, "missing or wrong API key: send it in the X-API-Key "
                                     "header", headers={"WWW-Authenticate": "X-API-Key"})

    keyed = [Depends(check_key)]

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    @app.get("/health", summary="Is the service up and its model loaded?")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "version": __version__, "model": settings.model,
                "loaded": engine.loaded(settings.model), "busy": engine.queue.active,
                "capacity": engine.queue.capacity, "api_key": bool(settings.api_key)}

    @app.get("/models", dependencies=keyed, responses=_errors(401),
             summary="The bundled models and the figures their cards report")
    async def models() -> dict[str, Any]:
        out = {}
        for name in available_models():
            card = ModelCard.load(resolve_model(name))
            out[name] = {"kind": card.kind, "input_size": card.input.size,
                         "default": name == settings.model,
                         "heads": sorted(card.heads), "metrics": card.raw.get("metrics", {})}
        return {"models": out}

    @app.post("/analyze", dependencies=keyed,
              summary="Faces in one or more images",
              responses={200: {"content": {"application/json": {"example": EXAMPLE_ANSWER}}},
                         **_errors(401, 413, 415, 422, 503, 504)},
              description="Upload images in the multipart field `file` (repeat it for "
                          "several). Each file gets its faces (the CLI's rows) and timings, "
                          "or its own `error`; the answer is 422 only when no file could be "
                          "read.")
    async def analyze(
        file: Annotated[list[UploadFile], File(description="one or more images")],
        model: Annotated[str | None, Query(description="bundled model (default: the "
                                           "server's)", examples=["fast"])] = None,
        embedding: Annotated[bool, Query(description="add the face embedding "
                                         "(L2-normalised)")] = False,
        align: Annotated[bool | None, Query(description="5-point alignment (default: as "
                                            "the model's card says)")] = None,
        min_face: Annotated[int, Query(ge=1, le=4096, description="smallest face side, "
                                       "pixels")] = 20,
    ) -> Any:
        try:
            analyzer = engine.analyzer(model, align, min_face)
        except FacemtlError as error:
            return error_response(422, str(error))
        uploads = [(upload.filename or f"upload-{i}", await upload.read())
                   for i, upload in enumerate(file)]
        try:
            engine.queue.reserve()
        except Busy:
            return busy()
        try:
            answers = await engine.queue.run(settings.timeout_s, engine.analyze_uploads,
                                             analyzer, uploads, embedding)
        except TimeoutError:
            return error_response(504, f"no answer within {settings.timeout_s:g} s: the "
                                       "request was too slow")
        if all("error" in answer for answer in answers):
            first = answers[0]
            return JSONResponse({**first, "files": answers}, status_code=422)
        return {"model": analyzer.model.card.name, "files": answers}

    @app.post("/analyze/video", dependencies=keyed,
              summary="Faces, tracks and emotions in a video, streamed as NDJSON",
              responses={200: {"content": {"application/x-ndjson": {"example": (
                  json.dumps({**EXAMPLE_FACE, "file": "clip.mp4", "frame": 0, "time_s": 0.0,
                              "track": 0, "detected": True}) + "\n"
                  + json.dumps({"summary": {"file": "clip.mp4", "tracks": "..."}}))}}},
                  **_errors(401, 413, 415, 422, 503)},
              description="One JSON line per face per frame (a frame without a face gets "
                          "one line with `face: null`), then one line `{\"summary\": ...}` "
                          "with the per-track and per-video emotion summary (the CLI's "
                          "`video --summary`). A problem found mid-stream ends the stream "
                          "with a line `{\"error\": ..., \"file\": ...}`.")
    async def analyze_video(
        file: Annotated[UploadFile, File(description="one video (mp4, mov, avi, mkv ...)")],
        model: Annotated[str | None, Query(description="bundled model (default: the "
                                           "server's)")] = None,
        fps: Annotated[float | None, Query(gt=0, le=240, description="frames analysed per "
                                           "second (default: all)")] = None,
        embedding: Annotated[bool, Query(description="add the embedding to each row")] = False,
        align: Annotated[bool | None, Query(description="5-point alignment (default: as "
                                            "the model's card says)")] = None,
        min_face: Annotated[int, Query(ge=1, le=4096, description="smallest face side, "
                                       "pixels")] = 20,
    ) -> Any:
        name = file.filename or "upload"
        try:
            analyzer = engine.analyzer(model, align, min_face)
        except FacemtlError as error:
            return error_response(422, str(error))
        suffix = Path(name).suffix.lower()
        handle, temporary = tempfile.mkstemp(
            prefix="facemtl-serve-", suffix=suffix if re.fullmatch(r"\.[a-z0-9]{1,5}", suffix)
            else ".mp4")
        try:
            with os.fdopen(handle, "wb") as out:
                await run_in_threadpool(shutil.copyfileobj, file.file, out)
            engine.queue.reserve()
        except Busy:
            os.unlink(temporary)
            return busy()
        except BaseException:
            os.unlink(temporary)
            raise
        try:
            result: VideoResult = await engine.queue.step(
                VideoAnalyzer(analyzer).analyze, temporary, fps, False, embedding, False)
        except BaseException as error:
            engine.queue.release()
            os.unlink(temporary)
            if isinstance(error, FacemtlError):
                return error_response(422, str(error).replace(temporary, name), name)
            raise
        return StreamingResponse(stream_video(result, name, temporary, embedding),
                                 media_type="application/x-ndjson")

    async def stream_video(result: VideoResult, name: str, temporary: str,
                           embedding: bool) -> AsyncIterator[str]:
        frames: Iterator[Any] = iter(result)
        deadline = asyncio.get_running_loop().time() + settings.timeout_s
        try:
            while (frame := await engine.queue.step(next, frames, None)) is not None:
                for row in frame.to_dicts(name, embedding=embedding):
                    yield json.dumps(row) + "\n"
                if asyncio.get_running_loop().time() > deadline:
                    yield json.dumps(error_body(f"{name}: stopped after {settings.timeout_s:g}"
                                                " s (the per-request limit)", name)) + "\n"
                    return
            report = {**result.report(), "file": name}
            if report.get("damage"):
                report["damage"] = str(report["damage"]).replace(temporary, name)
            yield json.dumps({"summary": report}) + "\n"
        except FacemtlError as error:
            yield json.dumps(error_body(str(error).replace(temporary, name), name)) + "\n"
        finally:
            # the frame being read may still be on its thread: close after it, then free
            # the place and the temporary file
            closing = engine.queue.executor.submit(_close, frames)
            closing.add_done_callback(lambda _: (engine.queue.release(),
                                                 _unlink(temporary)))

    def busy() -> JSONResponse:
        return error_response(503, f"the service is busy: retry after {RETRY_AFTER_S} s",
                              headers={"Retry-After": str(RETRY_AFTER_S)})

    return app


def _close(frames: Iterator[Any]) -> None:
    with contextlib.suppress(Exception):
        frames.close()  # type: ignore[attr-defined]


def _unlink(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def app_from_environment() -> FastAPIOffline:
    """The factory uvicorn's worker processes call (``facemtl serve --workers N``)."""
    return create_app(ServeSettings.from_environment())
