"""The former home of the retrieval parts keeps re-exporting them (discovery and user code import it)."""

from __future__ import annotations

from cxml.knowledge import articles, dense, fusion, gaps, lexical, passages, retrieval


def test_retrieval_reexports_the_parts():
    assert retrieval.tokenize is lexical.tokenize and retrieval.STOP_WORDS is lexical.STOP_WORDS
    assert retrieval.LexicalIndex is lexical.LexicalIndex and retrieval.split_passages is passages.split_passages
    assert retrieval.DenseIndex is dense.DenseIndex and retrieval.IndexSettings is dense.IndexSettings
    assert retrieval.rrf is fusion.rrf and retrieval.quantile_rank is fusion.quantile_rank
    assert retrieval.read_article_files is articles.read_article_files
    assert retrieval.ctfidf_keywords is gaps.ctfidf_keywords
    assert set(retrieval.__all__) <= set(dir(retrieval))
