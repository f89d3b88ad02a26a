"""What the report tables, plots and the HTML page share: periods, local times, colours, empty figures.

Public names in a private module: used by :mod:`cxml.reports.tables`, :mod:`cxml.reports.plots` and
:mod:`cxml.reports.html`, never outside the ``reports`` subpackage. matplotlib (``cxml[reports]``) is imported
inside the functions that draw, so that the tables work without it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd

from cxml.exceptions import missing_extra

DEFAULT_TZ = "Europe/Helsinki"


Freq = Literal["D", "W", "M"]


FREQ_NAMES = {"D": "day", "W": "week", "M": "month"}


_FREQ_ALIASES = {"d": "D", "day": "D", "daily": "D", "w": "W", "week": "W", "weekly": "W", "m": "M",
                 "month": "M", "monthly": "M", "ms": "M", "me": "M"}


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


#: Stable colours for the usual channels (others get the next colours of the palette).
CHANNEL_COLOURS = {"email": "#1f77b4", "chat": "#ff7f0e", "web_form": "#2ca02c", "social": "#d62728",
                   "phone": "#9467bd"}


PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
            "#bcbd22", "#17becf")


class Classifier(Protocol):
    def predict(self, X: Any) -> Any: ...  # pragma: no cover


def need_columns(df: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{what} expects a pandas DataFrame of tickets, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{what} needs column(s) {missing}; the frame has {list(map(str, df.columns))[:15]}. "
                         f"Map yours with cxml.schema.as_tickets(df, columns={{...}}).")


def parse_freq(freq: str) -> str:
    key = str(freq).strip()
    out = key.upper() if key.upper() in FREQ_NAMES else _FREQ_ALIASES.get(key.lower())
    if out is None:
        raise ValueError(f"freq must be 'D' (day), 'W' (week) or 'M' (month), got {freq!r}")
    return out


def local_times(values: pd.Series, tz: str | None) -> pd.Series:
    """Timestamps as naive local wall-clock times of ``tz`` (aware values converted, naive kept)."""
    s = values
    if not isinstance(s.dtype, pd.DatetimeTZDtype) and not pd.api.types.is_datetime64_dtype(s.dtype):
        s = pd.to_datetime(s, errors="coerce", format="mixed")
        if s.dtype == object:
            s = pd.to_datetime(values, errors="coerce", utc=True, format="mixed")
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_convert(tz or DEFAULT_TZ).dt.tz_localize(None)
    return s


def period_start(local: pd.Series, freq: str) -> pd.Series:
    day = local.dt.normalize()
    if freq == "D":
        return day
    if freq == "W":  # ISO weeks, starting on Monday
        return day - pd.to_timedelta(day.dt.day_of_week, unit="D")
    return day - pd.to_timedelta(day.dt.day - 1, unit="D")


def full_range(start: pd.Timestamp, end: pd.Timestamp, freq: str) -> pd.DatetimeIndex:
    step = {"D": "D", "W": "W-MON", "M": "MS"}[freq]
    return pd.date_range(start, end, freq=step, name=FREQ_NAMES[freq])


def as_labels(series: pd.Series, missing: str = "(none)") -> pd.Series:
    return series.astype(object).where(series.notna(), missing).astype(str)


def colours_for(names: Sequence[str]) -> dict[str, str]:
    out, k = {}, 0
    for name in names:
        if name in CHANNEL_COLOURS:
            out[name] = CHANNEL_COLOURS[name]
        else:
            while PALETTE[k % len(PALETTE)] in CHANNEL_COLOURS.values() and k < len(PALETTE):
                k += 1
            out[name] = PALETTE[k % len(PALETTE)]
            k += 1
    return out


def require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise missing_extra("matplotlib", "reports", "cxml's figures and HTML report") from None


def new_figure(width: float = 10.0, height: float = 4.0) -> Any:
    require_matplotlib()
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def empty_figure(message: str) -> Any:
    fig = new_figure(8, 2)
    ax = fig.subplots()
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=12, color="#616e7c")
    return fig


def style_axes(ax: Any) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#e4e7eb", linewidth=0.8)
    ax.set_axisbelow(True)


def date_axis(ax: Any, maxticks: int = 9) -> None:
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    locator = AutoDateLocator(minticks=3, maxticks=maxticks)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator, show_offset=False))


def to_hours(delta: pd.Series) -> pd.Series:
    return delta.dt.total_seconds() / 3600.0


def drop_partial_periods(table: pd.DataFrame, local: pd.Series, freq: str, *, first: bool = True,
                  last: bool = True, coverage: float = 0.85) -> pd.DataFrame:
    """``table`` (indexed by period start) without a first / last period the data covers only in part."""
    local = local.dropna()
    if len(table) < 3 or not len(local) or freq == "D":
        return table
    length = {"W": pd.Timedelta(days=7), "M": pd.Timedelta(days=30.44)}[freq]
    keep = np.ones(len(table), dtype=bool)
    if first:
        start = table.index[0]
        if (local.min() - start) > (1 - coverage) * length:
            keep[0] = False
    if last:
        start = table.index[-1]
        if (local.max() - start) < coverage * length:
            keep[-1] = False
    return table[keep]


def utc_times(values: pd.Series, tz: str | None = DEFAULT_TZ) -> pd.Series:
    """Timestamps in UTC; naive values are local time of ``tz``."""
    s = values if isinstance(values.dtype, pd.DatetimeTZDtype) else local_times(values, tz)
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        return s.dt.tz_convert("UTC")
    return s.dt.tz_localize(tz or DEFAULT_TZ, ambiguous="NaT", nonexistent="shift_forward").dt.tz_convert("UTC")
