"""Out-of-scope and unknown-language detection: unrelated questions abstain, in-scope tickets do not."""

from __future__ import annotations

import pytest

import cxml
from cxml.triage import TicketClassifier


def test_out_of_scope_texts_abstain(reason_clf, split, out_of_scope_texts):
    _, test = split
    assert set(reason_clf.oos_thresholds_) == {"prototypes", "coverage"}
    oos = reason_clf.decide(out_of_scope_texts)
    # small data and a lexical test encoder: only some unrelated questions are recognised as such
    assert (oos["abstain_reason"] == "out_of_scope").any()
    assert (oos["action"] == "abstain").mean() >= 0.4
    inscope = reason_clf.decide(test)
    assert (inscope["abstain_reason"] == "out_of_scope").mean() <= 0.05


@pytest.fixture(scope="module")
def larger():
    tickets = cxml.make_webshop(2000, seed=2).tickets
    return tickets.iloc[:1800], tickets.iloc[1800:]


def test_out_of_scope_by_vocabulary_coverage(larger, out_of_scope_texts):
    train, test = larger
    clf = TicketClassifier(encoder="hash", features="tfidf").fit(train, train["reason"])
    assert set(clf.oos_thresholds_) == {"coverage"}
    oos = clf.decide(out_of_scope_texts)
    assert (oos["abstain_reason"] == "out_of_scope").mean() >= 0.75
    assert (oos["action"] == "abstain").all()
    assert (clf.decide(test)["abstain_reason"] == "out_of_scope").mean() <= 0.05
    off = clf.set_params(out_of_scope=False).fit(train, train["reason"])
    assert off.oos_thresholds_ is None
    assert "out_of_scope" not in set(off.decide(out_of_scope_texts)["abstain_reason"])


def test_unknown_language_abstains(reason_clf):
    assert set(reason_clf.languages_) == {"fi", "en"}
    d = reason_clf.decide([
        "Wo ist mein Paket? Ich habe vor zwei Wochen bestellt und es ist immer noch nicht angekommen.",
        "¿Dónde está mi pedido? Lo compré hace dos semanas y todavía no ha llegado a mi casa.",
    ])
    assert (d["abstain_reason"] == "unknown_language").all()
    assert (d["action"] == "abstain").all()




# --------------------------------------------------------------------------- short messages
def test_short_forms_and_length_bins():
    from cxml.triage.out_of_scope import length_bins, short_forms

    text = "Double charge\nHi! I was charged twice for my order #123. Please refund one of them."
    assert short_forms(text) == ["Double charge", "I was charged twice for my order #123."]
    assert short_forms("Where is my parcel?") == []  # the whole ticket is not a short form of itself
    assert short_forms("   ") == []
    texts = ["a b", "a b c d", "a b c d e", " ".join(["w"] * 8), " ".join(["w"] * 9), " ".join(["w"] * 17)]
    assert length_bins(texts).tolist() == [0, 0, 1, 1, 2, 3]


def test_part_coverage_is_coverage_against_the_other_tickets():
    from sklearn.feature_extraction.text import TfidfVectorizer

    from cxml.triage.features import unigram_analyzer
    from cxml.triage.out_of_scope import leave_one_out_coverage

    texts = ["parcel late again", "parcel lost", "refund my parcel", "refund late", "late refund parcel",
             "invoice wrong", "invoice late", "wrong parcel refund"]
    idf = {t: 1.0 + i / 10 for i, t in enumerate(sorted({w for t in texts for w in unigram_analyzer()(t)}))}
    parts = [(0, "parcel late"), (5, "invoice wrong"), (7, "wrong parcel")]
    got = leave_one_out_coverage(texts, idf, parts)
    assert got.shape == (len(texts) + len(parts),)
    for j, (row, part) in enumerate(parts):
        others = [t for i, t in enumerate(texts) if i != row]
        vec = TfidfVectorizer(analyzer=unigram_analyzer(), min_df=2).fit(others)
        known = {t: idf[t] for t in vec.vocabulary_}
        # a word is known without the ticket when two other tickets use it; unknown words weigh max(idf)
        w = [idf[t] if t in known else max(idf.values()) for t in unigram_analyzer()(part)]
        k = [idf[t] for t in unigram_analyzer()(part) if t in known]
        assert got[len(texts) + j] == pytest.approx(sum(k) / sum(w))


def test_short_in_scope_messages_are_not_out_of_scope(split):
    """Subjects and first sentences of held-out tickets are short, not foreign: the length-aware
    thresholds flag few of them, far fewer than thresholds calibrated on whole tickets would."""
    import copy

    from cxml.triage.out_of_scope import short_forms

    train, test = split
    clf = TicketClassifier(encoder="hash", oos_by_length=True).fit(train, train["reason"])
    assert set(clf.oos_length_thresholds_) == {"prototypes", "coverage"}
    for method, per_bin in clf.oos_length_thresholds_.items():
        assert len(per_bin) == 4 and max(per_bin) <= clf.oos_thresholds_[method]  # bins only relax
    texts = (test["subject"].fillna("") + "\n" + test["body"].fillna("")).tolist()
    subjects = test["subject"].fillna("").tolist()
    sentences = [forms[-1] for forms in map(short_forms, texts) if forms]
    blind = copy.copy(clf)
    blind.oos_length_thresholds_ = None
    for short in (subjects, sentences):
        flagged = (clf.decide(short)["abstain_reason"] == "out_of_scope").mean()
        before = (blind.decide(short)["abstain_reason"] == "out_of_scope").mean()
        assert flagged <= 0.08
        assert flagged < before


def test_length_calibration_is_off_for_lexical_features_by_default(reason_clf):
    # a lexical encoder cannot tell a short unrelated question from a short in-scope subject: "auto" keeps
    # the length-blind thresholds there (the tests above), and turns the length bins on for neural encoders
    assert reason_clf.oos_by_length == "auto" and reason_clf.oos_length_thresholds_ is None
    with pytest.raises(ValueError, match="oos_by_length"):
        TicketClassifier(encoder="hash", oos_by_length="yes").fit(["a b", "c d"] * 3, [0, 1] * 3)
