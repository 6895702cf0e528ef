"""Training of the built-in networks from the seed's YAML configuration.

``python -m promethium.train --config config.yaml [--set key=value ...] [--resume]``
or ``promethium train ...``; under ``torchrun`` it trains with DistributedDataParallel.
Importing this package imports neither torch nor data; the modules are:

- :mod:`~promethium.train.config`: the typed configuration (``model``, ``data``,
  ``training``, ``inference``) and ``--set`` overrides;
- :mod:`~promethium.train.data`: patch sources (SEG-Y, Zarr, synthetic), masks,
  normalisation and augmentation, in an order fixed by (seed, epoch);
- :mod:`~promethium.train.checkpoint`: atomic, pickle-free checkpoints;
- :mod:`~promethium.train.loop`: the trainer.

See ``docs/training.md``.
"""
