"""Static int8 quantisation of an exported model (ONNX Runtime's QDQ format).

``facemtl export --int8`` writes a model's convolutions in int8: about 2.5x faster per face
on a CPU for a small accuracy cost (``fast`` 0.2 was ``accurate``'s network so; on the CPU
recipe's network it cost 0.9 points of FER+ validation, so ``fast`` 0.3 ships in float:
docs/MODELS.md). Weights are
quantised per channel; activation ranges come from calibration crops of the *training*
splits (never validation or test), with entropy (KL) calibration; the task heads (Gemm) stay
in float, since they are tiny and the age bins are sensitive to rounding.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from facemtl.data.cache import cached_arrays
from facemtl.io.atomic import atomic_path

#: Calibration crops drawn from each data set's train split, and the batch they run in.
CALIBRATION_PER_DATASET = 320
CALIBRATION_BATCH = 16


def calibration_crops(datasets: dict[str, str], size: int, cache_dir: str | Path,
                      per_dataset: int = CALIBRATION_PER_DATASET, seed: int = 0,
                      framing: str = "dataset") -> np.ndarray:
    """A seeded sample of train-split crops (uint8, N x size x size x 3) per data set, framed
    as the model was trained (its card's ``input.framing``)."""
    rng = np.random.default_rng(seed)
    parts = []
    for dataset, folder in datasets.items():
        arrays = cached_arrays(dataset, folder, "train", cache_dir, ferplus_mode="soft",
                               progress=False, framing=framing)
        chosen = rng.choice(len(arrays), min(per_dataset, len(arrays)), replace=False)
        parts.append(arrays.subset(np.sort(chosen)).resized(size).images)
    if not parts:
        raise ValueError("int8 calibration needs at least one data set (NAME=DIR)")
    crops = np.concatenate(parts)
    return crops[:len(crops) // CALIBRATION_BATCH * CALIBRATION_BATCH]


def quantize_int8(source: str | Path, target: str | Path, crops: np.ndarray) -> Path:
    """Write an int8 (QDQ) copy of the float ONNX ``source`` to ``target``."""
    import onnx
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quant_pre_process,
        quantize_static,
    )

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.batches = iter(
                {"pixels": crops[i:i + CALIBRATION_BATCH].transpose(0, 3, 1, 2)
                 .astype(np.float32)} for i in range(0, len(crops), CALIBRATION_BATCH))

        def get_next(self) -> dict | None:
            return next(self.batches, None)

    target = Path(target)
    with tempfile.TemporaryDirectory() as scratch:
        prepared = Path(scratch) / "prepared.onnx"
        quant_pre_process(str(source), str(prepared))
        heads = [n.name for n in onnx.load(str(prepared)).graph.node if n.op_type == "Gemm"]
        with atomic_path(target) as partial:
            quantize_static(str(prepared), str(partial), Reader(), quant_format=QuantFormat.QDQ,
                            per_channel=True, activation_type=QuantType.QUInt8,
                            weight_type=QuantType.QInt8,
                            calibrate_method=CalibrationMethod.Entropy, nodes_to_exclude=heads)
    return target
