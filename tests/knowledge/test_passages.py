"""Passages: articles split along headings and paragraphs."""

from __future__ import annotations

from cxml.knowledge import passages


def test_split_passages_headings_and_length():
    body = "Intro paragraph.\n\n## Section A\n" + " ".join(["word"] * 450) + "\n\n## Section B\nShort."
    ps = passages.split_passages("Title", body, max_words=200)
    assert all(len(p.chunk.split()) <= 200 for p in ps)
    assert [p.heading for p in ps][0] == "" and {"Section A", "Section B"} <= {p.heading for p in ps}
    assert all(p.text.startswith("Title") for p in ps)
    assert len([p for p in ps if p.heading == "Section A"]) == 3
    assert passages.split_passages("Only title", "")[0].text == "Only title"
