"""Readers for the labelled face data sets, and compact in-memory arrays built from them.

Readers only parse labels and file lists (no torch), so evaluation through the runtime and
training share them.
"""

from facemtl.data.arrays import FaceArrays, build_arrays
from facemtl.data.ckplus import read_ckplus
from facemtl.data.ferplus import read_ferplus
from facemtl.data.samples import Sample
from facemtl.data.utkface import read_utkface, write_utkface_split

__all__ = [
    "FaceArrays",
    "Sample",
    "build_arrays",
    "read_ckplus",
    "read_ferplus",
    "read_utkface",
    "write_utkface_split",
]
