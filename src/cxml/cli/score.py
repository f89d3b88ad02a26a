"""``cxml score`` (and ``python -m cxml.scoring``): parse the options, call :func:`cxml.scoring.score_file`."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from cxml.exceptions import CxmlError
from cxml.io import parse_columns
from cxml.scoring.files import score_file
from cxml.scoring.options import add_score_arguments

__all__ = ["main", "run_score"]


def run_score(args: argparse.Namespace) -> int:
    """Run ``cxml score`` from parsed arguments; returns the exit status."""
    report = score_file(args.model, args.input, args.output, columns=parse_columns(args.columns),
                        chunk_size=args.chunk_size, resume=args.resume, quiet=args.quiet, engine=args.engine,
                        scheduler=args.scheduler, id_column=args.id_column, k_articles=args.k_articles,
                        overwrite=args.overwrite)
    if not args.quiet:
        print(report.summary())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m cxml.scoring``: the same as ``cxml score``."""
    parser = add_score_arguments(argparse.ArgumentParser(prog="cxml score", description=(
        "Score a ticket backlog file in chunks, exactly once and resumably.")))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return run_score(args)
    except (CxmlError, ValueError, FileNotFoundError, ImportError) as exc:
        print(f"cxml score: error: {exc}", file=sys.stderr)
        return 1


