"""``python -m promethium.train --config c.yaml [--set k=v ...] [--resume] [--export DIR]``.

Runs under ``torchrun --nproc_per_node=N -m promethium.train ...`` as well.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, train, print the summary; 0 on success, 2 on bad input."""
    from promethium.errors import PromethiumError

    parser = argparse.ArgumentParser(
        prog="python -m promethium.train",
        description="Train a Promethium network from the seed's YAML configuration.",
    )
    parser.add_argument("--config", required=True, help="YAML configuration file.")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="Override a configuration key, e.g. --set training.epochs=2 (repeatable).",
    )
    parser.add_argument("--resume", action="store_true", help="Continue the latest checkpoint.")
    parser.add_argument(
        "--tracking-uri",
        help="MLflow tracking store (overrides tracking.tracking_uri and MLFLOW_TRACKING_URI).",
    )
    parser.add_argument(
        "--export",
        metavar="DIR",
        help="Also write the best weights as DIR/<architecture>.safetensors + .json "
        "(recipe, data, metrics, machine, wall time).",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="No progress bar.")
    args = parser.parse_args(argv)
    overrides = list(args.overrides)
    if args.tracking_uri:
        overrides.append(f"tracking.tracking_uri={args.tracking_uri}")
    from promethium.cli.logs import cli_logging
    from promethium.train.run import train

    try:
        with cli_logging(-1 if args.quiet else 1):
            result = train(
                args.config,
                overrides,
                resume=args.resume,
                progress=not args.quiet,
                export=args.export,
            )
    except PromethiumError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if result.world_size == 1 or _is_rank_zero():
        print(result.describe())
    return 0


def _is_rank_zero() -> bool:
    import os

    return os.environ.get("RANK", "0") == "0"


if __name__ == "__main__":
    sys.exit(main())
