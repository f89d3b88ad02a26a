"""Knowledge suggestion: the right help article or past answer for a ticket, in the ticket's language.

:class:`KnowledgeBase` is the facade; its parts live beside it:

- :mod:`cxml.knowledge.retrieval`: passages, the lexical (BM25) and dense (faiss) indexes, rank fusion, article
  files;
- :mod:`cxml.knowledge.base`: the :class:`KnowledgeBase` itself (articles, past tickets, feedback, gaps).
"""

from cxml.exceptions import NotFittedError
from cxml.knowledge.base import KnowledgeBase

__all__ = ["KnowledgeBase", "NotFittedError"]
