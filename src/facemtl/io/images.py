"""Load images from paths, NumPy arrays or PIL images into one form: RGB ``uint8`` (H, W, 3).

Everything the pipeline does downstream assumes that form, so the odd cases (16-bit, grey,
RGBA, CMYK, palette, EXIF orientation, truncated files) are all settled here, once.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from facemtl.errors import InputError

#: Images with more pixels than this are refused (a decompression bomb guard, ~ 16k x 16k).
MAX_PIXELS = 268_435_456

ImageLike = str | os.PathLike | np.ndarray | Image.Image


def load_image(source: ImageLike, *, channel_order: str = "rgb") -> np.ndarray:
    """Return ``source`` as a contiguous RGB ``uint8`` array of shape (H, W, 3).

    ``channel_order`` applies to NumPy arrays only: ``"rgb"`` (PIL, matplotlib, imageio) or
    ``"bgr"`` (OpenCV's ``cv2.imread``). Paths and PIL images carry their own mode.
    """
    if isinstance(source, Image.Image):
        return _pil_to_rgb(source, name="<PIL image>")
    if isinstance(source, np.ndarray):
        return _array_to_rgb(source, channel_order=channel_order)
    if isinstance(source, (str, os.PathLike)):
        return _read_path(Path(source))
    raise InputError(f"unsupported input type {type(source).__name__}: give a path, array or PIL image")


def _read_path(path: Path) -> np.ndarray:
    if not path.exists():
        raise InputError(f"{path}: file not found")
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not an image")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: empty file (0 bytes)")
    return _decode(path, str(path), MAX_PIXELS)


def decode_image(data: bytes, name: str, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Decode an image held in memory (an upload) to RGB ``uint8``, exactly as a file of the
    same bytes would be read. Images over ``max_pixels`` are refused before their pixels
    are decoded; every failure is an ``InputError`` naming ``name``."""
    if not data:
        raise InputError(f"{name}: empty file (0 bytes)")
    return _decode(io.BytesIO(data), name, max_pixels)


def _decode(source: Path | io.BytesIO, name: str, max_pixels: int) -> np.ndarray:
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(source) as image:
            width, height = image.size  # read from the header: nothing decoded yet
            if width * height > max_pixels:
                raise InputError(f"{name}: image too large ({width}x{height} pixels, over "
                                 f"{max_pixels:,})")
            image.load()  # forces decoding now, so truncation is detected here
            return _pil_to_rgb(image, name=name)
    except UnidentifiedImageError:
        raise InputError(f"{name}: not a readable image") from None
    except Image.DecompressionBombError:
        raise InputError(f"{name}: image too large (over {MAX_PIXELS:,} pixels)") from None
    except OSError as error:
        raise InputError(f"{name}: damaged or truncated image ({error})") from None


def _pil_to_rgb(image: Image.Image, *, name: str) -> np.ndarray:
    image = ImageOps.exif_transpose(image)  # phones store rotation in EXIF only
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        return _array_to_rgb(np.asarray(image), channel_order="rgb")
    if image.mode == "F":
        array = np.asarray(image, dtype=np.float32)
        return _array_to_rgb(array, channel_order="rgb")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        # Composite on white: transparent pixels carry arbitrary colours otherwise.
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    rgb = image.convert("RGB")  # grey, palette, CMYK, YCbCr ...
    array = np.asarray(rgb, dtype=np.uint8)
    if array.ndim != 3 or array.shape[2] != 3 or array.size == 0:
        raise InputError(f"{name}: could not convert to an RGB image")
    return np.ascontiguousarray(array)


def _array_to_rgb(array: np.ndarray, *, channel_order: str) -> np.ndarray:
    if channel_order not in ("rgb", "bgr"):
        raise InputError(f"channel_order must be 'rgb' or 'bgr', not {channel_order!r}")
    if array.size == 0:
        raise InputError("empty image array")
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    array = _to_uint8(array)
    if array.ndim == 2:
        return np.ascontiguousarray(np.stack([array] * 3, axis=-1))
    if array.ndim != 3 or array.shape[2] not in (3, 4):
        raise InputError(f"image array of shape {array.shape} is not (H, W), (H, W, 3) or (H, W, 4)")
    if array.shape[2] == 4:
        alpha = array[:, :, 3:4].astype(np.float32) / 255.0
        array = (array[:, :, :3] * alpha + 255.0 * (1.0 - alpha)).round().astype(np.uint8)
    if channel_order == "bgr":
        array = array[:, :, ::-1]
    return np.ascontiguousarray(array)


def _to_uint8(array: np.ndarray) -> np.ndarray:
    if array.dtype == np.uint8:
        return array
    if array.dtype == np.uint16 or (np.issubdtype(array.dtype, np.integer) and array.max() > 255):
        return (array.astype(np.float64) / max(int(array.max()), 1) * 255.0).round().astype(np.uint8)
    if np.issubdtype(array.dtype, np.floating):
        finite = np.nan_to_num(array.astype(np.float64))
        scale = 255.0 if finite.max() <= 1.0 else 1.0
        return np.clip(finite * scale, 0, 255).round().astype(np.uint8)
    if array.dtype == np.bool_:
        return array.astype(np.uint8) * 255
    return np.clip(array, 0, 255).astype(np.uint8)

