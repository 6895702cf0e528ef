"""The training configuration: the seed's YAML, typed; errors name the key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from promethium.errors import ConfigError
from promethium.train.config import (
    ARCHITECTURES,
    RandomMask,
    apply_overrides,
    load_config,
    parse_config,
)

EXAMPLES = Path(__file__).parents[2] / "examples" / "configs"
SYNTHETIC = {"data": {"synthetic": {}}}


@pytest.mark.parametrize("architecture", sorted(ARCHITECTURES))
def test_each_architecture_has_a_valid_example_with_the_seeds_values(architecture):
    config = load_config(EXAMPLES / f"{architecture}.yaml")
    assert config.model.architecture == architecture
    assert config.training.optimizer.learning_rate == 1e-4  # YAML 1.1 reads "1e-4" as text
    assert config.training.scheduler.factor == 0.5
    assert config.training.scheduler.patience == 10
    assert config.training.mixed_precision is True
    assert config.data.patch_size == (256, 256)
    assert config.data.stride == (128, 128)
    assert config.data.augmentation.noise_std == 0.01
    assert config.inference.precision == "float16"
    raw = yaml.safe_load((EXAMPLES / f"{architecture}.yaml").read_text())
    for key, value in raw["model"]["params"].items():
        given = config.model.params[key]
        assert given == value or (isinstance(given, dict) and value.items() <= given.items())


def test_defaults_are_the_seeds():
    config = parse_config(SYNTHETIC)
    assert config.model.architecture == "unet"
    assert config.model.params == {
        "in_channels": 1,
        "out_channels": 1,
        "features": [64, 128, 256, 512],
        "bottleneck": 1024,
        "dropout": 0.1,
    }
    assert (config.training.epochs, config.training.batch_size) == (100, 16)
    assert config.inference.overlap == 0.5
    assert config.data.masks == [RandomMask()]


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("training.epoch=2", "unknown key 'training.epoch' (known keys: ['batch_size'"),
        ("training.optimizer.type=sgd", "training.optimizer.type='sgd': Input should be 'adamw'"),
        ("training.epochs=two", "training.epochs='two': Input should be a valid integer"),
        ("training.epochs=0", "training.epochs=0: Input should be greater than or equal to 1"),
        ("data.patch_size=[1, 2, 3]", "data.patch_size=[1, 2, 3]: give an int or a pair"),
        ("model.architecture=resnet", "'unet', 'attention_unet', 'residual_unet', 'vae', 'gan'"),
        ("model.params.feature=[8]", "model.params of unet: unknown key 'feature'"),
        ("data.masks=[{kind: holes}]", "does not match any of the expected tags: 'random'"),
        ("data.augmentation.amplitude_scale=[2, 1]", "low <= high"),
        ("data.train_path=/x", "give either train_path and val_path, or synthetic"),
        ("training.device=gpu", "training.device='gpu': unknown device 'gpu'; use auto, cpu"),
        ("inference.aggregate=max", "inference.aggregate='max': Input should be 'mean' or"),
    ],
)
def test_wrong_keys_and_values_name_the_key_and_what_is_allowed(override, message):
    with pytest.raises(ConfigError, match="invalid config") as info:
        parse_config(apply_overrides(SYNTHETIC, [override]))
    assert message in str(info.value)


def test_overrides_reach_any_key_and_parse_values_as_yaml():
    raw = apply_overrides(
        SYNTHETIC,
        [
            "training.epochs=2",
            "training.optimizer.learning_rate=3e-4",
            "data.patch_size=[64, 32]",
            "model.params.features=[8, 16]",
            "training.grad_clip=null",
        ],
    )
    config = parse_config(raw)
    assert config.training.epochs == 2
    assert config.training.optimizer.learning_rate == 3e-4
    assert config.data.patch_size == (64, 32)
    assert config.model.params["features"] == [8, 16]
    assert config.training.grad_clip is None
    assert SYNTHETIC == {"data": {"synthetic": {}}}  # the input is not modified


@pytest.mark.parametrize("bad", ["training.epochs", "=2", "training..epochs=2"])
def test_malformed_overrides_are_refused(bad):
    with pytest.raises(ConfigError, match="must be KEY=VALUE"):
        apply_overrides(SYNTHETIC, [bad])


def test_an_override_into_a_value_is_refused():
    with pytest.raises(ConfigError, match=r"'training\.epochs' is 3, not a section"):
        apply_overrides({"training": {"epochs": 3}}, ["training.epochs.x=1"])


def test_unreadable_and_invalid_files_name_the_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: [unclosed\n")
    with pytest.raises(ConfigError, match="is not valid YAML"):
        load_config(bad)
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("data: {synthetic: {}}\ntraining: {epochs: -1}\n")
    with pytest.raises(ConfigError, match=f"invalid config {wrong}: training.epochs=-1"):
        load_config(wrong)


def test_the_config_is_frozen():
    config = parse_config(SYNTHETIC)
    with pytest.raises(ValueError, match="frozen"):
        config.training.epochs = 3  # type: ignore[misc]


def test_the_architectures_are_the_built_in_network_models():
    from typing import get_args

    from promethium.models.networks.plugin import NETWORK_MODELS
    from promethium.plugins import default_registry
    from promethium.train.config import ModelConfig

    literal = get_args(ModelConfig.model_fields["architecture"].annotation)
    assert list(ARCHITECTURES) == list(NETWORK_MODELS) == list(literal)
    pytest.importorskip("torch")
    from promethium.train.loop.networks import network_class

    for name in ARCHITECTURES:
        module, _, qualname = default_registry().get(name).network.partition(":")
        cls = network_class(name)
        assert (cls.__module__, cls.__qualname__) == (module, qualname)


def test_the_config_modules_keep_every_name_importable_from_the_package():
    import promethium.train.config as config
    from promethium.train.config import data, model, parse, training

    for module in (data, model, parse, training):
        for name in module.__all__:
            assert getattr(config, name) is getattr(module, name)
