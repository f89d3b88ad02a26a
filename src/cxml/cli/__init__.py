"""The ``cxml`` command line: argument parsing only; every command calls the public API a notebook uses."""

from cxml.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
