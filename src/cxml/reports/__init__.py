"""Operations reports: tables a team lead reads, their plots, and one self-contained HTML page.

- :mod:`cxml.reports.tables`: volumes, reason mix and spikes, response times, SLA attainment, satisfaction,
  self-service, repeat contacts, feedback themes (DataFrames);
- :mod:`cxml.reports.plots`: a matplotlib figure for each table;
- :mod:`cxml.reports.html`: :func:`write_report`, the page built from both.

Imports run one way: html -> plots -> tables -> _common (the shared periods, local times and colours).
"""

from cxml.reports import plots, tables
from cxml.reports._common import DEFAULT_TZ
from cxml.reports.html import write_report
from cxml.reports.plots import *  # noqa: F403 (one plot_* per table, listed once in plots.__all__)
from cxml.reports.tables import *  # noqa: F403 (the tables, listed once in tables.__all__)

__all__ = ["DEFAULT_TZ", *tables.__all__, *plots.__all__, "write_report"]
