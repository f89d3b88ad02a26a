"""Demo and benchmark data: a synthetic bilingual web-shop helpdesk and loaders for public data sets.

:func:`make_webshop` (in :mod:`cxml.datasets.webshop`) generates a **synthetic** ticket history, help centre and
web-session log of an invented Finnish web shop; it contains no real customer data. The loaders (in
:mod:`cxml.datasets.public`) read public benchmark sets in place from :func:`data_dir` (``CXML_DATA``, default
``../shared/datasets``); nothing is copied into the project.
"""

from cxml.datasets import public, webshop
from cxml.datasets.public import *  # noqa: F403 (the loaders, listed once in public.__all__)
from cxml.datasets.webshop import *  # noqa: F403 (make_webshop and its vocabularies, listed in webshop.__all__)
from cxml.exceptions import DatasetNotFoundError

__all__ = [*public.__all__, *webshop.__all__, "DatasetNotFoundError"]
