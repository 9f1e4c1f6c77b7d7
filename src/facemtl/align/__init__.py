"""Cut face crops out of images: tight boxes (paper 1) or 5-point similarity alignment."""

from facemtl.align.crop import align_face, crop_face, tight_crop

__all__ = ["align_face", "crop_face", "tight_crop"]
