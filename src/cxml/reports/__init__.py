"""Operations reports: tables a team lead reads, their plots, and one self-contained HTML page.

- :mod:`cxml.reports.tables`: volumes, reason mix and spikes, response times, SLA attainment, satisfaction,
  self-service, repeat contacts, feedback themes (DataFrames);
- :mod:`cxml.reports.plots`: a matplotlib figure for each table;
- :mod:`cxml.reports.html`: :func:`write_report`, the page built from both.

Imports run one way: html -> plots -> tables -> _common (the shared periods, local times and colours).
"""

from cxml.reports._common import DEFAULT_TZ
from cxml.reports.html import write_report
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
    FeedbackThemes,
    RepeatContacts,
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

__all__ = [
    "DEFAULT_TZ",
    "FeedbackThemes",
    "RepeatContacts",
    "detect_spikes",
    "feedback_themes",
    "plot_feedback_themes",
    "plot_reason_mix",
    "plot_repeat_switches",
    "plot_response_times",
    "plot_sla_attainment",
    "plot_spikes",
    "plot_volumes",
    "plot_weekday_hour",
    "reason_mix",
    "repeat_contacts",
    "response_times",
    "satisfaction",
    "self_service_rate",
    "sla_attainment",
    "volumes",
    "weekday_hour",
    "write_report",
]
