"""Demo and benchmark data: a synthetic bilingual web-shop helpdesk and loaders for public data sets.

:func:`make_webshop` (in :mod:`cxml.datasets.webshop`) generates a **synthetic** ticket history, help centre and
web-session log of an invented Finnish web shop; it contains no real customer data. The loaders (in
:mod:`cxml.datasets.public`) read public benchmark sets in place from :func:`data_dir` (``CXML_DATA``, default
``../shared/datasets``); nothing is copied into the project.
"""

from cxml.datasets.public import (
    data_dir,
    load_banking77,
    load_banking77_oos,
    load_bitext,
    load_bueck,
    load_endava,
    load_stackfaq,
)
from cxml.datasets.webshop import (
    CHANNELS,
    PRIORITIES,
    REASON_TEAMS,
    REASONS,
    SEGMENTS,
    TEAMS,
    WebshopData,
    make_webshop,
)
from cxml.exceptions import DatasetNotFoundError

__all__ = [
    "CHANNELS",
    "PRIORITIES",
    "REASONS",
    "REASON_TEAMS",
    "SEGMENTS",
    "TEAMS",
    "DatasetNotFoundError",
    "WebshopData",
    "data_dir",
    "load_banking77",
    "load_banking77_oos",
    "load_bitext",
    "load_bueck",
    "load_endava",
    "load_stackfaq",
    "make_webshop",
]
