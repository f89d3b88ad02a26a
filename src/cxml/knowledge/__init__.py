"""Knowledge suggestion: the right help article or past answer for a ticket, in the ticket's language.

:class:`KnowledgeBase` (:mod:`cxml.knowledge.base`) is the facade; it keeps the state (articles, passages,
indexes, past tickets, calibration) and delegates the work to its parts:

- :mod:`cxml.knowledge.articles`: article records and folders of Markdown / HTML / text files;
- :mod:`cxml.knowledge.passages`: articles split into passages along headings and paragraphs;
- :mod:`cxml.knowledge.lexical`: tokens, stop words, BM25 and code matches;
- :mod:`cxml.knowledge.dense`: faiss indexes (exact, HNSW, IVF) addressed by int64 ids;
- :mod:`cxml.knowledge.fusion`: dense, lexical and code evidence combined; the calibrated gate;
- :mod:`cxml.knowledge.calibration`: the probability that a suggestion answers the query, fitted out of fold,
  and the precision gate's threshold;
- :mod:`cxml.knowledge.history`: past tickets, agents' feedback and the learned ranker;
- :mod:`cxml.knowledge.answerability`: whether the base answers a ticket at all (the strict gate after feedback);
- :mod:`cxml.knowledge.gaps`: unanswered tickets clustered into topics (c-TF-IDF keywords).

:mod:`cxml.knowledge.retrieval` re-exports the retrieval parts under their former home.
"""

from cxml.exceptions import NotFittedError
from cxml.knowledge.base import KnowledgeBase

__all__ = ["KnowledgeBase", "NotFittedError"]
