"""Article files: Markdown front matter, HTML, plain text."""

from __future__ import annotations

from pathlib import Path

from cxml.knowledge import KnowledgeBase
from cxml.knowledge.articles import read_article_files


def test_read_article_folder(tmp_path: Path):
    (tmp_path / "faq").mkdir()
    (tmp_path / "faq" / "returns.md").write_text(
        "---\ntitle: Returns\nlanguage: en\ntags: [returns, refunds]\nurl: https://x/returns\n---\n"
        "Return within 14 days.\n\n## Refunds\nRefunds take 5 days.\n", encoding="utf-8")
    (tmp_path / "pay.html").write_text(
        "<html lang='fi'><head><title>Maksut</title><meta name='keywords' content='payments'></head>"
        "<body><h1>Maksut</h1><p>Kortti hylättiin.</p><h2>Lasku</h2><p>Eräpäivä.</p>"
        "<script>var x=1;</script></body></html>", encoding="utf-8")
    (tmp_path / "note.md").write_text("# Shipping\n\nWe ship in 2 days.", encoding="utf-8")
    recs = {r["id"]: r for r in read_article_files(tmp_path)}
    assert recs["faq/returns"]["tags"] == ["returns", "refunds"] and recs["faq/returns"]["title"] == "Returns"
    assert recs["pay"]["title"] == "Maksut" and recs["pay"]["language"] == "fi" and "## Lasku" in recs["pay"]["body"]
    assert "var x" not in recs["pay"]["body"] and recs["pay"]["tags"] == ["payments"]
    assert recs["note"]["title"] == "Shipping" and "# Shipping" not in recs["note"]["body"]
    kb = KnowledgeBase(encoder="hash").add(tmp_path)
    assert set(kb.articles_["id"]) == {"faq/returns", "pay", "note"}
    assert kb.articles_.set_index("id").at["note", "language"] == "en"  # detected
