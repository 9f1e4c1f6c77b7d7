"""Carry a training recipe's cropped data to a lent GPU machine, under its 64 MiB limit.

The trainer reads each data set split from a cache whose name holds a hash of the data
folder's resolved path (``facemtl.data.cache.cache_name``), and the device machine has neither
``../shared/data`` nor this machine's caches (93 MB: more than one call may carry beside the
35 MB working tree). So ``pack`` writes the splits a config trains on into one folder per data
set (a part small enough for one call); ``unpack`` on the device machine writes a part's files
under the names the trainer will look for with the data folder given there (which need not
exist), so ``facemtl train`` runs unchanged.

Each split is resized to the network's input size where its cache is larger (UTKFace: 96 ->
64 px; FER+ stays 48 px) and stored as WebP, quality 90, smaller than the caches' JPEG. The one
difference from training here is that extra encoding: ``pack`` prints, and the manifest
records, how far it moves a pixel on average (grey levels).

    here:  python benchmarks/recipe_pack.py pack .devdata/recipe64
    there: python benchmarks/recipe_pack.py unpack .devdata/recipe64/ferplus --data ../shared/data
(``benchmarks/cpu_recipe_gpu.sh`` runs both sides.)
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
from pathlib import Path

import numpy as np

from facemtl.data.arrays import FaceArrays
from facemtl.data.cache import cache_name, cached_arrays
from facemtl.data.registry import get_dataset
from facemtl.train.config import TrainConfig

MANIFEST = "pack.json"


def cache_key(config: TrainConfig, dataset: str) -> dict[str, str | int | None]:
    """The config keys besides data set and split that name a data set's cache."""
    return {"ferplus_mode": config.ferplus_mode, "framing": config.framing,
            "folder_crop": config.folder_crop, "limit": config.limit,
            "size": config.cache_size(get_dataset(dataset).native_size)}


def pack(config: TrainConfig, out: Path) -> dict[str, dict]:
    """One folder per data set under ``out``, each with its splits and a manifest that
    records the cache key and, per split, how far the WebP copy moved the pixels."""
    parts = {}
    for dataset, folder in config.datasets.items():
        key = cache_key(config, dataset)
        part = out / dataset
        part.mkdir(parents=True, exist_ok=True)
        files = {}
        for split in ("train", get_dataset(dataset).valid_split):
            arrays = cached_arrays(dataset, folder, split, config.cache_dir, progress=False, **key)
            arrays = arrays.resized(min(arrays.size, config.input_size))
            name = f"{split}.npz"
            arrays.save(part / name, quality=90, codec="webp")
            change = np.abs(FaceArrays.load(part / name).images.astype(np.int16) - arrays.images)
            files[name] = {"split": split, "faces": len(arrays), "size": arrays.size,
                           "bytes": (part / name).stat().st_size,
                           "mean_abs_change": round(float(change.mean()), 2)}
        manifest = {"dataset": dataset, "cache_key": key, "files": files}
        (part / MANIFEST).write_text(json.dumps(manifest, indent=1))
        parts[dataset] = manifest
    return parts


def unpack(part: Path, data: Path, cache_dir: Path) -> list[Path]:
    """Copy a part's files to the cache names the trainer computes for ``data/DATASET``."""
    manifest = json.loads((part / MANIFEST).read_text())
    dataset = manifest["dataset"]
    cache_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, entry in manifest["files"].items():
        target = cache_dir / (cache_name(dataset, data / dataset, entry["split"],
                                         **manifest["cache_key"]) + ".npz")
        shutil.copyfile(part / name, target)
        if len(FaceArrays.load(target)) != entry["faces"]:  # broken here, not mid-training
            raise SystemExit(f"{part / name}: holds another number of faces than its manifest")
        written.append(target)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    verbs = parser.add_subparsers(dest="verb", required=True)
    make = verbs.add_parser("pack", help="write the config's splits, one folder per data set")
    make.add_argument("out", type=Path)
    make.add_argument("--config", default="configs/cpu_recipe.yaml")
    make.add_argument("--data", type=Path, default=Path("../shared/data"),
                      help="the folder holding ferplus/ and utkface/")
    make.add_argument("--input-size", type=int,
                      help="the run's input size, if not the config's (e.g. 96)")
    take = verbs.add_parser("unpack", help="put packed parts where the trainer looks")
    take.add_argument("parts", type=Path, nargs="+")
    take.add_argument("--data", type=Path, default=Path("../shared/data"),
                      help="the data folder the training command will name (need not exist)")
    take.add_argument("--cache-dir", type=Path, default=Path(".cache/facemtl"))
    args = parser.parse_args()
    if args.verb == "pack":
        config = TrainConfig.from_file(args.config)
        config = dataclasses.replace(
            config, input_size=args.input_size or config.input_size,
            datasets={name: str(args.data / name)
                      for name in config.datasets or ("ferplus", "utkface")})
        for dataset, manifest in pack(config, args.out).items():
            files = manifest["files"].values()
            changes = ", ".join(f"{f['split']} {f['mean_abs_change']}" for f in files)
            print(f"{args.out / dataset}: {sum(f['bytes'] for f in files) / 2**20:.1f} MiB; "
                  f"mean change of a pixel by the WebP copy (grey levels): {changes}")
    else:
        for part in args.parts:
            for path in unpack(part, args.data, args.cache_dir):
                print(f"wrote {path}")


if __name__ == "__main__":
    main()
