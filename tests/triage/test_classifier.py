"""TicketClassifier and PriorityClassifier: fit, decide, sklearn contract, thresholds, small data, artifacts."""

from __future__ import annotations

import pickle
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

import cxml
from cxml.datasets import make_webshop
from cxml.persistence import ChecksumError
from cxml.schema import ValidationError
from cxml.triage import PriorityClassifier, TicketClassifier, Triage
from cxml.triage.decisions import fit_class_thresholds


# --------------------------------------------------------------------------- basics
def test_fit_predict_on_demo_tickets(reason_clf, split):
    _, test = split
    assert reason_clf.encoder_spec_ == "hash"
    assert list(reason_clf.classes_) == sorted(split[0]["reason"].unique())
    pred = reason_clf.predict(test)
    assert (pred.to_numpy() == test["reason"].to_numpy()).mean() > 0.7
    assert reason_clf.score(test, test["reason"]) > 0.7
    assert 0.0 <= reason_clf.cv_scores_["ece"] < 0.2
    assert reason_clf.cv_scores_["accuracy"] > 0.7


def test_list_of_texts_in_arrays_out(text_data):
    X, y, Xt, yt = text_data
    clf = TicketClassifier(encoder="hash", features="tfidf").fit(X, y)
    pred = clf.predict(Xt)
    proba = clf.predict_proba(Xt)
    assert isinstance(pred, np.ndarray) and isinstance(proba, np.ndarray)
    assert proba.shape == (len(Xt), len(clf.classes_))
    assert (pred == yt).mean() > 0.8
    assert clf.n_features_in_ == 1
    assert clf.encoder_spec_ == "tfidf"


def test_dataframe_index_preserved(reason_clf, split):
    _, test = split
    shuffled = test.sample(frac=1.0, random_state=3)
    shuffled.index = [f"t{i}" for i in range(len(shuffled))][::-1]
    proba = reason_clf.predict_proba(shuffled)
    pred = reason_clf.predict(shuffled)
    decided = reason_clf.decide(shuffled)
    for out in (proba, pred, decided):
        assert list(out.index) == list(shuffled.index)
    assert list(proba.columns) == list(reason_clf.classes_)
    series = pd.Series(shuffled["subject"].tolist(), index=shuffled.index)
    assert list(reason_clf.predict_proba(series).index) == list(shuffled.index)


def test_probabilities_sum_to_one_and_follow_classes(reason_clf, split):
    _, test = split
    proba = reason_clf.predict_proba(test)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-9)
    assert ((proba.to_numpy() >= 0) & (proba.to_numpy() <= 1)).all()
    best = np.asarray(reason_clf.classes_)[proba.to_numpy().argmax(axis=1)]
    np.testing.assert_array_equal(best, reason_clf.predict(test).to_numpy())


def test_rejects_bad_input(reason_clf):
    with pytest.raises(TypeError, match="single string"):
        reason_clf.predict("Where is my parcel?")
    with pytest.raises(NotFittedError, match="not fitted"):
        TicketClassifier(encoder="hash").predict(["x"])
    with pytest.raises(ValueError, match="labels"):
        TicketClassifier(encoder="hash").fit(["a b", "c d", "e f"], ["x", "y"])
    with pytest.raises(ValueError, match="features"):
        TicketClassifier(encoder="hash", features="bag").fit(["a b", "c d"], ["x", "y"])
    with pytest.raises(ValueError, match="2 classes"):
        TicketClassifier(encoder="hash").fit(["a b", "c d"], ["x", "x"])


# --------------------------------------------------------------------------- scikit-learn contract
def test_clone_pipeline_cross_val_and_grid_search(text_data):
    X, y, Xt, yt = text_data
    X, y = X[:300], y[:300]
    base = TicketClassifier(encoder="hash", features="tfidf", cv=3, out_of_scope=False)
    copy = clone(base)
    assert copy.get_params() == base.get_params()
    assert not hasattr(copy, "classes_")
    pipe = Pipeline([("clf", clone(base))]).fit(X, y)
    assert (pipe.predict(Xt) == yt).mean() > 0.7
    scores = cross_val_score(clone(base), X, y, cv=3)
    assert scores.shape == (3,) and scores.mean() > 0.7
    search = GridSearchCV(clone(base), {"C": [0.1, 1.0]}, cv=2).fit(X, y)
    assert search.best_params_["C"] in (0.1, 1.0)
    assert (search.predict(Xt) == yt).mean() > 0.7


def _expected_failed_checks(estimator):
    if estimator.encoder == "precomputed":
        return {}  # numeric embedding input: the whole suite applies and passes
    # Text input: scikit-learn skips its numeric checks itself for two_d_array=False; should a
    # future version run them, these need numeric matrices and cannot apply to texts.
    numeric = ("check_n_features_in", "check_fit2d_1sample", "check_fit2d_1feature", "check_fit1d",
               "check_fit2d_predict1d", "check_estimators_dtypes", "check_estimators_nan_inf",
               "check_classifiers_train", "check_estimators_empty_data_messages",
               "check_n_features_in_after_fitting", "check_readonly_memmap_input",
               "check_positive_only_tag_during_fit")
    return {name: "needs numeric 2-D input; TicketClassifier reads texts" for name in numeric}


@parametrize_with_checks(
    [TicketClassifier(encoder="hash", features="tfidf", cv=2),
     TicketClassifier(encoder="precomputed", cv=3)],
    expected_failed_checks=_expected_failed_checks,
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_text_estimator_tags():
    tags = TicketClassifier().__sklearn_tags__()
    assert tags.input_tags.string and not tags.input_tags.two_d_array
    pre = TicketClassifier(encoder="precomputed").__sklearn_tags__()
    assert pre.input_tags.two_d_array and not pre.input_tags.string


def test_text_contract_checks(text_data):
    """What scikit-learn's API checks verify, done with texts."""
    X, y, Xt, _ = text_data
    X, y = X[:200], y[:200]
    est = TicketClassifier(encoder="hash", features="hybrid", cv=3)
    params = est.get_params()
    assert not [k for k in vars(est) if k.endswith("_")]
    fitted = est.fit(X, y)
    assert fitted is est
    assert est.get_params() == params  # fit does not change parameters
    first = est.predict_proba(Xt)
    state = {k: v for k, v in vars(est).items()}
    est.predict(Xt)
    est.decide(Xt)
    assert set(vars(est)) == set(state)
    est.fit(X, y)  # idempotent
    np.testing.assert_array_equal(first, est.predict_proba(Xt))
    subset = est.predict_proba(Xt[:7])
    np.testing.assert_allclose(subset, first[:7])
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(restored.predict_proba(Xt), first)


def test_determinism_same_seed_same_probabilities(text_data):
    X, y, Xt, _ = text_data
    a = TicketClassifier(encoder="hash", random_state=7).fit(X, y)
    b = TicketClassifier(encoder="hash", random_state=7).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(Xt), b.predict_proba(Xt))
    np.testing.assert_array_equal(a.thresholds_, b.thresholds_)


def test_precomputed_embeddings_fit_only_the_head(text_data):
    X, y, Xt, yt = text_data
    enc = cxml.encoders.load("hash")
    E, Et = enc.encode(X), enc.encode(Xt)
    clf = TicketClassifier(encoder="precomputed").fit(E, y)
    assert clf.n_features_in_ == E.shape[1]
    assert (clf.predict(Et) == yt).mean() > 0.55
    search = GridSearchCV(TicketClassifier(encoder="precomputed", cv=3), {"C": [0.5, 2.0]}, cv=2).fit(E, y)
    assert search.best_estimator_.encoder_spec_ == "precomputed"
    with pytest.raises(ValueError):
        clf.predict(Et[:, :10])


# --------------------------------------------------------------------------- thresholds and decisions
def test_thresholds_come_from_training_cv_only(split, text_data):
    train, test = split
    clf = TicketClassifier(encoder="hash").fit(train, train["reason"])
    before = clf.thresholds_.copy()
    clf.decide(test)
    clf.decide(test.iloc[:20])
    clf.decide(pd.concat([test, test.assign(id=test["id"] + "-copy")]).reset_index(drop=True))
    np.testing.assert_array_equal(clf.thresholds_, before)
    # refitting on the same training data gives the same thresholds whatever the test data
    again = TicketClassifier(encoder="hash").fit(train, train["reason"])
    np.testing.assert_array_equal(again.thresholds_, before)
    report = clf.coverage_report()
    finite = np.isfinite(report["threshold"])
    assert finite.any()
    assert (report.loc[finite, "cv_precision"] >= report.loc[finite, "target_precision"] - 1e-12).all()
    assert (report.loc[~finite, "coverage"] == 0).all()
    assert set(report.columns) >= {"target_precision", "threshold", "cv_precision", "coverage", "support"}


def test_higher_target_precision_never_lowers_thresholds(text_data):
    X, y, _, _ = text_data
    lo = TicketClassifier(encoder="hash", features="tfidf", target_precision=0.7).fit(X, y)
    hi = TicketClassifier(encoder="hash", features="tfidf", target_precision=0.99).fit(X, y)
    assert (hi.thresholds_ >= lo.thresholds_).all()
    per_class = {lo.classes_[0]: 0.5}
    mixed = TicketClassifier(encoder="hash", features="tfidf", target_precision=per_class).fit(X, y)
    assert mixed.coverage_report()["target_precision"].iloc[0] == 0.5
    assert (mixed.coverage_report()["target_precision"].iloc[1:] == 0.9).all()


def test_fit_class_thresholds_lowest_threshold_reaching_target():
    conf = np.array([0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3])
    correct = np.array([1, 1, 1, 1, 1, 0, 1, 0], dtype=bool)
    th = fit_class_thresholds(np.zeros(8, dtype=int), conf, correct, 1, np.array([0.8]))
    # precision at >= 0.4 is 6/7 = 0.857, at >= 0.3 it is 6/8 = 0.75
    assert th["threshold"][0] == 0.4
    assert th["cv_precision"][0] == pytest.approx(6 / 7)
    assert th["coverage"][0] == pytest.approx(7 / 8)
    too_few = fit_class_thresholds(np.zeros(3, dtype=int), conf[:3], correct[:3], 1, np.array([0.8]))
    assert np.isinf(too_few["threshold"][0])


def test_decide_actions_and_reasons(reason_clf, split):
    _, test = split
    d = reason_clf.decide(test)
    assert list(d.columns) == ["label", "confidence", "action", "abstain_reason", "top3"]
    assert set(d["action"]) <= {"auto", "suggest", "abstain"}
    thr = dict(zip(reason_clf.classes_, reason_clf.thresholds_, strict=True))
    row_thr = d["label"].map(thr)
    auto, suggest, abstain = (d["action"] == a for a in ("auto", "suggest", "abstain"))
    assert (d.loc[auto, "confidence"] >= row_thr[auto]).all()
    assert (d.loc[suggest, "confidence"] < row_thr[suggest]).all()
    assert d.loc[abstain, "abstain_reason"].notna().all()
    assert d.loc[~abstain, "abstain_reason"].isna().all()
    assert auto.mean() > 0.5
    top = d["top3"].iloc[0]
    assert len(top) == 3 and top[0][0] == d["label"].iloc[0] and top[0][1] >= top[1][1] >= top[2][1]
    assert (d.loc[auto, "label"] == test.loc[auto, "reason"]).mean() > 0.85


def test_empty_text_abstains(reason_clf):
    d = reason_clf.decide(["", "   ", "Where is my parcel? I ordered it two weeks ago and it has not arrived."])
    assert d["abstain_reason"].tolist()[:2] == ["empty_text", "empty_text"]
    assert (d["action"].iloc[:2] == "abstain").all()
    assert d["abstain_reason"].iloc[2] is None
    frame = pd.DataFrame({"subject": ["", "Lasku"], "body": [None, "Voinko siirtää laskun eräpäivää?"]},
                         index=["a", "b"])
    d = reason_clf.decide(frame)
    assert d.loc["a", "abstain_reason"] == "empty_text"


# --------------------------------------------------------------------------- small data and data report
def test_five_examples_per_class(webshop_small):
    tickets = webshop_small.tickets
    small = tickets.groupby("reason", group_keys=False).head(5)
    assert small["reason"].value_counts().max() == 5
    clf = TicketClassifier(encoder="hash").fit(small, small["reason"])
    assert clf.cv_scores_["n_splits"] == 5
    rest = tickets.drop(small.index)
    assert (clf.predict(rest) == rest["reason"]).mean() > 0.25  # 12 classes: chance is about 0.1
    report = clf.data_report()
    assert report.classes["too_few"].all()
    assert set(report.classes.index) == set(small["reason"])
    three = tickets.groupby("reason", group_keys=False).head(3)
    clf3 = TicketClassifier(encoder="hash", cv=5).fit(three, three["reason"])
    assert clf3.cv_scores_["n_splits"] == 3
    d = clf3.decide(rest.head(20))
    assert len(d) == 20


def test_single_example_class_is_kept_but_never_auto(webshop_small):
    tickets = webshop_small.tickets.iloc[:200]
    y = tickets["reason"].to_numpy().copy()
    y[0] = "rare_reason"
    with pytest.warns(UserWarning, match="single example"):
        clf = TicketClassifier(encoder="hash", features="tfidf").fit(tickets, y)
    assert "rare_reason" in clf.classes_
    assert np.isinf(clf.thresholds_[list(clf.classes_).index("rare_reason")])


def test_data_report_finds_planted_mislabels(webshop_small):
    tickets = webshop_small.tickets.copy()
    reasons = sorted(tickets["reason"].unique())
    rng = np.random.default_rng(0)
    flipped = rng.choice(tickets.index[tickets["reason"].isin(["delivery", "invoice", "account_login",
                                                                "payment_failure"])], 15, replace=False)
    swap = {"delivery": "account_login", "invoice": "delivery", "account_login": "invoice",
            "payment_failure": "product_question"}
    y = tickets["reason"].copy()
    y.loc[flipped] = y.loc[flipped].map(swap)
    assert set(swap.values()) <= set(reasons)
    clf = TicketClassifier(encoder="hash").fit(tickets, y)
    report = clf.data_report()
    found = set(report.suspected_mislabels.index)
    # the demo data has about 3 % natural label noise too, so other tickets are flagged as well
    assert len(found & set(flipped)) >= 10
    others = set(tickets.index) - set(flipped)
    assert len(found & others) / len(others) < 0.1
    sus = report.suspected_mislabels.loc[sorted(found & set(flipped))]
    assert (sus["suggested"] == tickets.loc[sus.index, "reason"]).mean() > 0.8
    assert len(report.confused_pairs) > 0
    assert {"true", "predicted", "count"} <= set(report.confused_pairs.columns)
    assert "suspected mislabelled" in report.to_text()


# --------------------------------------------------------------------------- priority
def test_priority_classifier_ordinal_metrics(split):
    train, test = split
    clf = PriorityClassifier(encoder="hash").fit(train, train["priority"])
    assert clf.ordinal_levels_ == ["low", "medium", "high", "urgent"]
    assert "reason" in clf.context_.categories_ and "segment" in clf.context_.categories_
    s = clf.cv_scores_
    for key in ("macro_f1", "within_one_accuracy", "top_level_recall"):
        assert 0.0 <= s[key] <= 1.0
    assert s["within_one_accuracy"] > 0.85
    pred = clf.predict(test)
    assert set(pred) <= set(clf.classes_)
    eager = PriorityClassifier(encoder="hash", top_threshold=0.15).fit(train, train["priority"])
    assert (eager.predict(test) == "urgent").sum() >= (pred == "urgent").sum()
    argmax = PriorityClassifier(encoder="hash", cost_matrix=None).fit(train, train["priority"])
    P = argmax.predict_proba(test).to_numpy()
    np.testing.assert_array_equal(argmax.predict(test).to_numpy(), argmax.classes_[P.argmax(axis=1)])
    with pytest.raises(ValueError, match="ordinal"):
        TicketClassifier(encoder="hash", ordinal=["low", "high"]).fit(train, train["priority"])


def test_classifier_save_load_round_trip(reason_clf, split, tmp_path):
    _, test = split
    path = reason_clf.save(tmp_path / "clf")
    assert cxml.persistence.read_manifest(path)["kind"] == "ticket_classifier"
    loaded = cxml.load(path)
    assert isinstance(loaded, TicketClassifier)
    pd.testing.assert_frame_equal(loaded.decide(test), reason_clf.decide(test))
    pd.testing.assert_frame_equal(loaded.predict_proba(test), reason_clf.predict_proba(test))
    np.testing.assert_array_equal(loaded.thresholds_, reason_clf.thresholds_)
    assert loaded.coverage_report().shape == reason_clf.coverage_report().shape
    assert len(loaded.data_report().suspected_mislabels) == 0


def test_tampered_artifact_refused(reason_clf, tmp_path):
    path = reason_clf.save(tmp_path / "clf")
    head = path / "head.skops"
    data = bytearray(head.read_bytes())
    data[len(data) // 2] ^= 0xFF
    head.write_bytes(bytes(data))
    with pytest.raises(ChecksumError):
        cxml.load(path)


def test_dimension_mismatch_detected_lazily(reason_clf, tmp_path, monkeypatch):
    from cxml.persistence import DimensionMismatchError

    path = reason_clf.save(tmp_path / "clf")
    loaded = cxml.load(path)
    real_load = cxml.encoders.load
    monkeypatch.setattr(cxml.encoders, "load", lambda spec, **kw: real_load("hash-128"))
    with pytest.raises(DimensionMismatchError):
        loaded.predict(["Where is my parcel?"])


# --------------------------------------------------------------------------- personal data
PII = {
    "email": "matti.meikalainen@example.fi",
    "phone": "+358 40 123 4567",
    "phone2": "040-7654321",
    "card": "4111 1111 1111 1111",
    "card2": "5555555555554444",
    "iban": "FI21 1234 5600 0007 85",
    "iban2": "FI2112345600000785",
    "hetu": "131052-308T",
}


def _needles() -> set[bytes]:
    out = set()
    for value in PII.values():
        for v in (value, value.lower(), value.replace(" ", ""), value.replace(" ", "").lower(),
                  re.sub(r"\D", "", value) if sum(ch.isdigit() for ch in value) > 8 else value):
            out.add(v.encode())
    return out


def _artifact_bytes(path: Path):
    for f in path.rglob("*"):
        if not f.is_file():
            continue
        data = f.read_bytes()
        yield f.name, data
        if zipfile.is_zipfile(f):
            with zipfile.ZipFile(f) as zf:
                for member in zf.namelist():
                    yield f"{f.name}:{member}", zf.read(member)


def test_no_personal_data_in_saved_artifacts(webshop_small, tmp_path):
    tickets = webshop_small.tickets.iloc[:300].copy()
    rng = np.random.default_rng(1)
    rows = rng.choice(len(tickets), 120, replace=False)
    values = list(PII.values())
    bodies = tickets["body"].tolist()
    for j, i in enumerate(rows):
        bodies[i] = f"{bodies[i]} Yhteystiedot: {values[j % len(values)]}, {values[(j + 3) % len(values)]}."
    tickets["body"] = bodies
    joined = "\n".join(tickets["body"])
    assert all(v in joined for v in values)

    model = Triage(targets=("reason", "priority"), encoder="hash", features="hybrid").fit(tickets)
    clf = TicketClassifier(encoder="hash", features="hybrid").fit(tickets, tickets["reason"])
    needles = _needles()
    for name, obj in (("triage", model), ("clf", clf)):
        path = obj.save(tmp_path / name)
        members = list(_artifact_bytes(path))
        assert any(n.endswith(".skops") for n, _ in members)
        assert any(":" in n for n, _ in members)  # zip members were searched too
        for member, data in members:
            for needle in needles:
                assert needle not in data, f"{needle!r} found in {name}/{member}"


# --------------------------------------------------------------------------- real encoder
#: More questions unlike any web-shop ticket (beside the ``out_of_scope_texts`` fixture's eight).
MORE_OUT_OF_SCOPE = ["Can you recommend a good book about Roman history?", "Mitä kuuluu?",
                     "Kuka voitti jääkiekon MM-kultaa vuonna 1995?", "How do I fix a flat bicycle tire?",
                     "Mikä on Suomen pääkaupunki?", "Write me a poem about the sea",
                     "Paljonko kello on Tokiossa nyt?", "What's the best way to learn Spanish quickly?"]


@pytest.mark.slow
def test_auto_encoder_on_bilingual_tickets_is_e5(out_of_scope_texts):
    tickets = make_webshop(n_tickets=600, seed=0).tickets  # fresh: no other test's changes to shared data
    train = tickets.iloc[:150]
    test = tickets.iloc[150:250]
    assert set(train["language"]) == {"fi", "en"}
    clf = TicketClassifier(encoder="auto", features="hybrid").fit(train, train["reason"])
    assert clf.encoder_spec_ == "e5-small"
    assert clf.oos_length_thresholds_ is not None  # "auto": on for a neural encoder
    assert (clf.predict(test) == test["reason"]).mean() > 0.45  # 150 tickets, 12 reasons
    oos = clf.decide(out_of_scope_texts + MORE_OUT_OF_SCOPE)
    # Semantic: unlike any ticket. The length-aware thresholds (issue 18) forgive short texts, and a model of 150
    # tickets calibrates its short-text bins on few of them, so several of these short questions pass as in scope:
    # 8 of 16 flagged here (10 before the calibration's first sentences stopped at line breaks; a 1,200-ticket
    # model flags 10-11), asserted with a margin against the in-scope tickets.
    oos_rate = (oos["abstain_reason"] == "out_of_scope").mean()
    in_scope_rate = (clf.decide(test)["abstain_reason"] == "out_of_scope").mean()
    assert oos_rate >= 0.3 and in_scope_rate <= 0.1 and oos_rate >= in_scope_rate + 0.25


# --------------------------------------------------------------------------- issue 14: nothing silently wrong
def test_nfc_and_nfd_tickets_get_the_same_decisions(split):
    import unicodedata

    train, test = split
    clf = TicketClassifier(encoder="hash", features="tfidf").fit(train, train["reason"])
    texts = cxml.schema.as_tickets(test.head(120))["text"].tolist()
    nfd = [unicodedata.normalize("NFD", t) for t in texts]
    assert sum(a != b for a, b in zip(texts, nfd, strict=True)) > 30  # Finnish: many differ as code points
    np.testing.assert_array_equal(clf.predict_proba(texts), clf.predict_proba(nfd))
    frame = test.head(120).assign(subject=lambda d: d["subject"].map(lambda s: unicodedata.normalize("NFD", s)),
                                  body=lambda d: d["body"].map(lambda s: unicodedata.normalize("NFD", s)))
    np.testing.assert_array_equal(clf.predict_proba(test.head(120)), clf.predict_proba(frame))


def test_labels_are_validated_where_they_enter(text_data):
    X, y, _, _ = text_data
    X, y = X[:60], list(y[:60])
    with_nan = [np.nan if i == 7 else v for i, v in enumerate(y)]
    with pytest.raises(ValidationError, match=r"missing or empty label at row 7"):
        TicketClassifier(encoder="hash", features="tfidf").fit(X, with_nan)
    with pytest.raises(ValidationError, match=r"missing or empty label at row 7"):
        TicketClassifier(encoder="hash", features="tfidf").fit(X, np.array(with_nan))  # 'nan' as a string
    mixed = [5 if i == 3 else v for i, v in enumerate(y)]
    with pytest.raises(ValidationError, match=r"mixes label types.*row 3"):
        TicketClassifier(encoder="hash", features="tfidf").fit(X, mixed)
    spaced = [v + " " if i % 2 else v for i, v in enumerate(y)]
    with pytest.warns(UserWarning, match="surrounding spaces"):
        clf = TicketClassifier(encoder="hash", features="tfidf").fit(X, spaced)
    assert sorted(clf.classes_) == sorted(set(y))


def test_one_example_per_class_is_a_clear_error():
    with pytest.raises(ValidationError, match="every class of y has a single example"):
        TicketClassifier(encoder="hash", features="tfidf").fit(["a b", "c d", "e f"], ["x", "y", "z"])


def test_predict_refuses_a_dict_and_an_empty_list(reason_clf):
    with pytest.raises(ValidationError, match=r"got a dict \(its keys would be read as texts\)"):
        reason_clf.predict({"Paketti ei tullut": 1})
    with pytest.raises(ValidationError, match="the list is empty"):
        reason_clf.predict([])


def test_short_forms_are_learned_only_when_asked(split, monkeypatch):
    import cxml.triage.classifier as module

    seen: list[tuple[bool, int]] = []
    real = module.cross_validated_head

    def spy(*args, **kw):
        extra = kw.get("extra")
        seen.append((kw.get("train_on_extra", False), 0 if extra is None else extra.shape[0]))
        return real(*args, **kw)

    monkeypatch.setattr(module, "cross_validated_head", spy)
    train, test = split
    plain = TicketClassifier(encoder="hash", features="tfidf").fit(train, train["reason"])
    learned = TicketClassifier(encoder="hash", features="tfidf", short_forms=True).fit(train, train["reason"])
    assert seen[0] == (False, 0)  # lexical features: no short forms computed at all
    assert seen[1][0] is True and seen[1][1] >= len(train)  # a subject and a first sentence per ticket
    assert learned.get_params()["short_forms"] is True and plain.get_params()["short_forms"] is False
    assert (learned.predict(test) == test["reason"].to_numpy()).mean() > 0.6
    with pytest.raises(ValueError, match="short_forms must be True or False"):
        TicketClassifier(encoder="hash", short_forms="auto").fit(train, train["reason"])


def test_balanced_class_weight_finds_more_of_a_rare_class(tmp_path):
    import cxml

    rng = np.random.default_rng(11)
    centres = np.eye(8)[:2] * 1.2  # two overlapping classes, one ten times rarer
    y = np.array(["common"] * 400 + ["rare"] * 40)
    E = rng.normal(size=(len(y), 8)) + centres[(y == "rare").astype(int)]
    E_test = rng.normal(size=(400, 8)) + centres[(np.arange(400) % 2)]
    y_test = np.where(np.arange(400) % 2 == 1, "rare", "common")
    plain = TicketClassifier(encoder="precomputed", head_search=False).fit(E, y)
    balanced = TicketClassifier(encoder="precomputed", head_search=False, class_weight="balanced").fit(E, y)

    def rare_recall(clf):
        return np.mean(clf.predict(E_test)[y_test == "rare"] == "rare")

    assert rare_recall(balanced) > rare_recall(plain) + 0.2  # measured: 0.78 vs 0.24
    from cxml.triage.model_card import card_sections

    def card(clf):
        return "\n".join(card_sections({"reason": clf}, clf.featurizer_).values())

    assert "class_weight='balanced'" in card(balanced) and "class_weight" not in card(plain)
    loaded = cxml.load(balanced.save(tmp_path / "clf"))
    assert loaded.get_params()["class_weight"] == "balanced"
    np.testing.assert_array_equal(loaded.predict(E_test), balanced.predict(E_test))
    by_label = TicketClassifier(encoder="precomputed", head_search=False, class_weight={"rare": 10.0}).fit(E, y)
    assert rare_recall(by_label) > rare_recall(plain) + 0.2
    with pytest.raises(ValueError, match="class_weight must be None, 'balanced' or a dict"):
        TicketClassifier(encoder="precomputed", class_weight="auto").fit(E, y)
    with pytest.raises(ValueError, match=r"class_weight names \['nope'\]"):
        TicketClassifier(encoder="precomputed", class_weight={"nope": 2.0}).fit(E, y)
