"""Tests of the synthetic web-shop generator and the public data-set loaders."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxml import datasets
from cxml.datasets import (
    CHANNELS,
    PRIORITIES,
    REASONS,
    SEGMENTS,
    DatasetNotFoundError,
    WebshopData,
    make_webshop,
)

TICKET_COLUMNS = [
    "id", "subject", "body", "channel", "created_at", "customer_id", "segment", "language", "url",
    "page_title", "error_code", "error_message", "reason", "priority", "team", "agent", "first_response_at", "resolved_at",
    "csat", "ces", "nps", "feedback", "resolving_article_id", "answer", "macro",
]  # fmt: skip
ARTICLE_COLUMNS = ["id", "group_id", "title", "body", "url", "language", "tags", "reason"]
SESSION_COLUMNS = [
    "session_id", "started_at", "url", "page_title", "error_code", "error_message", "events", "language",
    "segment", "article_id", "contacted_support",
]  # fmt: skip


@pytest.fixture(scope="module")
def shop() -> WebshopData:
    return make_webshop(2000, seed=0)


# ------------------------------------------------------------------------------------------- determinism
def test_same_seed_same_frames() -> None:
    a = make_webshop(300, seed=3, n_sessions=200)
    b = make_webshop(300, seed=3, n_sessions=200)
    pd.testing.assert_frame_equal(a.tickets, b.tickets)
    pd.testing.assert_frame_equal(a.articles, b.articles)
    pd.testing.assert_frame_equal(a.sessions, b.sessions)


def test_other_seed_other_tickets_same_articles(webshop_small: WebshopData) -> None:
    other = make_webshop(600, seed=1)
    assert not other.tickets["body"].equals(webshop_small.tickets["body"])
    assert not other.sessions["url"].equals(webshop_small.sessions["url"])
    pd.testing.assert_frame_equal(other.articles, webshop_small.articles)


def test_returned_frames_are_independent() -> None:
    a = make_webshop(20, seed=0)
    a.articles.loc[0, "title"] = "changed"
    a.articles["tags"].iloc[1].append("changed")
    b = make_webshop(20, seed=0)
    assert b.articles.loc[0, "title"] != "changed"
    assert "changed" not in b.articles["tags"].iloc[1]


def test_sizes_and_arguments() -> None:
    data = make_webshop(50, seed=2, n_sessions=7)
    assert len(data.tickets) == 50 and len(data.sessions) == 7
    assert len(make_webshop(1).tickets) == 1
    assert len(make_webshop(40, n_sessions=0).sessions) == 0
    for bad in (0, -5, 2.5, True):
        with pytest.raises(ValueError, match="n_tickets"):
            make_webshop(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="n_sessions"):
        make_webshop(10, n_sessions=-1)


def test_docstring_says_synthetic() -> None:
    assert "SYNTHETIC" in (make_webshop.__doc__ or "")
    assert "not real customer data" in (make_webshop.__doc__ or "")


# ------------------------------------------------------------------------------------------- tickets
def test_ticket_columns_and_dtypes(webshop_small: WebshopData) -> None:
    t = webshop_small.tickets
    assert list(t.columns) == TICKET_COLUMNS
    assert t["id"].is_unique and t["id"].iloc[0] == "T000001"
    for col in ("created_at", "first_response_at", "resolved_at"):
        assert pd.api.types.is_datetime64_dtype(t[col]), col
        assert t[col].dt.tz is None
    assert isinstance(t["priority"].dtype, pd.CategoricalDtype) and t["priority"].cat.ordered
    assert list(t["priority"].cat.categories) == list(PRIORITIES)
    assert set(t["channel"]) <= set(CHANNELS) and set(t["segment"]) <= set(SEGMENTS)
    assert set(t["reason"]) <= set(REASONS)
    assert set(t["language"]) == {"fi", "en"}
    for col in ("csat", "ces", "nps"):
        assert pd.api.types.is_float_dtype(t[col])
    assert t["csat"].dropna().between(1, 5).all() and t["ces"].dropna().between(1, 7).all()
    assert t["nps"].dropna().between(0, 10).all()
    assert t["nps"].isna().mean() > 0.5 and t["csat"].isna().mean() > 0.3
    for col in ("subject", "body", "answer", "agent", "customer_id"):
        assert (t[col].str.len() > 0).all(), col
    assert t["created_at"].is_monotonic_increasing
    assert t["created_at"].min() >= pd.Timestamp("2025-11-01")
    assert t["created_at"].max() <= pd.Timestamp("2026-10-31 23:59:59")


def test_mix_of_channels_reasons_and_languages(shop: WebshopData) -> None:
    t = shop.tickets
    channels = t["channel"].value_counts()
    assert channels.index[0] == "email" and channels.index[1] == "chat"
    reasons = t["reason"].value_counts(normalize=True)
    assert len(reasons) == len(REASONS) >= 12
    assert reasons["gdpr_request"] < 0.03 and reasons.iloc[0] > 0.1
    fi_share = (t["language"] == "fi").mean()
    assert 0.45 < fi_share < 0.7
    # code-switched messages: English words in Finnish tickets, Finnish words in English ones
    english_in_fi = t.loc[t["language"] == "fi", "body"].str.contains(
        r"\b(?:refund|tracking|discount code|Thanks!|Please help|Thx)\b", case=False
    )
    finnish_in_en = t.loc[t["language"] == "en", "body"].str.contains(r"\b(?:Kiitos|Moi|Terveisin|Hei)\b")
    assert english_in_fi.sum() >= 10 and finnish_in_en.sum() >= 10


def test_every_reason_has_varied_texts(shop: WebshopData) -> None:
    t = shop.tickets
    for (reason, lang), group in t.groupby(["reason", "language"]):
        distinct = group["body"].nunique()
        assert distinct == len(group) or distinct >= 0.9 * len(group), (reason, lang)
        assert distinct >= min(8, len(group)), (reason, lang)
        subjects = group["subject"].nunique()
        assert subjects >= min(5, len(group) // 2), (reason, lang)
    # phrasing varies within a reason: many different first sentences
    first = t["body"].str.replace(r"^[^\n]*\n\n", "", regex=True).str.split(r"[.?!]").str[0]
    assert first[t["reason"] == "return"].nunique() >= 30


def test_typos_greetings_and_urgency_cues(shop: WebshopData) -> None:
    body = shop.tickets["body"]
    assert body.str.contains(r"\b(?:heti|kiireellinen|KIIRE|ASAP|URGENT|urgent)\b").sum() >= 20
    assert body.str.contains(r"^(?:Hei|Moi|Hello|Hi|Dear)", case=False).mean() > 0.3


def test_priority_follows_cues(shop: WebshopData) -> None:
    t = shop.tickets
    code = t["priority"].cat.codes
    urgent_text = t["body"].str.contains(r"\b(?:heti|Kiireellinen|KIIRE|ASAP|URGENT|urgent)\b")
    assert code[urgent_text].mean() > code[~urgent_text].mean() + 0.5
    key = t["segment"] == "key_account"
    assert code[key].mean() > code[~key].mean()
    assert set(t["priority"]) == set(PRIORITIES)


def test_routing(shop: WebshopData) -> None:
    t = shop.tickets
    teams = {"orders", "deliveries", "returns", "complaints", "billing", "payments", "accounts", "sales"}
    assert teams <= set(t["team"])
    key = t[t["team"] == "key_accounts"]
    assert len(key) > 0 and (key["segment"] == "key_account").all()
    # key accounts are few customers but contact often
    per_customer = t.groupby("customer_id").size()
    key_customers = t.loc[t["segment"] == "key_account", "customer_id"].unique()
    assert per_customer[key_customers].mean() > 2 * per_customer.mean()


def test_repeat_contacts_on_another_channel(shop: WebshopData) -> None:
    t = shop.tickets.sort_values(["customer_id", "created_at"])
    same_customer = t["customer_id"].eq(t["customer_id"].shift())
    gap = t["created_at"] - t["created_at"].shift()
    repeat = (
        same_customer
        & t["reason"].eq(t["reason"].shift())
        & t["channel"].ne(t["channel"].shift())
        & (gap <= pd.Timedelta(days=5))
    )
    assert repeat.sum() >= 40


def test_time_ordering(shop: WebshopData) -> None:
    t = shop.tickets
    assert (t["first_response_at"] >= t["created_at"]).all()
    resolved = t["resolved_at"].notna()
    assert (t.loc[resolved, "resolved_at"] >= t.loc[resolved, "first_response_at"]).all()
    assert 0.01 < (~resolved).mean() < 0.15
    wait = (t["first_response_at"] - t["created_at"]).dt.total_seconds() / 60
    chat, email = wait[t["channel"] == "chat"].median(), wait[t["channel"] == "email"].median()
    assert chat < 10 < 60 < email


def test_weekday_and_hour_patterns(shop: WebshopData) -> None:
    created = shop.tickets["created_at"]
    per_day = created.dt.day_of_week.value_counts()
    assert per_day[0] == per_day.max()  # Monday busiest
    assert per_day[0] > 2 * per_day[6] and per_day[5] < per_day[4]
    hours = created.dt.hour
    assert hours.isin([9, 10, 11, 13, 14, 15]).mean() > 0.4
    assert hours.isin(range(0, 6)).mean() < 0.05
    chat_hours = hours[shop.tickets["channel"] == "chat"]
    assert chat_hours.between(8, 21).all() and chat_hours.ge(17).mean() > 0.1


def test_error_codes_match_reasons(shop: WebshopData) -> None:
    t = shop.tickets
    with_error = t[t["error_code"] != ""]
    assert 0.05 < len(with_error) / len(t) < 0.5
    assert (with_error["url"] != "").all() and (with_error["error_message"] != "").all()
    declined = with_error[with_error["error_code"] == "card_declined"]
    assert len(declined) > 5 and (declined["reason"] == "payment_failure").mean() > 0.8
    assert t.loc[t["channel"] == "email", "url"].eq("").mean() > 0.4
    urls = t.loc[t["url"] != "", "url"]
    assert urls.str.startswith("https://shop.example.fi/").all()
    assert urls.str.contains(r"\?").any() and urls.str.contains("/fi/").any()
    assert urls.str.contains(r"/\d+").any()


def test_answers_macros_and_feedback(shop: WebshopData) -> None:
    t = shop.tickets
    fi = t["language"] == "fi"
    assert t.loc[fi, "answer"].str.contains(r"\b(?:Hei|Moi)\b").mean() > 0.9
    assert t.loc[~fi, "answer"].str.contains(r"\b(?:Hi|Hello)\b").mean() > 0.9
    assert 0.5 < t["macro"].notna().mean() < 0.9
    assert t["macro"].dropna().map(type).eq(str).all()
    feedback = t["feedback"] != ""
    assert feedback.sum() > 50 and t.loc[feedback, "csat"].notna().all()


def test_resolving_articles(shop: WebshopData) -> None:
    t, articles = shop.tickets, shop.articles
    ids = t["resolving_article_id"]
    assert ids.map(lambda x: x is None or isinstance(x, str)).all()
    assert ids.dropna().isin(articles["id"]).all()
    assert 0.4 < ids.notna().mean() < 0.9
    assert ids[t["resolved_at"].isna()].isna().all()
    article_reason = ids.map(articles.set_index("id")["reason"])
    with_article = ids.notna()
    assert (article_reason[with_article] == t.loc[with_article, "reason"]).mean() > 0.85
    article_lang = ids.dropna().str[-2:]
    assert (article_lang == t.loc[with_article, "language"]).mean() > 0.9


# ------------------------------------------------------------------------------------------- PII
def _luhn_ok(number: str) -> bool:
    digits = [int(c) for c in number][::-1]
    total = sum(d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(digits))
    return total % 10 == 0


def _iban_ok(iban: str) -> bool:
    iban = iban.replace(" ", "")
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _hetu_ok(code: str) -> bool:
    return "0123456789ABCDEFHJKLMNPRSTUVWXY"[int(code[:6] + code[7:10]) % 31] == code[10]


def test_planted_pii_is_valid_and_rare(shop: WebshopData) -> None:
    body = shop.tickets["body"]
    cards = body.str.findall(r"\b\d{4}[ -]?\d{4}[ -]?\d{4}[ -]?\d{4}\b").explode().dropna()
    ibans = body.str.findall(r"\bFI\d{2}(?: ?\d{4}){3} ?\d{2}\b").explode().dropna()
    hetus = body.str.findall(r"\b\d{6}[-+A]\d{3}[0-9A-Y]\b").explode().dropna()
    phones = body.str.contains(r"(?:\+358 ?\d{2}|\b0\d{2}[- ]?)\d{3} ?\d{3,4}\b")
    emails = body.str.contains(r"\b[\w.]+@[\w.]+\.\w+\b")
    cities = "Helsinki|Espoo|Vantaa|Tampere|Turku|Oulu|Jyväskylä|Kuopio|Lahti"
    addresses = body.str.contains(rf"\b\d{{5}} (?:{cities})\b")
    for found in (cards, ibans, hetus):
        assert len(found) >= 1
    assert all(_luhn_ok(re.sub(r"\D", "", c)) for c in cards)
    assert all(_iban_ok(i) for i in ibans)
    assert all(_hetu_ok(h) for h in hetus)
    assert phones.sum() >= 1 and emails.sum() >= 1 and addresses.sum() >= 1
    any_pii = (
        body.isin(body[cards.index]) | body.isin(body[ibans.index]) | body.isin(body[hetus.index])
        | phones | emails | addresses
    )  # fmt: skip
    assert 0.02 < any_pii.mean() < 0.10


# ------------------------------------------------------------------------------------------- articles
def test_articles(webshop_small: WebshopData) -> None:
    a = webshop_small.articles
    assert list(a.columns) == ARTICLE_COLUMNS
    assert a["id"].is_unique and len(a) >= 80
    counts = a["language"].value_counts()
    assert counts["fi"] >= 40 and counts["en"] >= 40
    assert (a["id"] == a["group_id"] + "-" + a["language"]).all()
    per_group = a.groupby("group_id")["language"].nunique()
    assert (per_group == 1).sum() >= 2 and (per_group == 2).sum() >= 40
    assert set(a["reason"]) == set(REASONS)
    assert a.loc[a["language"] == "fi", "url"].str.startswith("https://shop.example.fi/ohje/").all()
    assert a.loc[a["language"] == "en", "url"].str.startswith("https://shop.example.fi/help/").all()
    assert a["url"].is_unique
    assert a["tags"].map(lambda x: isinstance(x, list) and len(x) > 0).all()
    headings = a["body"].str.count(r"(?m)^## ")
    assert headings.between(2, 4).all()
    words = a["body"].str.split().str.len()
    assert words.between(120, 400).all()
    assert a["body"].nunique() == len(a)


def test_articles_cover_key_questions(webshop_small: WebshopData) -> None:
    titles = " ".join(webshop_small.articles["title"]).lower()
    for needle in ("palaut", "eräpäiv", "salasana", "alennuskoodi", "card declined", "where is my order",
                   "complaint", "delivery times"):  # fmt: skip
        assert needle in titles, needle


# ------------------------------------------------------------------------------------------- sessions
def test_sessions(shop: WebshopData) -> None:
    s, articles = shop.sessions, shop.articles
    assert list(s.columns) == SESSION_COLUMNS
    assert len(s) == 2000 and s["session_id"].is_unique
    assert s["started_at"].is_monotonic_increasing and s["started_at"].dt.tz is None
    assert s["events"].map(lambda e: isinstance(e, list) and len(e) > 0).all()
    assert s["events"].map(lambda e: all(isinstance(x, str) for x in e)).all()
    assert s["article_id"].dropna().isin(articles["id"]).all()
    assert s["contacted_support"].dtype == bool and 0.1 < s["contacted_support"].mean() < 0.6
    assert set(s["language"]) == {"fi", "en"}
    raw = s.loc[s["error_code"] != "", "error_code"]
    assert raw.str.isupper().any() and raw.str.contains("-").any() and raw.str.contains(" ").any()
    assert (s["error_code"] == "").mean() > 0.3
    assert s["error_message"].str.contains(r"\d").sum() > 50


def test_session_context_predicts_article(shop: WebshopData) -> None:
    s = shop.sessions
    code = s["error_code"].str.strip().str.lower().str.replace(r"^err_", "", regex=True)
    code = code.str.replace(r"[- ]", "_", regex=True)
    declined = (code == "card_declined") & s["url"].str.contains("/checkout/payment|/kassa/maksu")
    assert declined.sum() >= 20
    group = s.loc[declined, "article_id"].dropna().str[:5]
    assert 0.7 < (group == "KB026").mean() < 0.97


# ------------------------------------------------------------------------------------------- baseline
def test_tfidf_baseline_is_good_but_not_perfect() -> None:
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    train = make_webshop(2000, seed=0).tickets
    test = make_webshop(1000, seed=1).tickets
    model = make_pipeline(
        make_union(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2),
            TfidfVectorizer(
                analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=3, max_features=20_000
            ),
        ),
        LogisticRegression(C=3.0, max_iter=500),
    )
    with threadpoolctl.threadpool_limits(1):
        model.fit((train["subject"] + "\n" + train["body"]).tolist(), train["reason"])
        accuracy = (model.predict((test["subject"] + "\n" + test["body"]).tolist()) == test["reason"]).mean()
    assert 0.6 < accuracy < 0.97


# ------------------------------------------------------------------------------------------- loaders
def test_data_dir_missing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CXML_DATA", str(tmp_path / "nowhere"))
    with pytest.raises(DatasetNotFoundError, match="CXML_DATA"):
        datasets.data_dir()
    with pytest.raises(FileNotFoundError):
        datasets.load_banking77()


def test_data_dir_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CXML_DATA", str(tmp_path))
    assert datasets.data_dir() == tmp_path.resolve()
    with pytest.raises(DatasetNotFoundError, match="banking77"):
        datasets.load_banking77()


@pytest.fixture()
def data_env(data_root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CXML_DATA", str(data_root))
    return data_root


@pytest.mark.data
def test_load_banking77(data_env: Path) -> None:
    train, test = datasets.load_banking77("train"), datasets.load_banking77("test")
    assert list(train.columns) == ["text", "label"]
    assert len(train) == 10_003 and len(test) == 3_080
    assert train["label"].nunique() == 77 and (test["label"].value_counts() == 40).all()
    with pytest.raises(ValueError, match="split"):
        datasets.load_banking77("dev")  # type: ignore[arg-type]


@pytest.mark.data
def test_load_banking77_oos(data_env: Path) -> None:
    sizes = {"train": 5_905, "valid": 1_506, "test": 2_000}
    id_oos = {"train": 2_062, "valid": 530, "test": 1_080}
    ood = {"valid": 200, "test": 1_000}
    for split, n in sizes.items():
        plain = datasets.load_banking77_oos(split)  # type: ignore[arg-type]
        assert len(plain) == n and plain["label"].nunique() == 50 and (plain["scope"] == "in").all()
        with_id = datasets.load_banking77_oos(split, oos="id")  # type: ignore[arg-type]
        assert len(with_id) == n + id_oos[split]
        assert (with_id.loc[with_id["scope"] == "id_oos", "label"] == "oos").all()
        assert with_id.loc[with_id["scope"] == "id_oos", "label_original"].nunique() == 27
        if split != "train":
            with_ood = datasets.load_banking77_oos(split, oos="ood")  # type: ignore[arg-type]
            everything = datasets.load_banking77_oos(split, oos="all")  # type: ignore[arg-type]
            assert len(with_ood) == n + ood[split]
            assert len(everything) == n + id_oos[split] + ood[split]
            assert with_ood.loc[with_ood["scope"] == "ood_oos", "label_original"].isna().all()
    assert len(datasets.load_banking77_oos("train", oos="all")) == 5_905 + 2_062
    with pytest.raises(ValueError, match="out-of-domain"):
        datasets.load_banking77_oos("train", oos="ood")
    assert set(datasets.load_banking77_oos("test", oos="all")["label"]) >= {"oos"}
    # the files hold a few empty queries: they come back as empty strings, never NaN
    train_all = datasets.load_banking77_oos("train", oos="all")
    assert train_all["text"].map(lambda t: isinstance(t, str)).all()


@pytest.mark.data
def test_load_bueck(data_env: Path) -> None:
    sizes = {"aa": 1_872, "20k": 2_181, "4k": 1_167, "german": 2_125, "german_50": 3_182}
    for name, n in sizes.items():
        frame = datasets.load_bueck(name, group_threshold=None)  # type: ignore[arg-type]
        assert len(frame) == n, name
        first = ["subject", "body", "answer", "type", "queue", "priority", "language"]
        assert list(frame.columns[:7]) == first
    aa = datasets.load_bueck("aa")
    assert aa["language"].value_counts().to_dict() == {"en": 1_204, "de": 668}
    assert aa["queue"].nunique() == 10 and not aa["body"].str.contains(r"\\n", regex=False).any()
    assert aa["tags"].map(len).gt(0).mean() > 0.9
    sizes_per_group = aa["group"].value_counts()
    assert sizes_per_group.max() > 1 and aa["group"].nunique() > 1_500
    # the paraphrase families agree on their labels
    multi = aa[aa["group"].map(sizes_per_group) > 1]
    assert (multi.groupby("group")["queue"].nunique() == 1).mean() > 0.95
    german = datasets.load_bueck("german", group_threshold=None)
    assert german["answer"].isna().all()


@pytest.mark.data
def test_load_endava(data_env: Path) -> None:
    frame = datasets.load_endava()
    assert len(frame) == 5_431
    assert list(frame.columns) == ["title", "body", "ticket_type", "category", "sub_category1", "sub_category2",
                                   "business_service", "urgency", "impact"]  # fmt: skip
    assert frame["ticket_type"].value_counts().to_dict() == {1: 4_855, 0: 576}
    assert (frame["title"] == "").sum() == 107


@pytest.mark.data
def test_load_stackfaq(data_env: Path) -> None:
    queries, threads = datasets.load_stackfaq()
    assert len(queries) == 1_249 and len(threads) == 125
    assert list(queries.columns) == ["query", "thread_id"]
    assert {"id", "title", "body"} <= set(threads.columns)
    assert queries["thread_id"].isin(threads["id"]).all() and (queries["query"] != "*").all()
    assert threads["answers"].map(len).sum() == 719


@pytest.mark.data
def test_load_bitext(data_env: Path) -> None:
    big, small = datasets.load_bitext("20k"), datasets.load_bitext("8k")
    assert len(big) == 21_534 and len(small) == 8_175
    assert list(big.columns) == ["text", "category", "intent", "flags"]
    assert big["category"].nunique() == 11 and big["intent"].nunique() == 27
    assert not np.any(big.columns.str.startswith("\ufeff"))
