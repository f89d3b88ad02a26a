"""One matplotlib figure per report table, built without pyplot (nothing shown or kept open; any backend).

Each ``plot_*`` function takes what the matching function of :mod:`cxml.reports.tables` returns. matplotlib is
an optional dependency (``cxml[reports]``), imported when a figure is made.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from cxml.reports._common import (
    FREQ_NAMES,
    PALETTE,
    colours_for,
    date_axis,
    empty_figure,
    new_figure,
    style_axes,
)
from cxml.reports.tables import FeedbackThemes, RepeatContacts

__all__ = [
    "plot_feedback_themes",
    "plot_reason_mix",
    "plot_repeat_switches",
    "plot_response_times",
    "plot_sla_attainment",
    "plot_spikes",
    "plot_volumes",
    "plot_weekday_hour",
]


def plot_volumes(table: pd.DataFrame, title: str | None = None) -> Any:
    """Line chart of a :func:`volumes` table: one line per channel, total dashed.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if table.empty:
        return empty_figure("No tickets with a creation time")
    fig = new_figure(10, 3.8)
    ax = fig.subplots()
    channels = [c for c in table.columns if c != "total"]
    colours = colours_for(channels)
    marker = "o" if len(table) <= 40 else None
    for c in channels:
        ax.plot(table.index, table[c], label=c, color=colours[c], linewidth=1.6, marker=marker, markersize=3)
    if "total" in table.columns and len(channels) > 1:
        ax.plot(table.index, table["total"], label="total", color="#333", linestyle="--", linewidth=1.4)
    style_axes(ax)
    date_axis(ax)
    ax.set_ylabel(f"tickets per {table.index.name or 'period'}")
    ax.set_ylim(bottom=0)
    ax.set_title(title or f"Ticket volume per {table.index.name or 'period'} by channel", loc="left")
    ax.legend(frameon=False, ncol=min(6, len(channels) + 1), loc="upper left", bbox_to_anchor=(0, -0.12))
    return fig


def plot_weekday_hour(table: pd.DataFrame, title: str | None = None) -> Any:
    """Heatmap of a :func:`weekday_hour` table."""
    fig = new_figure(10, 3.6)
    ax = fig.subplots()
    values = table.to_numpy(dtype=float)
    im = ax.imshow(values, aspect="auto", cmap="Blues", interpolation="nearest", vmin=0)
    ax.set_yticks(range(len(table.index)), [str(i) for i in table.index])
    ax.set_xticks(range(0, 24), [f"{h:02d}" for h in range(24)], fontsize=8)
    ax.set_xlabel("hour of day (local time)")
    vmax = values.max() if values.size else 0
    if vmax > 0:  # label the busiest cells only
        flat = np.sort(values.ravel())[::-1]
        cut = max(0.75 * vmax, flat[min(11, flat.size - 1)])
        for (i, j), v in np.ndenumerate(values):
            if v >= cut and v > 0:
                ax.text(j, i, f"{v:.0f}" if v >= 10 else f"{v:.1f}", ha="center", va="center", fontsize=7,
                        color="white")
    ax.set_title(title or "When tickets arrive: weekday x hour", loc="left")
    fig.colorbar(im, ax=ax, shrink=0.9, label="tickets")
    return fig


def plot_reason_mix(table: pd.DataFrame, title: str | None = None, top: int = 8) -> Any:
    """Stacked area chart of a :func:`reason_mix` table (the ``top`` reasons, the rest as "other")."""
    if table.empty:
        return empty_figure("No tickets with a reason and a creation time")
    cols = list(table.columns)
    data = table[cols[:top]].copy()
    if len(cols) > top:
        data["other"] = table[cols[top:]].sum(axis=1)
    fig = new_figure(10, 3.8)
    ax = fig.subplots()
    colours = [PALETTE[i % len(PALETTE)] for i in range(data.shape[1])]
    ax.stackplot(data.index, data.to_numpy(dtype=float).T, labels=[str(c) for c in data.columns], colors=colours,
                 alpha=0.85)
    style_axes(ax)
    date_axis(ax)
    ax.set_ylim(bottom=0)
    ax.set_ylabel(f"tickets per {table.index.name or 'period'}")
    ax.set_title(title or "Reason mix over time", loc="left")
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9)
    return fig


def plot_spikes(spikes: pd.DataFrame, reasons: Sequence[str] | None = None, max_panels: int = 6,
                title: str | None = None) -> Any:
    """Small multiples of :func:`detect_spikes` output: volume, expected level, band and spikes.

    Parameters
    ----------
    reasons : sequence of str, optional
        Which to draw (default: those with spikes, then the largest, up to ``max_panels``).
    """
    column = spikes.attrs.get("column") or next((c for c in spikes.columns if c not in
                                                 ("period", "count", "expected", "lower", "upper", "score",
                                                  "spike")), "reason")
    if spikes.empty:
        return empty_figure("No data for spike detection")
    if reasons is None:
        flagged = spikes[spikes["spike"]].groupby(column)["score"].max().sort_values(ascending=False).index.tolist()
        volume = spikes.groupby(column)["count"].sum().sort_values(ascending=False).index.tolist()
        reasons = list(dict.fromkeys(flagged + volume))[:max_panels]
    reasons = list(reasons)[:max_panels]
    n = len(reasons)
    ncols = 2 if n > 1 else 1
    nrows = math.ceil(n / ncols)
    fig = new_figure(11, 2.5 * nrows + 0.6)
    axes = np.atleast_1d(fig.subplots(nrows, ncols, sharex=True, squeeze=False)).ravel()
    freq = spikes.attrs.get("freq", "W")
    for ax, reason in zip(axes, reasons, strict=False):
        d = spikes[spikes[column] == reason].sort_values("period")
        ax.fill_between(d["period"], d["lower"], d["upper"], color="#1f77b4", alpha=0.15, linewidth=0,
                        label="expected band")
        ax.plot(d["period"], d["expected"], color="#1f77b4", linestyle="--", linewidth=1.2, label="expected")
        ax.plot(d["period"], d["count"], color="#333", linewidth=1.5, label="tickets")
        hit = d[d["spike"]]
        ax.scatter(hit["period"], hit["count"], color="#d62728", zorder=5, s=36, label="spike")
        for _, row in hit.iterrows():
            ax.annotate(row["period"].strftime("%d.%m." if freq != "M" else "%m/%Y"), (row["period"], row["count"]),
                        textcoords="offset points", xytext=(0, 6), ha="center", fontsize=8, color="#d62728")
        style_axes(ax)
        ax.set_ylim(bottom=0, top=max(float(d["count"].max()), float(np.nanmax(d["upper"].to_numpy(float)))
                                      if d["upper"].notna().any() else 1.0) * 1.25 + 1)
        ax.set_title(str(reason), loc="left", fontsize=10)
        date_axis(ax, maxticks=6)
        ax.tick_params(axis="x", labelsize=8)
    for ax in axes[n:]:
        ax.axis("off")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=4, frameon=False)
    fig.suptitle(title or f"Contact reasons per {FREQ_NAMES.get(freq, 'period')}: volume against the "
                 f"expected band", x=0.01, ha="left", fontsize=12)
    return fig


def plot_response_times(table: pd.DataFrame, title: str | None = None, max_groups: int = 15) -> Any:
    """Bars of median times with a marker at the 90th percentile, one panel per event."""
    events = [e for e in ("first_response", "resolution") if f"{e}_median_h" in table.columns]
    if table.empty or not events:
        return empty_figure("No response times")
    t = table.head(max_groups).iloc[::-1]
    fig = new_figure(10, 0.35 * len(t) + 1.6)
    axes = np.atleast_1d(fig.subplots(1, len(events), sharey=True))
    labels = [str(i) for i in t.index]
    for ax, event in zip(axes, events, strict=False):
        med, p90 = t[f"{event}_median_h"], t[f"{event}_p90_h"]
        y = np.arange(len(t))
        ax.barh(y, med, color="#1f77b4", alpha=0.85, label="median")
        ax.scatter(p90, y, marker="|", s=160, color="#d62728", linewidths=2, label="90th percentile", zorder=4)
        ax.set_yticks(y, labels)
        ax.set_xlabel("hours")
        ax.set_title(event.replace("_", " "), loc="left", fontsize=10)
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(axis="x", color="#e4e7eb")
        ax.set_axisbelow(True)
    handles, labels_ = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels_, loc="outside lower center", ncol=2, frameon=False, fontsize=8)
    if title:
        fig.suptitle(title, x=0.01, ha="left")
    return fig


def plot_sla_attainment(table: pd.DataFrame, title: str | None = None, goal: float | None = 0.9) -> Any:
    """Grouped bars of first-response and resolution attainment per group, with a goal line."""
    t = table.drop(index="all", errors="ignore")
    if t.empty:
        return empty_figure("No SLA results")
    fig = new_figure(10, 3.4)
    ax = fig.subplots()
    x = np.arange(len(t))
    w = 0.38
    ax.bar(x - w / 2, t["first_response_attainment"] * 100, w, label="first response", color="#1f77b4")
    ax.bar(x + w / 2, t["resolution_attainment"] * 100, w, label="resolution", color="#2ca02c")
    for xi, (a, b) in enumerate(zip(t["first_response_attainment"], t["resolution_attainment"], strict=False)):
        for dx, v in ((-w / 2, a), (w / 2, b)):
            if pd.notna(v):
                ax.text(xi + dx, v * 100 + 1, f"{v * 100:.0f}%", ha="center", va="bottom", fontsize=8)
    if goal is not None:
        ax.axhline(goal * 100, color="#d62728", linestyle=":", linewidth=1.2, label=f"goal {goal * 100:.0f}%")
    ax.set_xticks(x, [str(i) for i in t.index])
    ax.set_ylim(0, 110)
    ax.set_ylabel("% within target")
    style_axes(ax)
    ax.legend(frameon=False, ncol=3, loc="upper left", bbox_to_anchor=(0, -0.1))
    ax.set_title(title or "SLA attainment", loc="left")
    return fig


def plot_repeat_switches(result: RepeatContacts, title: str | None = None) -> Any:
    """Heatmap of the channel-switch matrix of a :func:`repeat_contacts` result."""
    m = result.switch_matrix
    if m.empty:
        return empty_figure("No repeat contacts")
    fig = new_figure(5.5, 0.5 * len(m) + 1.8)
    ax = fig.subplots()
    values = m.to_numpy(dtype=float)
    im = ax.imshow(values, cmap="Oranges", aspect="auto")
    ax.set_xticks(range(m.shape[1]), [str(c) for c in m.columns], rotation=30, ha="right")
    ax.set_yticks(range(m.shape[0]), [str(i) for i in m.index])
    ax.set_xlabel("channel of the repeat")
    ax.set_ylabel("previous channel")
    vmax = values.max() if values.size else 0
    for (i, j), v in np.ndenumerate(values):
        ax.text(j, i, f"{v:.0f}", ha="center", va="center", fontsize=9,
                color="white" if v > 0.6 * vmax else "#1f2933")
    fig.colorbar(im, ax=ax, shrink=0.8)
    ax.set_title(title or f"Repeat contacts within {result.days:g} days: channel switches", loc="left",
                 fontsize=10)
    return fig


def plot_feedback_themes(result: FeedbackThemes, title: str | None = None, max_themes: int = 12) -> Any:
    """Bars of comments per theme, coloured by mean CSAT when available."""
    s = result.summary.head(max_themes).iloc[::-1]
    if s.empty:
        return empty_figure("No feedback comments")
    fig = new_figure(10, 0.42 * len(s) + 1.4)
    ax = fig.subplots()
    y = np.arange(len(s))
    if "mean_csat" in s.columns and s["mean_csat"].notna().any():
        from matplotlib import colormaps
        from matplotlib.cm import ScalarMappable
        from matplotlib.colors import Normalize

        lo, hi = 1.0, max(5.0, float(np.nanmax(s["mean_csat"].to_numpy(float))))
        norm = Normalize(lo, hi)
        cmap = colormaps["RdYlGn"]
        colours = [cmap(norm(v)) if pd.notna(v) else "#bbb" for v in s["mean_csat"]]
        bars = ax.barh(y, s["tickets"], color=colours, edgecolor="#555", linewidth=0.4)
        for b, v in zip(bars, s["mean_csat"], strict=False):
            if pd.notna(v):
                ax.text(b.get_width(), b.get_y() + b.get_height() / 2, f"  CSAT {v:.1f}", va="center",
                        fontsize=8)
        fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.8, label="mean CSAT")
    else:
        ax.barh(y, s["tickets"], color="#1f77b4")
    ax.set_yticks(y, [str(i) for i in s.index])
    ax.set_xlabel("comments")
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_xlim(0, float(s["tickets"].max()) * 1.2)
    ax.set_title(title or "Feedback themes", loc="left")
    return fig
