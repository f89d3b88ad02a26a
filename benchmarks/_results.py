"""Write one benchmark's section of benchmarks/RESULTS.md, between its markers."""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import shlex
import sys
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")
HEADER = ("# Benchmark results\n\nMeasured on this project's machine (2 CPU cores, 24 GB RAM, no GPU) unless a "
          "section says otherwise. Each section names the command that produced it; baselines are measured "
          "in the same run.\n")


def machine() -> str:
    """One line describing where the numbers were measured."""
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def command() -> str:
    """The command line that is running now, as a user would type it."""
    return "python " + " ".join(shlex.quote(a) for a in sys.argv)


def write_section(name: str, body: str, stamp: bool = True) -> Path:
    """Replace (or append) the section ``name`` of RESULTS.md with ``body``, under a line naming the date, the
    machine and this command (``stamp=False``: a body whose subsections carry their own)."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else HEADER
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    head = "_Each subsection below names the command and date that produced it._"
    if stamp:
        head = f"_{dt.date.today().isoformat()}, {machine()}; command: `{command()}`_"
    block = f"{start}\n{head}\n\n{body.strip()}\n{end}"
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    RESULTS.write_text(text, encoding="utf-8")
    return RESULTS
