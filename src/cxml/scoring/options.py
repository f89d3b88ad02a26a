"""The options of ``cxml score``, shared by :mod:`cxml.cli` and ``python -m cxml.scoring``.

A module of its own so that building the ``cxml`` parser imports neither numpy nor pandas.
"""

from __future__ import annotations

import argparse

#: Where :func:`cxml.scoring.score_file` can run.
ENGINES = ("local", "dask")


def add_score_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the options of ``cxml score`` to ``parser`` (``cxml score`` and ``python -m cxml.scoring``)."""
    parser.add_argument("--model", required=True, help="model directory (a Triage or a helpdesk bundle)")
    parser.add_argument("--input", required=True, help="ticket file: .csv, .jsonl or .parquet")
    parser.add_argument("--output", required=True,
                        help="scores file: .csv, .jsonl or .parquet (parts are kept in OUTPUT.parts/ until done)")
    parser.add_argument("--columns", default=None, metavar="MAP",
                        help="map your column names to cxml's: 'text=title+description,id=ticket_no'")
    parser.add_argument("--chunk-size", type=int, default=10_000, metavar="N",
                        help="rows per chunk and part file (default 10000)")
    parser.add_argument("--resume", action="store_true", help="continue an interrupted run, skipping finished parts")
    parser.add_argument("--overwrite", action="store_true", help="replace OUTPUT if it exists (refused otherwise)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar or progress lines")
    parser.add_argument("--engine", choices=ENGINES, default="local",
                        help="local (default) or dask (needs cxml[dask])")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (default: a local cluster)")
    parser.add_argument("--k-articles", type=int, default=1, metavar="K",
                        help="knowledge-base articles per ticket when the model has a knowledge base (default 1)")
    parser.add_argument("--id-column", default="id", help="ticket id column (default id)")
    return parser
