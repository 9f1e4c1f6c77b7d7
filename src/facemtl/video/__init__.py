"""Video: IoU tracking, batched per-frame analysis, clip and group descriptors, clip
classifiers."""

from facemtl.video.pipeline import VideoAnalyzer
from facemtl.video.summary import GroupStats, RunningStats, VideoSummary, face_features
from facemtl.video.tracker import IouTracker

__all__ = ["GroupStats", "IouTracker", "RunningStats", "VideoAnalyzer", "VideoSummary",
           "face_features"]
