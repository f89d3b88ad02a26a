"""Triage: reason and priority classifiers against a TF-IDF + LinearSVC baseline, same run.

    python benchmarks/bench_triage.py                                  # every section
    python benchmarks/bench_triage.py --sections banking77,fewshot,oos
    python benchmarks/bench_triage.py --sections bueck,endava --cache ~/.cache/cxml/bench.sqlite

Sections
--------
banking77  full training set (10,003 -> 3,080 test): cxml's fast profile (``features="tfidf"``, no
           neural encoder) and the default hybrid (``encoder="auto"``: MiniLM for English), with
           training time (encoding and the internal cross-validation included, cold embedding
           cache) and prediction throughput; plus what the thresholds do on the test set.
fewshot    5 and 10 training examples per class (3 random draws each), same test set.
oos        banking77_oos: 50 in-scope intents; out-of-scope test queries (in-domain: held-out
           Banking77 intents; out-of-domain: CLINC150). The out-of-scope rate parameter is chosen
           on the validation split (highest OOS recall with <= 5 % of in-scope queries flagged), never on
           test; each out-of-scope method (``--oos-models``) is chosen for separately.
bueck      Bueck multilingual tickets (en/de): queue, type and priority under 5-fold GroupKFold on
           the paraphrase families (``group``), so rewritten copies of a ticket never straddle a split.
endava     Endava IT tickets: category (stratified 80/20 split, classes with < 5 rows dropped) and
           urgency on ``ticket_type == 0`` (5-fold stratified CV).
short      the demo reason model on 400 held-out synthetic tickets, whole, subject only and first
           sentence only: accuracy and share flagged out of scope by the default model, by the same model
           fitted with the other ``oos_method``, and by the default with length-blind thresholds.
curve      5/10/25/50 training examples per class on Banking77 and Endava category, against the
           strong TF-IDF baseline, test sets subsampled (``--curve-test``).
finetune   contrastive fine-tuning of the encoder (``fine_tune=True`` / ``"auto"``) against the frozen default,
           same run: Banking77 with 5 and 10 examples per class and the full training set (``--finetune-shots``,
           ``--finetune-modes``, ``--finetune-budget``), on the test set (``--finetune-test``: subsample size).

Every row is measured in this run. The baselines: ``TfidfVectorizer() + LinearSVC()`` with
scikit-learn defaults, and a stronger one with word 1-2 and char_wb 2-5 n-grams (sublinear tf).
Nothing is tuned on test data.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from _results import write_section  # noqa: E402

OUT: dict[str, str] = {}


def log(msg: str) -> None:
    print(msg, flush=True)


def load_average() -> float:
    return os.getloadavg()[0]


# --------------------------------------------------------------------------- models
def baseline(strong: bool = True, class_weight: str | None = None) -> Any:
    """TF-IDF + LinearSVC. ``strong``: word 1-2 and char_wb 2-5 n-grams, sublinear tf."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion, make_pipeline
    from sklearn.svm import LinearSVC

    if not strong:
        return make_pipeline(TfidfVectorizer(), LinearSVC(random_state=0, class_weight=class_weight))
    union = FeatureUnion([
        ("word", TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2))),
        ("char", TfidfVectorizer(sublinear_tf=True, analyzer="char_wb", ngram_range=(2, 5)))])
    return make_pipeline(union, LinearSVC(random_state=0, class_weight=class_weight))


#: How the rows with class weights inversely proportional to class frequency are named.
BALANCED = "`class_weight='balanced'`"
BASELINES = {"TF-IDF + LinearSVC (scikit-learn defaults)": False,
             "TF-IDF word 1-2 + char 2-5 + LinearSVC": True}


def cxml_model(kind: str, **kw: Any) -> Any:
    from cxml.triage import PriorityClassifier, TicketClassifier

    cls = PriorityClassifier if kind == "priority" else TicketClassifier
    return cls(**kw)


def timed_fit(model: Any, X: Any, y: Any) -> float:
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model.fit(X, y)
    return time.perf_counter() - t


def timed_predict(model: Any, X: Any) -> tuple[np.ndarray, float]:
    t = time.perf_counter()
    pred = np.asarray(model.predict(X), dtype=object)
    return pred, len(pred) / (time.perf_counter() - t)


def metrics(y: Any, pred: Any, levels: list[Any] | None = None) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, f1_score

    y = np.asarray(y, dtype=object)
    pred = np.asarray(pred, dtype=object)
    out = {"accuracy": accuracy_score(y, pred),
           "macro_f1": f1_score(y, pred, average="macro", labels=np.unique(y), zero_division=0)}
    if levels is not None:
        from cxml.evaluate import ordinal_metrics

        o = ordinal_metrics(y, pred, levels)
        out.update(within_one=o["within_one_accuracy"], top_recall=o["top_level_recall"])
    return out


def pct(x: float) -> str:
    return "-" if x is None or np.isnan(x) else f"{100 * x:.1f} %"


def clear_embedding_cache() -> None:
    from cxml import encoders

    encoders._DEFAULT_CACHE.clear()


def use_disk_cache(path: str | None) -> None:
    """Back the shared embedding cache with SQLite, so re-runs skip the slow encoders."""
    if path:
        from cxml import encoders

        encoders._DEFAULT_CACHE.path = Path(os.path.expanduser(path))


def decision_summary(clf: Any, X: Any, y: Any) -> str:
    """What the per-class thresholds (fitted on training CV predictions) do on test data."""
    d = clf.decide(X)
    y = np.asarray(y, dtype=object)
    ok = d["label"].to_numpy(dtype=object) == y
    auto = (d["action"] == "auto").to_numpy()
    sug = (d["action"] == "suggest").to_numpy()
    top3 = np.array([y[i] in [lab for lab, _ in t] for i, t in enumerate(d["top3"])])
    return (f"auto-applied {pct(auto.mean())} of test tickets at precision {pct(ok[auto].mean())} (target 90 %); "
            f"suggested {pct(sug.mean())} (top-3 contains the true label for {pct(top3[sug].mean())}); "
            f"abstained {pct((d['action'] == 'abstain').mean())}")


def row(name: str, m: dict[str, float], fit_s: float, rate: float, extra: str = "") -> str:
    return (f"| {name} | {pct(m['accuracy'])} | {m['macro_f1']:.3f} | {fit_s:.1f} s | {rate:,.0f}/s |"
            + (f" {extra} |" if extra else ""))


# --------------------------------------------------------------------------- Banking77
def bench_banking77(args: argparse.Namespace) -> None:
    from cxml.datasets import load_banking77
    from cxml.evaluate import expected_calibration_error

    tr, te = load_banking77("train"), load_banking77("test")
    X, y, Xt, yt = tr["text"].tolist(), tr["label"].to_numpy(), te["text"].tolist(), te["label"].to_numpy()
    rows = []
    load0 = load_average()
    for name, strong in BASELINES.items():
        m = baseline(strong)
        fit = timed_fit(m, X, y)
        pred, rate = timed_predict(m, Xt)
        rows.append(row(name, metrics(yt, pred), fit, rate, "- | -"))
        log(rows[-1])
    notes = []
    for label, kw, target in [
        ("cxml fast profile (`features=\"tfidf\"`)", {"features": "tfidf"}, "92.5 % in <= 60 s"),
        ("cxml default (`encoder=\"auto\"` -> MiniLM, hybrid)", {"encoder": args.encoder}, "95.0 % in <= 10 min"),
    ]:
        clear_embedding_cache()
        clf = cxml_model("reason", random_state=0, **kw)
        fit = timed_fit(clf, X, y)
        pred, rate = timed_predict(clf, Xt)
        ece = expected_calibration_error(yt, clf.predict_proba(Xt), clf.classes_)
        rows.append(row(label, metrics(yt, pred), fit, rate, f"{ece:.3f} | {target}"))
        log(rows[-1])
        notes.append(f"- {label}: {decision_summary(clf, Xt, yt)}; encoder `{clf.encoder_spec_}`.")
    OUT["triage-banking77"] = (
        f"**Banking77, full training set** (10,003 training / 3,080 test queries, 77 intents). Training time "
        "of cxml includes encoding (cold embedding cache), the 5-fold cross-validation behind calibration, "
        "thresholds and the data report, and the out-of-scope detectors; throughput is `predict` on the "
        f"3,080 test texts, one call. Load average at the start {load0:.1f}, at the end {load_average():.1f}.\n\n"
        "| model | accuracy | macro-F1 | train | predict | ECE | target |\n|---|---|---|---|---|---|---|\n"
        + "\n".join(rows) + "\n\n" + "\n".join(notes) + "\n\n" + TRIED)


#: What was tried against the Banking77 targets (experiments on an 80/20 split of the training set,
#: never on test), kept beside the numbers they explain.
TRIED = (
    "What was tried for the two accuracy targets (on a stratified 80/20 split of the training set, never on "
    "test): (1) hybrid head: embedding weight 1-3 against the TF-IDF blocks and C 0.3-1: at most +0.5 points "
    "on validation (92.3 -> 92.8 %), not adopted as a default on one data set; (2) fast profile: word 1-3, "
    "char_wb 1-6, char 2-6 and three-block n-gram sets, max_df: all within 89.0-90.0 % on validation "
    "(default 89.7 %), so about 91 % on test is what TF-IDF + a linear model gives here; (3) one epoch of "
    "supervised fine-tuning of MiniLM (softmax head, AdamW 5e-5) took 9.6 minutes on the 2 (shared) cores "
    "and left the hybrid at 92.85 % on validation. What would close the gap: a larger encoder (a base-size "
    "model embeds 5-10x slower than MiniLM here, so the 10-minute budget needs a GPU or fewer, cached "
    "embeddings), or several epochs of fine-tuning, which is GPU work; for 10 examples per class, "
    "SetFit-style contrastive fine-tuning on the 770 texts is CPU-feasible and the most promising next step "
    "(not built).")


# --------------------------------------------------------------------------- few-shot
def bench_fewshot(args: argparse.Namespace) -> None:
    from cxml.datasets import load_banking77

    tr, te = load_banking77("train"), load_banking77("test")
    Xt, yt = te["text"].tolist(), te["label"].to_numpy()
    res: dict[tuple[str, int], list[float]] = {}
    times: dict[tuple[str, int], list[float]] = {}
    for shots in (5, 10):
        for seed in range(args.fewshot_draws):
            sample = tr.groupby("label", group_keys=False).sample(n=shots, random_state=seed)
            X, y = sample["text"].tolist(), sample["label"].to_numpy()
            models = {"TF-IDF word 1-2 + char 2-5 + LinearSVC": baseline(True),
                      "cxml fast profile (tfidf)": cxml_model("reason", features="tfidf", random_state=seed),
                      "cxml, `head_search=False` (the default layout: hybrid, linear SVM)":
                          cxml_model("reason", encoder=args.encoder, head_search=False, random_state=seed),
                      "cxml default (`head_search=\"auto\"`: head chosen by CV)":
                          cxml_model("reason", encoder=args.encoder, random_state=seed)}
            for name, m in models.items():
                fit = timed_fit(m, X, y)
                acc = metrics(yt, timed_predict(m, Xt)[0])["accuracy"]
                res.setdefault((name, shots), []).append(acc)
                times.setdefault((name, shots), []).append(fit)
                layout = getattr(m, "head_layout_", None)
                chose = (f"; head {layout.label}, CV {layout.cv_accuracy:.3f} (default {layout.default_cv_accuracy:.3f}),"
                         f" {layout.tried}/{len(layout.grid)} tried" if layout is not None and layout.tried else "")
                log(f"{shots}-shot draw {seed} {name}: {acc:.4f} ({fit:.1f} s{chose})")
    lines = ["| model | 5 per class | 10 per class | train (10-shot) |", "|---|---|---|---|"]
    for name in dict.fromkeys(k[0] for k in res):
        a5, a10 = np.array(res[(name, 5)]), np.array(res[(name, 10)])
        lines.append(f"| {name} | {pct(a5.mean())} ± {100 * a5.std():.1f} | {pct(a10.mean())} ± "
                     f"{100 * a10.std():.1f} | {np.mean(times[(name, 10)]):.1f} s |")
    OUT["triage-fewshot"] = (
        f"**Banking77 few-shot**: 5 or 10 training queries per intent (385 / 770), {args.fewshot_draws} random "
        "draws each (mean ± sd of test accuracy on all 3,080 test queries). Target at 10 per class: >= 89.8 % "
        "(best published few-shot result 89.79 %). Training times after the first draw read test and training "
        f"embeddings from the in-process cache. Encoder `{args.encoder}`; load average at the end "
        f"{load_average():.1f}.\n\n" + "\n".join(lines))


# --------------------------------------------------------------------------- out of scope
def _oos_eval(flag: np.ndarray, pred: np.ndarray, frame: pd.DataFrame) -> dict[str, float]:
    ins = (frame["scope"] == "in").to_numpy()
    y = frame["label"].to_numpy(dtype=object)
    return {"in_acc": float(((pred == y) & ~flag)[ins].mean()), "oos_recall": float(flag[~ins].mean()),
            "in_flagged": float(flag[ins].mean()),
            "id_recall": float(flag[(frame["scope"] == "id_oos").to_numpy()].mean()),
            "ood_recall": float(flag[(frame["scope"] == "ood_oos").to_numpy()].mean())}


def _pick(cands: list[tuple[Any, dict[str, float]]], max_flagged: float = 0.05) -> tuple[Any, dict[str, float]]:
    """Highest validation OOS recall with at most ``max_flagged`` of the in-scope queries flagged (issue 18's
    operating point); where no setting stays under it, the one flagging the fewest in-scope queries."""
    ok = [c for c in cands if c[1]["in_flagged"] <= max_flagged]
    return max(ok, key=lambda c: c[1]["oos_recall"]) if ok else min(cands, key=lambda c: c[1]["in_flagged"])


def bench_oos(args: argparse.Namespace) -> None:
    from cxml.datasets import load_banking77_oos

    load0 = load_average()
    tr = load_banking77_oos("train", "none")
    va, te = load_banking77_oos("valid", "all"), load_banking77_oos("test", "all")
    X, y = tr["text"].tolist(), tr["label"].to_numpy()
    lines = ["| model | setting | validation: in-scope flagged / OOS recall | **test: in-scope flagged** | "
             "**test: OOS recall** | test: in-scope accuracy | in-domain OOS | out-of-domain OOS | train |",
             "|---|---|---|---|---|---|---|---|---|"]

    def add(name: str, setting: str, v: dict[str, float], r: dict[str, float], fit: float | None) -> None:
        lines.append(f"| {name} | {setting} | {pct(v['in_flagged'])} / {pct(v['oos_recall'])} | "
                     f"{pct(r['in_flagged'])} | {pct(r['oos_recall'])} | {pct(r['in_acc'])} | {pct(r['id_recall'])} | "
                     f"{pct(r['ood_recall'])} | " + (f"{fit:.1f} s |" if fit is not None else "|"))
        log(lines[-1])

    # baseline: flag when the best LinearSVC score is below a threshold chosen on validation
    m = baseline(True)
    fit = timed_fit(m, X, y)

    def svm_flags(frame: pd.DataFrame, thr: float) -> tuple[np.ndarray, np.ndarray]:
        s = m.decision_function(frame["text"].tolist())
        return s.max(axis=1) < thr, m.classes_[s.argmax(axis=1)].astype(object)

    name = "TF-IDF word 1-2 + char 2-5 + LinearSVC"
    add(name, "nothing flagged", _oos_eval(*svm_flags(va, -np.inf), va), _oos_eval(*svm_flags(te, -np.inf), te), fit)
    cands = [(thr, _oos_eval(*svm_flags(va, thr), va)) for thr in np.round(np.arange(-1.0, 0.61, 0.05), 2)]
    thr, v = _pick(cands)
    add(name, f"**chosen on validation: max score < {thr:.2f}**", v, _oos_eval(*svm_flags(te, thr), te), fit)
    for features, method in args.oos_models:
        name = f"cxml {'fast profile (tfidf)' if features == 'tfidf' else 'default (MiniLM hybrid)'}, " \
               f"`oos_method={method!r}`"
        cands, tests = [], {}
        for q in args.oos_rates:
            clf = cxml_model("reason", features=features, encoder=args.encoder, out_of_scope=q, oos_method=method,
                             random_state=0)
            fit = timed_fit(clf, X, y)
            dv, dt = clf.decide(va["text"].tolist()), clf.decide(te["text"].tolist())
            ev = [_oos_eval((d["abstain_reason"] == "out_of_scope").to_numpy(), d["label"].to_numpy(dtype=object), f)
                  for d, f in ((dv, va), (dt, te))]
            add(name, f"`out_of_scope={q}` -> {clf.oos_method_}", *ev, fit)
            cands.append((q, ev[0]))
            tests[q] = ev[1]
        q, v = _pick(cands)
        add(name, f"**chosen on validation: `out_of_scope={q}`**", v, tests[q], None)
    OUT["triage-oos"] = (
        "**banking77_oos** (Zhang et al. 2021): trained on the 5,905 in-scope training queries (50 intents); "
        "test = 2,000 in-scope + 1,080 in-domain OOS (queries of 27 held-out Banking77 intents) + 1,000 "
        "out-of-domain OOS (CLINC150); validation = 1,506 in-scope + 730 OOS. 'In-scope flagged' is the share "
        "of in-scope queries flagged `out_of_scope`; in-scope accuracy counts a flagged in-scope query as wrong. "
        f"cxml's `out_of_scope` rate (tried {args.oos_rates}) and the baseline's score threshold are chosen on "
        "VALIDATION: the highest OOS recall with at most 5 % of the in-scope queries flagged (else the setting "
        "flagging the fewest); the test columns are read once, for the chosen settings as for the others. "
        "Target (issue 18): OOS recall >= 70 % with <= 5 % of in-scope test queries flagged. Load average at "
        f"the start {load0:.1f}, at the end {load_average():.1f}.\n\n" + "\n".join(lines))


# --------------------------------------------------------------------------- Bueck
def _cv_rows(name: str, make: Any, frame: pd.DataFrame, target: str, splits: list[Any],
             levels: list[Any] | None, text_of: Any) -> tuple[str, dict[str, float]]:
    preds = np.empty(len(frame), dtype=object)
    fit_s, rate = 0.0, []
    for train, test in splits:
        m = make()
        X_tr = text_of(frame.iloc[train], m)
        fit_s += timed_fit(m, X_tr, frame[target].iloc[train].to_numpy(dtype=object))
        p, r = timed_predict(m, text_of(frame.iloc[test], m))
        preds[test] = p
        rate.append(r)
        spec = getattr(m, "encoder_spec_", None)
        if spec and spec != "tfidf" and "->" not in name:
            name = f"{name} -> `{spec}`"
    seen = np.zeros(len(frame), dtype=bool)
    for _, test in splits:
        seen[test] = True
    m = metrics(frame[target].to_numpy(dtype=object)[seen], preds[seen], levels)
    extra = (f"{pct(m['within_one'])} | {pct(m['top_recall'])}" if levels is not None else "")
    return (row(name, m, fit_s / len(splits), float(np.mean(rate)), extra), m)


class ContextBaseline:
    """The strong TF-IDF baseline plus a one-hot structured column (reads a ticket table)."""

    def __init__(self, column: str) -> None:
        from sklearn.compose import ColumnTransformer
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import OneHotEncoder
        from sklearn.svm import LinearSVC

        union = baseline(True).steps[0][1]
        self.column = column
        self.model = make_pipeline(ColumnTransformer([
            ("text", union, "text"), ("ctx", OneHotEncoder(handle_unknown="ignore"), [column])]),
            LinearSVC(random_state=0))

    def _frame(self, frame: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({"text": (frame["subject"].fillna("") + "\n" + frame["body"].fillna("")).to_numpy(),
                             self.column: frame[self.column].astype(str).to_numpy()})

    def fit(self, frame: pd.DataFrame, y: Any) -> ContextBaseline:
        self.model.fit(self._frame(frame), y)
        return self

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        return self.model.predict(self._frame(frame))


def _texts(frame: pd.DataFrame, model: Any, cols: tuple[str, str]) -> Any:
    """Baselines get joined texts; cxml gets the ticket table (text columns, language)."""
    if hasattr(model, "decide") or isinstance(model, ContextBaseline):
        return frame
    return (frame[cols[0]].fillna("") + "\n" + frame[cols[1]].fillna("")).tolist()


def _target_block(title: str, frame: pd.DataFrame, target: str, splits: list[Any], levels: list[Any] | None,
                  cxml_kw: dict[str, Any], cols: tuple[str, str], args: argparse.Namespace,
                  context: tuple[str, ...] = (), balanced: bool = False) -> str:
    kind = "priority" if levels is not None else "reason"
    head = "| model | accuracy | macro-F1 | train (per fold) | predict |"
    sep = "|---|---|---|---|---|"
    if levels is not None:
        head += " within one level | top-level recall |"
        sep += "---|---|"
    out = [f"*{title}* ({len(frame):,} tickets, {frame[target].nunique()} classes)", "", head, sep]
    base_f1 = None
    makers: list[tuple[str, Any]] = [(n, (lambda s=s: baseline(s))) for n, s in BASELINES.items()]
    pkw = {"ordinal": levels} if levels is not None else {}
    makers.append(("cxml fast profile (tfidf)",
                   lambda: cxml_model(kind, features="tfidf", random_state=0, **pkw, **cxml_kw)))
    makers.append((f"cxml default (`encoder=\"{args.encoder}\"`, hybrid)",
                   lambda: cxml_model(kind, encoder=args.encoder, random_state=0, **pkw, **cxml_kw)))
    if levels is not None:
        makers.append(("cxml default, argmax instead of the cost-sensitive rule",
                       lambda: cxml_model(kind, encoder=args.encoder, random_state=0, cost_matrix=None, **pkw,
                                          **cxml_kw)))
    if balanced:  # class weights inversely to frequency, on both sides
        makers += [(f"TF-IDF word 1-2 + char 2-5 + LinearSVC, {BALANCED}", lambda: baseline(True, "balanced")),
                   (f"cxml fast profile (tfidf), {BALANCED}",
                    lambda: cxml_model(kind, features="tfidf", class_weight="balanced", random_state=0, **pkw,
                                       **cxml_kw)),
                   (f"cxml default (`encoder=\"{args.encoder}\"`, hybrid), {BALANCED}",
                    lambda: cxml_model(kind, encoder=args.encoder, class_weight="balanced", random_state=0, **pkw,
                                       **cxml_kw))]
    for col in context:
        makers.append((f"TF-IDF word 1-2 + char 2-5 + one-hot `{col}` + LinearSVC",
                       lambda col=col: ContextBaseline(col)))
        makers.append((f"cxml default + `{col}` as context, argmax",
                       lambda col=col: cxml_model(kind, encoder=args.encoder, random_state=0, cost_matrix=None,
                                                  context_columns=["language", col], **pkw, **cxml_kw)))
    best = None
    f1s: dict[str, float] = {}
    for name, make in makers:
        r, m = _cv_rows(name, make, frame, target, splits, levels, lambda f, mm: _texts(f, mm, cols))
        out.append(r)
        log(f"{title}: {r}")
        f1s[name] = m["macro_f1"]
        if name == "TF-IDF word 1-2 + char 2-5 + LinearSVC":
            base_f1 = m["macro_f1"]
        elif name.startswith("cxml") and "as context" not in name:
            best = max(best or 0.0, m["macro_f1"])
    if balanced and base_f1 is not None:
        default_name = f"cxml default (`encoder=\"{args.encoder}\"`, hybrid)"
        pick = {n: v for n, v in f1s.items() if n.startswith(default_name)}
        out += ["", f"Macro-F1 against the strong TF-IDF baseline ({base_f1:.3f}; {BALANCED}: "
                    f"{f1s[f'TF-IDF word 1-2 + char 2-5 + LinearSVC, {BALANCED}']:.3f}): "
                    + "; ".join(f"{n.replace(default_name, 'cxml default')} {v:.3f} ({100 * (v - base_f1):+.1f} "
                                "points)" for n, v in pick.items())
                    + ", and the fast profile with balanced classes "
                    f"{f1s[f'cxml fast profile (tfidf), {BALANCED}']:.3f} (target: +5 points)."]
    if levels is not None and base_f1 is not None and best is not None:
        out += ["", f"Priority macro-F1: best cxml row {best:.3f} vs the strong TF-IDF baseline {base_f1:.3f}: "
                    f"{100 * (best - base_f1):+.1f} points (target +5), text only on both sides."]
    return "\n".join(out)


def bench_bueck(args: argparse.Namespace) -> None:
    from sklearn.model_selection import GroupKFold

    from cxml.datasets import load_bueck

    frame = load_bueck("aa").reset_index(drop=True)
    frame = frame[["subject", "body", "language", "queue", "type", "priority", "group"]]
    splits = list(GroupKFold(n_splits=5).split(frame, groups=frame["group"]))
    blocks = []
    for target, levels in (("queue", None), ("type", None), ("priority", ["low", "medium", "high"])):
        blocks.append(_target_block(f"Bueck `{target}`", frame, target, splits, levels, {}, ("subject", "body"),
                                    args, context=("queue",) if target == "priority" else ()))
    OUT["triage-bueck"] = (
        f"**Bueck tickets** (file `aa`: {len(frame):,} English and German tickets; synthetic, CC BY-NC 4.0). "
        f"5-fold GroupKFold over the {frame['group'].nunique():,} paraphrase families (`load_bueck`'s `group`), "
        "pooled out-of-fold predictions. cxml reads subject, body and language; no other label is used as a "
        "feature, except in the rows marked 'as context', where the ticket's true queue (known once a ticket is "
        "routed) joins the text, for cxml and for the baseline alike. Priority levels low < medium < high; the default priority model picks the level of least "
        "expected cost (under-prioritising counts double). Embeddings are cached in process, so the cxml "
        "default's first fold carries the encoding (train times are per-fold means).\n\n" + "\n\n".join(blocks))


# --------------------------------------------------------------------------- Endava
def bench_endava(args: argparse.Namespace) -> None:
    from sklearn.model_selection import StratifiedKFold, train_test_split

    from cxml.datasets import load_endava

    frame = load_endava()
    frame = frame.rename(columns={"title": "subject"})[["subject", "body", "ticket_type", "category", "urgency"]]
    frame["category"] = frame["category"].astype(str)
    counts = frame["category"].value_counts()
    cat = frame[frame["category"].isin(counts[counts >= 5].index)].reset_index(drop=True)
    a, b = train_test_split(np.arange(len(cat)), test_size=0.2, stratify=cat["category"], random_state=0)
    blocks = [_target_block("Endava `category`, stratified 80/20 split", cat, "category", [(a, b)], None, {},
                            ("subject", "body"), args, balanced=True)]
    urg = frame[frame["ticket_type"] == 0].reset_index(drop=True)
    # ITIL convention: a lower urgency code is more urgent (the codes have no published names)
    urg["urgency"] = urg["urgency"].map({0: "u0", 1: "u1", 2: "u2"})
    splits = list(StratifiedKFold(5, shuffle=True, random_state=0).split(urg, urg["urgency"]))
    blocks.append(_target_block("Endava `urgency` on `ticket_type == 0`, 5-fold stratified CV", urg, "urgency",
                                splits, ["u2", "u1", "u0"], {}, ("subject", "body"), args))
    OUT["triage-endava"] = (
        "**Endava IT tickets** (first 5,431 rows of `all_tickets.csv`, English, anonymised). Urgency varies "
        "only on `ticket_type == 0` (576 tickets; on type 1 it is a constant default), so priority is "
        "evaluated there. The urgency codes have no published names; the ordinal order assumes the ITIL "
        "convention that a lower code is more urgent (u2 < u1 < u0, top level u0 with 14 tickets). "
        "Each cxml row names the encoder `encoder=\"auto\"` chose; the long ticket bodies make encoding the "
        "bulk of the cxml default's training time and limit its throughput.\n\n"
        + "\n\n".join(blocks))


# --------------------------------------------------------------------------- short forms
def _first_sentence(body: str) -> str:
    """The first sentence of at least 4 words of a ticket body (a greeting alone says nothing)."""
    import re

    for sentence in re.split(r"(?<=[.!?])\s+|\n+", str(body or "")):
        if len(sentence.split()) >= 4:
            return sentence.strip()
    return " ".join(str(body or "").split()[:12])


def _ticket_texts(frame: pd.DataFrame) -> list[str]:
    return (frame["subject"].fillna("") + "\n" + frame["body"].fillna("")).str.strip().tolist()


def bench_short(args: argparse.Namespace) -> None:
    """The demo reason model on held-out tickets, whole and in short forms (subject, first sentence)."""
    from cxml.datasets import make_webshop

    load0 = load_average()
    tickets = make_webshop(args.short_train + 400, seed=args.short_seed).tickets
    train, test = tickets.iloc[:args.short_train], tickets.iloc[args.short_train:].reset_index(drop=True)
    forms = {"whole ticket": test,
             "subject only": test.assign(body=""),
             "first sentence of the body": test.assign(subject="", body=test["body"].map(_first_sentence))}
    y = test["reason"].to_numpy(dtype=object)
    base = baseline(True)
    base.fit(_ticket_texts(train), train["reason"].to_numpy())
    clf = cxml_model("reason", encoder=args.short_encoder, random_state=0)
    fit = timed_fit(clf, train, train["reason"])
    other = "thresholds" if clf.oos_method_ == "combined" else "combined"
    alt = cxml_model("reason", encoder=args.short_encoder, oos_method=other, random_state=0)
    timed_fit(alt, train, train["reason"])  # the same model but for the out-of-scope method (embeddings cached)
    blind = _length_blind_copy(clf)
    learned = cxml_model("reason", encoder=args.short_encoder, short_forms=True, random_state=0)
    timed_fit(learned, train, train["reason"])  # the head also trained on the training tickets' short forms
    train_forms = {"whole ticket": train, "subject only": train.assign(body=""),
                   "first sentence of the body": train.assign(subject="", body=train["body"].map(_first_sentence))}
    lines = ["| form | words (median) | TF-IDF baseline: accuracy | cxml: accuracy | "
             f"**flagged out of scope (default, `oos_method={clf.oos_method_!r}`)** | flagged: "
             f"`oos_method={other!r}` | flagged: default, length-blind thresholds | "
             "auto-applied | auto precision | `short_forms=True`: accuracy / flagged | "
             "same text seen in training: share / majority label's accuracy |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, frame in forms.items():
        d, d_alt, d_blind, d_sf = clf.decide(frame), alt.decide(frame), blind.decide(frame), learned.decide(frame)
        pred = d["label"].to_numpy(dtype=object)
        auto = (d["action"] == "auto").to_numpy()
        words = np.median([len(t.split()) for t in _ticket_texts(frame)])
        seen, lookup = _exact_text_lookup(_ticket_texts(train_forms[name]), train["reason"].to_numpy(dtype=object),
                                          _ticket_texts(frame), y)
        lines.append(f"| {name} | {words:.0f} | {pct(np.mean(base.predict(_ticket_texts(frame)) == y))} | "
                     f"{pct(np.mean(pred == y))} | {pct((d['abstain_reason'] == 'out_of_scope').mean())} | "
                     f"{pct((d_alt['abstain_reason'] == 'out_of_scope').mean())} | "
                     f"{pct((d_blind['abstain_reason'] == 'out_of_scope').mean())} | {pct(auto.mean())} | "
                     f"{pct(np.mean(pred[auto] == y[auto]))} | "
                     f"{pct(np.mean(d_sf['label'].to_numpy(dtype=object) == y))} / "
                     f"{pct((d_sf['abstain_reason'] == 'out_of_scope').mean())} | {pct(seen)} / {pct(lookup)} |")
        log(lines[-1])
    OUT["triage-short"] = (
        f"**Short messages** (issue 18): the demo's reason model (`TicketClassifier(encoder={args.short_encoder!r})`"
        f" -> `{clf.encoder_spec_}`, trained on {args.short_train} synthetic web-shop tickets (seed "
        f"{args.short_seed}), {fit:.0f} s) on "
        "400 held-out tickets, whole and in two short forms: the subject alone, and the first sentence of at "
        "least 4 words of the body alone (as a chat message). The default compares each text with held-out "
        "in-scope training texts of its own length (the training tickets and their subjects and first "
        f"sentences); `oos_method={other!r}` is the same model fitted with the other out-of-scope method; "
        "'length-blind thresholds' is the default model with its whole tickets' threshold for every length. "
        "`short_forms=True` is the default model whose head also learned from the training tickets' short forms "
        "(each with its ticket's label). The last column measures how much of the reason the text itself "
        "carries: the share of held-out texts whose exact (case- and space-normalised) text occurs among the "
        "training tickets' texts of the same form, and on those, the accuracy of the reason most often given to "
        "that text in training (a lookup no model can beat by much on such texts). "
        "Targets: <= 2 % of short forms flagged, accuracy within 5 points of the whole tickets. Load average "
        f"at the start {load0:.1f}, at the end {load_average():.1f} (2 cores).\n\n"
        + "\n".join(lines))


def _exact_text_lookup(train_texts: list[str], train_y: np.ndarray, texts: list[str], y: np.ndarray
                       ) -> tuple[float, float]:
    """Share of ``texts`` seen verbatim (normalised) in training, and the accuracy of the majority training
    label of the same text on those."""
    from collections import Counter, defaultdict

    def norm(t: str) -> str:
        return " ".join(t.lower().split())

    by_text: dict[str, Counter] = defaultdict(Counter)
    for t, label in zip(train_texts, train_y, strict=True):
        by_text[norm(t)][label] += 1
    hits = [(by_text[norm(t)].most_common(1)[0][0] == label) for t, label in zip(texts, y, strict=True)
            if norm(t) in by_text]
    return len(hits) / max(len(texts), 1), float(np.mean(hits)) if hits else float("nan")


def _length_blind_copy(clf: Any) -> Any:
    """The fitted classifier with its out-of-scope thresholds as before length bins existed."""
    import copy

    blind = copy.copy(clf)
    blind.oos_length_thresholds_ = None
    return blind


# --------------------------------------------------------------------------- learning curve
def _per_class(frame: pd.DataFrame, target: str, shots: int, seed: int) -> pd.DataFrame:
    return frame.groupby(target, group_keys=False).sample(n=shots, random_state=seed)


def bench_curve(args: argparse.Namespace) -> None:
    """Accuracy and macro-F1 against training examples per class on Banking77 and Endava category."""
    from sklearn.model_selection import train_test_split

    from cxml.datasets import load_banking77, load_endava

    b_tr, b_te = load_banking77("train"), load_banking77("test")
    end = load_endava().rename(columns={"title": "subject"})
    end["category"] = end["category"].astype(str)
    end["text"] = (end["subject"].fillna("") + "\n" + end["body"].fillna("")).str.strip()
    counts = end["category"].value_counts()
    end = end[end["category"].isin(counts[counts >= 60].index)].reset_index(drop=True)
    e_tr, e_te = train_test_split(end, test_size=0.2, stratify=end["category"], random_state=0)
    rng = np.random.default_rng(0)
    datasets = {"Banking77": (b_tr, b_te, "label"), "Endava category": (e_tr, e_te, "category")}
    lines = ["| data | per class | TF-IDF baseline: accuracy / macro-F1 | cxml default: accuracy / macro-F1 | "
             "cxml train |", "|---|---|---|---|---|"]
    for dname, (tr, te, target) in datasets.items():
        if len(te) > args.curve_test:
            te = te.iloc[np.sort(rng.choice(len(te), args.curve_test, replace=False))]
        Xt, yt = te["text"].tolist(), te[target].to_numpy()
        for shots in args.curve_shots:
            sample = _per_class(tr, target, min(shots, int(tr[target].value_counts().min())), 0)
            X, y = sample["text"].tolist(), sample[target].to_numpy()
            b = baseline(True)
            b.fit(X, y)
            mb = metrics(yt, b.predict(Xt))
            clf = cxml_model("reason", encoder=args.encoder, random_state=0)
            fit = timed_fit(clf, X, y)
            mc = metrics(yt, clf.predict(Xt))
            lines.append(f"| {dname} | {shots} | {pct(mb['accuracy'])} / {mb['macro_f1']:.3f} | "
                         f"{pct(mc['accuracy'])} / {mc['macro_f1']:.3f} | {fit:.1f} s |")
            log(lines[-1])
    OUT["triage-curve"] = (
        "**Learning curve**: training examples per class drawn once (seed 0) from the training split; "
        f"Banking77 test set and Endava's stratified 20 % test split, each subsampled to {args.curve_test} "
        "tickets (seed 0) to fit the shared machine's time (Endava: categories with >= 60 tickets, so that 50 "
        f"per class exist). cxml default = `TicketClassifier(encoder={args.encoder!r})` (hybrid).\n\n"
        + "\n".join(lines))


# --------------------------------------------------------------------------- fine-tuning
def bench_finetune(args: argparse.Namespace) -> None:
    """Frozen default against fine_tune=True / "auto" on Banking77, few-shot and full, same run."""
    from cxml.datasets import load_banking77

    tr, te = load_banking77("train"), load_banking77("test")
    if 0 < args.finetune_test < len(te):
        te = te.iloc[np.sort(np.random.default_rng(0).choice(len(te), args.finetune_test, replace=False))]
    Xt, yt = te["text"].tolist(), te["label"].to_numpy()
    lines = ["| per class | model | accuracy | macro-F1 | train | fine-tuning | test decisions |",
             "|---|---|---|---|---|---|---|"]
    for shots in args.finetune_shots:
        sample = tr if shots == "full" else _per_class(tr, "label", int(shots), 0)
        X, y = sample["text"].tolist(), sample["label"].to_numpy()
        for mode in [False, *args.finetune_modes]:
            clear_embedding_cache()
            clf = cxml_model("reason", encoder=args.encoder, fine_tune=mode, fine_tune_budget=args.finetune_budget,
                             random_state=0)
            fit = timed_fit(clf, X, y)
            m = metrics(yt, clf.predict(Xt))
            ft = clf.fine_tune_ or {}
            how = (f"{ft['steps']} of {ft['planned_steps']} steps ({ft['loss']}), {ft['seconds']:.0f} s, "
                   f"{ft.get('seconds_per_step', float('nan')):.1f} s a step" if ft.get("applied")
                   else ft.get("reason", "-"))
            lines.append(f"| {shots} | fine_tune={mode!r} | {pct(m['accuracy'])} | {m['macro_f1']:.3f} | {fit:.0f} s "
                         f"| {how} | {decision_summary(clf, Xt, yt)} |")
            log(lines[-1])
    OUT["triage-finetune"] = (
        "**Fine-tuning the encoder** (`TicketClassifier(encoder=" f"{args.encoder!r}, fine_tune=...)`, budget "
        f"{args.finetune_budget:.0f} s, hybrid head): Banking77 examples per class drawn once (seed 0) from the "
        f"training split; test set {'subsampled to ' + str(len(te)) + ' (seed 0)' if len(te) < 3080 else 'in full'}."
        f" Load average at the end {load_average():.1f}: train times are wall time on the shared machine.\n\n"
        + "\n".join(lines))


SECTIONS = {"banking77": bench_banking77, "fewshot": bench_fewshot, "oos": bench_oos, "bueck": bench_bueck,
            "endava": bench_endava, "short": bench_short, "curve": bench_curve,
            "finetune": bench_finetune}


def flush(args: argparse.Namespace) -> None:
    if args.no_write or not OUT:
        return
    order = ["triage-banking77", "triage-fewshot", "triage-oos", "triage-bueck", "triage-endava", "triage-short",
             "triage-curve", "triage-finetune"]
    for name in order:
        if name in OUT:
            write_section(name, OUT[name])
    log(f"wrote {', '.join(n for n in order if n in OUT)} to benchmarks/RESULTS.md")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sections", default=",".join(SECTIONS))
    ap.add_argument("--encoder", default="auto", help="encoder spec of the cxml default rows (default auto)")
    ap.add_argument("--fewshot-draws", type=int, default=3)
    ap.add_argument("--short-train", type=int, default=1200, help="demo training tickets (short section)")
    ap.add_argument("--short-encoder", default="auto", help="encoder of the short section (auto: e5-small)")
    ap.add_argument("--short-seed", type=int, default=0,
                    help="make_webshop seed of the short section (0: the benchmark's; others: validation draws)")
    ap.add_argument("--curve-shots", type=lambda s: [int(x) for x in s.split(",")], default=[5, 10, 25, 50])
    ap.add_argument("--curve-test", type=int, default=1000, help="test tickets per data set (curve section)")
    ap.add_argument("--finetune-shots", type=lambda s: s.split(","), default=["5", "10", "full"],
                    help="examples per class of the finetune section ('full': the whole training split)")
    ap.add_argument("--finetune-modes", type=lambda s: [{"true": True, "auto": "auto"}[x.lower()] for x in s.split(",")],
                    default=[True, "auto"], help="fine_tune values compared with the frozen default (true,auto)")
    ap.add_argument("--finetune-budget", type=float, default=240.0, help="fine_tune_budget in seconds")
    ap.add_argument("--finetune-test", type=int, default=0, help="test tickets (0: all 3,080)")
    ap.add_argument("--oos-rates", type=lambda s: [float(x) for x in s.split(",")],
                    default=[0.01, 0.02, 0.03, 0.05, 0.1], help="out_of_scope rates tried on the validation split")
    ap.add_argument("--oos-models", type=lambda s: [tuple(m.split(":")) for m in s.split(",")],
                    default=[("tfidf", "auto"), ("hybrid", "thresholds"), ("hybrid", "combined")],
                    help="features:oos_method pairs of the oos section")
    ap.add_argument("--cache", default=None,
                    help="SQLite embedding cache (re-runs skip encoding; not used by the banking77 section's "
                         "timed rows, which clear the in-memory cache but would read this file)")
    ap.add_argument("--torch-threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--no-write", action="store_true", help="print only, leave RESULTS.md alone")
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch

    torch.set_num_threads(args.torch_threads)
    use_disk_cache(args.cache)
    unknown = set(args.sections.split(",")) - set(SECTIONS)
    if unknown:
        ap.error(f"unknown sections {sorted(unknown)}; choose from {list(SECTIONS)}")
    for name in args.sections.split(","):
        log(f"== {name}")
        t = time.perf_counter()
        SECTIONS[name](args)
        log(f"== {name} done in {time.perf_counter() - t:.0f} s")
        flush(args)


if __name__ == "__main__":
    main()
