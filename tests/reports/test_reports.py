"""Operations reports: volumes, spikes, repeat contacts, feedback themes, SLA tables, the HTML report."""

from __future__ import annotations

import base64
import re
import warnings

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("matplotlib")

from matplotlib.figure import Figure  # noqa: E402

from cxml import reports as R  # noqa: E402
from cxml.sla import SLAPolicy  # noqa: E402

REASONS = ["orders", "deliveries", "returns", "invoices", "payments"]


def weekly_tickets(weeks: int = 20, per_week: int = 40, seed: int = 0, surge: tuple[str, int, int] | None = None,
                   start: str = "2025-01-06") -> pd.DataFrame:
    """Tickets spread over whole weeks (Mon start); ``surge`` = (reason, week, extra tickets)."""
    rng = np.random.default_rng(seed)
    rows = []
    t0 = pd.Timestamp(start)
    for w in range(weeks):
        n = rng.poisson(per_week)
        offsets = rng.uniform(0, 7 * 86400, n)
        reasons = rng.choice(REASONS, n, p=[0.3, 0.25, 0.2, 0.15, 0.1])
        rows += [(t0 + pd.Timedelta(weeks=w, seconds=float(o)), r) for o, r in zip(offsets, reasons, strict=True)]
        if surge is not None and surge[1] == w:
            rows += [(t0 + pd.Timedelta(weeks=w, seconds=float(o)), surge[0])
                     for o in rng.uniform(0, 7 * 86400, surge[2])]
    df = pd.DataFrame(rows, columns=["created_at", "reason"]).sort_values("created_at", ignore_index=True)
    df["channel"] = rng.choice(["email", "chat", "web_form"], len(df))
    return df


# --------------------------------------------------------------------------- volumes


def test_volumes_per_day_week_month() -> None:
    df = pd.DataFrame({
        "created_at": pd.to_datetime(["2025-03-03 09:00", "2025-03-03 23:30", "2025-03-05 10:00",
                                      "2025-03-10 08:00", "2025-04-01 12:00"]),
        "channel": ["email", "chat", "email", "email", None],
    })
    daily = R.volumes(df, "D")
    assert daily.loc["2025-03-03", "email"] == 1 and daily.loc["2025-03-03", "chat"] == 1
    assert daily.loc["2025-03-04", "total"] == 0  # gaps are filled with zeros
    weekly = R.volumes(df, "W")
    assert weekly.index[0] == pd.Timestamp("2025-03-03")  # ISO weeks start on Monday
    assert weekly["total"].tolist()[:2] == [3, 1]
    monthly = R.volumes(df, "month")
    assert monthly["total"].tolist() == [4, 1] and monthly.loc["2025-04-01", "(none)"] == 1
    assert int(R.volumes(df, "W", by=None)["total"].sum()) == 5


def test_volumes_use_local_days_for_aware_times() -> None:
    # 22:30 UTC on 2 March is 00:30 on 3 March in Helsinki
    df = pd.DataFrame({"created_at": pd.to_datetime(["2025-03-02 22:30"]).tz_localize("UTC"), "channel": ["x"]})
    assert R.volumes(df, "D").index[0] == pd.Timestamp("2025-03-03")


def test_weekday_hour_table_and_figure() -> None:
    df = pd.DataFrame({"created_at": pd.to_datetime(["2025-03-03 09:15", "2025-03-03 09:45", "2025-03-09 23:00"])})
    table = R.weekday_hour(df)
    assert table.shape == (7, 24)
    assert table.loc["Mon", 9] == 2 and table.loc["Sun", 23] == 1 and table.to_numpy().sum() == 3
    assert isinstance(R.plot_weekday_hour(table), Figure)


def test_bad_freq_and_missing_columns_are_clear() -> None:
    df = pd.DataFrame({"created_at": pd.to_datetime(["2025-03-03"])})
    with pytest.raises(ValueError, match="freq must be"):
        R.volumes(df, "fortnight")
    with pytest.raises(ValueError, match=r"needs column\(s\) \['reason'\]"):
        R.reason_mix(df)


# --------------------------------------------------------------------------- spikes


def test_spike_detection_finds_injected_surge() -> None:
    df = weekly_tickets(weeks=20, per_week=60, surge=("payments", 14, 40))
    spikes = R.detect_spikes(df, "reason", "W")
    found = spikes[spikes["spike"]]
    assert len(found) == 1, found
    hit = found.iloc[0]
    assert hit["reason"] == "payments"
    assert hit["period"] == pd.Timestamp("2025-01-06") + pd.Timedelta(weeks=14)
    assert hit["count"] > hit["upper"] >= hit["expected"]
    assert isinstance(R.plot_spikes(spikes), Figure)


@pytest.mark.parametrize("seed", range(6))
def test_spike_detection_ignores_noise(seed: int) -> None:
    df = weekly_tickets(weeks=30, per_week=80, seed=seed)
    spikes = R.detect_spikes(df, "reason", "W")
    assert not spikes["spike"].any(), spikes[spikes["spike"]]


def test_spike_detection_daily_and_relative() -> None:
    rng = np.random.default_rng(3)
    days = pd.date_range("2025-01-06", periods=84, freq="D")
    rows = []
    for d in days:
        base = 30 if d.weekday() < 5 else 6  # quiet weekends must not make Mondays look like spikes
        for r, share in zip(REASONS, [0.3, 0.25, 0.2, 0.15, 0.1], strict=True):
            rows += [(d + pd.Timedelta(hours=10), r)] * rng.poisson(base * share)
    surge_day = days[70]
    rows += [(surge_day + pd.Timedelta(hours=11), "invoices")] * 25
    df = pd.DataFrame(rows, columns=["created_at", "reason"])
    daily = R.detect_spikes(df, freq="D")
    found = daily[daily["spike"]]
    assert set(found["reason"]) == {"invoices"} and surge_day in set(found["period"])
    # everything doubling (a campaign) is not a reason spike when judged relatively
    campaign = pd.concat([df, df[df["created_at"] >= days[77]]], ignore_index=True)
    relative = R.detect_spikes(campaign, freq="D", relative=True)
    assert not relative[relative["period"] >= days[77]]["spike"].any()


# --------------------------------------------------------------------------- repeat contacts


def test_repeat_contacts_hand_made() -> None:
    df = pd.DataFrame({
        "id": ["a", "b", "c", "d", "e", "f", "g", "h"],
        "customer_id": ["C1", "C1", "C1", "C2", "C2", "C3", None, "C1"],
        "reason": ["orders", "orders", "orders", "returns", "invoices", "orders", "orders", "returns"],
        "channel": ["email", "chat", "chat", "email", "email", "social", "chat", "email"],
        "created_at": pd.to_datetime(["2025-03-01 10:00", "2025-03-03 09:00", "2025-03-20 12:00",
                                      "2025-03-02 08:00", "2025-03-02 09:00", "2025-03-04 10:00",
                                      "2025-03-04 11:00", "2025-03-04 12:00"]),
    }, index=[10, 11, 12, 13, 14, 15, 16, 17])
    res = R.repeat_contacts(df, days=7)
    # b repeats a (2 days later, other channel); c is 17 days after b: not a repeat; d/e differ in reason;
    # g has no customer; h is C1 but another reason
    assert res.tickets["is_repeat"].tolist() == [False, True, False, False, False, False, False, False]
    assert res.count == 1 and res.cross_channel == 1
    assert res.rate == pytest.approx(1 / 7)  # g cannot be matched
    assert res.tickets.loc[11, "previous_id"] == "a" and res.tickets.loc[11, "previous_channel"] == "email"
    assert res.tickets.loc[11, "days_since_previous"] == pytest.approx(47 / 24)
    assert res.switch_matrix.loc["email", "chat"] == 1
    assert res.by_reason.loc["orders", "repeats"] == 1 and res.by_reason.loc["orders", "tickets"] == 4
    # a longer window makes c a repeat of b (same channel: no switch)
    longer = R.repeat_contacts(df, days=30)
    assert longer.count == 2 and longer.cross_channel == 1
    assert longer.tickets.loc[12, "previous_id"] == "b"
    # ignoring the reason, h repeats c's customer C1 (c is later, so h repeats b)
    any_reason = R.repeat_contacts(df, days=7, same_reason=False)
    assert bool(any_reason.tickets.loc[17, "is_repeat"]) and any_reason.tickets.loc[17, "previous_id"] == "b"
    assert isinstance(R.plot_repeat_switches(res), Figure)


# --------------------------------------------------------------------------- feedback


FEEDBACK = (["Nopea ja ystävällinen palvelu, kiitos"] * 6 + ["Very fast and friendly service"] * 5
            + ["Jouduin odottamaan vastausta liian kauan"] * 6 + ["Had to wait far too long for an answer"] * 5
            + ["Palautus ei onnistunut, lomake ei toimi"] * 6 + ["The return form does not work"] * 5)


def feedback_frame() -> pd.DataFrame:
    n = len(FEEDBACK)
    csat = [5.0] * 11 + [2.0] * 11 + [1.0] * 11
    return pd.DataFrame({"feedback": FEEDBACK + ["", None], "csat": csat + [4.0, np.nan]},
                        index=range(100, 100 + n + 2))


def test_feedback_themes_kmeans_is_deterministic() -> None:
    df = feedback_frame()
    a = R.feedback_themes(df, n_themes=6)
    b = R.feedback_themes(df, n_themes=6)
    assert a.method == "kmeans"
    pd.testing.assert_series_equal(a.assignments, b.assignments)
    assert a.assignments.iloc[-2:].isna().all()  # no text, no theme
    assert int(a.summary["tickets"].sum()) == len(FEEDBACK)
    # identical comments share a theme, and the slow-answer theme has a low mean CSAT
    slow = a.assignments.iloc[11]
    assert (a.assignments.iloc[11:17] == slow).all()
    assert a.summary.loc[slow, "mean_csat"] == pytest.approx(2.0)
    assert {"tickets", "share", "mean_csat", "keywords", "example"} <= set(a.summary.columns)
    assert isinstance(R.plot_feedback_themes(a), Figure)


def test_feedback_themes_keywords_and_classifier() -> None:
    df = feedback_frame()
    themes = {"speed": ["nopea", "fast", "odot", "wait"], "returns": ["palautus", "return"]}
    res = R.feedback_themes(df, themes=themes)
    assert res.method == "keywords"
    assert res.assignments.iloc[0] == "speed" and res.assignments.iloc[25] == "returns"
    assert res.summary.loc["returns", "tickets"] == 11 and res.summary.loc["returns", "mean_csat"] == 1.0

    class Stub:
        def predict(self, texts):
            return ["praise" if "kiitos" in t or "friendly" in t else "complaint" for t in texts]

    res = R.feedback_themes(df, classifier=Stub())
    assert res.method == "classifier" and res.summary.loc["praise", "tickets"] == 11


# --------------------------------------------------------------------------- times, SLA, satisfaction


def handled_tickets() -> pd.DataFrame:
    created = pd.to_datetime(["2025-06-02 08:00", "2025-06-02 09:00", "2025-06-02 10:00", "2025-06-02 11:00"])
    return pd.DataFrame({
        "created_at": created,
        "channel": ["email", "email", "chat", "chat"],
        "team": ["a", "a", "b", "b"],
        "priority": ["medium", "medium", "medium", "urgent"],
        "first_response_at": created + pd.to_timedelta([1, 9, 0.001, 0.002], unit="h"),
        "resolved_at": created + pd.to_timedelta([4, 30, 0.5, None], unit="h"),
        "csat": [5, 4, 1, np.nan], "ces": [7, 6, 2, np.nan], "nps": [10, 9, 3, 8],
    })


def test_response_times() -> None:
    table = R.response_times(handled_tickets(), by="channel")
    assert table.loc["email", "first_response_median_h"] == pytest.approx(5.0)
    assert table.loc["email", "resolution_p90_h"] == pytest.approx(4 + 0.9 * 26)
    assert table.loc["chat", "resolution_n"] == 1
    business = R.response_times(handled_tickets(), by="team", sla=SLAPolicy())
    # 9 calendar hours from Mon 09:00 is Mon 18:00: 7 business hours
    assert business.loc["a", "first_response_median_h"] == pytest.approx(4.0)
    assert isinstance(R.plot_response_times(table), Figure)


def test_sla_attainment_table() -> None:
    table = R.sla_attainment(handled_tickets(), by="channel", now="2025-06-10")
    # email: 8 h first response: both met (1 h; 9 calendar = 7 business h); resolution 24 h: both met
    assert table.loc["email", "first_response_attainment"] == 1.0
    # chat: 10 s first response, urgent x 0.25 = 2.5 s: 3.6 s (medium) is in time, 7.2 s (urgent) is late;
    # resolution 1 h: 30 min is in time, the urgent one is still open and late
    assert table.loc["chat", "first_response_attainment"] == pytest.approx(0.5)
    assert table.loc["chat", "resolution_attainment"] == pytest.approx(0.5)
    assert table.loc["all", "tickets"] == 4 and table.loc["all", "breached"] == 1
    assert isinstance(R.plot_sla_attainment(table), Figure)
    weekly = R.sla_attainment(handled_tickets(), by=None, freq="W", now="2025-06-10")
    assert weekly["tickets"].sum() == 4


def test_satisfaction_scores() -> None:
    s = R.satisfaction(handled_tickets())
    row = s.loc["all"]
    assert row["csat_mean"] == pytest.approx(10 / 3) and row["csat_satisfied"] == pytest.approx(2 / 3)
    assert row["ces_mean"] == pytest.approx(5.0)
    assert row["nps"] == pytest.approx(25.0)  # 2 promoters, 1 detractor of 4
    assert set(R.satisfaction(handled_tickets(), by="channel").index) == {"email", "chat"}
    with pytest.raises(ValueError, match="csat"):
        R.satisfaction(pd.DataFrame({"x": [1]}))


def test_self_service_rate() -> None:
    sessions = pd.DataFrame({
        "started_at": pd.to_datetime(["2025-03-03", "2025-03-04", "2025-03-11", "2025-03-12"]),
        "contacted_support": [True, False, False, False],
    })
    assert R.self_service_rate(sessions)["deflection_rate"].iloc[0] == pytest.approx(0.75)
    weekly = R.self_service_rate(sessions, freq="W")
    assert weekly["deflection_rate"].tolist() == [0.5, 1.0]
    by_ticket = pd.DataFrame({"ticket_id": ["T1", None, "", None]})
    assert R.self_service_rate(by_ticket)["contacted"].iloc[0] == 1
    with pytest.raises(ValueError, match="contacted"):
        R.self_service_rate(pd.DataFrame({"x": [1]}))


# --------------------------------------------------------------------------- the HTML report


def _images(html: str) -> list[bytes]:
    return [base64.b64decode(m) for m in re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)]


def test_write_report_minimal_frame_notes_missing_columns(tmp_path) -> None:
    created = pd.date_range("2025-03-03", periods=120, freq="7h")
    df = pd.DataFrame({"id": range(120), "text": ["hello"] * 120, "created_at": created,
                       "channel": ["email", "chat", "web_form"] * 40})
    path = R.write_report(df, tmp_path, strict=True)
    html = path.read_text(encoding="utf-8")
    assert len(_images(html)) == 2  # volumes and weekday x hour
    for column in ("reason", "customer_id", "feedback", "first_response_at"):
        assert f"no &#x27;{column}&#x27;" in html or f"no '{column}'" in html, column
    assert "no help-centre sessions" in html
    assert "Not in this report" in html


def test_write_report_survives_odd_data(tmp_path) -> None:
    df = pd.DataFrame({"created_at": [None, "not a date", "2025-03-03 10:00"], "channel": [None, "x", "y"],
                       "reason": [None, None, None], "csat": ["5", "bad", None]})
    path = R.write_report(df, tmp_path, title="odd")
    assert path.exists() and "Volumes by channel" in path.read_text(encoding="utf-8")
    with pytest.raises(TypeError):
        R.write_report([1, 2], tmp_path)


def test_write_report_on_webshop_with_a_surge(tmp_path) -> None:
    from cxml.datasets import make_webshop
    from cxml.schema import as_tickets

    with warnings.catch_warnings():  # the generator's own pandas deprecations are not under test here
        warnings.filterwarnings("ignore", message=r".*is deprecated", category=DeprecationWarning)
        data = make_webshop(n_tickets=600, seed=0)
    raw = data.tickets
    # something broke in week 30: 40 extra invoice tickets
    week = pd.Timestamp("2026-05-25")
    surge = raw[raw["reason"] == "invoice"].head(40).copy()
    surge["id"] = [f"X{i:03d}" for i in range(len(surge))]
    surge["created_at"] = week + pd.to_timedelta(np.linspace(0, 4.5 * 86400, len(surge)), unit="s")
    tickets = as_tickets(pd.concat([raw, surge], ignore_index=True), require=())
    path = R.write_report(tickets, tmp_path / "out", sessions=data.sessions, sla=SLAPolicy(),
                          title="Shop <report>", strict=True)
    assert path == tmp_path / "out" / "report.html" and path.exists()
    html = path.read_text(encoding="utf-8")
    assert "<title>Shop &lt;report&gt;</title>" in html
    images = _images(html)
    assert len(images) >= 9 and all(img.startswith(b"\x89PNG") for img in images)
    assert "<script" not in html and "<link" not in html  # self-contained: nothing to fetch
    glance = html.split("At a glance", 1)[1].split("</section>", 1)[0]
    assert "Spikes detected" in glance and "invoice" in glance and "25.05." in glance
    for headline in ("Volume", "SLA", "Repeat contacts", "Feedback themes", "Self-service"):
        assert headline in glance, headline
    assert "Skipped" not in html and "could not be computed" not in html
