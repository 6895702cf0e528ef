"""Self-supervised fine-tuning of a trained network on the user's own survey.

:func:`finetune` (``pm.finetune``, ``promethium finetune``) holds out a fraction of
the survey's live traces, trains the network to restore hidden live traces on the
rest, and saves a new weight set scored on the held-out traces before and after;
``pm.reconstruct(da, model, finetune=True)`` fine-tunes and reconstructs in one call.
The modules are:

- :mod:`~promethium.finetune.settings`: the recipe (:class:`FineTuneSettings`);
- :mod:`~promethium.finetune.start`: the weights it starts from;
- :mod:`~promethium.finetune.run`: the fine-tuning itself;
- :mod:`~promethium.finetune.identity`: the survey's identity for the sidecar;
- :mod:`~promethium.finetune.output`: the output folder, written atomically;
- :mod:`~promethium.finetune.result`: :class:`FineTuneResult`.

Importing this package imports neither torch nor the training code. See
``docs/finetune.md``.
"""

from __future__ import annotations

from promethium.finetune.result import FineTuneResult
from promethium.finetune.run import finetune

__all__ = ["FineTuneResult", "finetune"]
