"""The page behind :func:`cxml.reports.write_report`: one self-contained HTML file.

Figures are embedded as base64 PNG, the CSS is inline, nothing is loaded from the network.
Each section is built by a ``_section_*`` function from the public functions of
:mod:`cxml.reports`; a section whose data is missing raises :class:`_SectionSkipped` and is shown as a
note instead.

matplotlib is an optional dependency (``cxml[reports]``): it is imported inside the functions that draw, so that
``import cxml.reports`` works without it and :func:`write_report` says which extra to install.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import io
import logging
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cxml._version import __version__
from cxml.reports._common import (
    FREQ_NAMES,
    WEEKDAYS,
    Classifier,
    date_axis,
    drop_partial_periods,
    local_times,
    new_figure,
    parse_freq,
    require_matplotlib,
    style_axes,
)
from cxml.reports.plots import (
    plot_feedback_themes,
    plot_reason_mix,
    plot_repeat_switches,
    plot_response_times,
    plot_sla_attainment,
    plot_spikes,
    plot_volumes,
    plot_weekday_hour,
)
from cxml.reports.tables import (
    detect_spikes,
    feedback_themes,
    reason_mix,
    repeat_contacts,
    response_times,
    satisfaction,
    self_service_rate,
    sla_attainment,
    volumes,
    weekday_hour,
)
from cxml.sla import SLAPolicy

logger = logging.getLogger("cxml.reports")

CSS = """
:root { --ink:#1f2933; --muted:#616e7c; --line:#e4e7eb; --accent:#1f6feb; --warn:#b54708; --bad:#b42318;
        --good:#067647; --bg:#f7f8fa; }
* { box-sizing: border-box; }
body { font: 15px/1.5 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink);
       margin: 0; background: var(--bg); }
main { max-width: 1180px; margin: 0 auto; padding: 28px 32px 60px; background: #fff; min-height: 100vh; }
header { border-bottom: 3px solid var(--accent); margin-bottom: 18px; padding-bottom: 10px; }
h1 { font-size: 26px; margin: 0 0 2px; }
.sub { color: var(--muted); font-size: 13px; }
h2 { font-size: 20px; margin: 34px 0 8px; padding-top: 8px; border-top: 1px solid var(--line); }
h3 { font-size: 15px; margin: 18px 0 6px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
nav { font-size: 13px; margin: 6px 0 0; }
nav a { color: var(--accent); text-decoration: none; margin-right: 14px; white-space: nowrap; }
.summary { background: #f0f6ff; border-left: 4px solid var(--accent); padding: 12px 18px 12px 14px;
           margin: 12px 0 8px; }
.summary ul { margin: 4px 0; padding-left: 20px; }
.summary li { margin: 3px 0; }
.kpis { display: grid; grid-template-columns: repeat(auto-fill, minmax(128px, 1fr)); gap: 10px;
        margin: 14px 0 4px; }
.kpi { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; }
.kpi .v { font-size: 22px; font-weight: 600; }
.kpi .l { font-size: 12px; color: var(--muted); }
.note { background: #fffaeb; border-left: 4px solid #f79009; padding: 6px 12px; margin: 8px 0;
        font-size: 13px; color: #7a2e0e; }
.info { color: var(--muted); font-size: 13px; margin: 4px 0 8px; }
.bad { color: var(--bad); font-weight: 600; }
.good { color: var(--good); font-weight: 600; }
figure { margin: 10px 0 6px; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 4px; }
table.data { border-collapse: collapse; font-size: 13px; margin: 6px 0 12px; }
.tablewrap { max-width: 100%; overflow-x: auto; }
table.data th, table.data td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: right;
                               vertical-align: top; }
table.data td.num { white-space: nowrap; font-variant-numeric: tabular-nums; }
table.data th { background: #f3f4f6; font-weight: 600; vertical-align: bottom; }
table.data .txt, table.data td:first-child, table.data th:first-child { text-align: left; }
table.data tr:hover td { background: #fafbfc; }
.cols { display: flex; flex-wrap: wrap; gap: 28px; align-items: flex-start; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); padding-top: 8px; }
"""


def esc(text: object) -> str:
    """HTML-escape any value."""
    return html.escape(str(text), quote=True)


def figure_html(fig: Any, alt: str, dpi: int = 100) -> str:
    """A matplotlib figure as an ``<img>`` with a base64 PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<figure><img alt="{esc(alt)}" src="data:image/png;base64,{data}"></figure>'


#: Display names of the columns the report tables show.
LABELS = {
    "tickets": "tickets",
    "first_response_attainment": "first response in target",
    "resolution_attainment": "resolution in target",
    "breached": "breached",
    "open_at_risk": "open, at risk",
    "first_response_n": "responded",
    "first_response_median_h": "first response median (h)",
    "first_response_p90_h": "first response p90 (h)",
    "resolution_n": "resolved",
    "resolution_median_h": "resolution median (h)",
    "resolution_p90_h": "resolution p90 (h)",
    "csat_n": "CSAT answers",
    "csat_mean": "CSAT mean",
    "csat_satisfied": "satisfied",
    "ces_n": "CES answers",
    "ces_mean": "CES mean (1-7)",
    "ces_low_effort": "low effort (5-7)",
    "nps_n": "NPS answers",
    "promoters": "promoters",
    "detractors": "detractors",
    "nps": "NPS",
    "repeats": "repeats",
    "repeat_rate": "repeat rate",
    "cross_channel": "in another channel",
    "share": "share",
    "mean_csat": "mean CSAT",
    "deflection_rate": "self-service rate",
    "self_served": "self-served",
}


def _fmt(value: object, digits: int) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.{digits}f}".replace(",", "\u202f")
    if isinstance(value, int):
        return f"{value:,}".replace(",", "\u202f")
    if isinstance(value, pd.Timestamp):
        return value.strftime("%d.%m.%Y") if value == value.normalize() else value.strftime("%d.%m.%Y %H:%M")
    return str(value)


def _numeric(col: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype)


def table_html(df: pd.DataFrame, *, digits: int | dict[str, int] = 1, percent: Sequence[str] = (),
               index: bool = True, max_rows: int = 30, labels: dict[str, str] | None = None) -> str:
    """A compact HTML table.

    ``percent`` columns (shares 0-1) are shown as percentages; numeric columns whose values are
    all whole numbers are shown without decimals; text columns are left-aligned; column names
    are replaced by :data:`LABELS` (and ``labels``).
    """
    shown = df.head(max_rows)
    names = {**LABELS, **(labels or {})}
    numeric = {c: _numeric(shown[c]) for c in shown.columns}
    whole = {}
    for c in shown.columns:
        vals = pd.to_numeric(shown[c], errors="coerce").dropna() if numeric[c] else pd.Series([], dtype=float)
        whole[c] = numeric[c] and len(vals) > 0 and bool((vals == vals.round()).all()) and c not in percent
    head = ([f"<th>{esc(shown.index.name or '')}</th>"] if index else []) + [
        f'<th class="{"num" if numeric[c] else "txt"}">{esc(names.get(str(c), str(c)))}</th>' for c in shown.columns]
    rows = []
    for label, row in shown.iterrows():
        cells = [f"<td>{esc(_fmt(label, 0))}</td>"] if index else []
        for col, value in row.items():
            value = value.item() if hasattr(value, "item") else value
            if col in percent and value is not None and not pd.isna(value):
                text = f"{100 * float(value):.1f}\u00a0%"
            else:
                d = 0 if whole[col] else (digits.get(str(col), 1) if isinstance(digits, dict) else digits)
                text = _fmt(value, d)
            cells.append(f'<td class="{"num" if numeric[col] else "txt"}">{esc(text)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = (f'<p class="info">Showing {max_rows} of {len(df)} rows.</p>' if len(df) > max_rows else "")
    return ('<div class="tablewrap"><table class="data"><thead><tr>' + "".join(head) + "</tr></thead><tbody>"
            + "".join(rows) + "</tbody></table></div>" + more)


def note_html(text: str) -> str:
    """A visible note (a skipped section, an assumption)."""
    return f'<div class="note">{esc(text)}</div>'


def info_html(text: str) -> str:
    """A muted explanatory line."""
    return f'<p class="info">{esc(text)}</p>'


@dataclass
class Section:
    """One titled section of the report, its HTML body parts and its headline bullets."""

    key: str
    title: str
    parts: list[str] = field(default_factory=list)
    headline: list[str] = field(default_factory=list)
    skipped: bool = False

    def add(self, part: str) -> None:
        self.parts.append(part)


def kpis_html(items: Iterable[tuple[str, str]]) -> str:
    """A row of key figures: (value, label) pairs."""
    cells = "".join(f'<div class="kpi"><div class="v">{esc(v)}</div><div class="l">{esc(label)}</div></div>'
                    for v, label in items)
    return f'<div class="kpis">{cells}</div>' if cells else ""


def page_html(title: str, subtitle: str, kpis: str, headline: Sequence[str], sections: Sequence[Section],
              footer: str) -> str:
    """The whole page. ``headline`` items are already-escaped HTML fragments."""
    nav = "".join(f'<a href="#{esc(s.key)}">{esc(s.title)}</a>' for s in sections)
    summary = ("<section class='summary'><strong>At a glance</strong><ul>"
               + "".join(f"<li>{h}</li>" for h in headline) + "</ul></section>") if headline else ""
    body = "".join(f'<section id="{esc(s.key)}"><h2>{esc(s.title)}</h2>{"".join(s.parts)}</section>'
                   for s in sections)
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{esc(title)}</title><style>{CSS}</style></head><body><main>"
            f"<header><h1>{esc(title)}</h1><div class='sub'>{esc(subtitle)}</div><nav>{nav}</nav></header>"
            f"{kpis}{summary}{body}<footer>{esc(footer)}</footer></main></body></html>\n")


# --------------------------------------------------------------------------- sections


class _SectionSkipped(Exception):
    """A section cannot be built from this data; the message is shown as a note."""


@dataclass
class ReportContext:
    tickets: pd.DataFrame
    sessions: pd.DataFrame | None
    sla: Any
    sla_given: bool
    freq: str
    repeat_days: float
    feedback: Any
    now: Any
    tz: str

    def __post_init__(self) -> None:
        self.kpis: list[tuple[str, str]] = []

    def need(self, *columns: str, why: str = "") -> None:
        missing = [c for c in columns if c not in self.tickets.columns or self.tickets[c].notna().sum() == 0]
        if missing:
            cols = ", ".join(f"'{c}'" for c in missing)
            raise _SectionSkipped(f"Skipped: the tickets have no {cols} data{(' ' + why) if why else ''}. {_map_hint(missing[0])} "
                        f"to include this section.")


def _map_hint(column: str) -> str:
    return (f"Map your column to '{column}' (as_tickets(columns={{'{column}': ...}}), or "
            f"--columns {column}=<your column> on the command line)")


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _pct(x: float) -> str:
    return "–" if x is None or pd.isna(x) else f"{100 * x:.0f} %"


def _section_volumes(ctx: ReportContext, sec: Section) -> None:
    ctx.need("created_at")
    t = ctx.tickets
    by = "channel" if "channel" in t.columns else None
    table = volumes(t, ctx.freq, by=by, tz=ctx.tz)
    if table.empty:
        raise _SectionSkipped("Skipped: no ticket has a creation time.")
    name = FREQ_NAMES[ctx.freq]
    local = local_times(t["created_at"], ctx.tz)
    complete = drop_partial_periods(table, local, ctx.freq)
    sec.add(figure_html(plot_volumes(complete), f"tickets per {name}"))
    if len(complete) < len(table):
        sec.add(info_html(f"The first or last {name} is only partly covered by the data and is left out of "
                            f"the chart."))
    monthly = volumes(t, "M", by=by, tz=ctx.tz)
    monthly.index = monthly.index.strftime("%Y-%m")
    sec.add("<h3>Tickets per month and channel</h3>" + table_html(monthly, digits=0))
    daily = volumes(t, "D", by=None, tz=ctx.tz)["total"]
    ctx.kpis.append((f"{len(t):,}".replace(",", "\u202f"), "tickets"))
    ctx.kpis.append((f"{daily.mean():.0f}", "tickets per day (mean)"))
    # trend: the last complete period against the mean of the 4 before it
    total = complete["total"]
    if len(total) >= 3:
        last, before = total.iloc[-1], total.iloc[-5:-1]
        if len(before) and before.mean() > 0:
            change = last / before.mean() - 1
            sec.headline.append(
                f"<b>Volume</b>: {last:,.0f} tickets in the {name} of {total.index[-1]:%d.%m.%Y}, "
                f"{change * 100:+.0f} % against the mean of the {len(before)} {name}s before "
                f"({before.mean():,.0f})".replace(",", " ") + ".")
    if by is not None:
        share = table.drop(columns="total").sum()
        share = share / share.sum()
        top = ", ".join(f"{k} {v * 100:.0f} %" for k, v in share.head(4).items())
        sec.add(info_html(f"Channel mix over the whole period: {top}."))
    else:
        sec.add(note_html("No 'channel' column: volumes are shown as one total."))


def _section_weekday(ctx: ReportContext, sec: Section) -> None:
    ctx.need("created_at")
    table = weekday_hour(ctx.tickets, tz=ctx.tz, per_week=True)
    sec.add(figure_html(plot_weekday_hour(table, "Average tickets per hour in a week (local time)"),
                          "weekday by hour heatmap"))
    flat = table.stack()
    peak = flat.idxmax()
    busiest = table.sum(axis=1).idxmax()
    sec.add(info_html(f"Busiest hour: {peak[0]} {peak[1]:02d}:00-{peak[1] + 1:02d}:00 "
                        f"({flat.max():.1f} tickets in an average week); busiest day: {busiest}."))


def _section_reasons(ctx: ReportContext, sec: Section) -> None:
    ctx.need("created_at", "reason", why="(needed for the reason mix and spike detection)")
    t = ctx.tickets
    mix = reason_mix(t, ctx.freq, tz=ctx.tz)
    sec.add(figure_html(plot_reason_mix(drop_partial_periods(mix, local_times(t["created_at"], ctx.tz), ctx.freq)),
                        "reason mix over time"))
    freq = ctx.freq
    spikes = detect_spikes(t, "reason", freq, relative=True, tz=ctx.tz)
    n_periods = spikes["period"].nunique() if len(spikes) else 0
    if n_periods < 6 and freq != "D":
        spikes = detect_spikes(t, "reason", "D", relative=True, tz=ctx.tz)  # too few weeks: look at days
        freq = "D"
    found = spikes[spikes["spike"]].sort_values(["period", "score"], ascending=[True, False])
    name = FREQ_NAMES[freq]
    sec.add("<h3>Spikes</h3>" + info_html(
        f"A {name} is a spike when a reason's tickets are far above its expected level, the median of "
        f"the previous {spikes.attrs.get('window', 8)} {name}s{' (same weekday)' if freq == 'D' else ''}: "
        f"above both a robust band ({spikes.attrs.get('threshold', 3.5):g} x the scaled median absolute "
        f"deviation) and a Poisson band (exceeded by chance with probability "
        f"{spikes.attrs.get('alpha', 1e-5):g}), and at least 1.5 x the expected level. Each reason is judged "
        f"by its share of all tickets, so a busy {name} that lifts every reason (a sale) is not a spike."))
    sec.add(figure_html(plot_spikes(spikes), "reason volumes with expected bands"))
    if len(found):
        shown = found.assign(**{name: found["period"].dt.strftime("%d.%m.%Y"),
                                "x expected": found["count"] / found["expected"].replace(0, np.nan)})
        shown = shown.set_index(name)[["reason", "count", "expected", "upper", "x expected"]]
        sec.add(table_html(shown, digits={"count": 0, "expected": 1, "upper": 1, "x expected": 1}))
        items = []
        for reason, grp in found.groupby("reason", sort=False):
            dates = ", ".join(p.strftime("%d.%m.") for p in grp["period"].head(3))
            peak = grp.loc[grp["score"].idxmax()]
            items.append(f"<b>{esc(reason)}</b> ({name} of {dates}: {int(peak['count'])} vs ~"
                         f"{peak['expected']:.0f} expected)")
        sec.headline.append("<span class='bad'>Spikes detected</span>: " + "; ".join(items[:4])
                            + (" and more" if len(items) > 4 else "")
                            + ". Check whether something broke (or sales jumped).")
    else:
        sec.add(info_html("No spikes: every reason stayed inside its expected band."))
        sec.headline.append(f"<b>Reasons</b>: no spikes detected (per {name}).")
    share = mix.sum() / mix.to_numpy().sum()
    sec.add(info_html("Largest reasons: " + ", ".join(f"{k} {v * 100:.0f} %" for k, v in share.head(5).items())
                        + "."))


def _section_response(ctx: ReportContext, sec: Section) -> None:
    t = ctx.tickets
    ctx.need("created_at")
    if not any(c in t.columns and t[c].notna().any() for c in ("first_response_at", "resolved_at")):
        raise _SectionSkipped("Skipped: the tickets have no 'first_response_at' or 'resolved_at' data. "
                    f"{_map_hint('first_response_at')} to include response times.")
    sec.add(info_html("Calendar hours from creation; median and 90th percentile (p90)."))
    shown_any = False
    for by, label in (("channel", "channel"), ("team", "team"), ("agent", "agent")):
        if by not in t.columns or t[by].notna().sum() == 0:
            sec.add(note_html(f"No '{by}' column: times by {label} are not shown."))
            continue
        table = response_times(t, by=by, min_tickets=1 if by != "agent" else 5)
        if by == "channel":
            sec.add(figure_html(plot_response_times(table, "Response and resolution times by channel"),
                                  "response times by channel"))
        sec.add(f"<h3>By {label}</h3>" + table_html(table, digits=1, max_rows=15 if by == "agent" else 30))
        shown_any = True
    if not shown_any:
        sec.add(table_html(response_times(t, by=None)))


def _section_sla(ctx: ReportContext, sec: Section) -> None:
    ctx.need("created_at")
    t = ctx.tickets
    if not any(c in t.columns and t[c].notna().any() for c in ("first_response_at", "resolved_at")):
        raise _SectionSkipped("Skipped: the tickets have no 'first_response_at' or 'resolved_at' data. "
                    f"{_map_hint('first_response_at')} to include SLA attainment.")
    policy = ctx.sla
    by = "channel" if "channel" in t.columns else None
    table = sla_attainment(t, policy, by=by, now=ctx.now, tz=ctx.tz)
    source = "the given policy" if ctx.sla_given else "cxml's default policy"
    bh = policy.business_hours
    days = "–".join(WEEKDAYS[d] for d in (bh.weekdays[0], bh.weekdays[-1]))
    sec.add(info_html(f"Targets from {source}: business hours {days} {bh.open}-{bh.close} {bh.timezone}"
                        f"{', ' + bh.country + ' public holidays closed' if bh.country else ''}; priority "
                        f"tightens targets. Attainment = met / decided (tickets still within target are "
                        f"not decided)."))
    targets = pd.DataFrame({ch: {"first response": _fmt_td(tg.first_response), "resolution": _fmt_td(tg.resolution),
                                 "clock": tg.clock} for ch, tg in policy.targets.items()}).T
    targets.index.name = "channel"
    shown = ["tickets", "first_response_attainment", "resolution_attainment", "breached", "open_at_risk"]
    pct = ("first_response_attainment", "resolution_attainment")
    sec.add(figure_html(plot_sla_attainment(table), "SLA attainment by channel"))
    sec.add(table_html(table[shown], percent=pct))
    if "priority" in t.columns and t["priority"].notna().any():
        by_prio = sla_attainment(t, policy, by="priority", now=ctx.now, tz=ctx.tz)
        sec.add("<h3>By priority</h3>" + table_html(by_prio[shown], percent=pct))
    sec.add("<h3>Targets (medium priority)</h3>" + table_html(targets))
    overall = table.loc["all"] if "all" in table.index else table.iloc[-1]
    fr, res = overall["first_response_attainment"], overall["resolution_attainment"]
    ctx.kpis.append((_pct(fr), "first responses within SLA"))
    ctx.kpis.append((_pct(res), "resolutions within SLA"))
    worst = table.drop(index="all", errors="ignore")["first_response_attainment"].dropna()
    worst_txt = (f"; weakest first response: {esc(worst.idxmin())} {_pct(worst.min())}"
                 if len(worst) > 1 else "")
    cls = "good" if pd.notna(fr) and fr >= 0.9 else "bad"
    sec.headline.append(f"<b>SLA</b>: <span class='{cls}'>{_pct(fr)}</span> of first responses and "
                        f"{_pct(res)} of resolutions within target{worst_txt}"
                        + (f"; {_plural(int(overall['open_at_risk']), 'open ticket')} at risk"
                           if overall["open_at_risk"] else "") + ".")
    weekly = sla_attainment(t, policy, by=None, freq=ctx.freq, now=ctx.now, tz=ctx.tz)
    if len(weekly) > 1:
        sec.add(info_html("First-response attainment per " + FREQ_NAMES[ctx.freq] + ", last 8: "
                            + ", ".join(f"{i[0] if isinstance(i, tuple) else i:%d.%m.} {_pct(v)}" for i, v in
                                        weekly["first_response_attainment"].tail(8).items()) + "."))


def _fmt_td(td: pd.Timedelta) -> str:
    secs = td.total_seconds()
    if secs < 120:
        return f"{secs:g} s"
    if secs < 7200:
        return f"{secs / 60:g} min"
    return f"{secs / 3600:g} h"


def _section_cx(ctx: ReportContext, sec: Section) -> None:
    t = ctx.tickets
    present = [c for c in ("csat", "ces", "nps") if c in t.columns and t[c].notna().any()]
    if not present:
        raise _SectionSkipped("Skipped: no 'csat', 'ces' or 'nps' scores in the tickets.")
    missing = [c for c in ("csat", "ces", "nps") if c not in present]
    if missing:
        sec.add(note_html(f"No {', '.join(repr(m) for m in missing)} data: those measures are not shown."))
    overall = satisfaction(t)
    pct_cols = ("csat_satisfied", "ces_low_effort", "promoters", "detractors")
    digits = {"csat_mean": 2, "ces_mean": 2, "nps": 0}
    sec.add(table_html(overall, digits=digits, percent=pct_cols))
    for by in ("channel", "reason", "team"):
        if by in t.columns and t[by].notna().any():
            sec.add(f"<h3>By {by}</h3>" + table_html(satisfaction(t, by=by), digits=digits, percent=pct_cols))
    row = overall.iloc[0]
    bits = []
    if "csat_mean" in row:
        bits.append(f"CSAT {row['csat_mean']:.2f} ({_pct(row['csat_satisfied'])} satisfied)")
        ctx.kpis.append((f"{row['csat_mean']:.2f}", "mean CSAT"))
    if "ces_mean" in row:
        bits.append(f"CES {row['ces_mean']:.1f} / 7")
    if "nps" in row:
        bits.append(f"NPS {row['nps']:+.0f}")
        ctx.kpis.append((f"{row['nps']:+.0f}", "NPS"))
    sec.headline.append("<b>Customer experience</b>: " + ", ".join(bits) + ".")


def _section_self_service(ctx: ReportContext, sec: Section) -> None:
    if ctx.sessions is None:
        raise _SectionSkipped("Skipped: no help-centre sessions were given (sessions=...), so the self-service "
                    "(deflection) rate cannot be computed.")
    overall = self_service_rate(ctx.sessions)
    rate = float(overall["deflection_rate"].iloc[0])
    ctx.kpis.append((_pct(rate), "self-service rate"))
    sec.add(info_html("Share of help sessions (help centre, chatbot) that ended without contacting support."))
    sec.add(table_html(overall, digits=0, percent=("deflection_rate",)))
    try:
        by_period = self_service_rate(ctx.sessions, freq=ctx.freq, tz=ctx.tz)
    except ValueError as exc:
        sec.add(note_html(f"No trend: {exc}"))
    else:
        if len(by_period) > 1:
            fig = new_figure(10, 3)
            ax = fig.subplots()
            ax.plot(by_period.index, by_period["deflection_rate"] * 100, marker="o", markersize=3, color="#2ca02c")
            style_axes(ax)
            date_axis(ax)
            ax.set_ylim(0, 100)
            ax.set_ylabel("% self-served")
            ax.set_title(f"Self-service rate per {FREQ_NAMES[ctx.freq]}", loc="left")
            sec.add(figure_html(fig, "self-service rate trend"))
    sec.headline.append(f"<b>Self-service</b>: {_pct(rate)} of help sessions needed no contact.")


def _section_repeats(ctx: ReportContext, sec: Section) -> None:
    ctx.need("customer_id", "created_at", why="(repeat contacts are matched by customer)")
    t = ctx.tickets
    same_reason = "reason" in t.columns and t["reason"].notna().any()
    res = repeat_contacts(t, days=ctx.repeat_days, same_reason=same_reason)
    scope = "same customer and reason" if same_reason else "same customer (no 'reason' column)"
    sec.add(info_html(f"A repeat contact is a ticket from the {scope} within {ctx.repeat_days:g} days of the "
                        f"previous one, in any channel."))
    if not same_reason:
        sec.add(note_html("No 'reason' column: repeats are matched by customer only."))
    switched = res.cross_channel / res.count if res.count else float("nan")
    sec.add(kpis_html([(f"{res.count:,}".replace(",", " "), "repeat contacts"),
                         (_pct(res.rate), "of matchable tickets"),
                         (_pct(switched), "of repeats switched channel")]))
    ctx.kpis.append((_pct(res.rate), f"repeat contacts ({ctx.repeat_days:g} d)"))
    if res.count:
        if same_reason:
            sec.add("<h3>By reason</h3>" + table_html(res.by_reason, digits=0, percent=("repeat_rate",)))
        sec.add(figure_html(plot_repeat_switches(res), "channel switch matrix"))
        top = res.by_reason.head(3)
        top_txt = ", ".join(f"{esc(r)} ({int(v['repeats'])}, {_pct(v['repeat_rate'])})" for r, v in top.iterrows()) \
            if same_reason and len(top) else ""
        sec.headline.append(f"<b>Repeat contacts</b>: {res.count} ({_pct(res.rate)}) within {ctx.repeat_days:g} "
                            f"days, {_pct(switched)} in another channel" + (f"; top reasons: {top_txt}" if top_txt
                                                                          else "") + ".")
    else:
        sec.add(info_html("No repeat contacts found."))


def _section_feedback(ctx: ReportContext, sec: Section) -> None:
    ctx.need("feedback", why="(free-text comments given with CSAT)")
    t = ctx.tickets
    fb = ctx.feedback
    if fb is None:
        res = feedback_themes(t)
    elif hasattr(fb, "predict"):
        res = feedback_themes(t, classifier=fb)
    else:
        res = feedback_themes(t, themes=fb)
    how = {"kmeans": "clustered (TF-IDF + k-means); themes are named after their top words, and a theme marked "
                     "'mixed' collects comments with little in common (pass keywords or a classifier for "
                     "exact themes)",
           "keywords": "sorted by the given keywords", "classifier": "classified by the given model"}[res.method]
    n = int(res.summary["tickets"].sum()) if len(res.summary) else 0
    sec.add(info_html(f"{n} comments, {how}."))
    if "csat" not in t.columns:
        sec.add(note_html("No 'csat' column: mean CSAT per theme is not shown."))
    sec.add(figure_html(plot_feedback_themes(res), "feedback themes"))
    sec.add(table_html(res.summary, digits={"tickets": 0, "mean_csat": 2}, percent=("share",)))
    summary = res.summary
    if len(summary):
        clear = summary[~summary.index.astype(str).str.startswith("mixed: ")]
        top = (clear if len(clear) else summary).head(3)
        txt = ", ".join(f"{esc(k)} ({_pct(v['share'])})" for k, v in top.iterrows())
        worst = ""
        if "mean_csat" in clear and clear["mean_csat"].notna().any():
            sizable = clear[clear["share"] >= 0.05]
            pool = sizable if len(sizable) and sizable["mean_csat"].notna().any() else clear
            w = pool["mean_csat"].idxmin()
            worst = f"; lowest CSAT: {esc(w)} ({pool.loc[w, 'mean_csat']:.1f})"
        mixed = int(summary.loc[summary.index.difference(clear.index), "tickets"].sum())
        extra = f"; {mixed} comments fit no clear theme" if mixed else ""
        sec.headline.append(f"<b>Feedback themes</b>: {txt}{worst}{extra}.")


SECTIONS: list[tuple[str, str, Callable[[ReportContext, Section], None]]] = [
    ("volumes", "Volumes by channel", _section_volumes),
    ("sla", "SLA attainment", _section_sla),
    ("reasons", "Reason mix and spikes", _section_reasons),
    ("repeats", "Repeat contacts", _section_repeats),
    ("feedback", "Feedback themes", _section_feedback),
    ("response", "Response and resolution times", _section_response),
    ("weekday", "Weekday and hour", _section_weekday),
    ("cx", "Customer experience", _section_cx),
    ("self_service", "Self-service", _section_self_service),
]


def build_sections(ctx: ReportContext, *, strict: bool = False) -> list[Section]:
    """Build every section; a section that lacks its data gets a note, one that fails a note too
    (or the error, when ``strict``)."""
    sections = []
    for key, heading, builder in SECTIONS:
        section = Section(key, heading)
        started = time.perf_counter()
        try:
            builder(ctx, section)
        except _SectionSkipped as skip:
            section.add(note_html(str(skip)))
            section.skipped = True
        except Exception as exc:  # a report must not die on one odd column
            if strict:
                raise
            logger.warning("report section %r failed: %s", heading, exc, exc_info=True)
            section.add(note_html(f"This section could not be computed: {type(exc).__name__}: {exc}"))
        logger.info("report section %r: %.2f s", heading, time.perf_counter() - started)
        sections.append(section)
    return sections


def headline(sections: Sequence[Section]) -> list[str]:
    """The "At a glance" bullets: each section's own, then the sections left out."""
    items = [h for s in sections for h in s.headline]
    skipped = [s.title for s in sections if s.skipped]
    if skipped:
        items.append("<i>Not in this report</i> (data missing, see the notes): " + esc(", ".join(skipped)) + ".")
    return items


# --------------------------------------------------------------------------- the HTML report


def write_report(tickets: pd.DataFrame, out_dir: str | os.PathLike[str], sessions: pd.DataFrame | None = None,
                 sla: Any = None, title: str = "Helpdesk report", *, freq: str = "W", repeat_days: float = 7,
                 feedback: Mapping[str, Sequence[str]] | Classifier | None = None, now: Any = None,
                 tz: str | None = None, filename: str = "report.html", strict: bool = False) -> Path:
    """Write one self-contained HTML report (figures embedded) and return its path.

    The page opens with the figures a team lead reads first (volume trend, SLA attainment,
    spikes with their dates, top repeat-contact reasons, feedback themes) and then one
    section each: volumes, weekday x hour load, reason mix and spikes, response times,
    SLA, customer experience, self-service, repeat contacts, feedback themes. A section
    whose columns are missing is replaced by a visible note; nothing crashes for a lack of
    optional data.

    Parameters
    ----------
    tickets : pandas.DataFrame
        Canonical ticket columns (:func:`cxml.schema.as_tickets`); only ``created_at`` is
        needed for the volume sections.
    out_dir : path
        Directory to write into (created if needed).
    sessions : pandas.DataFrame, optional
        Help-centre sessions for the self-service rate (:func:`self_service_rate`).
    sla : SLAPolicy, optional
        Policy for SLA attainment (default: :class:`cxml.sla.SLAPolicy()`).
    title : str, default="Helpdesk report"
    freq : {"W", "D", "M"}, default="W"
        Period of the trend charts and of spike detection.
    repeat_days : float, default=7
        Window of :func:`repeat_contacts`.
    feedback : mapping or classifier, optional
        Keywords per theme, or a classifier with ``predict``, for :func:`feedback_themes`
        (default: clustering).
    now : time, optional
        Reference time for open tickets (default: the latest timestamp in the data).
    tz : str, optional
        Time zone of the report (default: the SLA policy's, Europe/Helsinki).
    filename : str, default="report.html"
    strict : bool, default=False
        Re-raise an unexpected error in a section instead of noting it in the report.

    Returns
    -------
    pathlib.Path
        The HTML file.
    """
    require_matplotlib()

    if not isinstance(tickets, pd.DataFrame):
        raise TypeError(f"write_report expects a DataFrame of tickets, got {type(tickets).__name__}")
    f = parse_freq(freq)
    policy = sla if sla is not None else SLAPolicy()
    tz = tz or policy.timezone
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ctx = ReportContext(tickets=tickets, sessions=sessions, sla=policy, sla_given=sla is not None, freq=f,
                          repeat_days=repeat_days, feedback=feedback, now=now, tz=tz)
    sections = build_sections(ctx, strict=strict)
    period = ""
    if "created_at" in tickets.columns:
        local = local_times(tickets["created_at"], tz).dropna()
        if len(local):
            period = f"{local.min():%d.%m.%Y} – {local.max():%d.%m.%Y}"
    subtitle = (f"{len(tickets):,} tickets".replace(",", "\u202f") + (f" · {period}" if period else "")
                + f" · generated {_dt.datetime.now():%d.%m.%Y %H:%M} · times in {tz}")
    page = page_html(title, subtitle, kpis_html(ctx.kpis), headline(sections), sections,
                       f"cxml {__version__} · figures are embedded; this file needs no network access.")
    path = out / filename
    path.write_text(page, encoding="utf-8")
    return path
