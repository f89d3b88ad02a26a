"""Service-level targets, business-hours arithmetic and SLA status per ticket.

An :class:`SLAPolicy` says, per channel, how long a ticket may wait for its first response
and for its resolution, how priority (and optionally segment) tightens those targets, and
which clock they run on:

* ``"business"`` time counts only the opening hours of the helpdesk (by default Mon-Fri
  08:00-16:00 Europe/Helsinki, Finnish public holidays closed, from the maintained
  `holidays <https://pypi.org/project/holidays/>`_ library);
* ``"calendar"`` time counts every second.

Deadlines are computed on real elapsed time in UTC against opening intervals built in the
local time zone, so they stay right across nights, weekends, holidays and daylight-saving
switches. :meth:`SLAPolicy.evaluate` does it for a whole ticket frame at once with numpy
(100 000 tickets take well under a second); :meth:`SLAPolicy.evaluate_one` for one ticket.

Defaults (business clock, 8 opening hours a day) follow the Finnish web-shop practice
summarised in the project's DOMAIN notes:

=========  ===============  ==========
channel    first response   resolution
=========  ===============  ==========
email      8 h (one business day, "within 24 hours")   24 h
chat       10 s             1 h
web_form   8 h              24 h
social     2 h              16 h
phone      1 min            1 h
=========  ===============  ==========

Priority multiplies both targets: low 1.5, medium (or normal) 1, high 0.5, urgent 0.25.

Times without a time zone (naive timestamps in an export) are read as local time of the
policy's time zone.

The ``holidays`` package (a dependency of cxml) is imported when a holiday table is first needed: importing it
takes about a second, which ``import cxml.sla`` should not pay.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import math
import os
import re
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from cxml.exceptions import MissingExtraError, SLAConfigError

__all__ = [
    "SLA_FORMAT",
    "SLAConfigError",
    "BusinessHours",
    "SLATarget",
    "SLAPolicy",
    "DEFAULT_TARGETS",
    "DEFAULT_PRIORITY_FACTORS",
]

#: Identifier written into (and checked when reading) the JSON form of a policy.
SLA_FORMAT = "cxml.sla/1"

Clock = Literal["business", "calendar"]
_CLOCKS = ("business", "calendar")
_NAT = np.iinfo(np.int64).min
_NS = 1_000_000_000
_DAY_NS = 86_400 * _NS

#: Channel spellings found in exports, mapped to cxml's canonical channel names.
_CHANNEL_ALIASES = {
    "e_mail": "email", "mail": "email", "sahkoposti": "email", "sähköposti": "email",
    "webform": "web_form", "form": "web_form", "web": "web_form", "contact_form": "web_form",
    "social_media": "social", "some": "social", "facebook": "social", "instagram": "social",
    "telephone": "phone", "puhelin": "phone", "call": "phone", "voice": "phone",
    "livechat": "chat", "live_chat": "chat", "messenger": "chat",
}


# --------------------------------------------------------------------------- durations


def _parse_duration(value: Any, what: str, allow_zero: bool = False) -> pd.Timedelta:
    """A duration from a number of hours, a pandas-style string ("8h", "10s", "1h30min") or a timedelta."""
    if isinstance(value, bool):
        raise SLAConfigError(f"{what}: expected a duration such as '8h' or a number of hours, got {value!r}")
    if isinstance(value, (int, float, np.integer, np.floating)):
        if not math.isfinite(float(value)):
            raise SLAConfigError(f"{what}: duration must be finite, got {value!r}")
        td = pd.Timedelta(hours=float(value))
    elif isinstance(value, (pd.Timedelta, _dt.timedelta, np.timedelta64)):
        td = pd.Timedelta(value)
    elif isinstance(value, str):
        try:
            td = pd.Timedelta(value.strip())
        except ValueError:
            raise SLAConfigError(f"{what}: cannot read {value!r} as a duration; use e.g. '8h', '10s', "
                                 f"'1h30min' or a number of hours") from None
    else:
        raise SLAConfigError(f"{what}: expected a duration such as '8h' or a number of hours, got {value!r}")
    if pd.isna(td) or td < pd.Timedelta(0) or (td == pd.Timedelta(0) and not allow_zero):
        raise SLAConfigError(f"{what}: duration must be positive, got {value!r}")
    return td


def _format_duration(td: pd.Timedelta) -> str:
    """Compact string that :func:`pandas.Timedelta` reads back exactly ("8h", "1h30min", "10s")."""
    total_ns = int(td.value)
    parts = []
    for unit, size in (("h", 3600 * _NS), ("min", 60 * _NS), ("s", _NS), ("ms", 1_000_000),
                       ("us", 1_000), ("ns", 1)):
        q, total_ns = divmod(total_ns, size)
        if q:
            parts.append(f"{q}{unit}")
    return "".join(parts) or "0s"


def _parse_clock_time(value: str, what: str) -> int:
    """Seconds after midnight of an "HH:MM" (or "HH:MM:SS") time; "24:00" is allowed as an end."""
    m = re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", str(value).strip())
    if not m:
        raise SLAConfigError(f"{what}: expected a time as 'HH:MM', got {value!r}")
    h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    secs = h * 3600 + mi * 60 + s
    if mi > 59 or s > 59 or secs > 86_400:
        raise SLAConfigError(f"{what}: {value!r} is not a time of day")
    return secs


# --------------------------------------------------------------------------- configuration


@dataclass
class BusinessHours:
    """When the helpdesk is open: the clock that ``"business"`` SLA targets run on.

    Parameters
    ----------
    timezone : str, default="Europe/Helsinki"
        IANA time zone of the opening hours.
    open, close : str, default="08:00", "16:00"
        Opening hours on open days, local time ("24:00" closes at midnight).
    weekdays : tuple of int, default=(0, 1, 2, 3, 4)
        Open weekdays, Monday = 0.
    country : str or None, default="FI"
        ISO 3166 country whose public holidays are closed days (``holidays`` library);
        None for no public holidays.
    subdivision : str or None, default=None
        Subdivision code for regional holidays (e.g. a German state), if any.
    extra_holidays : tuple of str, default=()
        Further closed dates, ISO ``YYYY-MM-DD`` (company days off, stock-taking).
    extra_open_days : tuple of str, default=()
        Dates open despite being a weekend or holiday (e.g. a Black Friday Saturday).
    """

    timezone: str = "Europe/Helsinki"
    open: str = "08:00"
    close: str = "16:00"
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    country: str | None = "FI"
    subdivision: str | None = None
    extra_holidays: tuple[str, ...] = ()
    extra_open_days: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        try:
            zoneinfo.ZoneInfo(str(self.timezone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise SLAConfigError(f"business_hours.timezone: unknown time zone {self.timezone!r} "
                                 f"(use an IANA name such as 'Europe/Helsinki')") from None
        start = _parse_clock_time(self.open, "business_hours.open")
        end = _parse_clock_time(self.close, "business_hours.close")
        if end <= start:
            raise SLAConfigError(f"business_hours: close ({self.close}) must be after open ({self.open}) "
                                 f"on the same day")
        self.weekdays = tuple(sorted({int(d) for d in self.weekdays}))
        if not self.weekdays or any(d < 0 or d > 6 for d in self.weekdays):
            raise SLAConfigError(f"business_hours.weekdays: expected weekday numbers 0 (Mon) to 6 (Sun), "
                                 f"got {list(self.weekdays)}")
        if isinstance(self.extra_holidays, str) or isinstance(self.extra_open_days, str):
            raise SLAConfigError("business_hours.extra_holidays / extra_open_days: expected a list of "
                                 "'YYYY-MM-DD' dates, not one string")
        self.extra_holidays = tuple(_iso_date(d, "business_hours.extra_holidays") for d in self.extra_holidays)
        self.extra_open_days = tuple(_iso_date(d, "business_hours.extra_open_days")
                                     for d in self.extra_open_days)
        if self.country is not None:
            self.country = str(self.country).upper()
            self._holiday_table(2024, 2024)  # fails early on an unknown country / subdivision

    @property
    def open_seconds(self) -> int:
        """Length of one open day in seconds (away from daylight-saving switches)."""
        return _parse_clock_time(self.close, "close") - _parse_clock_time(self.open, "open")

    def _holiday_table(self, first_year: int, last_year: int) -> dict[_dt.date, str]:
        out: dict[_dt.date, str] = {}
        if self.country is not None:
            try:
                import holidays
            except ImportError:
                raise MissingExtraError(  # a core dependency: only a broken install lacks it
                    "public holidays need the 'holidays' package, a dependency of cxml itself: reinstall cxml "
                    "(pip install --force-reinstall cxml) or pip install holidays; or set BusinessHours(country=None)"
                ) from None
            try:
                table = holidays.country_holidays(self.country, subdiv=self.subdivision,
                                                  years=range(first_year, last_year + 1))
            except NotImplementedError as exc:
                raise SLAConfigError(f"business_hours: no holiday calendar for country={self.country!r}, "
                                     f"subdivision={self.subdivision!r} ({exc})") from None
            out.update({d: str(name) for d, name in table.items()})
        for d in self.extra_holidays:
            day = _dt.date.fromisoformat(d)
            if first_year <= day.year <= last_year:
                out.setdefault(day, "extra holiday")
        return out

    def holidays(self, start: Any, end: Any) -> pd.Series:
        """Closed holidays between two dates (inclusive), as a Series date -> name."""
        first, last = pd.Timestamp(start).date(), pd.Timestamp(end).date()
        table = self._holiday_table(first.year, last.year)
        open_days = {_dt.date.fromisoformat(d) for d in self.extra_open_days}
        items = sorted((d, n) for d, n in table.items() if first <= d <= last and d not in open_days)
        return pd.Series([n for _, n in items], index=pd.Index([d for d, _ in items], name="date"),
                         name="holiday", dtype=object)

    def is_open_day(self, day: Any) -> bool:
        """Whether the helpdesk opens on this date."""
        d = pd.Timestamp(day).date()
        return bool(self._open_days(d, d).size)

    def _open_days(self, first: _dt.date, last: _dt.date) -> np.ndarray:
        """Open dates in [first, last] as datetime64[D]."""
        days = np.arange(np.datetime64(first, "D"), np.datetime64(last, "D") + 1)
        weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
        keep = np.isin(weekday, self.weekdays)
        closed = self._holiday_table(first.year, last.year)
        if closed:
            keep &= ~np.isin(days, np.array(sorted(closed), dtype="datetime64[D]"))
        if self.extra_open_days:
            keep |= np.isin(days, np.array(self.extra_open_days, dtype="datetime64[D]"))
        return days[keep]


def _iso_date(value: Any, what: str) -> str:
    try:
        return pd.Timestamp(value).date().isoformat()
    except (ValueError, TypeError):
        raise SLAConfigError(f"{what}: cannot read {value!r} as a date (use 'YYYY-MM-DD')") from None


@dataclass
class SLATarget:
    """How long a ticket may wait for its first response and for its resolution.

    Parameters
    ----------
    first_response, resolution : str, float or timedelta
        Allowed time, as a pandas duration string ("8h", "10s", "1h30min"), a number of
        hours, or a timedelta. Stored as :class:`pandas.Timedelta`.
    clock : {"business", "calendar"}, default="business"
        Whether the time counts only opening hours or every second.
    """

    first_response: Any
    resolution: Any
    clock: Clock = "business"

    def __post_init__(self) -> None:
        self.first_response = _parse_duration(self.first_response, "first_response")
        self.resolution = _parse_duration(self.resolution, "resolution")
        if self.clock not in _CLOCKS:
            raise SLAConfigError(f"clock: expected 'business' or 'calendar', got {self.clock!r}")

    def scaled(self, factor: float) -> SLATarget:
        """This target with both durations multiplied by ``factor``."""
        return SLATarget(self.first_response * factor, self.resolution * factor, self.clock)

    def to_dict(self) -> dict[str, str]:
        """JSON-ready form."""
        return {"first_response": _format_duration(self.first_response),
                "resolution": _format_duration(self.resolution), "clock": self.clock}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "target") -> SLATarget:
        """Read the form written by :meth:`to_dict`; errors name ``where``."""
        if not isinstance(data, Mapping):
            raise SLAConfigError(f"{where}: expected an object with first_response and resolution, got {data!r}")
        unknown = set(data) - {"first_response", "resolution", "clock"}
        missing = {"first_response", "resolution"} - set(data)
        if unknown or missing:
            raise SLAConfigError(f"{where}: " + "; ".join(
                ([f"unknown key(s) {sorted(unknown)}"] if unknown else [])
                + ([f"missing {sorted(missing)}"] if missing else [])))
        try:
            return cls(data["first_response"], data["resolution"], data.get("clock", "business"))
        except SLAConfigError as exc:
            raise SLAConfigError(f"{where}.{exc}") from None


#: Default targets per channel (business clock, opening hours Mon-Fri 08-16).
DEFAULT_TARGETS: dict[str, SLATarget] = {
    "email": SLATarget("8h", "24h"),
    "chat": SLATarget("10s", "1h"),
    "web_form": SLATarget("8h", "24h"),
    "social": SLATarget("2h", "16h"),
    "phone": SLATarget("1min", "1h"),
}

#: Default multipliers of the targets per priority (smaller is tighter).
DEFAULT_PRIORITY_FACTORS: dict[str, float] = {"low": 1.5, "medium": 1.0, "normal": 1.0, "high": 0.5,
                                               "urgent": 0.25}


def _normalise_key(value: Any) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    key = re.sub(r"[\s\-]+", "_", str(value).strip().lower())
    return key or None


def _normalise_channel(value: Any) -> str | None:
    key = _normalise_key(value)
    return _CHANNEL_ALIASES.get(key, key) if key is not None else None


_POLICY_KEYS = ("targets", "default_target", "priority_factors", "segment_factors", "overrides",
                "business_hours", "at_risk_share")


@dataclass
class SLAPolicy:
    """Service-level policy: targets per channel and priority, business hours, risk threshold.

    Parameters
    ----------
    targets : dict of str to SLATarget, default=DEFAULT_TARGETS
        Target per canonical channel (``email``, ``chat``, ``web_form``, ``social``, ``phone``
        or your own). Channel values in the data are matched case-insensitively, with common
        spellings ("e-mail", "webform", "social media") mapped to these names.
    default_target : SLATarget
        Target for tickets whose channel is missing or not in ``targets`` (default: e-mail's).
    priority_factors : dict of str to float, default=DEFAULT_PRIORITY_FACTORS
        Multiplier of both durations per priority; a missing or unknown priority counts 1.
    segment_factors : dict of str to float, default={}
        Multiplier per customer segment, applied on top of priority (e.g.
        ``{"key_account": 0.5}`` to answer key customers twice as fast).
    overrides : dict of str to SLATarget, default={}
        Exact targets for ``"channel/priority"`` pairs (e.g. ``"chat/urgent"``); they replace
        channel target x priority factor (segment factors still apply).
    business_hours : BusinessHours
        Opening hours and closed days for targets on the business clock.
    at_risk_share : float, default=0.8
        A running clock is *at risk* once this share of its allowed time is used.

    Examples
    --------
    >>> policy = SLAPolicy()
    >>> str(policy.deadline("2024-12-05 15:00", channel="email", priority="high"))  # Fri 6.12. is a holiday
    '2024-12-09 11:00:00+02:00'
    """

    targets: dict[str, SLATarget] = field(default_factory=lambda: dict(DEFAULT_TARGETS))
    default_target: SLATarget = field(default_factory=lambda: SLATarget("8h", "24h"))
    priority_factors: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_PRIORITY_FACTORS))
    segment_factors: dict[str, float] = field(default_factory=dict)
    overrides: dict[str, SLATarget] = field(default_factory=dict)
    business_hours: BusinessHours = field(default_factory=BusinessHours)
    at_risk_share: float = 0.8

    def __post_init__(self) -> None:
        self.targets = {self._channel_key(k, "targets"): _as_target(v, f"targets.{k}")
                        for k, v in dict(self.targets).items()}
        self.default_target = _as_target(self.default_target, "default_target")
        self.priority_factors = _factors(self.priority_factors, "priority_factors")
        self.segment_factors = _factors(self.segment_factors, "segment_factors")
        overrides = {}
        for key, value in dict(self.overrides).items():
            channel, sep, priority = str(key).partition("/")
            if not sep or not channel.strip() or not priority.strip():
                raise SLAConfigError(f"overrides: key {key!r} must be 'channel/priority', e.g. 'chat/urgent'")
            norm = f"{_normalise_channel(channel)}/{_normalise_key(priority)}"
            overrides[norm] = _as_target(value, f"overrides.{key}")
        self.overrides = overrides
        if isinstance(self.business_hours, Mapping):
            self.business_hours = _business_hours_from_dict(self.business_hours)
        if not isinstance(self.business_hours, BusinessHours):
            raise SLAConfigError(f"business_hours: expected BusinessHours, got {type(self.business_hours).__name__}")
        share = self.at_risk_share
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 < float(share) <= 1:
            raise SLAConfigError(f"at_risk_share: expected a share in (0, 1], e.g. 0.8, got {share!r}")
        self.at_risk_share = float(share)
        self._calendar: _Calendar | None = None

    @staticmethod
    def _channel_key(key: Any, where: str) -> str:
        norm = _normalise_channel(key)
        if norm is None:
            raise SLAConfigError(f"{where}: empty channel name")
        return norm

    # ------------------------------------------------------------------ targets

    def target_for(self, channel: Any = None, priority: Any = None, segment: Any = None) -> SLATarget:
        """The effective target of one ticket (channel target x priority x segment factors).

        Parameters
        ----------
        channel, priority, segment : str or None
            The ticket's values; missing or unknown values fall back to ``default_target``
            and factor 1.

        Returns
        -------
        SLATarget
        """
        ch, pr, seg = _normalise_channel(channel), _normalise_key(priority), _normalise_key(segment)
        override = self.overrides.get(f"{ch}/{pr}")
        if override is not None:
            base = override
        else:
            base = self.targets.get(ch or "", self.default_target).scaled(self.priority_factors.get(pr or "", 1.0))
        return base.scaled(self.segment_factors.get(seg or "", 1.0))

    def deadline(self, created_at: Any, channel: Any = None, priority: Any = None, segment: Any = None,
                 kind: Literal["first_response", "resolution"] = "first_response") -> pd.Timestamp:
        """When the first response (or resolution) of a ticket created at ``created_at`` is due.

        Returns
        -------
        pandas.Timestamp
            In the policy's time zone.
        """
        if kind not in ("first_response", "resolution"):
            raise ValueError(f"kind must be 'first_response' or 'resolution', got {kind!r}")
        target = self.target_for(channel, priority, segment)
        return self.add_time(created_at, getattr(target, kind), clock=target.clock)

    # ------------------------------------------------------------------ clock arithmetic

    def add_time(self, start: Any, duration: Any, clock: Clock = "business") -> pd.Timestamp:
        """``start`` plus ``duration`` counted on ``clock`` (business time skips closed hours).

        Parameters
        ----------
        start : str, datetime or Timestamp
            Naive values are local time of the policy's time zone.
        duration : str, float (hours) or timedelta
        clock : {"business", "calendar"}

        Returns
        -------
        pandas.Timestamp
            In the policy's time zone.
        """
        td = _parse_duration(duration, "duration", allow_zero=True)
        t = self._to_ns(pd.Series([start]))
        out = self._add(t, np.array([td.value], dtype=np.int64), np.array([clock == "business"]))
        return self._from_ns(out)[0]

    def elapsed(self, start: Any, end: Any, clock: Clock = "business") -> Any:
        """Time from ``start`` to ``end`` counted on ``clock`` (negative if ``end`` is earlier).

        Parameters
        ----------
        start, end : scalar or Series
            Times (naive values are local time of the policy's time zone). With two Series
            (aligned, same length) the result is computed for every row at once.
        clock : {"business", "calendar"}

        Returns
        -------
        pandas.Timedelta or pandas.Series
            A Timedelta for scalars (NaT when either is missing), else a timedelta Series
            indexed like ``start``.
        """
        if clock not in _CLOCKS:
            raise ValueError(f"clock must be 'business' or 'calendar', got {clock!r}")
        many = isinstance(start, (pd.Series, pd.Index, np.ndarray, list))
        s0 = pd.Series(start) if many else pd.Series([start])
        s1 = pd.Series(end) if isinstance(end, (pd.Series, pd.Index, np.ndarray, list)) else pd.Series([end] * len(s0))
        if len(s0) != len(s1):
            raise ValueError(f"start and end differ in length ({len(s0)} and {len(s1)})")
        t0, t1 = self._to_ns(s0), self._to_ns(s1)
        out = self._elapsed(t0, t1, np.full(len(t0), clock == "business"))
        deltas = pd.to_timedelta(out.astype("timedelta64[ns]"))
        if not many:
            return deltas[0]
        index = start.index if isinstance(start, pd.Series) else None
        return pd.Series(deltas, index=index, name="elapsed")

    # ------------------------------------------------------------------ evaluation

    def evaluate(self, df: pd.DataFrame, now: Any = None) -> pd.DataFrame:
        """SLA status of every ticket of a frame.

        Parameters
        ----------
        df : pandas.DataFrame
            Needs ``created_at``; uses ``channel``, ``priority``, ``segment``,
            ``first_response_at`` and ``resolved_at`` where present (a ticket resolved
            without a recorded first response counts its resolution as the response).
        now : str, datetime or Timestamp, optional
            Moment of evaluation for tickets still open (default: the current time).

        Returns
        -------
        pandas.DataFrame
            Indexed like ``df``, with columns

            - ``first_response_due``, ``resolution_due``: deadlines (policy time zone);
            - ``stage``: the running clock, ``"first_response"``, ``"resolution"`` or
              ``"closed"``;
            - ``time_left``: time left on the running clock until its deadline, counted on
              the target's clock (business time for business targets), negative when
              overdue, NaT when closed;
            - ``used_share``: share of the running clock's allowed time used;
            - ``at_risk``: running, not yet breached, ``used_share >= at_risk_share``;
            - ``breached``: a deadline was (or, still open, is already) missed;
            - ``first_response_met``, ``resolution_met``, ``met``: True / False once decided,
              <NA> while pending (``met`` is False as soon as either stage is breached).
        """
        if not isinstance(df, pd.DataFrame):
            raise TypeError(f"evaluate expects a pandas DataFrame, got {type(df).__name__}")
        if "created_at" not in df.columns:
            raise ValueError("SLA evaluation needs a 'created_at' column "
                             f"(the frame has {list(df.columns)[:12]})")
        n = len(df)
        created = self._to_ns(df["created_at"])
        first = self._to_ns(df["first_response_at"]) if "first_response_at" in df else np.full(n, _NAT)
        resolved = self._to_ns(df["resolved_at"]) if "resolved_at" in df else np.full(n, _NAT)
        first = np.where((first == _NAT) | ((resolved != _NAT) & (resolved < first)), resolved, first)
        now_ns = self._now_ns(now)

        fr_allowed, res_allowed, business = self._targets_ns(df)
        fr_due = self._add(created, fr_allowed, business)
        res_due = self._add(created, res_allowed, business)

        has = created != _NAT
        fr_done, res_done = first != _NAT, resolved != _NAT
        fr_met = _decide(has, fr_done, first <= fr_due, now_ns > fr_due)
        res_met = _decide(has, res_done, resolved <= res_due, now_ns > res_due)

        stage = np.where(~fr_done & ~res_done, "first_response",
                         np.where(~res_done, "resolution", "closed")).astype(object)
        stage[~has] = None
        running_fr, running_res = stage == "first_response", stage == "resolution"
        allowed = np.where(running_fr, fr_allowed, res_allowed)
        due = np.where(running_fr, fr_due, res_due)
        running = running_fr | running_res
        now_arr = np.full(n, now_ns, dtype=np.int64)
        safe_created = np.where(running, created, now_arr)
        safe_due = np.where(running, due, now_arr)
        used = self._elapsed(safe_created, now_arr, business)
        left = self._elapsed(now_arr, safe_due, business)
        with np.errstate(divide="ignore", invalid="ignore"):
            used_share = np.where(running & (allowed > 0), used / np.where(allowed > 0, allowed, 1), np.nan)

        fr_breached = fr_met == 0
        res_breached = res_met == 0
        breached = fr_breached | res_breached
        at_risk = running & ~breached & (used_share >= self.at_risk_share)
        met = np.where(breached, 0, np.where((fr_met == 1) & (res_met == 1), 1, -1))

        index = df.index
        out = pd.DataFrame({
            "first_response_due": self._from_ns(fr_due),
            "resolution_due": self._from_ns(res_due),
            "stage": pd.array(stage, dtype=object),
            "time_left": pd.to_timedelta(np.where(running, left, _NAT).astype("timedelta64[ns]")),
            "used_share": used_share,
            "at_risk": at_risk,
            "breached": breached,
            "first_response_met": _nullable_bool(fr_met),
            "resolution_met": _nullable_bool(res_met),
            "met": _nullable_bool(met),
        })
        out.index = index
        return out

    def evaluate_one(self, ticket: Mapping[str, Any] | pd.Series, now: Any = None) -> dict[str, Any]:
        """SLA status of one ticket (a mapping or Series with ``created_at``, ``channel``, ...).

        Returns
        -------
        dict
            The columns of :meth:`evaluate` for this ticket.
        """
        row = pd.DataFrame([dict(ticket)])
        return self.evaluate(row, now=now).iloc[0].to_dict()

    # ------------------------------------------------------------------ persistence

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (durations as strings such as ``"8h"``), read back by :meth:`from_dict`."""
        bh = dataclasses.asdict(self.business_hours)
        bh["weekdays"] = list(bh["weekdays"])
        bh["extra_holidays"] = list(bh["extra_holidays"])
        bh["extra_open_days"] = list(bh["extra_open_days"])
        return {
            "format": SLA_FORMAT,
            "targets": {k: v.to_dict() for k, v in self.targets.items()},
            "default_target": self.default_target.to_dict(),
            "priority_factors": dict(self.priority_factors),
            "segment_factors": dict(self.segment_factors),
            "overrides": {k: v.to_dict() for k, v in self.overrides.items()},
            "business_hours": bh,
            "at_risk_share": self.at_risk_share,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SLAPolicy:
        """Build a policy from :meth:`to_dict`'s form; omitted keys take their defaults.

        Raises
        ------
        SLAConfigError
            On unknown keys, a newer format, or any invalid value (the message names it).
        """
        if not isinstance(data, Mapping):
            raise SLAConfigError(f"an SLA policy must be a JSON object, got {type(data).__name__}")
        fmt = data.get("format", SLA_FORMAT)
        if fmt != SLA_FORMAT:
            raise SLAConfigError(f"format {fmt!r} is not {SLA_FORMAT!r}: upgrade cxml to read this policy")
        unknown = set(data) - set(_POLICY_KEYS) - {"format"}
        if unknown:
            raise SLAConfigError(f"unknown SLA policy key(s) {sorted(unknown)}; expected some of {list(_POLICY_KEYS)}")
        kwargs: dict[str, Any] = {}
        if "targets" in data:
            if not isinstance(data["targets"], Mapping):
                raise SLAConfigError("targets: expected an object channel -> {first_response, resolution}")
            kwargs["targets"] = {k: SLATarget.from_dict(v, f"targets.{k}") for k, v in data["targets"].items()}
        if "default_target" in data:
            kwargs["default_target"] = SLATarget.from_dict(data["default_target"], "default_target")
        if "overrides" in data:
            if not isinstance(data["overrides"], Mapping):
                raise SLAConfigError("overrides: expected an object 'channel/priority' -> target")
            kwargs["overrides"] = {k: SLATarget.from_dict(v, f"overrides.{k}")
                                   for k, v in data["overrides"].items()}
        for key in ("priority_factors", "segment_factors", "at_risk_share"):
            if key in data:
                kwargs[key] = data[key]
        if "business_hours" in data:
            kwargs["business_hours"] = _business_hours_from_dict(data["business_hours"])
        return cls(**kwargs)

    def to_json(self, path: str | os.PathLike[str] | None = None) -> str:
        """The policy as JSON text; also written to ``path`` when given."""
        text = json.dumps(self.to_dict(), indent=2, ensure_ascii=False)
        if path is not None:
            Path(path).write_text(text + "\n", encoding="utf-8")
        return text

    @classmethod
    def from_json(cls, source: str | os.PathLike[str]) -> SLAPolicy:
        """Read a policy from a JSON file path or a JSON string."""
        text = str(source)
        if not text.lstrip().startswith("{"):
            path = Path(source)
            if not path.exists():
                raise FileNotFoundError(f"no such SLA policy file: {path}")
            text = path.read_text(encoding="utf-8")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SLAConfigError(f"SLA policy is not valid JSON: {exc}") from None
        return cls.from_dict(data)

    # ------------------------------------------------------------------ internals

    @property
    def timezone(self) -> str:
        """The policy's time zone (that of its business hours)."""
        return self.business_hours.timezone

    def _to_ns(self, values: pd.Series | Iterable[Any]) -> np.ndarray:
        """UTC nanoseconds since the epoch (``_NAT`` for missing); naive values are local time."""
        s = values if isinstance(values, pd.Series) else pd.Series(list(values))
        if not isinstance(s.dtype, pd.DatetimeTZDtype) and not pd.api.types.is_datetime64_dtype(s.dtype):
            try:
                s = pd.to_datetime(s, errors="coerce", format="mixed")
            except (ValueError, TypeError):
                s = pd.to_datetime(s, errors="coerce", utc=True, format="mixed")
            if s.dtype == object:  # mixed offsets
                s = pd.to_datetime(s, errors="coerce", utc=True, format="mixed")
        if isinstance(s.dtype, pd.DatetimeTZDtype):
            s = s.dt.tz_convert("UTC")
        else:
            s = s.dt.tz_localize(self.timezone, ambiguous="NaT", nonexistent="shift_forward").dt.tz_convert("UTC")
        arr = s.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]").astype(np.int64)
        return arr

    def _from_ns(self, arr: np.ndarray) -> pd.Series:
        values = pd.to_datetime(np.asarray(arr, dtype=np.int64).astype("datetime64[ns]"))
        return pd.Series(values).dt.tz_localize("UTC").dt.tz_convert(self.timezone).reset_index(drop=True)

    def _now_ns(self, now: Any) -> int:
        if now is None:
            return int(pd.Timestamp.now(tz="UTC").value)
        value = int(self._to_ns(pd.Series([now]))[0])
        if value == _NAT:
            raise ValueError(f"cannot read now={now!r} as a time")
        return value

    def _targets_ns(self, df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Allowed first-response and resolution ns, and business-clock flags, per row."""
        n = len(df)
        combined = np.zeros(n, dtype=np.int64)
        uniques: list[np.ndarray] = []
        for col in ("channel", "priority", "segment"):
            if col in df.columns:
                codes, values = pd.factorize(df[col].astype(object), use_na_sentinel=True)
                values = np.asarray(values, dtype=object)
            else:
                codes, values = np.full(n, -1, dtype=np.int64), np.empty(0, dtype=object)
            combined = combined * (len(values) + 1) + (codes + 1)
            uniques.append(values)
        keys, inverse = np.unique(combined, return_inverse=True)
        fr, res = np.empty(len(keys), np.int64), np.empty(len(keys), np.int64)
        bus = np.empty(len(keys), bool)
        for i, key in enumerate(keys):
            parts = []
            for values in reversed(uniques):
                key, code = divmod(int(key), len(values) + 1)
                parts.append(values[code - 1] if code else None)
            t = self.target_for(*reversed(parts))
            fr[i], res[i], bus[i] = t.first_response.value, t.resolution.value, t.clock == "business"
        return fr[inverse].reshape(n), res[inverse].reshape(n), bus[inverse].reshape(n)

    def _calendar_for(self, lo_ns: int, hi_ns: int) -> _Calendar:
        cal = self._calendar
        if cal is not None and cal.key != _hours_key(self.business_hours):
            cal = None  # business hours were changed in place
        if cal is None or lo_ns < cal.lo_ns or hi_ns > cal.hi_ns:
            lo = min(lo_ns, cal.lo_ns) if cal is not None else lo_ns
            hi = max(hi_ns, cal.hi_ns) if cal is not None else hi_ns
            cal = _Calendar(self.business_hours, lo, hi)
            self._calendar = cal
        return cal

    def _add(self, start: np.ndarray, allowed: np.ndarray, business: np.ndarray) -> np.ndarray:
        out = np.full(start.shape, _NAT, dtype=np.int64)
        ok = start != _NAT
        cal_rows = ok & ~business
        out[cal_rows] = start[cal_rows] + allowed[cal_rows]
        rows = ok & business
        if rows.any():
            t, d = start[rows], allowed[rows]
            lo, hi = int(t.min()), int(t.max())
            # enough calendar for the longest target: weeks needed at the weekly open time, + slack
            open_week = max(self.business_hours.open_seconds * _NS * len(self.business_hours.weekdays), 1)
            span = int(d.max()) // open_week * 7 * _DAY_NS + 35 * _DAY_NS
            for _ in range(8):
                cal = self._calendar_for(lo, hi + span)
                res = cal.add(t, d)
                if (res != _NAT).all():
                    break
                span *= 4
            else:  # pragma: no cover - a calendar with (almost) no open days
                raise ValueError("business hours leave too little open time to reach the SLA deadlines "
                                 "(check weekdays, holidays and extra_holidays)")
            out[rows] = res
        return out

    def _elapsed(self, start: np.ndarray, end: np.ndarray, business: np.ndarray) -> np.ndarray:
        out = np.full(start.shape, _NAT, dtype=np.int64)
        ok = (start != _NAT) & (end != _NAT)
        cal_rows = ok & ~business
        out[cal_rows] = end[cal_rows] - start[cal_rows]
        rows = ok & business
        if rows.any():
            a, b = start[rows], end[rows]
            cal = self._calendar_for(int(min(a.min(), b.min())), int(max(a.max(), b.max())))
            out[rows] = cal.position(b) - cal.position(a)
        return out


class _Calendar:
    """Open intervals of a :class:`BusinessHours` over a span, in UTC nanoseconds.

    ``position(t)`` is the open time elapsed since the start of the calendar; ``add(t, d)``
    the first moment at which ``d`` more open time has elapsed after ``t``.
    """

    def __init__(self, hours: BusinessHours, lo_ns: int, hi_ns: int) -> None:
        self.lo_ns, self.hi_ns = lo_ns, hi_ns
        self.key = _hours_key(hours)
        first = (pd.Timestamp(lo_ns, tz="UTC") - pd.Timedelta(days=2)).date()
        last = (pd.Timestamp(hi_ns, tz="UTC") + pd.Timedelta(days=2)).date()
        days = hours._open_days(first, last)
        start = _parse_clock_time(hours.open, "open")
        end = _parse_clock_time(hours.close, "close")
        base = pd.DatetimeIndex(days.astype("datetime64[ns]"))
        opens = _localise(base + pd.Timedelta(seconds=start), hours.timezone, dst=True)
        closes = _localise(base + pd.Timedelta(seconds=end), hours.timezone, dst=False)
        keep = closes > opens
        self.opens, self.closes = opens[keep], closes[keep]
        lengths = self.closes - self.opens
        self.cum_end = np.cumsum(lengths)
        self.cum_start = self.cum_end - lengths

    def position(self, t: np.ndarray) -> np.ndarray:
        if self.opens.size == 0:
            return np.zeros_like(t)
        i = np.searchsorted(self.opens, t, side="right") - 1
        ic = np.clip(i, 0, None)
        inside = np.clip(t - self.opens[ic], 0, self.closes[ic] - self.opens[ic])
        return np.where(i >= 0, self.cum_start[ic] + inside, 0)

    def add(self, t: np.ndarray, d: np.ndarray) -> np.ndarray:
        target = self.position(t) + d
        j = np.searchsorted(self.cum_end, target, side="left")
        ok = j < self.cum_end.size
        jc = np.clip(j, 0, max(self.cum_end.size - 1, 0))
        if self.opens.size == 0:
            return np.full(t.shape, _NAT, dtype=np.int64)
        out = np.where(ok, self.opens[jc] + (target - self.cum_start[jc]), _NAT)
        return np.where(d <= 0, t, out)


def _hours_key(hours: BusinessHours) -> tuple[Any, ...]:
    return dataclasses.astuple(hours)


def _localise(naive: pd.DatetimeIndex, tz: str, dst: bool) -> np.ndarray:
    """Local wall times -> UTC ns; a time skipped by a DST switch moves forward, a repeated one
    takes its first (``dst=True``) or second occurrence."""
    aware = naive.tz_localize(tz, ambiguous=np.full(len(naive), dst), nonexistent="shift_forward")
    return aware.tz_convert("UTC").tz_localize(None).to_numpy(dtype="datetime64[ns]").astype(np.int64)


def _decide(has: np.ndarray, done: np.ndarray, on_time: np.ndarray, overdue: np.ndarray) -> np.ndarray:
    """1 met, 0 missed, -1 pending / unknown."""
    return np.where(~has, -1, np.where(done, np.where(on_time, 1, 0), np.where(overdue, 0, -1)))


def _nullable_bool(codes: np.ndarray) -> pd.arrays.BooleanArray:
    return pd.arrays.BooleanArray(codes == 1, codes < 0)


def _as_target(value: Any, where: str) -> SLATarget:
    if isinstance(value, SLATarget):
        return value
    if isinstance(value, Mapping):
        return SLATarget.from_dict(value, where)
    raise SLAConfigError(f"{where}: expected an SLATarget or {{'first_response': ..., 'resolution': ...}}, "
                         f"got {value!r}")


def _factors(values: Any, where: str) -> dict[str, float]:
    if not isinstance(values, Mapping):
        raise SLAConfigError(f"{where}: expected an object name -> factor, got {values!r}")
    out = {}
    for key, value in values.items():
        norm = _normalise_key(key)
        if norm is None:
            raise SLAConfigError(f"{where}: empty name")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < float(value) < math.inf:
            raise SLAConfigError(f"{where}.{key}: expected a positive number, got {value!r}")
        out[norm] = float(value)
    return out


def _business_hours_from_dict(data: Any) -> BusinessHours:
    if not isinstance(data, Mapping):
        raise SLAConfigError(f"business_hours: expected an object, got {data!r}")
    names = {f.name for f in dataclasses.fields(BusinessHours)}
    unknown = set(data) - names
    if unknown:
        raise SLAConfigError(f"business_hours: unknown key(s) {sorted(unknown)}; expected some of {sorted(names)}")
    kwargs = dict(data)
    for key in ("weekdays", "extra_holidays", "extra_open_days"):
        if key in kwargs:
            if isinstance(kwargs[key], (str, bytes)) or not isinstance(kwargs[key], Iterable):
                raise SLAConfigError(f"business_hours.{key}: expected a list, got {kwargs[key]!r}")
            kwargs[key] = tuple(kwargs[key])
    return BusinessHours(**kwargs)
