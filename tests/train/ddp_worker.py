"""Run under torchrun by test_distributed.py: train, then save this rank's weights."""

from __future__ import annotations

import sys
from pathlib import Path

import torch
from safetensors.torch import save_file

from promethium.train.config import load_config
from promethium.train.loop.trainer import Trainer


def _main(config: str, out: str) -> None:
    torch.set_num_threads(1)
    trainer = Trainer(load_config(config))
    result = trainer.fit()
    state = {k: v.detach().contiguous() for k, v in trainer.network.state_dict().items()}
    save_file(state, str(Path(out) / f"rank{trainer.world.rank}.safetensors"))
    if trainer.world.is_main:
        (Path(out) / "summary.txt").write_text(result.describe())


if __name__ == "__main__":
    _main(sys.argv[1], sys.argv[2])
