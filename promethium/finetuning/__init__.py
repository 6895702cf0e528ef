"""Self-supervised fine-tuning of a trained network on the user's own survey.

The package is ``promethium.finetuning``; its front door is the function
``pm.finetune`` (a package of that name would be hidden by it).

:func:`finetune` (``pm.finetune``, ``promethium finetune``) holds out a fraction of
the survey's live traces, trains the network to restore hidden live traces on the
rest, and saves a new weight set scored on the held-out traces before and after;
``pm.reconstruct(da, model, finetune=True)`` fine-tunes and reconstructs in one call.
The modules are:

- :mod:`~promethium.finetuning.settings`: the recipe (:class:`FineTuneSettings`);
- :mod:`~promethium.finetuning.start`: the weights it starts from;
- :mod:`~promethium.finetuning.run`: the fine-tuning itself;
- :mod:`~promethium.finetuning.identity`: the survey's identity for the sidecar;
- :mod:`~promethium.finetuning.output`: the output folder, written atomically;
- :mod:`~promethium.finetuning.result`: :class:`FineTuneResult`.

Importing this package imports neither torch nor the training code. See
``docs/finetune.md``.
"""

from __future__ import annotations

from promethium.finetuning.result import FineTuneResult
from promethium.finetuning.run import finetune

__all__ = ["FineTuneResult", "finetune"]
