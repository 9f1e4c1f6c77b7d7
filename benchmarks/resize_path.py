"""Does the way a face is resized to the network's input matter? Training cuts each data set
at its native cache size first (``cached_arrays``: FER+ 48 px, UTKFace 96 px) and resizes
those crops to the input size (``FaceArrays.resized``); ``analyze`` and ``evaluate`` cut the
face straight to the input size. Both paths on the same validation faces, side by side:

    python benchmarks/resize_path.py [--model fast] [--data ../shared/data]

FER+ valid (majority labels) and the seeded UTKFace valid split, framed as the card says.
Writes benchmarks/results/resize_path-MODEL.json. For a 96-px model on UTKFace the two paths
are the same (native size = input size).
"""

from __future__ import annotations

from common import RESULTS, model_arguments

from facemtl.data.arrays import build_arrays
from facemtl.data.cache import dataset_face_finder, read_samples
from facemtl.data.registry import get_dataset
from facemtl.io.atomic import write_json
from facemtl.runtime import FaceModel
from facemtl.scoring import predict_arrays, score_outputs


def main() -> None:
    parser = model_arguments(__doc__, "fast")
    args = parser.parse_args()
    model = FaceModel.load(args.model)
    size, age = model.input_size, model.card.head("age").decoder
    results: dict[str, dict] = {}
    for dataset in ("ferplus", "utkface"):
        native = get_dataset(dataset).native_size
        samples = read_samples(dataset, args.data / dataset, "valid", ferplus_mode="majority",
                               framing=model.card.input.framing)
        detect = dataset_face_finder(samples)
        paths = {"straight (analyze, evaluate)": build_arrays(samples, size, detect=detect,
                                                               progress=False),
                 f"via {native} px (training)": build_arrays(samples, native, detect=detect,
                                                             progress=False).resized(size)}
        for path, arrays in paths.items():
            outputs = predict_arrays(lambda b: model.predict(list(b)), arrays, 128)
            metrics = score_outputs(arrays, outputs, age_decoder=age)
            results[f"{dataset}/{path}"] = {
                h: round(m["mae"] if h == "age" else m["accuracy"], 4)
                for h, m in metrics.items() if h != "expression" or dataset == "ferplus"}
            print(dataset, path, results[f"{dataset}/{path}"], flush=True)
    out = RESULTS / f"resize_path-{model.card.name}.json"
    write_json(out, {"command": f"python benchmarks/resize_path.py --model {args.model}",
                     "model": model.card.name, "input_size": size,
                     "framing": model.card.input.framing, "validation": results})
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
