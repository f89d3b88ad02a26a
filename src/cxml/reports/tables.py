"""Helpdesk operations reports: tables (DataFrames) and figures (matplotlib) from a ticket frame.

Every function takes a ticket frame with cxml's canonical columns (see :func:`cxml.schema.as_tickets`)
and returns a :class:`pandas.DataFrame` (or a small result object holding frames); every
``plot_*`` function returns a :class:`matplotlib.figure.Figure` built without pyplot (so nothing
is shown or kept open, and any backend works headless): those live in :mod:`cxml.reports.plots`;
:func:`cxml.reports.write_report` puts it all into one self-contained HTML page.

=================================  ==============================================================
function                           needs
=================================  ==============================================================
:func:`volumes`                    created_at (+ channel)
:func:`weekday_hour`               created_at
:func:`reason_mix`                 created_at, reason
:func:`detect_spikes`              created_at, reason (or another category column)
:func:`response_times`             created_at, first_response_at and/or resolved_at (+ group column)
:func:`sla_attainment`             created_at (+ first_response_at, resolved_at, channel, priority)
:func:`satisfaction`               csat, ces and/or nps
:func:`self_service_rate`          a sessions frame (help sessions, whether they contacted support)
:func:`repeat_contacts`            customer_id, created_at (+ reason, channel)
:func:`feedback_themes`            feedback (+ csat)
=================================  ==============================================================

Times are shown in the local time of ``tz`` (default Europe/Helsinki): time-zone-aware
timestamps are converted, naive ones are taken as already local.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import poisson
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from cxml.pii import scrub_many
from cxml.reports._common import (
    DEFAULT_TZ,
    FREQ_NAMES,
    WEEKDAYS,
    Classifier,
    as_labels,
    drop_partial_periods,
    full_range,
    local_times,
    need_columns,
    parse_freq,
    period_start,
    to_hours,
    utc_times,
)
from cxml.sla import SLAPolicy

__all__ = [
    "volumes",
    "weekday_hour",
    "reason_mix",
    "detect_spikes",
    "response_times",
    "sla_attainment",
    "satisfaction",
    "self_service_rate",
    "repeat_contacts",
    "RepeatContacts",
    "feedback_themes",
    "FeedbackThemes",
]

logger = logging.getLogger(__name__)



def volumes(tickets: pd.DataFrame, freq: str = "D", by: str | None = "channel", *,
            tz: str | None = DEFAULT_TZ) -> pd.DataFrame:
    """Ticket counts per day, week (ISO, from Monday) or month, one column per channel.

    Parameters
    ----------
    tickets : pandas.DataFrame
        Needs ``created_at``; ``by`` (default ``channel``) when given and present.
    freq : {"D", "W", "M"}, default="D"
    by : str or None, default="channel"
        Column to split by; None (or a missing column) gives a single ``total`` column.
    tz : str, default="Europe/Helsinki"
        Time zone whose calendar days count.

    Returns
    -------
    pandas.DataFrame
        Index: start of each period (no gaps, zeros filled); columns: the ``by`` values,
        largest first, and ``total``.
    """
    need_columns(tickets, ["created_at"], "volumes")
    f = parse_freq(freq)
    local = local_times(tickets["created_at"], tz)
    ok = local.notna()
    period = period_start(local[ok], f)
    if by is not None and by in tickets.columns:
        keys = as_labels(tickets.loc[ok, by])
        table = pd.crosstab(period, keys)
        table = table[table.sum().sort_values(ascending=False).index]
    else:
        table = period.value_counts().sort_index().to_frame("total")
    table.columns = [str(c) for c in table.columns]
    if len(table):
        table = table.reindex(full_range(table.index.min(), table.index.max(), f), fill_value=0)
    table.index.name = FREQ_NAMES[f]
    table.columns.name = by if by in tickets.columns else None
    if "total" not in table.columns:
        table["total"] = table.sum(axis=1)
    return table.astype(np.int64)


def weekday_hour(tickets: pd.DataFrame, *, tz: str | None = DEFAULT_TZ, per_week: bool = False) -> pd.DataFrame:
    """Ticket counts by weekday (rows, Mon-Sun) and hour of day (columns 0-23), local time.

    Parameters
    ----------
    per_week : bool, default=False
        Divide by the number of weeks covered: the average load of an hour in a typical week,
        the unit shift planning works in.
    """
    need_columns(tickets, ["created_at"], "weekday_hour")
    local = local_times(tickets["created_at"], tz).dropna()
    table = pd.crosstab(local.dt.day_of_week, local.dt.hour).reindex(index=range(7), columns=range(24), fill_value=0)
    table.index = pd.Index(WEEKDAYS, name="weekday")
    table.columns = pd.Index(range(24), name="hour")
    if per_week:
        weeks = max((local.max() - local.min()) / pd.Timedelta(days=7), 1.0) if len(local) else 1.0
        return table / weeks
    return table


def reason_mix(tickets: pd.DataFrame, freq: str = "W", column: str = "reason", *, share: bool = False,
               tz: str | None = DEFAULT_TZ) -> pd.DataFrame:
    """Tickets per period and reason (or another category ``column``).

    Parameters
    ----------
    share : bool, default=False
        Give each reason's share of the period's tickets instead of counts.

    Returns
    -------
    pandas.DataFrame
        Index: period start; columns: reasons, most frequent first.
    """
    need_columns(tickets, ["created_at", column], "reason_mix")
    table = volumes(tickets, freq=freq, by=column, tz=tz).drop(columns="total")
    if share:
        totals = table.sum(axis=1).replace(0, np.nan)
        return table.div(totals, axis=0).fillna(0.0)
    return table


def detect_spikes(tickets: pd.DataFrame, column: str = "reason", freq: str = "W", *, window: int = 8,
                  min_history: int = 4, threshold: float = 3.5, alpha: float = 1e-5, min_count: int = 5,
                  min_ratio: float = 1.5, seasonal: bool | None = None, relative: bool = False,
                  tz: str | None = DEFAULT_TZ) -> pd.DataFrame:
    """Find periods in which a reason's volume is far above its expected level.

    For each reason and period the *expected* volume is the median of the previous
    ``window`` periods (for daily data by default the same weekday of the previous
    ``window`` weeks, as Mondays differ from Sundays). The upper edge of the expected band
    is the larger of

    * a robust band, expected + ``threshold`` x 1.4826 x MAD of those periods (the median
      absolute deviation, which one past surge does not inflate), and
    * a Poisson band, the count a Poisson variable with the expected mean (at least 1)
      exceeds with probability ``alpha`` only (so that small, steady counts are not flagged
      for a couple of extra tickets, however small their MAD).

    A period is a spike when its count is above the band, at least ``min_count`` and at
    least ``min_ratio`` times the expected level. A first period that the data covers only
    in part (an export starting mid-week) is left out, so its low count does not drag the
    expected level down.

    Parameters
    ----------
    tickets : pandas.DataFrame
        Needs ``created_at`` and ``column``.
    column : str, default="reason"
    freq : {"W", "D", "M"}, default="W"
    window : int, default=8
        Past periods (or past same weekdays) the expected level is taken from.
    min_history : int, default=4
        Periods of history needed before a period can be judged.
    threshold : float, default=3.5
        Width of the robust band in robust standard deviations.
    alpha : float, default=1e-5
        Tail probability of the Poisson band (small, as every reason and period is a test:
        12 reasons over a year of weeks are some 600).
    min_count : int, default=5
    min_ratio : float, default=1.5
    seasonal : bool, optional
        Compare with the same weekday (default: True for daily data, else False).
    relative : bool, default=False
        Scale each period's expected levels by the period's overall level, the median over
        reasons of count / usual count, so that a jump that every reason shares (a sale, a
        campaign) is not a spike, while one surging reason does not raise the others'
        expected levels.
    tz : str, default="Europe/Helsinki"

    Returns
    -------
    pandas.DataFrame
        One row per period and reason: ``period``, ``column``, ``count``, ``expected``,
        ``lower``, ``upper``, ``score`` (robust z-score) and ``spike`` (bool). Filter
        ``df[df.spike]`` for the findings.

    Examples
    --------
    >>> found = detect_spikes(tickets)            # doctest: +SKIP
    >>> found[found.spike][["period", "reason", "count", "expected"]]  # doctest: +SKIP
    """
    need_columns(tickets, ["created_at", column], "detect_spikes")
    f = parse_freq(freq)
    if window < 1 or min_history < 1 or min_history > window:
        raise ValueError(f"need 1 <= min_history <= window, got min_history={min_history}, window={window}")
    if not 0 < alpha < 0.5:
        raise ValueError(f"alpha must be in (0, 0.5), got {alpha!r}")
    counts = volumes(tickets, freq=f, by=column, tz=tz)
    counts = drop_partial_periods(counts, local_times(tickets["created_at"], tz), f, last=False)
    counts = counts.drop(columns="total").astype(float)
    seasonal = (f == "D") if seasonal is None else bool(seasonal)
    med = pd.DataFrame(index=counts.index, columns=counts.columns, dtype=float)
    mad = med.copy()
    for reason in counts.columns:
        series = counts[reason]
        if seasonal:
            groups = series.groupby(series.index.day_of_week)
            med[reason] = groups.transform(lambda s: s.shift(1).rolling(window, min_periods=min_history).median())
            mad[reason] = groups.transform(lambda s: s.shift(1).rolling(window, min_periods=min_history)
                                           .apply(_mad, raw=True))
        else:
            past = series.shift(1).rolling(window, min_periods=min_history)
            med[reason], mad[reason] = past.median(), past.apply(_mad, raw=True)
    if relative:
        # the period's overall level: the median over reasons of count / usual count, which one
        # surging reason does not move but a sale that lifts every reason does
        with np.errstate(divide="ignore", invalid="ignore"):
            ratios = counts.where(med >= 1) / med.where(med >= 1)
        level = ratios.median(axis=1, skipna=True).clip(0.25, 4.0).fillna(1.0)
        med, mad = med.mul(level, axis=0), mad.mul(level, axis=0)
    rows = []
    for reason in counts.columns:
        c = counts[reason]
        expected = med[reason]
        robust = 1.4826 * mad[reason]
        # a median of small counts runs below their mean: the Poisson band expects at least 1 ticket
        lam = np.maximum(expected.to_numpy(float), 1.0)
        ok = expected.notna().to_numpy()
        p_hi = np.where(ok, poisson.isf(alpha, np.where(ok, lam, 1.0)), np.nan)
        p_lo = np.where(ok, poisson.ppf(alpha, np.where(ok, lam, 1.0)), np.nan)
        upper = np.fmax(expected + threshold * robust, p_hi)
        lower = np.maximum(np.fmin(expected - threshold * robust, p_lo), 0.0)
        scale = np.maximum(robust, np.sqrt(np.maximum(expected, 1.0)))
        score = (c - expected) / scale
        spike = (c > upper) & (c >= min_count) & (c >= min_ratio * expected) & expected.notna()
        rows.append(pd.DataFrame({"period": counts.index, column: reason, "count": c.astype(np.int64).to_numpy(),
                                  "expected": expected.to_numpy(), "lower": np.asarray(lower, float),
                                  "upper": np.asarray(upper, float), "score": score.to_numpy(),
                                  "spike": spike.fillna(False).to_numpy(dtype=bool)}))
    if not rows:
        out = pd.DataFrame(columns=["period", column, "count", "expected", "lower", "upper", "score", "spike"])
    else:
        out = pd.concat(rows, ignore_index=True)
    out.attrs.update({"freq": f, "column": column, "window": window, "threshold": threshold, "alpha": alpha,
                      "relative": relative})
    return out


def _mad(values: np.ndarray) -> float:
    values = values[~np.isnan(values)]
    if values.size == 0:
        return float("nan")
    return float(np.median(np.abs(values - np.median(values))))


def response_times(tickets: pd.DataFrame, by: str | None = "channel", *, sla: Any = None,
                   min_tickets: int = 1, tz: str | None = DEFAULT_TZ) -> pd.DataFrame:
    """First-response and resolution times (median and 90th percentile, hours) per group.

    Parameters
    ----------
    tickets : pandas.DataFrame
        Needs ``created_at`` and ``first_response_at`` and/or ``resolved_at``.
    by : str or None, default="channel"
        Group column (``channel``, ``team``, ``agent``, ...); None for one overall row.
    sla : SLAPolicy, optional
        Count business hours of this policy instead of calendar hours.
    min_tickets : int, default=1
        Leave out groups with fewer tickets (e.g. agents with a handful of tickets).
    tz : str, default="Europe/Helsinki"
        Time zone of naive timestamps.

    Returns
    -------
    pandas.DataFrame
        Index: groups (largest first); columns ``tickets``, and for each of
        ``first_response`` and ``resolution`` the ``*_n`` (tickets with that event),
        ``*_median_h`` and ``*_p90_h``.
    """
    need_columns(tickets, ["created_at"], "response_times")
    events = [c for c in ("first_response_at", "resolved_at") if c in tickets.columns]
    if not events:
        raise ValueError("response_times needs 'first_response_at' and/or 'resolved_at'")
    if by is not None:
        need_columns(tickets, [by], "response_times")
    data = pd.DataFrame(index=tickets.index)
    for event in events:
        name = "first_response" if event == "first_response_at" else "resolution"
        if sla is not None:
            delta = sla.elapsed(tickets["created_at"], tickets[event])
        else:  # real elapsed time (naive times are local time of ``tz``, so DST switches count right)
            delta = utc_times(tickets[event], tz) - utc_times(tickets["created_at"], tz)
        hours = to_hours(pd.Series(delta, index=tickets.index))
        data[name] = hours.where(hours >= 0)
    keys = as_labels(tickets[by]) if by is not None else pd.Series("all", index=tickets.index)
    grouped = data.groupby(keys)
    out = pd.DataFrame({"tickets": keys.value_counts()})
    for name in data.columns:
        out[f"{name}_n"] = grouped[name].count()
        out[f"{name}_median_h"] = grouped[name].median()
        out[f"{name}_p90_h"] = grouped[name].quantile(0.9)
    out = out[out["tickets"] >= min_tickets].sort_values("tickets", ascending=False)
    out.index.name = by or "group"
    return out


def _default_now(tickets: pd.DataFrame) -> pd.Timestamp | None:
    latest = []
    for c in ("created_at", "first_response_at", "resolved_at"):
        if c in tickets.columns:
            v = utc_times(tickets[c]).max()
            if pd.notna(v):
                latest.append(v)
    return max(latest) if latest else None


def sla_attainment(tickets: pd.DataFrame, sla: Any = None, by: str | None = "channel", *,
                   freq: str | None = None, now: Any = None, tz: str | None = DEFAULT_TZ) -> pd.DataFrame:
    """Share of tickets answered and resolved within target, per group (and period).

    Parameters
    ----------
    tickets : pandas.DataFrame
        Needs ``created_at``; uses ``first_response_at``, ``resolved_at``, ``channel``,
        ``priority``, ``segment``.
    sla : SLAPolicy, optional
        Default: :class:`cxml.sla.SLAPolicy` with its documented defaults.
    by : str or None, default="channel"
        Group column; None for one row per period (or a single ``all`` row).
    freq : {"D", "W", "M"}, optional
        Also split by period of creation.
    now : time, optional
        For tickets still open; default: the latest timestamp in the data (so an old export
        is judged as of its own end, not today).

    Returns
    -------
    pandas.DataFrame
        Columns ``tickets``, ``first_response_met``, ``first_response_decided``,
        ``first_response_attainment``, ``resolution_met``, ``resolution_decided``,
        ``resolution_attainment``, ``breached``, ``open_at_risk``; attainment is met / decided
        (tickets still inside their deadline are not decided yet). Without ``freq`` a last
        row ``all`` sums every group.
    """
    need_columns(tickets, ["created_at"], "sla_attainment")
    policy = sla if sla is not None else SLAPolicy()
    if now is None:
        now = _default_now(tickets)
    status = policy.evaluate(tickets, now=now)
    frame = pd.DataFrame({
        "fr_met": status["first_response_met"].eq(True).fillna(False).astype(int),
        "fr_dec": status["first_response_met"].notna().astype(int),
        "res_met": status["resolution_met"].eq(True).fillna(False).astype(int),
        "res_dec": status["resolution_met"].notna().astype(int),
        "breached": status["breached"].astype(int),
        "at_risk": status["at_risk"].astype(int),
        "tickets": 1,
    }, index=tickets.index)
    keys: list[pd.Series] = []
    if freq is not None:
        keys.append(period_start(local_times(tickets["created_at"], tz), parse_freq(freq)).rename(FREQ_NAMES[parse_freq(freq)]))
    if by is not None and by in tickets.columns:
        keys.append(as_labels(tickets[by]).rename(by))
    if not keys:
        keys = [pd.Series("all", index=tickets.index, name="group")]
    sums = frame.groupby(keys).sum()
    if freq is None and by is not None and by in tickets.columns:
        sums = sums.sort_values("tickets", ascending=False)
        sums.loc["all"] = frame.sum()
    out = pd.DataFrame({
        "tickets": sums["tickets"],
        "first_response_met": sums["fr_met"],
        "first_response_decided": sums["fr_dec"],
        "first_response_attainment": sums["fr_met"] / sums["fr_dec"].replace(0, np.nan),
        "resolution_met": sums["res_met"],
        "resolution_decided": sums["res_dec"],
        "resolution_attainment": sums["res_met"] / sums["res_dec"].replace(0, np.nan),
        "breached": sums["breached"],
        "open_at_risk": sums["at_risk"],
    })
    return out


def satisfaction(tickets: pd.DataFrame, by: str | None = None, *, csat_scale: int | None = None) -> pd.DataFrame:
    """CSAT, CES (1-7) and NPS per group.

    Parameters
    ----------
    tickets : pandas.DataFrame
        Uses whichever of ``csat``, ``ces`` and ``nps`` are present (at least one).
    by : str or None
        Group column; None for one ``all`` row.
    csat_scale : int, optional
        Top of the CSAT scale (default: 5 when every score is at most 5, else 10). The
        satisfied share counts the top two points (4-5 of 5, 9-10 of 10).

    Returns
    -------
    pandas.DataFrame
        ``csat_n``, ``csat_mean``, ``csat_satisfied`` (share); ``ces_n``, ``ces_mean``,
        ``ces_low_effort`` (share scoring 5-7, "easy"); ``nps_n``, ``promoters``,
        ``detractors`` (shares), ``nps`` (promoters minus detractors, -100..100).
    """
    present = [c for c in ("csat", "ces", "nps") if c in tickets.columns]
    if not present:
        raise ValueError("satisfaction needs at least one of the columns 'csat', 'ces', 'nps'")
    if by is not None:
        need_columns(tickets, [by], "satisfaction")
    keys = as_labels(tickets[by]) if by is not None else pd.Series("all", index=tickets.index)
    parts = {}
    if "csat" in present:
        csat = pd.to_numeric(tickets["csat"], errors="coerce")
        top = csat_scale or (5 if not (csat > 5).any() else 10)
        g = csat.groupby(keys)
        parts["csat_n"] = g.count()
        parts["csat_mean"] = g.mean()
        parts["csat_satisfied"] = (csat >= top - 1).where(csat.notna()).groupby(keys).mean()
    if "ces" in present:
        ces = pd.to_numeric(tickets["ces"], errors="coerce")
        g = ces.groupby(keys)
        parts["ces_n"] = g.count()
        parts["ces_mean"] = g.mean()
        parts["ces_low_effort"] = (ces >= 5).where(ces.notna()).groupby(keys).mean()
    if "nps" in present:
        nps = pd.to_numeric(tickets["nps"], errors="coerce")
        prom = (nps >= 9).where(nps.notna()).groupby(keys).mean()
        det = (nps <= 6).where(nps.notna()).groupby(keys).mean()
        parts["nps_n"] = nps.groupby(keys).count()
        parts["promoters"] = prom
        parts["detractors"] = det
        parts["nps"] = (prom - det) * 100
    out = pd.DataFrame(parts)
    out.index.name = by or "group"
    n_col = next(c for c in ("csat_n", "ces_n", "nps_n") if c in out.columns)
    return out.sort_values(n_col, ascending=False)


def self_service_rate(sessions: pd.DataFrame, freq: str | None = None, *, tz: str | None = DEFAULT_TZ,
                      contacted: str | None = None, time: str | None = None,
                      help_only: bool = True) -> pd.DataFrame:
    """Self-service (deflection) rate: share of help sessions that did not contact support.

    Parameters
    ----------
    sessions : pandas.DataFrame
        One row per help-centre / chatbot session. Whether it ended in a contact is read
        from ``contacted`` (a boolean column; default: the first of ``contacted``,
        ``contacted_support``, ``escalated``, or a non-empty ``ticket_id``).
    freq : {"D", "W", "M"}, optional
        Split by period of the session's start (``time``; default: the first of
        ``started_at``, ``created_at``, ``timestamp``, ``start``).
    help_only : bool, default=True
        Keep only sessions marked as help sessions when the frame has a boolean
        ``is_help`` / ``help_session`` column.

    Returns
    -------
    pandas.DataFrame
        ``sessions``, ``contacted``, ``self_served`` and ``deflection_rate``, per period
        (or one ``all`` row).
    """
    if not isinstance(sessions, pd.DataFrame):
        raise TypeError(f"self_service_rate expects a DataFrame of sessions, got {type(sessions).__name__}")
    flag = _contact_flag(sessions, contacted)
    if help_only:
        help_col = next((c for c in ("is_help", "help_session") if c in sessions.columns), None)
        if help_col is not None:
            keep = sessions[help_col].fillna(False).astype(bool)
            sessions, flag = sessions[keep], flag[keep]
    if freq is not None:
        time = time or next((c for c in ("started_at", "created_at", "timestamp", "start") if c in sessions.columns),
                            None)
        if time is None:
            raise ValueError("self_service_rate with freq needs a session start column (started_at)")
        keys = period_start(local_times(sessions[time], tz), parse_freq(freq)).rename(FREQ_NAMES[parse_freq(freq)])
    else:
        keys = pd.Series("all", index=sessions.index, name="group")
    g = flag.groupby(keys)
    out = pd.DataFrame({"sessions": g.size(), "contacted": g.sum()})
    out["self_served"] = out["sessions"] - out["contacted"]
    out["deflection_rate"] = out["self_served"] / out["sessions"].replace(0, np.nan)
    return out


def _contact_flag(sessions: pd.DataFrame, contacted: str | None) -> pd.Series:
    if contacted is not None:
        need_columns(sessions, [contacted], "self_service_rate")
        found: str | None = contacted
    else:
        found = next((c for c in ("contacted", "contacted_support", "escalated", "ticket_id")
                      if c in sessions.columns), None)
    if found is None:
        raise ValueError("self_service_rate needs a column saying whether the session contacted support: "
                         "'contacted' (bool) or 'ticket_id'; name yours with contacted=...")
    col = found
    s = sessions[col]
    if pd.api.types.is_bool_dtype(s.dtype) or col != "ticket_id" and pd.api.types.is_numeric_dtype(s.dtype):
        return s.fillna(False).astype(bool)
    if col == "ticket_id" or s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
        low = s.astype(object).map(lambda v: str(v).strip().lower() if v is not None and not
                                   (isinstance(v, float) and math.isnan(v)) else "")
        if col != "ticket_id" and set(low.unique()) <= {"true", "false", "yes", "no", "1", "0", ""}:
            return low.isin({"true", "yes", "1"})
        return low.ne("") & low.ne("nan") & low.ne("<na>")
    return s.notna()


@dataclass
class RepeatContacts:
    """Result of :func:`repeat_contacts`.

    Attributes
    ----------
    tickets : pandas.DataFrame
        Per ticket (caller's index): ``is_repeat``, ``previous_id``, ``previous_channel``,
        ``days_since_previous``, ``channel_switch``.
    count : int
        Tickets that repeat an earlier contact.
    rate : float
        ``count`` / tickets that could be matched (with a customer id, and a reason when
        ``same_reason``).
    cross_channel : int
        Repeats made in another channel than the previous contact.
    by_reason : pandas.DataFrame
        Per reason: ``tickets``, ``repeats``, ``repeat_rate``, ``cross_channel``.
    switch_matrix : pandas.DataFrame
        Repeats by previous channel (rows) and the channel of the repeat (columns).
    days : float
        The window used.
    """

    tickets: pd.DataFrame
    count: int
    rate: float
    cross_channel: int
    by_reason: pd.DataFrame
    switch_matrix: pd.DataFrame
    days: float


def repeat_contacts(tickets: pd.DataFrame, days: float = 7, *, same_reason: bool = True) -> RepeatContacts:
    """Contacts that repeat an earlier one: same customer, same reason, within ``days``, any channel.

    Each ticket is compared with the same customer's previous ticket (with the same reason
    when ``same_reason``); it is a repeat when that one was created at most ``days`` before.

    Parameters
    ----------
    tickets : pandas.DataFrame
        Needs ``customer_id`` and ``created_at``; ``reason`` when ``same_reason``; uses
        ``channel`` and ``id``.
    days : float, default=7
    same_reason : bool, default=True

    Returns
    -------
    RepeatContacts
    """
    need = ["customer_id", "created_at"] + (["reason"] if same_reason else [])
    need_columns(tickets, need, "repeat_contacts")
    if days <= 0:
        raise ValueError(f"days must be positive, got {days!r}")
    t = pd.DataFrame({
        "pos": np.arange(len(tickets)),
        "customer": as_labels(tickets["customer_id"], missing="").to_numpy(),
        "time": utc_times(tickets["created_at"]).dt.tz_localize(None).to_numpy(),
        "reason": as_labels(tickets["reason"], missing="").to_numpy() if same_reason else "all",
        "channel": as_labels(tickets["channel"]).to_numpy() if "channel" in tickets.columns else "(none)",
        "id": tickets["id"].to_numpy() if "id" in tickets.columns else tickets.index.to_numpy(),
    })
    usable = (tickets["customer_id"].notna().to_numpy() & t["time"].notna().to_numpy()
              & (tickets["reason"].notna().to_numpy() if same_reason else True))
    usable = pd.Series(usable, index=t.index)
    u = t[usable].sort_values(["customer", "reason", "time", "pos"], kind="stable")
    grp = u.groupby(["customer", "reason"], sort=False)
    prev_time = grp["time"].shift(1)
    gap = (u["time"] - prev_time).dt.total_seconds() / 86400.0
    is_rep = gap.le(days).fillna(False).astype(bool)
    per = pd.DataFrame({"is_repeat": False, "previous_id": None, "previous_channel": None,
                        "days_since_previous": np.nan, "channel_switch": False}, index=range(len(tickets)))
    per = per.astype({"previous_id": object, "previous_channel": object})
    pos = u["pos"].to_numpy()
    per.loc[pos, "days_since_previous"] = gap.to_numpy()
    per.loc[pos, "previous_id"] = grp["id"].shift(1).to_numpy()
    per.loc[pos, "previous_channel"] = grp["channel"].shift(1).to_numpy()
    per.loc[pos, "is_repeat"] = is_rep.to_numpy()
    per["channel_switch"] = per["is_repeat"] & (per["previous_channel"].astype(object)
                                                != pd.Series(t["channel"].to_numpy(), dtype=object))
    per.loc[~per["is_repeat"], ["previous_id", "previous_channel"]] = None
    per.loc[~per["is_repeat"], "days_since_previous"] = np.nan
    per.index = tickets.index
    count = int(per["is_repeat"].sum())
    eligible = int(usable.sum())
    reps = per[per["is_repeat"]]
    rep_channel = pd.Series(t["channel"].to_numpy(), index=tickets.index)[per["is_repeat"]]
    if len(reps):
        switch = pd.crosstab(reps["previous_channel"].rename("previous channel"),
                             rep_channel.rename("repeat channel"))
    else:
        switch = pd.DataFrame()
    if same_reason:
        reason = as_labels(tickets["reason"])[usable.to_numpy()]
        flags = per.loc[usable.to_numpy()]
        by_reason = pd.DataFrame({
            "tickets": reason.value_counts(),
            "repeats": flags["is_repeat"].groupby(reason).sum(),
            "cross_channel": flags["channel_switch"].groupby(reason).sum(),
        }).fillna(0).astype(int)
        by_reason["repeat_rate"] = by_reason["repeats"] / by_reason["tickets"].replace(0, np.nan)
        by_reason = by_reason[["tickets", "repeats", "repeat_rate", "cross_channel"]].sort_values(
            ["repeats", "repeat_rate"], ascending=False)
        by_reason.index.name = "reason"
    else:
        by_reason = pd.DataFrame(columns=["tickets", "repeats", "repeat_rate", "cross_channel"])
    return RepeatContacts(tickets=per, count=count, rate=count / eligible if eligible else float("nan"),
                          cross_channel=int(per["channel_switch"].sum()), by_reason=by_reason,
                          switch_matrix=switch, days=float(days))


#: Words ignored when clustering feedback (Finnish, Swedish and English function words).
FEEDBACK_STOP_WORDS = frozenset("""
a an and are as at be been but by can could did do does for from had has have i if in into is it its
just me my no not of on or our so that the their them then there this to too very was we were what
when which will with would you your yours am thanks thank ok okay
ja on oli ei että se sen mutta kun niin myös vain jo en olisi ole olla olen minä mä minun mun te he hän
tämä tuo kuin kanssa sitä siitä sekä tai nyt vielä koska jos joka jotka mitä mikä miten hyvin ihan
aika kyllä vaan sain saanut kiitos kiitokset asia asian mulle minulle meille teille oma kaikki mitään
att och det en ett är var jag du som på med för inte till av om har men så
""".split())


@dataclass
class FeedbackThemes:
    """Result of :func:`feedback_themes`.

    Attributes
    ----------
    assignments : pandas.Series
        Theme per ticket (caller's index); <NA> where there is no feedback text.
    summary : pandas.DataFrame
        Per theme: ``tickets``, ``share``, ``mean_csat`` (when ``csat`` is present),
        ``keywords`` and an ``example`` comment (the most frequent one, personal data
        scrubbed); largest first.
    method : str
        ``"kmeans"``, ``"keywords"`` or ``"classifier"``.
    """

    assignments: pd.Series
    summary: pd.DataFrame
    method: str


def feedback_themes(tickets: pd.DataFrame, n_themes: int | None = None, *,
                    themes: Mapping[str, Sequence[str]] | None = None, classifier: Classifier | None = None,
                    column: str = "feedback", random_state: int = 0, min_texts: int = 10) -> FeedbackThemes:
    """Sort free-text CSAT comments into themes, with volume and mean CSAT per theme.

    Three ways, in this order of preference when several are given:

    * ``classifier``: any object with ``predict(list_of_texts)`` (e.g. a fitted
      :class:`cxml.triage.Triage`-like model or a scikit-learn pipeline) names the theme;
    * ``themes``: keywords per theme, ``{"speed": ["nopea", "fast", "odot"], ...}``; a
      comment goes to the first theme with a keyword found in it (case-insensitive,
      prefixes match: "odot" finds "odotin"), else to ``"other"``;
    * otherwise clustering: TF-IDF (words and word pairs, function words removed), a
      30-dimensional LSA projection and k-means with a fixed ``random_state`` (k by the
      best silhouette between 3 and 10 unless ``n_themes`` is given); each theme is named
      after its top terms, and a catch-all cluster whose comments have little in common
      (cohesion under half the median) is prefixed ``"mixed: "``. TF-IDF does not match
      words across languages: for bilingual comments pass ``themes`` with keywords in
      each language, or a ``classifier``.

    Parameters
    ----------
    n_themes : int, optional
        Clusters for k-means (default: between 2 and 8, about one per 40 comments).
    min_texts : int, default=10
        Fewer comments than this are not clustered (one theme ``"all feedback"``).

    Returns
    -------
    FeedbackThemes
    """
    need_columns(tickets, [column], "feedback_themes")
    raw = tickets[column]
    text = raw.astype(object).map(lambda v: v.strip() if isinstance(v, str) else "")
    has = text.str.len() > 0
    texts = text[has]
    labels = pd.Series(pd.NA, index=tickets.index, dtype=object)
    keywords: dict[str, str] = {}
    if classifier is not None:
        method = "classifier"
        if len(texts):
            labels[has] = [str(p) for p in np.asarray(classifier.predict(texts.tolist())).ravel()]
    elif themes is not None:
        method = "keywords"
        if not isinstance(themes, Mapping) or not themes:
            raise ValueError("themes must be a non-empty mapping theme -> list of keywords")
        patterns = {}
        for name, words in themes.items():
            if isinstance(words, str):
                words = [words]
            words = [w.strip().lower() for w in words if w and w.strip()]
            if not words:
                raise ValueError(f"theme {name!r} has no keywords")
            patterns[str(name)] = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + ")",
                                             re.IGNORECASE)
            keywords[str(name)] = ", ".join(words[:6])
        labels[has] = [next((n for n, p in patterns.items() if p.search(t)), "other") for t in texts]
        keywords.setdefault("other", "")
    else:
        method = "kmeans"
        labels[has], keywords = _cluster_feedback(texts.tolist(), n_themes, random_state, min_texts)
    summary = _theme_summary(tickets, labels, text, keywords)
    return FeedbackThemes(assignments=labels.rename("theme"), summary=summary, method=method)


def _cluster_feedback(texts: list[str], n_themes: int | None, random_state: int,
                      min_texts: int) -> tuple[list[str], dict[str, str]]:
    """TF-IDF -> LSA (truncated SVD, normalised) -> k-means; k by silhouette unless given."""
    single = (["all feedback"] * len(texts), {"all feedback": ""})
    if len(texts) < max(min_texts, 2):
        return single
    space = _feedback_space(texts, random_state)
    if space is None:
        return single
    terms, X, Z = space
    n_unique = len(set(texts))
    if n_themes is not None:
        candidates = [max(1, min(int(n_themes), n_unique))]
    else:
        candidates = list(range(3, min(10, n_unique - 1) + 1)) or [min(2, n_unique)]
    assign = _best_kmeans(Z, candidates, random_state)
    names, keywords = _name_themes(X, assign, terms)
    return [names[int(a)] for a in assign], keywords


def _feedback_space(texts: list[str], random_state: int) -> tuple[np.ndarray, Any, np.ndarray] | None:
    """TF-IDF terms and matrix, and the normalised LSA projection; None when there is nothing to cluster."""
    vec = TfidfVectorizer(lowercase=True, ngram_range=(1, 2), min_df=2, max_df=0.5, sublinear_tf=True,
                          stop_words=sorted(FEEDBACK_STOP_WORDS), token_pattern=r"(?u)\b[^\W\d_]{2,}\b")
    try:
        X = vec.fit_transform(texts)
    except ValueError:  # every word too rare or too common
        return None
    if X.shape[1] < 3 or len(set(texts)) < 2:
        return None
    # short comments share few words: a low-rank (LSA) space spreads them into even clusters
    dims = min(30, X.shape[1] - 1, X.shape[0] - 1)
    Z = normalize(TruncatedSVD(n_components=dims, random_state=random_state).fit_transform(X))
    return np.asarray(vec.get_feature_names_out()), X, Z


def _best_kmeans(Z: np.ndarray, candidates: list[int], random_state: int) -> np.ndarray:
    """Cluster labels of the k-means among ``candidates`` (values of k) with the best silhouette."""
    best: tuple[float, Any] | None = None
    # small inputs: one thread is faster than OpenMP threads fighting over a busy machine
    with threadpool_limits(limits=1 if Z.shape[0] < 20_000 else None):
        for k in candidates:
            km = KMeans(n_clusters=k, n_init=10, random_state=random_state).fit(Z)
            if len(candidates) == 1:
                best = (0.0, km)
                break
            score = silhouette_score(Z, km.labels_, sample_size=min(Z.shape[0], 2000),
                                     random_state=random_state)
            if best is None or score > best[0] + 1e-9:
                best = (score, km)
    assert best is not None
    return best[1].labels_


def _name_themes(X: Any, assign: np.ndarray, terms: np.ndarray) -> tuple[dict[int, str], dict[str, str]]:
    """A name per cluster (its top terms, ``"mixed: "`` for a catch-all) and the keywords per name."""
    k = int(assign.max()) + 1
    names: dict[int, str] = {}
    keywords: dict[str, str] = {}
    # cohesion: mean cosine of a theme's comments to their centroid; a catch-all cluster of unrelated
    # comments scores far below the others and is named "mixed" so that nobody reads it as one theme
    cohesion = np.zeros(k)
    for c in range(k):
        members = X[assign == c]
        if members.shape[0]:
            centre = np.asarray(members.mean(axis=0)).ravel()
            norm = np.linalg.norm(centre)
            cohesion[c] = float(np.asarray(members @ (centre / norm)).mean()) if norm > 0 else 0.0
    mixed_below = 0.5 * float(np.median(cohesion)) if k > 2 else -1.0
    for c in range(k):
        members = X[assign == c]
        weight = np.asarray(members.mean(axis=0)).ravel() if members.shape[0] else np.zeros(X.shape[1])
        order = np.argsort(-weight)
        top = [(terms[i], weight[i]) for i in order[:15] if weight[i] > 0]
        picked = _theme_terms(top)
        name = " / ".join(picked[:2]) or f"theme {c + 1}"
        if cohesion[c] < mixed_below:
            name = f"mixed: {name}"
        while name in keywords:
            name += "'"
        names[c] = name
        rest = [t for t, _ in top if t not in picked]
        keywords[name] = ", ".join(picked + rest[: max(0, 6 - len(picked))])
    return names, keywords


def _theme_terms(top: list[tuple[str, float]]) -> list[str]:
    """Up to three of a theme's top terms that share no word, a word pair in place of its word."""
    # a word pair that carries most of its word's weight names the theme better ("liian kauan")
    preferred = []
    for term, w in top:
        if " " not in term:
            pair = next((t for t, w2 in top if " " in t and term in t.split() and w2 >= 0.6 * w), None)
            term = pair or term
        if term not in preferred:
            preferred.append(term)
    picked: list[str] = []
    for term in preferred:
        if not any(set(term.split()) & set(p.split()) for p in picked):
            picked.append(term)
        if len(picked) == 3:
            break
    return picked


def _theme_summary(tickets: pd.DataFrame, labels: pd.Series, text: pd.Series,
                   keywords: Mapping[str, str]) -> pd.DataFrame:
    has = labels.notna()
    if not has.any():
        return pd.DataFrame(columns=["tickets", "share", "mean_csat", "keywords", "example"])
    lab = labels[has].astype(str)
    out = pd.DataFrame({"tickets": lab.value_counts()})
    out["share"] = out["tickets"] / out["tickets"].sum()
    if "csat" in tickets.columns:
        csat = pd.to_numeric(tickets.loc[has, "csat"], errors="coerce")
        out["mean_csat"] = csat.groupby(lab).mean()
    out["keywords"] = [keywords.get(str(name), "") for name in out.index]
    examples = {}
    for name in out.index:
        sample = text[has][lab == name]
        # a typical, readable comment: the most frequent one of median-ish length
        counts = sample.value_counts()
        examples[name] = str(counts.index[0]) if len(counts) else ""
    # examples end up in reports: scrub personal data even if the caller skipped as_tickets
    shown = scrub_many([examples[n] for n in out.index])
    out["example"] = [(e[:117] + "...") if len(e) > 120 else e for e in shown]
    out.index.name = "theme"
    return out.sort_values("tickets", ascending=False)
