"""The ``cxml`` command line: argument parsing only; every command calls the public API a notebook uses."""

from cxml.cli.main import main

__all__ = ["main"]
