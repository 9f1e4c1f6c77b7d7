from __future__ import annotations

import numpy as np
import pytest

from facemtl.data import read_ckplus, read_ferplus, read_utkface
from facemtl.data.ferplus import parse_votes
from facemtl.data.utkface import SPLIT_DIR, parse_utkface_name
from facemtl.labels import EMOTIONS, MISSING


def test_parse_votes_majority_soft_and_drops():
    # columns: neutral, happiness, surprise, sadness, anger, disgust, fear, contempt, unknown, NF
    votes = [4, 0, 0, 1, 3, 2, 0, 0, 0, 0]
    majority = parse_votes(votes, "majority")
    assert EMOTIONS[int(np.argmax(majority))] == "neutral" and majority.sum() == 1
    soft = parse_votes(votes, "soft")
    assert soft[EMOTIONS.index("anger")] == pytest.approx(0.3)
    assert soft.sum() == pytest.approx(1.0)
    assert parse_votes([1, 0, 0, 0, 0, 0, 0, 0, 6, 3]) is None  # majority unknown
    assert parse_votes([0, 0, 0, 0, 0, 0, 0, 0, 2, 8]) is None  # majority not a face


def test_ferplus_valid_split(ferplus_dir):
    samples = read_ferplus(ferplus_dir, "valid")
    assert 3300 < len(samples) < 3579  # 3,579 images minus unknown/NF majorities
    assert all(s.path.exists() for s in samples[:20])
    labels = {s.expression_label for s in samples}
    assert labels == set(range(8))


def test_utkface_names_and_masking():
    assert parse_utkface_name("26_1_2_20170116174525125.jpg.chip.jpg") == (26, 1, 2)
    assert parse_utkface_name("61_1_20170109150557335.jpg.chip.jpg") == (61, 1, MISSING)
    assert parse_utkface_name("garbage.jpg") is None


def test_utkface_split_lists_are_disjoint_and_complete(utkface_dir):
    lists = {s: (SPLIT_DIR / f"utkface_{s}.txt").read_text().splitlines()
             for s in ("train", "valid", "test")}
    union = set().union(*lists.values())
    assert sum(len(v) for v in lists.values()) == len(union) == 23707
    samples = read_utkface(utkface_dir, "valid")
    assert len(samples) == len(lists["valid"])
    assert all(s.path.exists() for s in samples)
    # the three files without a race field are kept, with ethnicity masked
    no_race = [s for split in ("train", "valid", "test")
               for s in read_utkface(utkface_dir, split) if s.ethnicity == MISSING]
    assert len(no_race) == 3 and all(s.age != MISSING for s in no_race)


def test_ckplus_counts(ckplus_dir):
    samples = read_ckplus(ckplus_dir)
    assert len(samples) == 981
    counts = np.stack([s.expression for s in samples]).sum(axis=0)
    assert counts[EMOTIONS.index("surprise")] == 249
    assert counts[EMOTIONS.index("contempt")] == 54
    assert counts[EMOTIONS.index("neutral")] == 0
    assert len({s.subject for s in samples}) == 118


def test_ckplus_folds_are_subject_independent(ckplus_dir, tmp_path):
    """FERSNet's 10-fold protocol: every subject in exactly one fold, the repository's file
    reproduces from the seed, and every fold holds test images."""
    from collections import Counter

    from facemtl.data.ckplus import ckplus_folds, read_ckplus, write_ckplus_folds

    folds = ckplus_folds()
    samples = read_ckplus(ckplus_dir)
    assert set(folds) == {s.subject for s in samples} and len(folds) == 118
    assert write_ckplus_folds(ckplus_dir, out=tmp_path / "folds.txt") == folds
    per_fold = Counter(folds[s.subject] for s in samples)
    assert sorted(per_fold) == list(range(10)) and min(per_fold.values()) > 50
    for fold in range(10):
        test = {s.subject for s in samples if folds[s.subject] == fold}
        train = {s.subject for s in samples if folds[s.subject] != fold}
        assert test and test.isdisjoint(train)


def test_ckplus_halves_split_subjects_in_two(ckplus_dir, tmp_path):
    """valid and test halves: disjoint by subject, together all 981 images; the file in the
    repo is what write_ckplus_halves derives from the seeded folds."""
    from facemtl.data.ckplus import HALVES_FILE, ckplus_halves, write_ckplus_halves

    valid, test = read_ckplus(ckplus_dir, "valid"), read_ckplus(ckplus_dir, "test")
    assert not {s.subject for s in valid} & {s.subject for s in test}
    assert len(valid) + len(test) == len(read_ckplus(ckplus_dir)) == 981
    assert write_ckplus_halves(tmp_path / "halves.txt") == ckplus_halves()
    assert (tmp_path / "halves.txt").read_text() == HALVES_FILE.read_text()
    with pytest.raises(ValueError):
        read_ckplus(ckplus_dir, "train")
