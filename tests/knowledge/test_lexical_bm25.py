"""Lexical retrieval: tokens, BM25 and code matches."""

from __future__ import annotations

import os

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


def test_scores_are_the_same_bits_whatever_the_string_hash_seed(tmp_path):
    """BM25 sums its query terms in one order (sorted ids), not in the order of a set of strings."""
    import subprocess
    import sys

    script = tmp_path / "score.py"
    script.write_text(
        "import hashlib\n"
        "import cxml\n"
        "shop = cxml.make_webshop(n_tickets=120, seed=3)\n"
        "kb = cxml.KnowledgeBase(encoder='hash', random_state=0).add(shop.articles)\n"
        "out = kb.suggest_many(shop.tickets.head(60), k=3, gate='agent')\n"
        "assert len(out) == 180, len(out)\n"
        "print(hashlib.sha256(out.to_csv(float_format='%.17g').encode()).hexdigest())\n",
        encoding="utf-8")
    digests = set()
    for seed in ("0", "1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONWARNINGS": "ignore", "OMP_NUM_THREADS": "1"}
        run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=300)
        assert run.returncode == 0, run.stderr[-2000:]
        digests.add(run.stdout.strip().splitlines()[-1])
    assert len(digests) == 1


def test_batch_scores_equal_one_query_at_a_time(webshop):
    """All queries' postings added at once give each cell the bits of adding one query's terms in order."""
    import numpy as np

    a = webshop.articles
    index = lexical.LexicalIndex().fit((a["title"] + "\n" + a["body"]).tolist())
    t = webshop.tickets.iloc[:120]
    queries = (t["subject"] + "\n" + t["body"]).tolist() + ["", "zzz unknown", "E-402 E-402 refund"]
    scores, norms = index.score(queries)
    w = index._wt
    for i, toks in enumerate(index.tokenize_many(queries)):
        ids, norm = index._query_terms(toks)
        row = np.zeros(index.n_docs_, np.float32)
        for j in ids:
            row[w.indices[w.indptr[j]:w.indptr[j + 1]]] += w.data[w.indptr[j]:w.indptr[j + 1]]
        assert row.tobytes() == scores[i].tobytes() and np.float32(norm) == norms[i]
    assert (scores > 0).sum() > 10 * len(t)
