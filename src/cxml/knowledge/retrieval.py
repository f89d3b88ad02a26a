"""The retrieval building blocks under their former home (re-exports; the parts live beside it).

:mod:`~cxml.knowledge.passages`, :mod:`~cxml.knowledge.lexical`, :mod:`~cxml.knowledge.dense`,
:mod:`~cxml.knowledge.fusion`, :mod:`~cxml.knowledge.articles` and :mod:`~cxml.knowledge.gaps` hold them now;
``from cxml.knowledge.retrieval import tokenize`` (and every other name below) keeps working.
"""

from cxml.knowledge.articles import ARTICLE_SUFFIXES, read_article_files
from cxml.knowledge.dense import INDEX_KINDS, DenseIndex, IndexSettings
from cxml.knowledge.fusion import quantile_rank, ranks_desc, rrf
from cxml.knowledge.gaps import ctfidf_keywords
from cxml.knowledge.lexical import STOP_WORDS, LexicalIndex, tokenize
from cxml.knowledge.passages import Passage, split_passages

__all__ = [
    "Passage",
    "split_passages",
    "tokenize",
    "STOP_WORDS",
    "LexicalIndex",
    "DenseIndex",
    "IndexSettings",
    "INDEX_KINDS",
    "rrf",
    "ranks_desc",
    "quantile_rank",
    "read_article_files",
    "ARTICLE_SUFFIXES",
    "ctfidf_keywords",
]
