"""Reason discovery: clusters that follow reasons, stable assignment, a planted new reason found."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from cxml.datasets import REASONS
from cxml.discovery import LabelComparison, ReasonDiscovery, discover_reasons


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread():
    """k-means and the SVD on a small matrix: one BLAS thread is fastest, and on a busy 2-core CI
    machine several spinning threads are ten times slower."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


# A contact reason the demo shop has never seen: its new mobile app crashes.
_APP_FI = ["Sovellus kaatuu heti kun avaan sen", "Mobiilisovellus kaatuu päivityksen jälkeen",
           "Uusi sovellusversio ei käynnisty puhelimessa", "Sovellus sulkeutuu itsestään kun selaan tuotteita",
           "Android-sovellus jumittaa ja kaatuu", "iPhone-sovellus kaatuu ostoskoriin siirtyessä"]
_APP_TAIL = ["", " Asensin sovelluksen uudelleen, ei auta.", " Puhelin on päivitetty.", " Tämä alkoi eilen."]
_OFF_TOPIC = ["What is the weather forecast for Tampere tomorrow?", "Can you recommend a recipe for salmon soup?",
              "Who won the ice hockey world championship last spring?", "How do I renew my driving licence?",
              "Millainen sää huomenna on Tampereella?", "Osaatteko suositella hyvää lohikeittoreseptiä?"]


def planted_tickets(n: int, seed: int) -> pd.DataFrame:
    """``n`` Finnish tickets about the new topic; agents, having no label for it, filed them under
    existing reasons at random."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        body = _APP_FI[rng.integers(len(_APP_FI))] + _APP_TAIL[rng.integers(len(_APP_TAIL))]
        rows.append({"id": f"APP{seed}-{i:03d}", "subject": "Sovellus", "body": body, "language": "fi",
                     "reason": str(rng.choice(REASONS[:10]))})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def tickets(webshop_small) -> pd.DataFrame:
    base = webshop_small.tickets[["id", "subject", "body", "channel", "language", "reason"]]
    return pd.concat([base, planted_tickets(40, seed=1)], ignore_index=True)


@pytest.fixture(scope="module")
def found(tickets) -> ReasonDiscovery:
    return discover_reasons(tickets, encoder="hash", random_state=0)


def _purity(labels: np.ndarray, clusters: np.ndarray) -> float:
    ct = pd.crosstab(clusters, labels)
    return float(ct.max(axis=1).sum() / len(labels))


def test_every_ticket_gets_a_cluster_and_a_membership(found, tickets):
    a = found.assignments
    assert len(a) == len(tickets)
    assert a.index.equals(tickets.index)
    assert list(a.columns) == ["id", "cluster", "label", "membership", "outlier"]
    assert a["cluster"].between(0, found.n_reasons - 1).all()  # no -1: nobody is left out
    assert np.isfinite(a["membership"]).all()
    assert a["outlier"].dtype == bool
    # outliers are flagged, not removed, and are a small minority
    assert 0 < a["outlier"].mean() < 0.05
    c = found.clusters
    assert c["size"].sum() == len(tickets)
    assert (c["size"].diff().dropna() <= 0).all()  # cluster 0 is the largest
    assert all(len(k) > 0 for k in c["keywords"])
    assert all(lab == " / ".join(k[:3]) for lab, k in zip(c["label"], c["keywords"], strict=True))
    assert c["n_outliers"].sum() == a["outlier"].sum()


def test_number_of_clusters_chosen_by_silhouette(found):
    sel = found.selection
    assert sel["chosen"].sum() == 1
    chosen = sel[sel["chosen"]].iloc[0]
    assert chosen["k"] == found.n_reasons
    ok = sel[sel["smallest"] >= 7]  # min_cluster_size default: 1 % of 640 tickets
    assert chosen["silhouette"] == pytest.approx(ok["silhouette"].max())
    assert 2 <= found.n_reasons <= 20


def test_clusters_align_with_reasons_better_than_chance(found, tickets):
    y = tickets["reason"].to_numpy()
    clusters = found.assignments["cluster"].to_numpy()
    ari = adjusted_rand_score(y, clusters)
    purity = _purity(y, clusters)
    rng = np.random.default_rng(0)
    shuffled = [rng.permutation(y) for _ in range(20)]
    base_ari = max(adjusted_rand_score(s, clusters) for s in shuffled)
    base_purity = max(_purity(s, clusters) for s in shuffled)
    # measured with the hash encoder: ARI ~0.2 vs ~0.0 shuffled, purity ~0.5 vs ~0.25
    assert ari > base_ari + 0.1, (ari, base_ari)
    assert purity > base_purity + 0.15, (purity, base_purity)
    cmp = found.compare_with("reason")
    assert cmp.adjusted_rand == pytest.approx(ari)
    assert cmp.purity == pytest.approx(purity)


def test_assign_reproduces_fit_time_assignments(found, tickets):
    again = found.assign(tickets)
    a = found.assignments
    assert again.index.equals(a.index)
    np.testing.assert_array_equal(again["cluster"].to_numpy(), a["cluster"].to_numpy())
    np.testing.assert_allclose(again["membership"].to_numpy(), a["membership"].to_numpy(), atol=1e-9)
    np.testing.assert_array_equal(again["outlier"].to_numpy(), a["outlier"].to_numpy())


def test_assign_places_new_tickets_and_flags_off_topic_ones(found, tickets):
    planted_cluster = found.assignments["cluster"][tickets["id"].str.startswith("APP")].mode()[0]
    new = planted_tickets(15, seed=7)
    placed = found.assign(new)
    assert (placed["cluster"] == planted_cluster).mean() >= 0.9
    assert not placed["outlier"].any()
    off = found.assign(_OFF_TOPIC)  # a plain list of texts (languages detected)
    assert len(off) == len(_OFF_TOPIC)
    # 2 % of the discovery tickets are flagged; off-topic texts far more often (the lexical "hash"
    # encoder still finds some overlap in "Can you recommend ...")
    assert found.assignments["outlier"].mean() == pytest.approx(0.02, abs=0.01)
    assert off["outlier"].mean() >= 0.3
    assert off["membership"].mean() < found.assignments["membership"].quantile(0.1)


def test_deterministic(tickets, found):
    again = discover_reasons(tickets, encoder="hash", random_state=0)
    pd.testing.assert_frame_equal(again.assignments, found.assignments)
    assert again.clusters["keywords"].tolist() == found.clusters["keywords"].tolist()


def test_planted_new_reason_is_its_own_cluster_and_unexplained_by_labels(found, tickets):
    is_new = tickets["id"].str.startswith("APP").to_numpy()
    clusters = found.assignments["cluster"].to_numpy()
    top = pd.Series(clusters[is_new]).mode()[0]
    members = clusters == top
    assert (clusters[is_new] == top).mean() >= 0.9       # the new topic's tickets stay together
    assert is_new[members].mean() >= 0.9                 # ... and the cluster is (almost) only them
    assert {"sovellus", "kaatuu"} & set(found.clusters.loc[top, "keywords"][:5])
    cmp = found.compare_with("reason")
    assert isinstance(cmp, LabelComparison)
    assert top in cmp.unexplained
    row = cmp.clusters.loc[top]
    assert not row["explained"] and row["purity"] < 0.5 and "no existing label fits" in row["why"]
    # clusters that follow a reason are explained
    assert cmp.clusters["explained"].sum() >= found.n_reasons - 3
    head = cmp.to_markdown().splitlines()[0]
    assert head.startswith("Clusters vs labels")
    assert str(top) in head.split("Not explained by the labels:")[1]


def test_compare_with_accepts_series_and_arrays(found, tickets):
    by_name = found.compare_with("reason")
    by_series = found.compare_with(tickets["reason"])
    by_list = found.compare_with(tickets["reason"].tolist())
    pd.testing.assert_frame_equal(by_name.clusters, by_series.clusters)
    pd.testing.assert_frame_equal(by_name.clusters, by_list.clusters)
    assert set(by_name.labels.index) == set(tickets["reason"])
    assert by_name.crosstab.to_numpy().sum() == len(tickets)
    # missing labels are left out
    partial = tickets["reason"].where(tickets.index % 2 == 0)
    assert found.compare_with(partial).crosstab.to_numpy().sum() == (tickets.index % 2 == 0).sum()
    with pytest.raises(ValueError, match="labels for"):
        found.compare_with(["a", "b"])
    with pytest.raises(KeyError, match="not a column"):
        found.compare_with("no_such_column")


def test_fixed_number_of_reasons_and_plain_texts(webshop_small):
    texts = webshop_small.tickets["body"].head(200).tolist()
    res = discover_reasons(texts, n_reasons=6, encoder="hash", features="hybrid")
    assert res.n_reasons == 6 and len(res.selection) == 1
    assert res.assignments.index.equals(pd.RangeIndex(200))
    lexical = discover_reasons(texts, n_reasons=6, features="lexical")
    assert lexical.n_reasons == 6 and "encoder" not in lexical.features


def test_examples_and_keywords_are_pii_free(found):
    email = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
    for ex in found.clusters["examples"]:
        assert len(ex) == 3
        assert not any(email.search(t) for t in ex)
    assert len(found.examples(0, n=5)) == 5
    md = found.to_markdown()
    assert md.startswith(f"{found.n_reasons} clusters of 640 tickets") and "| cluster | label |" in md


def test_input_validation(tickets):
    with pytest.raises(ValueError, match="features"):
        discover_reasons(tickets, features="bert")
    with pytest.raises(ValueError, match="n_reasons"):
        discover_reasons(tickets, n_reasons=0)
    with pytest.raises(TypeError, match="single string"):
        discover_reasons("Where is my parcel?")
    with pytest.raises(ValueError, match="k_range"):
        discover_reasons(tickets, k_range=(5, 2))
    with pytest.raises(ValueError, match="outlier_share"):
        discover_reasons(tickets, outlier_share=0.7)


def test_doctests():
    import doctest

    from cxml import discovery

    result = doctest.testmod(discovery, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
