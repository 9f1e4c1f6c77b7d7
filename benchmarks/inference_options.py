"""How the inference options of a trained network were chosen, on *validation* data only:
mirror-image test-time augmentation (flip TTA) on or off, and the age decoder (paper 1's
top-2 expectation, the expectation over all bins, the most probable bin).

    python benchmarks/inference_options.py [--model accurate] [--data ../shared/data]

For the record behind ``accurate`` (its network without the options), first write that
network out plainly: ``facemtl export accurate --out /tmp/plain --name base``, then
``--model /tmp/plain/base.json``.

Runs the model's ONNX on FER+ valid (majority labels) and the seeded UTKFace valid split,
with the runtime's own crops, framed as the card says the model was trained, and writes
benchmarks/results/inference_options-MODEL.json.
The chosen options were then fixed in the model card before any test number was taken.
"""

from __future__ import annotations

import numpy as np
from common import RESULTS, model_arguments

from facemtl.data.arrays import build_arrays
from facemtl.data.cache import dataset_face_finder, read_samples
from facemtl.io.atomic import write_json
from facemtl.runtime import FaceModel
from facemtl.runtime.decode import AGE_DECODERS
from facemtl.scoring import predict_arrays, score_outputs


def main() -> None:
    parser = model_arguments(__doc__, "accurate")
    args = parser.parse_args()
    model = FaceModel.load(args.model)
    tta = model.card.raw.get("inference", {}).get("test_time_augmentation")
    if tta:
        print(f"note: {args.model} already averages flips in its graph; the 'flip' rows "
              "below average it once more")
    results: dict[str, dict] = {"model": model.card.name, "framing": model.card.input.framing,
                                "validation": {}}
    for dataset in ("ferplus", "utkface"):
        samples = read_samples(dataset, args.data / dataset, "valid", ferplus_mode="majority",
                               framing=model.card.input.framing)
        arrays = build_arrays(samples, model.input_size, detect=dataset_face_finder(samples),
                              progress=False)
        plain = predict_arrays(lambda b: model.predict(list(b)), arrays, 128)
        mirrored = predict_arrays(lambda b: model.predict(list(b[:, :, ::-1])), arrays, 128)
        flip = {k: (plain[k] + mirrored[k]) / 2 for k in plain}
        for name, outputs in (("plain", plain), ("flip", flip)):
            decoders = AGE_DECODERS[:3] if dataset == "utkface" else ("top2",)
            for decoder in decoders:
                metrics = score_outputs(arrays, outputs, age_decoder=decoder)
                key = f"{dataset}/{name}" + (f"/age={decoder}" if dataset == "utkface" else "")
                results["validation"][key] = {
                    h: round(v["mae"] if h == "age" else v["accuracy"], 4)
                    for h, v in metrics.items()}
                print(key, results["validation"][key], flush=True)
    out = RESULTS / f"inference_options-{model.card.name}.json"
    write_json(out, results)
    print(f"wrote {out}")


if __name__ == "__main__":
    np.set_printoptions(precision=4)
    main()
