"""Lexical retrieval: tokens, BM25 and code matches."""

from __future__ import annotations

from cxml.knowledge import lexical


def test_tokenize_keeps_codes_and_stems():
    toks = lexical.tokenize("Error E-1042 at checkout; toimituksen SKU_88123")
    assert "e-1042" in toks and "1042" in toks and "sku_88123" in toks
    assert "toimit" in toks and "at" not in toks


def test_bm25_ranks_exact_code_first():
    lex = lexical.LexicalIndex().fit(["payment error E-402 declined", "payment error E-500 server", "returns policy"])
    scores, norm = lex.score(["E-402"])
    assert scores[0].argmax() == 0 and norm[0] > 0


def test_code_match_only_rare_codes():
    lex = lexical.LexicalIndex().fit(["error E-402 declined", "error E-500 server", "return within 14 days",
                                "14 days delivery", "14 days", "paid in 14 days"])
    m = lex.code_match(["why E-402 within 14 days?", "no codes here"])
    assert m[0, 0] == 1.0 and m[0, 1] == 0.0 and m[0, 2] == 0.0  # "14" is in 4 texts: not a code
    assert not m[1].any()
