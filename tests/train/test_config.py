"""Training configs are checked whole when read: one line naming the key, never a traceback
from deep inside the optimiser; and a run never changes its caller's config."""

from __future__ import annotations

import dataclasses

import pytest

pytest.importorskip("yaml")

from facemtl.train.config import ConfigError, TrainConfig  # noqa: E402


def write(tmp_path, text: str):
    path = tmp_path / "run.yaml"
    path.write_text(text)
    return path


def test_yaml_exponent_is_read_as_the_number_it_spells(tmp_path):
    """Before: ``lr: 1e-3`` reached AdamW as the string '1e-3' and crashed there."""
    config = TrainConfig.from_file(write(tmp_path, "lr: 1e-3\nfinetune_lr: 1e-4\n"))
    assert config.lr == 0.001 and config.finetune_lr == 0.0001


@pytest.mark.parametrize(("text", "message"), [
    ("lr: fast\n", "key 'lr' must be a number, got 'fast'"),
    ("finetune_lr: soon\n", "key 'finetune_lr' must be a number or null"),
    ("epochs: 2.5\n", "key 'epochs' must be an integer"),
    ("pretrained: 'yes'\n", "key 'pretrained' must be true/false"),
    ("optimizer: adam\n", "key 'optimizer' must be one of adamw, sam, got 'adam'"),
    ("batching: shuffled\n", "key 'batching' must be one of mixed, alternate"),
    ("age_decoder: median\n", "key 'age_decoder' must be one of top2, expectation, argmax"),
    ("datasets: {ferplus: 3}\n", "key 'datasets' must be a mapping of text to text"),
    ("datasets: {ckplus: x}\n", "key 'datasets' names ckplus: training takes"),
    ("loss_weights: {age: heavy}\n", "key 'loss_weights' must be a mapping of text to a number"),
    ("epochs: 0\n", "key 'epochs' must be at least 1"),
    ("lr: -1\n", "'lr' and 'finetune_lr' must be positive"),
    ("device: gpu\n", "key 'device' must be auto, cpu, cuda or cuda:N"),
    ("bogus: 1\n", "unknown config keys ['bogus']"),
    ("- a list\n", "expected a mapping of config keys"),
])
def test_bad_values_name_the_key_and_file(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        TrainConfig.from_file(path)
    line = str(error.value)
    assert message in line and line.startswith(str(path)) and "\n" not in line


def test_flags_are_checked_too():
    with pytest.raises(ConfigError, match="key 'batch_size' must be an integer"):
        TrainConfig.from_file(None, batch_size="64")


def test_the_cli_prints_one_line(tmp_path, capsys):
    from facemtl.cli.main import main

    path = write(tmp_path, "lr: fast\n")
    assert main(["train", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"facemtl: error: {path}: key 'lr' must be a number, got 'fast' (str)"


def test_shipped_configs_are_valid():
    from pathlib import Path

    configs = sorted(Path("configs").glob("*.yaml"))
    assert configs
    for path in configs:
        TrainConfig.from_file(path)


def test_a_run_does_not_change_the_callers_config(tmp_path, ckplus_dir):
    """Before: train() set freeze_batchnorm and labels on the config it was given."""
    pytest.importorskip("torch")
    from facemtl.train.trainer import Trainer
    from tests.data.test_affectnet_folders import make_class_folders

    names = make_class_folders(tmp_path / "mine", ckplus_dir, per_class=2)
    config = TrainConfig(init="fast", datasets={"folder": str(tmp_path / "mine")})
    before = dataclasses.replace(config)
    trainer = Trainer(config)
    assert config == before and config.labels is None and not config.freeze_batchnorm
    assert trainer.config.freeze_batchnorm and trainer.config.labels == names
