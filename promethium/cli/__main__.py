"""``python -m promethium.cli``: the same as the ``promethium`` command."""

from __future__ import annotations

import sys

from promethium.cli.main import main

sys.exit(main())
