"""Article files: folders of Markdown (front matter), HTML and text help articles as article records."""

from __future__ import annotations

import html
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd

from cxml.checks import is_missing
from cxml.knowledge.passages import HEADING
from cxml.schema import as_articles

__all__ = ["ARTICLE_SUFFIXES", "read_article_files", "article_frame"]

_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)


def _front_matter(text: str) -> tuple[dict[str, Any], str]:
    m = _FRONT.match(text)
    if not m:
        return {}, text
    raw = m.group(1)
    meta: dict[str, Any] = {}
    try:
        import yaml  # optional: PyYAML when installed

        loaded = yaml.safe_load(raw)
        if isinstance(loaded, dict):
            meta = {str(k): v for k, v in loaded.items()}
    except Exception:  # noqa: BLE001 - fall back to "key: value" lines
        key = None
        for line in raw.splitlines():
            if re.match(r"^\s+-\s+", line) and key:
                meta.setdefault(key, [])
                if isinstance(meta[key], list):
                    meta[key].append(line.split("-", 1)[1].strip().strip("'\""))
                continue
            if ":" in line:
                key, _, value = line.partition(":")
                key, value = key.strip(), value.strip()
                if value.startswith("[") and value.endswith("]"):
                    meta[key] = [v.strip().strip("'\"") for v in value[1:-1].split(",") if v.strip()]
                elif value:
                    meta[key] = value.strip("'\"")
    return meta, text[m.end():]


class _HTMLText(HTMLParser):
    """HTML to Markdown-ish text: headings become ``## ...``, blocks become paragraphs."""

    _BLOCK = {"p", "div", "li", "br", "tr", "section", "article", "ul", "ol", "table", "pre", "blockquote"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.first_heading = ""
        self.meta: dict[str, str] = {}
        self.parts: list[str] = []
        self._in: list[str] = []
        self._skip = 0
        self._heading: list[str] | None = None
        self._title: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "nav", "footer", "header"):
            self._skip += 1
        elif tag == "title":
            self._title = []
        elif re.fullmatch(r"h[1-6]", tag):
            self._heading = []
        elif tag == "meta":
            a = dict(attrs)
            if a.get("name") and a.get("content"):
                self.meta[str(a["name"]).lower()] = str(a["content"])
        elif tag in self._BLOCK:
            self.parts.append("\n\n")
        if tag == "html":
            lang = dict(attrs).get("lang")
            if lang:
                self.meta["language"] = lang.split("-")[0].lower()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "nav", "footer", "header"):
            self._skip = max(0, self._skip - 1)
        elif tag == "title" and self._title is not None:
            self.title = " ".join("".join(self._title).split())
            self._title = None
        elif re.fullmatch(r"h[1-6]", tag) and self._heading is not None:
            text = " ".join("".join(self._heading).split())
            if text:
                if not self.first_heading:
                    self.first_heading = text
                self.parts.append(f"\n\n## {text}\n\n")
            self._heading = None
        elif tag in self._BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._title is not None:
            self._title.append(data)
        elif self._heading is not None:
            self._heading.append(data)
        else:
            self.parts.append(data)


def _parse_html(text: str) -> dict[str, Any]:
    p = _HTMLText()
    p.feed(text)
    body = "".join(p.parts)
    body = re.sub(r"[ \t]+", " ", body)
    body = re.sub(r"\n\s*\n\s*(\n\s*)+", "\n\n", body).strip()
    title = p.title or p.first_heading
    if p.first_heading and p.first_heading == title:  # drop the title heading from the body
        body = body.replace(f"## {title}", "", 1).strip()
    rec: dict[str, Any] = {"title": html.unescape(title), "body": body}
    if p.meta.get("language"):
        rec["language"] = p.meta["language"]
    if p.meta.get("keywords"):
        rec["tags"] = [t.strip() for t in p.meta["keywords"].split(",") if t.strip()]
    return rec


def _parse_markdown(text: str) -> dict[str, Any]:
    meta, body = _front_matter(text)
    title = str(meta.pop("title", "") or "")
    if not title:
        for line in body.splitlines():
            m = HEADING.match(line)
            if m:
                title = m.group(2).strip()
                body = body.replace(line, "", 1)
                break
            if line.strip():
                break
    rec: dict[str, Any] = {"title": title, "body": body.strip(), **meta}
    if isinstance(rec.get("tags"), str):
        rec["tags"] = [t.strip() for t in rec["tags"].split(",") if t.strip()]
    return rec


ARTICLE_SUFFIXES = (".md", ".markdown", ".html", ".htm", ".txt")


def read_article_files(folder: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Read a folder (recursively) of Markdown, HTML and text articles.

    Title from front matter ``title:``, else the first heading (``<title>`` / first ``<h1>``
    in HTML), else the file name; ``id`` is the path relative to the folder without its
    suffix; ``url``, ``language``, ``tags`` and any other front-matter keys are kept.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder} is not a folder of articles")
    records = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES):
        text = path.read_text(encoding="utf-8", errors="replace")
        rec = _parse_html(text) if path.suffix.lower() in (".html", ".htm") else _parse_markdown(text)
        rel = path.relative_to(folder).with_suffix("").as_posix()
        rec.setdefault("id", rel)
        rec["id"] = str(rec["id"])
        if not rec.get("title"):
            rec["title"] = path.stem.replace("-", " ").replace("_", " ")
        rec.setdefault("url", path.relative_to(folder).as_posix())
        records.append(rec)
    if not records:
        raise ValueError(f"no articles ({', '.join(ARTICLE_SUFFIXES)}) found under {folder}")
    return records


def article_frame(articles: Any) -> pd.DataFrame:
    """Articles as the knowledge base stores them: ids as text, ``url``, ``language`` (detected when missing),
    ``tags`` and ``group_id`` (an article alone in its group by default) filled in.

    Parameters
    ----------
    articles : DataFrame, list of dict, or path of a folder
        See :meth:`cxml.knowledge.KnowledgeBase.add`.
    """
    if isinstance(articles, (str, os.PathLike)):
        articles = read_article_files(articles)
    df = as_articles(articles)
    df = df.reset_index(drop=True)
    df["id"] = df["id"].map(str)
    for col in ("url", "language", "group_id"):
        if col not in df.columns:
            df[col] = None
    if "tags" not in df.columns:
        df["tags"] = [[] for _ in range(len(df))]
    df["group_id"] = [str(g) if not is_missing(g) else i for g, i in zip(df["group_id"], df["id"], strict=True)]
    df["url"] = [None if is_missing(u) else str(u) for u in df["url"]]
    missing = [i for i, lang in enumerate(df["language"]) if is_missing(lang) or not str(lang).strip()]
    if missing:
        from cxml.language import detect_languages

        found = detect_languages([f"{df.at[i, 'title']}\n{df.at[i, 'body']}" for i in missing])
        for i, lang in zip(missing, found, strict=True):
            df.at[i, "language"] = lang
    df["language"] = [None if is_missing(v) else str(v).lower() for v in df["language"]]
    return df
