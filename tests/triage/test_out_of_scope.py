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
    # a line break ends a sentence: the greeting on its own line does not open the first sentence
    letter = "Palautus\nHyvää päivää,\n\nPalautusaika umpeutui pari päivää sitten. Voinko palauttaa?\nMatti"
    assert short_forms(letter) == ["Palautus", "Palautusaika umpeutui pari päivää sitten."]
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


# --------------------------------------------------------------------------- the combined detector
def _clusters(seed: int, n: int = 120, dim: int = 16):
    """Three tight classes around orthogonal directions of a 16-d space (as unit vectors)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1, 2], n // 3)
    X = np.eye(dim)[y] * 3.0 + rng.normal(scale=0.6, size=(n, dim))
    return X / np.linalg.norm(X, axis=1, keepdims=True), y


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_combined_flags_a_far_vector_and_few_in_scope_ones(seed):
    import numpy as np

    X, y = _clusters(seed)
    clf = TicketClassifier(encoder="precomputed", oos_method="combined", out_of_scope=0.05,
                           random_state=seed).fit(X, y)
    assert clf.oos_method_ == "combined" and set(clf.oos_thresholds_) == {"combined"}
    assert clf.class_means_.shape == (3, 16) and clf.oos_length_thresholds_ is None  # no texts, no length bins
    fresh, _ = _clusters(seed + 100)
    far = np.zeros((2, 16))
    far[0, 10], far[1, 3:6] = 1.0, 1 / np.sqrt(3)  # unlike every class, and between all three
    flagged = (clf.decide(np.vstack([fresh, far]))["abstain_reason"] == "out_of_scope").to_numpy()
    assert flagged[-2:].all()
    assert flagged[:-2].mean() <= 0.15  # calibrated to flag 5 % of held-out in-scope vectors


def test_combined_p_values_follow_the_held_out_reference():
    import numpy as np

    from cxml.triage.out_of_scope import REFERENCE_LEVELS, fit_combined

    X, y = _clusters(0)
    splits = [(np.flatnonzero(np.arange(120) % 4 != f), np.flatnonzero(np.arange(120) % 4 == f)) for f in range(4)]
    P = np.full((120, 3), 0.1)
    P[np.arange(120), y] = 0.8
    t, by_bin, means, grids = fit_combined(X, None, np.empty(0, dtype=int), y, 3, splits, P, None, None, 0.1)
    assert by_bin is None and grids.shape == (2, 5, REFERENCE_LEVELS)
    assert np.all(np.diff(grids[:, 0], axis=-1) >= 0)  # quantile grids: non-decreasing
    np.testing.assert_allclose(np.linalg.norm(means, axis=1), 1.0, rtol=1e-5)
    # the same MSP everywhere: only the class-mean similarity decides; about 10 % of training rows fall below
    # the threshold, and a lower similarity never raises the combined score
    from cxml.triage.out_of_scope import combined_scores

    s = combined_scores(P, X, means, grids, None)
    assert 0.03 <= (s < t).mean() <= 0.2
    # below every in-scope reference score the p-value keeps falling: far is more unusual than least usual
    from cxml.triage.out_of_scope import _p_values

    ref = grids[0, 0]
    p = _p_values(np.array([ref[0] - 1.0, ref[0] - 0.1, ref[0], ref[500], ref[-1] + 1]), ref)
    assert np.all(np.diff(p) > 0) and p[2] == pytest.approx(1 / (REFERENCE_LEVELS - 1)) and p[-1] == 1.0
    sim = (X * means[y]).sum(axis=1)
    order = np.argsort(sim)
    assert np.all(np.diff(s[order]) >= -1e-9)


def test_combined_cross_validated_short_forms_match_their_ticket():
    """A short form identical to its ticket gets exactly its ticket's out-of-fold probabilities."""
    import numpy as np

    from cxml.triage.calibration import CalibratedHead, cross_validated_head

    X, y = _clusters(3)
    splits = [(np.flatnonzero(np.arange(120) % 3 != f), np.flatnonzero(np.arange(120) % 3 == f)) for f in range(3)]
    owner = np.array([5, 17, 64, 119])
    for calibration in ("temperature", None):
        P, _, _, P_x = cross_validated_head(CalibratedHead(calibration, 1.0, 0), X, y, 3, splits,
                                            extra=X[owner], owner=owner)
        np.testing.assert_allclose(P_x, P[owner], atol=1e-9)
        assert cross_validated_head(CalibratedHead(calibration, 1.0, 0), X, y, 3, splits)[3] is None


def test_combined_on_tickets_far_questions_and_short_messages(split, out_of_scope_texts):
    from cxml.triage.out_of_scope import short_forms

    train, test = split
    clf = TicketClassifier(encoder="hash", oos_method="combined").fit(train, train["reason"])
    assert clf.oos_length_thresholds_ is None  # hash encoder: length bins off by default
    assert (clf.decide(out_of_scope_texts)["abstain_reason"] == "out_of_scope").mean() >= 0.5
    assert (clf.decide(test)["abstain_reason"] == "out_of_scope").mean() <= 0.05
    by_length = TicketClassifier(encoder="hash", oos_method="combined", oos_by_length=True).fit(train, train["reason"])
    per_bin = by_length.oos_length_thresholds_["combined"]
    assert len(per_bin) == 4 and max(per_bin) <= by_length.oos_thresholds_["combined"]  # bins only relax
    texts = (test["subject"].fillna("") + "\n" + test["body"].fillna("")).tolist()
    subjects = test["subject"].fillna("").tolist()
    sentences = [forms[-1] for forms in map(short_forms, texts) if forms]
    blind = (clf.decide(subjects)["abstain_reason"] == "out_of_scope").mean()
    for short in (subjects, sentences):  # calibrated on the training tickets' short forms: few flagged
        assert (by_length.decide(short)["abstain_reason"] == "out_of_scope").mean() <= 0.08
    assert (by_length.decide(subjects)["abstain_reason"] == "out_of_scope").mean() < blind


def test_combined_is_deterministic_and_survives_save_load(split, tmp_path, out_of_scope_texts):
    import json

    import numpy as np
    import pandas as pd

    train, test = split
    make = lambda: TicketClassifier(encoder="hash", oos_method="combined", oos_by_length=True,  # noqa: E731
                                    random_state=3).fit(train, train["reason"])
    a, b = make(), make()
    np.testing.assert_array_equal(a.oos_reference_, b.oos_reference_)
    np.testing.assert_array_equal(a.class_means_, b.class_means_)
    assert a.oos_length_thresholds_ == b.oos_length_thresholds_ and a.oos_thresholds_ == b.oos_thresholds_
    queries = list(out_of_scope_texts) + test["subject"].fillna("").tolist()
    a.save(tmp_path / "m")
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text())
    meta = manifest["model"]["classifier"]
    assert meta["oos_method"] == "combined"
    assert {"class_means", "oos_reference"} <= set(meta["files"]) and "prototypes" not in meta["files"]
    loaded = cxml.load(tmp_path / "m")
    assert loaded.oos_method_ == "combined"
    pd.testing.assert_frame_equal(loaded.decide(queries), a.decide(queries))


def test_oos_method_auto_and_validation(reason_clf):
    assert reason_clf.oos_method == "auto" and reason_clf.oos_method_ == "thresholds"  # hash encoder
    off = TicketClassifier(encoder="hash", out_of_scope=False).fit(["a b", "c d"] * 3, [0, 1] * 3)
    assert off.oos_method_ is None and off.oos_thresholds_ is None
    with pytest.raises(ValueError, match="oos_method"):
        TicketClassifier(encoder="hash", oos_method="fisher").fit(["a b", "c d"] * 3, [0, 1] * 3)


def test_format_2_classifier_without_oos_method_loads_as_thresholds(reason_clf, tmp_path, out_of_scope_texts):
    """Artifacts written before the combined detector (format 2, no ``oos_method``) keep their detectors."""
    import json

    import pandas as pd

    from cxml.persistence import DIGEST_KEY, manifest_digest

    path = reason_clf.save(tmp_path / "m")
    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest["format_version"] == 3
    manifest["format_version"] = 2
    del manifest["model"]["classifier"]["oos_method"]
    manifest[DIGEST_KEY] = manifest_digest(manifest)
    (path / "manifest.json").write_text(json.dumps(manifest))
    loaded = cxml.load(path)
    assert loaded.oos_method_ == "thresholds" and loaded.class_means_ is None
    pd.testing.assert_frame_equal(loaded.decide(out_of_scope_texts), reason_clf.decide(out_of_scope_texts))


def test_combined_in_triage_with_priority_context(split, out_of_scope_texts):
    """Every head of a Triage (priority reads the predicted reason as context) calibrates its own combined
    detector on the shared featurizer's short forms."""
    from cxml.triage import Triage

    train, test = split
    model = Triage(targets=("reason", "priority"), encoder="hash", oos_method="combined",
                   oos_by_length=True).fit(train)
    for head in model.estimators_.values():
        assert head.oos_method_ == "combined" and len(head.oos_length_thresholds_["combined"]) == 4
    out = model.predict(test)
    assert (out["reason_abstain_reason"] == "out_of_scope").mean() <= 0.05
    assert (model.predict(out_of_scope_texts)["reason_action"] == "abstain").mean() >= 0.5
