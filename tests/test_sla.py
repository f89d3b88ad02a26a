"""SLA policy: business-time arithmetic, status flags, bulk speed, JSON round trip."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from cxml.sla import BusinessHours, SLAConfigError, SLAPolicy, SLATarget

TZ = "Europe/Helsinki"


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=TZ)


@pytest.fixture(scope="module")
def policy() -> SLAPolicy:
    return SLAPolicy()  # Mon-Fri 08-16 Europe/Helsinki, Finnish holidays


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        ("2025-06-02 10:00", "2h", "2025-06-02 12:00"),  # Monday, inside hours
        ("2025-06-02 08:00", "8h", "2025-06-02 16:00"),  # a full day ends at closing, not next morning
        ("2025-06-02 15:00", "2h", "2025-06-03 09:00"),  # over the evening and night
        ("2025-06-02 20:00", "8h", "2025-06-03 16:00"),  # created in the evening: clock starts at 08
        ("2025-06-03 06:30", "30min", "2025-06-03 08:30"),  # early morning
        ("2025-06-06 14:00", "4h", "2025-06-09 10:00"),  # Friday -> Monday over the weekend
        ("2025-06-07 11:00", "1h", "2025-06-09 09:00"),  # created on Saturday
        ("2024-12-05 15:00", "2h", "2024-12-09 09:00"),  # Itsenäisyyspäivä Fri 6.12.2024 is closed
        ("2024-12-20 12:00", "8h", "2024-12-23 12:00"),
        ("2024-12-23 15:00", "2h", "2024-12-27 09:00"),  # Christmas Eve, Day and Boxing Day closed
        ("2025-06-19 15:00", "2h", "2025-06-23 09:00"),  # Midsummer Eve (Fri 20.6.2025) closed
        ("2026-03-27 15:00", "2h", "2026-03-30 09:00"),  # DST switch on Sun 29.3.2026 (UTC+2 -> UTC+3)
        ("2025-10-24 15:00", "2h", "2025-10-27 09:00"),  # DST ends on Sun 26.10.2025 (UTC+3 -> UTC+2)
        ("2025-06-02 10:00", "0s", "2025-06-02 10:00"),
    ],
)
def test_business_deadlines(policy: SLAPolicy, start: str, duration: str, expected: str) -> None:
    assert policy.add_time(start, duration) == ts(expected)


def test_deadline_is_wall_clock_correct_across_dst(policy: SLAPolicy) -> None:
    due = policy.add_time("2026-03-27 15:00", "2h")
    assert (due.hour, str(due.utcoffset())) == (9, "3:00:00")
    # a calendar clock counts real hours: 24 h from Saturday noon is 13:00 on the DST Sunday
    assert policy.add_time("2026-03-28 12:00", "24h", clock="calendar") == ts("2026-03-29 13:00")
    # a 24/7 desk: the switch day has 23 open hours, the autumn switch day 25
    always = SLAPolicy(business_hours=BusinessHours(open="00:00", close="24:00", weekdays=range(7), country=None))
    assert always.elapsed("2026-03-29 00:00", "2026-03-30 00:00") == pd.Timedelta("23h")
    assert always.elapsed("2025-10-26 00:00", "2025-10-27 00:00") == pd.Timedelta("25h")


def test_elapsed_business_time(policy: SLAPolicy) -> None:
    assert policy.elapsed("2025-06-06 14:00", "2025-06-09 10:00") == pd.Timedelta("4h")
    assert policy.elapsed("2024-12-05 08:00", "2024-12-09 08:00") == pd.Timedelta("8h")
    assert policy.elapsed("2025-06-02 18:00", "2025-06-03 07:00") == pd.Timedelta(0)
    assert policy.elapsed("2025-06-02 18:00", "2025-06-03 07:00", clock="calendar") == pd.Timedelta("13h")


def test_timezone_aware_and_naive_inputs_agree(policy: SLAPolicy) -> None:
    naive = policy.add_time("2025-06-02 15:00", "2h")
    aware_utc = policy.add_time(pd.Timestamp("2025-06-02 12:00", tz="UTC"), "2h")
    assert naive == aware_utc == ts("2025-06-03 09:00")


def test_configurable_holidays_and_hours() -> None:
    extra = SLAPolicy(business_hours=BusinessHours(extra_holidays=("2025-06-03",)))
    assert extra.add_time("2025-06-02 15:00", "2h") == ts("2025-06-04 09:00")
    saturday = SLAPolicy(business_hours=BusinessHours(extra_open_days=("2025-06-07",)))
    assert saturday.add_time("2025-06-06 15:00", "2h") == ts("2025-06-07 09:00")
    no_holidays = SLAPolicy(business_hours=BusinessHours(country=None))
    assert no_holidays.add_time("2024-12-05 15:00", "2h") == ts("2024-12-06 09:00")
    sweden = SLAPolicy(business_hours=BusinessHours(timezone="Europe/Stockholm", open="09:00", close="17:00",
                                                    country="SE"))
    assert sweden.add_time("2024-06-05 16:00", "2h") == pd.Timestamp("2024-06-07 10:00", tz="Europe/Stockholm")
    assert BusinessHours().holidays("2024-12-01", "2024-12-31").index[0].isoformat() == "2024-12-06"


def test_targets_by_channel_priority_segment() -> None:
    policy = SLAPolicy(segment_factors={"key_account": 0.5}, overrides={"chat/urgent": {"first_response": "5s",
                                                                                         "resolution": "30min"}})
    assert policy.target_for("email").first_response == pd.Timedelta("8h")
    assert policy.target_for("E-mail", "URGENT").first_response == pd.Timedelta("2h")
    assert policy.target_for("email", "low").resolution == pd.Timedelta("36h")
    assert policy.target_for("email", "high", "key_account").first_response == pd.Timedelta("2h")
    assert policy.target_for("chat").first_response == pd.Timedelta("10s")
    assert policy.target_for("chat", "urgent").first_response == pd.Timedelta("5s")
    assert policy.target_for("fax").first_response == pd.Timedelta("8h")  # unknown channel: default target
    assert policy.target_for(None, None).resolution == pd.Timedelta("24h")


def test_evaluate_flags(policy: SLAPolicy) -> None:
    df = pd.DataFrame(
        {
            "created_at": ["2025-06-02 08:00"] * 5 + [None],
            "channel": ["email"] * 6,
            "priority": ["medium"] * 6,
            "first_response_at": [None, None, "2025-06-02 12:00", "2025-06-03 09:00", "2025-06-02 09:00", None],
            "resolved_at": [None, None, None, None, "2025-06-04 09:00", None],
        },
        index=list("abcdef"),
    )
    # email: first response 8 business hours (due Mon 16:00), resolution 24 h (due Wed 16:00)
    out = policy.evaluate(df, now="2025-06-02 15:00")
    assert list(out.index) == list("abcdef")
    assert out.loc["a", "first_response_due"] == ts("2025-06-02 16:00")
    assert out.loc["a", "resolution_due"] == ts("2025-06-04 16:00")
    assert out.loc["a", "stage"] == "first_response"
    assert out.loc["a", "time_left"] == pd.Timedelta("1h")
    assert out.loc["a", "used_share"] == pytest.approx(7 / 8)
    assert bool(out.loc["a", "at_risk"]) and not bool(out.loc["a", "breached"])
    assert pd.isna(out.loc["a", "met"]) and pd.isna(out.loc["a", "first_response_met"])
    # responded in time, resolution running: 7 of 24 h used, not at risk
    assert out.loc["c", "stage"] == "resolution" and bool(out.loc["c", "first_response_met"])
    assert not bool(out.loc["c", "at_risk"]) and out.loc["c", "time_left"] == pd.Timedelta("17h")
    # responded late (recorded ahead of 'now': what is recorded counts)
    assert bool(out.loc["d", "breached"]) and not bool(out.loc["d", "first_response_met"])
    assert out.loc["d", "met"] is not pd.NA and not out.loc["d", "met"]
    # a day later the unanswered ticket is breached, 8 business hours overdue at Tue 16:00
    later = policy.evaluate(df, now="2025-06-03 16:00")
    assert bool(later.loc["a", "breached"]) and not bool(later.loc["a", "at_risk"])
    assert later.loc["a", "time_left"] == pd.Timedelta("-8h")
    # closed and on time
    assert later.loc["e", "stage"] == "closed" and bool(later.loc["e", "met"])
    assert pd.isna(later.loc["e", "time_left"])
    # no creation time: nothing decided, nothing flagged
    assert pd.isna(later.loc["f", "first_response_due"]) and not bool(later.loc["f", "breached"])


def test_evaluate_chat_and_resolution_without_response(policy: SLAPolicy) -> None:
    df = pd.DataFrame({"created_at": [ts("2025-06-02 10:00")] * 2, "channel": ["chat", "chat"],
                       "first_response_at": [ts("2025-06-02 10:00:05"), pd.NaT],
                       "resolved_at": [ts("2025-06-02 10:40"), ts("2025-06-02 10:00:08")]})
    out = policy.evaluate(df, now=ts("2025-06-03 12:00"))
    assert out["met"].tolist() == [True, True]
    assert out["first_response_due"].iloc[0] == ts("2025-06-02 10:00:10")


def test_at_risk_share_is_configurable() -> None:
    df = pd.DataFrame({"created_at": ["2025-06-02 08:00"], "channel": ["email"]})
    assert not bool(SLAPolicy(at_risk_share=0.9).evaluate(df, now="2025-06-02 15:00")["at_risk"].iloc[0])
    assert bool(SLAPolicy(at_risk_share=0.5).evaluate(df, now="2025-06-02 15:00")["at_risk"].iloc[0])


def test_evaluate_one_matches_bulk(policy: SLAPolicy) -> None:
    one = policy.evaluate_one({"created_at": "2025-06-06 15:30", "channel": "social", "priority": "high"},
                              now="2025-06-09 08:20")
    assert one["first_response_due"] == ts("2025-06-09 08:30")  # social 2 h x 0.5 = 1 business hour
    assert one["time_left"] == pd.Timedelta("10min") and one["at_risk"]
    assert one["used_share"] == pytest.approx(50 / 60)


def test_bulk_is_fast() -> None:
    rng = np.random.default_rng(0)
    n = 100_000
    created = pd.Timestamp("2024-01-01", tz=TZ) + pd.to_timedelta(rng.uniform(0, 2 * 365 * 86400, n), unit="s")
    df = pd.DataFrame({
        "created_at": created,
        "channel": rng.choice(["email", "chat", "web_form", "social"], n),
        "priority": rng.choice(["low", "medium", "high", "urgent"], n),
        "first_response_at": created + pd.to_timedelta(rng.exponential(6 * 3600, n), unit="s"),
    })
    policy = SLAPolicy()
    start = time.perf_counter()
    out = policy.evaluate(df, now="2026-01-01")
    assert time.perf_counter() - start < 10
    assert len(out) == n and out["first_response_due"].notna().all()
    # spot-check the bulk result against the one-ticket path
    for i in rng.choice(n, 5, replace=False):
        row = df.iloc[i]
        assert out["first_response_due"].iloc[i] == policy.deadline(row.created_at, row.channel, row.priority)


def test_json_round_trip(tmp_path) -> None:
    policy = SLAPolicy(
        targets={"email": SLATarget("1h30min", "20h"), "chat": SLATarget("10s", "45min", clock="calendar")},
        priority_factors={"urgent": 0.2}, segment_factors={"key_account": 0.5},
        overrides={"email/urgent": SLATarget("15min", "4h")},
        business_hours=BusinessHours(open="09:00", close="17:00", extra_holidays=("2025-06-03",)),
        at_risk_share=0.7,
    )
    path = tmp_path / "sla.json"
    policy.to_json(path)
    again = SLAPolicy.from_json(path)
    assert again == policy
    assert SLAPolicy.from_json(policy.to_json()).to_dict() == policy.to_dict()
    assert SLAPolicy.from_dict({}) == SLAPolicy()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"targets": {"email": {"first_response": "soon", "resolution": "1h"}}}, r"targets.email.first_response"),
        ({"targets": {"email": {"first_response": "-1h", "resolution": "1h"}}}, r"positive"),
        ({"targets": {"email": {"first_response": "1h", "resolution": "1h", "clock": "lunar"}}}, r"clock"),
        ({"targets": {"email": {"first_response": "1h"}}}, r"missing \['resolution'\]"),
        ({"at_risk_share": 1.5}, r"at_risk_share"),
        ({"priority_factors": {"urgent": 0}}, r"priority_factors.urgent"),
        ({"business_hours": {"timezone": "Europe/Helsinky"}}, r"unknown time zone"),
        ({"business_hours": {"open": "16:00", "close": "08:00"}}, r"close"),
        ({"business_hours": {"country": "XX"}}, r"no holiday calendar"),
        ({"business_hours": {"weekdays": [0, 7]}}, r"weekdays"),
        ({"business_hours": {"opening": "08:00"}}, r"unknown key"),
        ({"overrides": {"urgent": {"first_response": "1h", "resolution": "2h"}}}, r"channel/priority"),
        ({"target": {}}, r"unknown SLA policy key"),
        ({"format": "cxml.sla/99"}, r"upgrade cxml"),
    ],
)
def test_bad_config_errors(data: dict, message: str) -> None:
    with pytest.raises(SLAConfigError, match=message):
        SLAPolicy.from_dict(data)
