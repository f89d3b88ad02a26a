from __future__ import annotations

import json

import pandas as pd
import pytest

import cxml
from cxml.datasets import make_webshop
from cxml.exceptions import NotFittedError
from cxml.knowledge import KnowledgeBase
from cxml.persistence import ChecksumError
from cxml.proactive import (
    ProactiveHelper,
    error_family,
    evaluate_proactive,
    mask_error_message,
    normalize_error_code,
    normalize_url,
    url_prefix,
)


@pytest.mark.parametrize("url, template", [
    ("https://shop.example.fi/fi/orders/100234/return/?utm_source=mail&step=2", "/orders/{id}/return?step"),
    ("HTTPS://Shop.Example.fi/en-GB/Orders/ORD-100234", "/orders/{id}"),
    ("shop.example.fi/checkout/payment/", "/checkout/payment"),
    ("/account/3f2b9c1e-8a7d-4c1b-9e2f-1a2b3c4d5e6f/settings", "/account/{id}/settings"),
    ("/product/SKU-4411-B?ref=home", "/product/{id}"),
    ("/help/returning-shoes", "/help/returning-shoes"),
    ("", ""),
    (None, ""),
])
def test_normalize_url(url, template):
    assert normalize_url(url) == template


def test_url_prefix_and_error_codes():
    assert url_prefix("/orders/{id}/return?step") == "/orders"
    assert {normalize_error_code(c) for c in ("CARD_DECLINED", "card-declined", "Card Declined", "ERR_CARD_DECLINED",
                                                " card.declined ")} == {"card_declined"}
    assert error_family("card_declined") == "payment"
    assert error_family("3ds_failed") == "payment"
    assert error_family("login_locked") == "account"
    assert error_family("widget_broken") == "widget"
    assert mask_error_message("Payment 88123 failed: card declined (code 05) ORD-1234") == \
        "payment <id> failed: card declined (code <id>) <id>"


@pytest.fixture(scope="module")
def fitted():
    train = make_webshop(n_tickets=2000, seed=0)
    kb = KnowledgeBase(encoder="hash").add(train.articles)
    return ProactiveHelper(kb).fit(train.sessions), train


def test_suggest_explains_and_offers(fitted):
    helper, _ = fitted
    res = helper.suggest(url="https://shop.example.fi/checkout/payment?step=3", error_code="CARD-DECLINED",
                         error_message="Payment 77 failed: card declined", language="en")
    top = res["suggestions"][0]
    assert top["level"] == "error+url"
    assert "card" in top["title"].lower() and top["language"] == "en"
    assert "error card_declined on /checkout/payment" in top["why"] and "past cases" in top["why"]
    assert res["should_offer"] and "estimated probability" in res["reason"]
    json.dumps(res)  # ready for a web widget


def test_same_context_other_language_gets_translation(fitted):
    helper, _ = fitted
    fi = helper.suggest(url="/checkout/payment", error_code="card_declined", language="fi")["suggestions"][0]
    en = helper.suggest(url="/checkout/payment", error_code="card_declined", language="en")["suggestions"][0]
    assert fi["article_id"].split("-")[0] == en["article_id"].split("-")[0]
    assert fi["language"] == "fi" and en["language"] == "en"


def test_back_off_chain(fitted):
    helper, train = fitted
    # a URL never seen, with a known error code: backs off to the error code
    r = helper.suggest(url="/brand-new-page", error_code="card_declined", language="en")
    assert r["suggestions"][0]["level"] == "error"
    # an unknown code of a known family: backs off to the family
    r = helper.suggest(url="/brand-new-page", error_code="card_expired_xyz", language="en")
    assert r["suggestions"][0]["level"] == "family"
    # nothing known but a message: semantic search in the knowledge base, not offered proactively
    lenient = ProactiveHelper(helper.knowledge, semantic_min_score=0.05).fit(train.sessions)  # a probability
    r = lenient.suggest(url="/zzz", error_message="why was my card declined", language="en")
    assert r["suggestions"] and r["suggestions"][0]["level"] == "semantic"
    assert "card" in r["suggestions"][0]["title"].lower()
    assert not r["should_offer"]
    # no error on an ordinary page: do not interrupt
    r = helper.suggest(url="/checkout/payment", language="en")
    assert not r["should_offer"] and "no error" in r["reason"]


def test_pinned_rule_overrides_and_is_reported(fitted):
    helper, train = fitted
    pinned = ProactiveHelper(helper.knowledge, pinned=[{"article_id": "KB031-en", "url": "/checkout/payment",
                                                        "error_code": "card_declined", "name": "declined card"}])
    pinned.fit(train.sessions)
    r = pinned.suggest(url="/checkout/payment?step=2", error_code="CARD_DECLINED", language="en")
    assert r["suggestions"][0]["article_id"] == "KB031-en"
    assert r["suggestions"][0]["level"] == "pinned" and "declined card" in r["suggestions"][0]["why"]
    assert r["should_offer"]
    other = pinned.suggest(url="/cart", error_code="card_declined", language="en")
    assert other["suggestions"][0]["level"] != "pinned"
    with pytest.raises(ValueError, match="needs a url"):
        pinned.pin("KB001-en")


def test_fit_errors_are_clear():
    with pytest.raises(ValueError, match="article_col"):
        ProactiveHelper().fit([{"url": "/x"}])
    with pytest.raises(ValueError, match="none of the context columns"):
        ProactiveHelper().fit([{"article_id": "a", "foo": 1}])
    with pytest.raises(NotFittedError, match="not fitted"):
        ProactiveHelper().suggest(url="/x")


def test_beats_url_keyword_baseline_on_held_out_sessions(fitted):
    helper, _ = fitted
    test = make_webshop(n_tickets=500, seed=1).sessions
    table = evaluate_proactive(helper, test).table.set_index("method")
    ours = table.loc["cxml ProactiveHelper"]
    url = table.loc["URL keyword search (baseline)"]
    assert ours["hit@3"] >= url["hit@3"] + 0.20
    assert ours["hit@1"] > table.loc["semantic search only (baseline)", "hit@1"]
    assert ours["offered hit@1"] > ours["hit@1"]  # what it chooses to show is more precise


def test_suggest_many_and_round_trip(fitted, tmp_path):
    helper, train = fitted
    sessions = train.sessions.head(20)
    before = helper.suggest_many(sessions)
    assert set(before["session"]) == set(sessions.index)
    path = helper.save(tmp_path / "proactive")
    loaded = cxml.load(path)
    after = loaded.suggest_many(sessions)
    assert before.drop(columns="why").equals(after.drop(columns="why"))
    assert before["why"].tolist() == after["why"].tolist()
    (path / "contexts.parquet").write_bytes(b"tampered")
    with pytest.raises(ChecksumError):
        cxml.load(path)


def test_fallback_query_is_the_error_or_the_page_without_boilerplate(fitted):
    helper, _ = fitted
    assert helper.title_boilerplate_ == ["Example Shop"]  # on every demo page title, learned at fit
    ctx = helper._context(page_title="Tilaus 635177 | Example Shop")
    assert ctx.title == "Tilaus <id> | Example Shop"  # ids masked in titles too, case kept
    assert helper._fallback_text(ctx) == "Tilaus"
    # an error: the code (when the message does not already say it) and the message, ids and punctuation dropped
    ctx = helper._context(page_title="Kassa | Example Shop", error_code="CARD_DECLINED",
                          error_message="Payment 88123 failed: card declined (code 05)")
    assert helper._fallback_text(ctx) == "payment failed card declined code"
    ctx = helper._context(error_code="coupon_invalid", error_message="Discount code XMAS24 is not valid")
    assert helper._fallback_text(ctx) == "coupon invalid discount code is not valid"
    # nothing left to search for: no semantic call, no suggestion
    assert helper.suggest(url="/zzz-new", page_title="12345")["suggestions"] == []


def test_held_out_contexts_measure_the_back_off_chain():
    kb = KnowledgeBase(encoder="hash").add(make_webshop(n_tickets=50, seed=0).articles)
    history = pd.DataFrame(
        [{"url": "/a/b", "error_code": "foo_bar", "article_id": "KB001-en"}] * 10
        + [{"url": "/z", "error_code": "foo_bar", "article_id": "KB002-en"}] * 10
        + [{"url": "/a/c", "error_code": "", "article_id": "KB003-en"}] * 10)
    helper = ProactiveHelper(kb).fit(history)
    test = pd.DataFrame([{"url": "/a/b", "error_code": "FOO-BAR", "article_id": "KB001-en", "language": "en"}])
    table = evaluate_proactive(helper, test, history=history, baselines=False).table.set_index("method")
    assert table.loc["cxml ProactiveHelper", "hit@1"] == 1.0
    # without its own history, the session backs off to the error code, which only /z's article had
    assert table.loc["cxml, exact context held out of training", "hit@1"] == 0.0
    assert "cxml semantic fallback alone" in table.index
    with pytest.raises(ValueError, match="n_folds"):
        evaluate_proactive(helper, test, history=history, n_folds=1)


def test_round_trip_keeps_the_title_boilerplate(fitted, tmp_path):
    helper, _ = fitted
    loaded = cxml.load(helper.save(tmp_path / "p"))
    assert loaded.title_boilerplate_ == helper.title_boilerplate_


@pytest.mark.slow
def test_real_default_encoder_semantic_fallback_in_both_languages():
    """The default ('auto') multilingual encoder behind the whole chain, down to the semantic fallback."""
    train = make_webshop(n_tickets=1000, seed=0)
    kb = KnowledgeBase(encoder="auto").add(train.articles)
    assert kb.encoder_spec_ == "e5-small"
    helper = ProactiveHelper(kb, semantic_min_score=0.0).fit(train.sessions)
    seen = helper.suggest(url="/checkout/payment", error_code="card_declined", language="fi")
    assert seen["suggestions"][0]["level"] == "error+url" and seen["should_offer"]
    card = helper._group_of(seen["suggestions"][0]["article_id"])  # learnt from history: counts, not numerics
    assert "card" in helper._article_in(card, "en")["title"].lower()
    for lang, message in (("en", "Payment 4411 failed: your card was declined by the bank"),
                          ("fi", "Maksu 4411 epäonnistui: pankki hylkäsi korttisi")):
        r = helper.suggest(url="/kampanja/uusi-osio", error_message=message, language=lang, k=3)
        assert r["suggestions"] and all(s["level"] == "semantic" and s["language"] == lang
                                        for s in r["suggestions"])
        assert not r["should_offer"] and "never seen" in r["reason"]
        # The card article is among the first three. Which of two payment articles wins at the top is a
        # near-tie for e5-small in Finnish (0.35 vs 0.34), decided by the CPU's numerics: not asserted.
        assert card in [helper._group_of(s["article_id"]) for s in r["suggestions"][:3]], (lang, r["suggestions"])


def test_segment_history_is_used_first_and_said_so():
    kb = KnowledgeBase(encoder="hash").add(make_webshop(n_tickets=50, seed=0).articles)
    rows = ([{"url": "/checkout/payment", "error_code": "card_declined", "segment": "b2b", "article_id": "KB025-en"}] * 6
            + [{"url": "/checkout/payment", "error_code": "card_declined", "segment": "consumer",
                "article_id": "KB031-en"}] * 12)
    helper = ProactiveHelper(kb, use_segments=True).fit(pd.DataFrame(rows))
    assert helper.segments_used_
    b2b = helper.suggest(url="/checkout/payment", error_code="CARD-DECLINED", segment="B2B", language="en")
    top = b2b["suggestions"][0]
    assert top["article_id"] == "KB025-en" and "6 of 6 past cases of b2b customers (6 of 18 of all)" in top["why"]
    everyone = helper.suggest(url="/checkout/payment", error_code="card_declined", language="en")["suggestions"]
    assert everyone[0]["article_id"] == "KB031-en" and "customers" not in everyone[0]["why"]
    # a segment without history of its own gets everyone's preferences
    new = helper.suggest(url="/checkout/payment", error_code="card_declined", segment="public sector",
                         language="en")["suggestions"]
    assert new[0]["article_id"] == "KB031-en"
    # a handful of segment cases stays close to everyone's preferences (shrinkage)
    few = ProactiveHelper(kb, use_segments=True).fit(pd.DataFrame(rows[:2] + rows[6:]))
    assert few.suggest(url="/checkout/payment", error_code="card_declined", segment="b2b",
                       language="en")["suggestions"][0]["article_id"] == "KB031-en"
    batch = helper.suggest_many(pd.DataFrame([{"url": "/checkout/payment", "error_code": "card_declined",
                                               "segment": "b2b", "language": "en"}]))
    assert batch.loc[batch["rank"] == 1, "article_id"].item() == "KB025-en"
    off = ProactiveHelper(kb, use_segments=False).fit(pd.DataFrame(rows))
    assert not off.segments_used_
    assert off.suggest(url="/checkout/payment", error_code="card_declined", segment="b2b",
                       language="en")["suggestions"][0]["article_id"] == "KB031-en"
    with pytest.raises(ValueError, match="use_segments"):
        ProactiveHelper(kb, use_segments="yes").fit(pd.DataFrame(rows))
    with pytest.raises(ValueError, match="segment_prior must be a number >= 0"):
        ProactiveHelper(kb, segment_prior=-1).fit(pd.DataFrame(rows))


def test_auto_uses_segments_only_where_the_history_shows_they_matter(fitted, tmp_path):
    helper, _ = fitted  # demo sessions: the segment is drawn independently of the article
    assert helper.segment_check_["cases"] > 1000
    assert not helper.segments_used_
    kb = helper.knowledge
    rows = [{"url": "/checkout/payment", "error_code": "card_declined", "segment": "b2b",
             "article_id": "KB025-en"}] * 60
    for article in ("KB031-en", "KB032-en", "KB033-en", "KB034-en"):  # consumers never need KB025
        rows += [{"url": "/checkout/payment", "error_code": "card_declined", "segment": "consumer",
                  "article_id": article}] * 15
    learned = ProactiveHelper(kb).fit(pd.DataFrame(rows))
    check = learned.segment_check_
    assert learned.segments_used_ and check["hit@3 with segments"] > check["hit@3 without segments"]
    loaded = cxml.load(learned.save(tmp_path / "seg"))
    assert loaded.segments_used_ and loaded.segment_check_ == check


# ---------------------------------------------------------------------------------------------------------------
# issue 14: renamed columns, bad arguments, articles the knowledge base does not hold


def test_renamed_context_columns_are_refused_naming_them(fitted):
    helper, train = fitted
    renamed = train.sessions.rename(columns={"url": "page_url", "error_code": "err_code"})
    with pytest.raises(ValueError, match=r"no \['error_code', 'url'\] column.*columns=\{'url': 'page_url', "
                                         r"'error_code': 'err_code'\}"):
        ProactiveHelper(helper.knowledge).fit(renamed)
    mapped = ProactiveHelper(helper.knowledge).fit(renamed, columns={"url": "page_url", "error_code": "err_code"})
    assert mapped.counts_ == helper.counts_
    with pytest.warns(UserWarning, match=r"no \['url'\] column"):
        ProactiveHelper(helper.knowledge).fit(train.sessions.drop(columns=["url"]))


def test_suggest_arguments_are_checked(fitted):
    helper, _ = fitted
    with pytest.raises(TypeError, match="url must be a str or None, got 5"):
        helper.suggest(url=5)
    with pytest.raises(TypeError, match="error_code must be a str"):
        helper.suggest(error_code=["card_declined"])
    for k in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="k must be a positive integer"):
            helper.suggest(url="/checkout/payment", k=k)
    with pytest.raises(ValueError, match="k must be a positive integer"):
        helper.knowledge.suggest("maksu ei mene läpi", k=0)


def test_an_article_missing_from_the_knowledge_base_is_never_offered(fitted):
    helper, train = fitted
    sessions = train.sessions.copy()
    sessions.loc[sessions["url"].astype(str).str.contains("checkout"), "article_id"] = "kb-gone"
    assert (sessions["article_id"] == "kb-gone").sum() > 10
    with pytest.warns(UserWarning, match=r"not in the knowledge base, e.g. \['kb-gone'\]"):
        learned = ProactiveHelper(helper.knowledge).fit(sessions)
    for url in sessions.loc[sessions["article_id"] == "kb-gone", "url"].head(20):
        res = learned.suggest(url=url, k=3)
        assert all(r["article_id"] != "kb-gone" and r["title"] for r in res["suggestions"])
    with pytest.raises(ValueError, match="'kb-gone' is not in the knowledge base"):
        ProactiveHelper(helper.knowledge).pin("kb-gone", url="/checkout")
