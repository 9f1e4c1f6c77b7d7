from __future__ import annotations

import pytest

from facemtl.io.atomic import atomic_path


def test_atomic_path_replaces_on_success_and_cleans_up_on_error(tmp_path):
    target = tmp_path / "out" / "card.json"
    with atomic_path(target) as partial:
        assert partial.parent == target.parent and partial.suffix == ".json"
        partial.write_text("first")
    assert target.read_text() == "first"
    with pytest.raises(RuntimeError), atomic_path(target) as partial:
        partial.write_text("half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "first"
    assert sorted(p.name for p in target.parent.iterdir()) == ["card.json"]
