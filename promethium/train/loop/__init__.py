"""The training loop: :class:`~promethium.train.loop.trainer.Trainer` and its parts.

- :mod:`~promethium.train.loop.networks`: the network of a configuration, its
  objective (the networks' own ``loss`` methods) and the precision to train at;
- :mod:`~promethium.train.loop.distributed`: process group, ranks and all-reduces
  under ``torchrun``;
- :mod:`~promethium.train.loop.callbacks`: hooks called by the loop, and the rich
  progress bar;
- :mod:`~promethium.train.loop.trainer`: the loop, checkpoints and resume.
"""
