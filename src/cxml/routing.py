"""Declarative routing of triaged tickets to queues, with the rule behind every decision.

A :class:`Router` holds an ordered list of named :class:`Rule` objects and a default queue.
Each ticket goes to the queue of the first rule that matches it, in order of *precedence*
(higher first; equal precedence keeps the order of the list); a ticket no rule matches goes
to ``default_queue``. The result says which rule decided (``rule`` column), so a team lead
can see why a ticket landed where it did.

A rule has a ``name``, optional conditions ``when`` (all must hold) and a destination:

* ``queue``: a fixed queue, e.g. ``{"name": "urgent", "when": {"priority": "urgent"},
  "queue": "escalation"}``;
* ``by`` + ``map``: the value of a column looked up in a table, e.g. reason -> team
  ``{"name": "by-reason", "by": "reason", "map": {"invoices": "billing", ...}}`` or key
  account -> owner ``{"name": "key-accounts", "by": "customer_id", "map": {"C-1001": "anna"}}``;
  values not in the table do not match;
* ``by`` alone: the column's value is the queue (e.g. the team predicted by triage).

Conditions map a column to a value (equality), a list (membership) or an object of
operators: ``eq``, ``ne``, ``in``, ``not_in``, ``lt``, ``le``, ``gt``, ``ge``, ``missing``
(true/false), ``contains`` and ``regex`` (strings). ``ne`` and ``not_in`` match missing values;
the others do not. Low-confidence predictions go to a triage queue with a rule such as
``{"name": "needs-review", "when": {"reason_action": {"ne": "auto"}}, "queue": "triage"}``.

Example configuration (JSON, or YAML when PyYAML is installed)::

    {
      "default_queue": "general",
      "rules": [
        {"name": "urgent", "precedence": 100, "when": {"priority": "urgent"}, "queue": "escalation"},
        {"name": "key-accounts", "precedence": 90, "by": "customer_id", "map": {"C-1001": "owner:anna"}},
        {"name": "needs-review", "precedence": 50, "when": {"reason_action": {"ne": "auto"}},
         "queue": "triage"},
        {"name": "swedish", "when": {"language": "sv"}, "queue": "team-sv"},
        {"name": "by-reason", "by": "reason", "map": {"invoices": "billing", "returns": "logistics"}}
      ]
    }

PyYAML is optional: it is imported only when a ``.yaml`` configuration is read or written.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from cxml.exceptions import RoutingConfigError

__all__ = ["Rule", "Router", "RoutingConfigError", "DEFAULT_RULE", "OPERATORS"]

#: Value of the ``rule`` column for tickets that no rule matched.
DEFAULT_RULE = "default_queue"

#: Operators a condition may use.
OPERATORS = ("eq", "ne", "in", "not_in", "lt", "le", "gt", "ge", "missing", "contains", "regex")

_RULE_KEYS = ("name", "when", "queue", "by", "map", "precedence", "description")
_ROUTER_KEYS = ("default_queue", "rules", "missing_columns", "format")
ROUTING_FORMAT = "cxml.routing/1"


def _suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, bytes, int, float, bool, np.generic))


@dataclass(frozen=True)
class Rule:
    """One routing rule.

    Parameters
    ----------
    name : str
        Unique name, written in the ``rule`` column of every ticket it routes.
    queue : str, optional
        Fixed destination queue.
    by : str, optional
        Column whose value decides the queue: looked up in ``map`` when given, else used as
        the queue name itself. Exactly one of ``queue`` and ``by`` is required.
    map : dict of str to str, optional
        Value -> queue table for ``by`` (values are compared as strings).
    when : dict, default={}
        Conditions on columns, all of which must hold (see the module documentation).
    precedence : int, default=0
        Higher precedence is tried first; ties keep the order of the rule list.
    description : str, default=""
        Free text for people reading the configuration.
    """

    name: str
    queue: str | None = None
    by: str | None = None
    map: Mapping[str, str] | None = None
    when: Mapping[str, Any] = field(default_factory=dict)
    precedence: int = 0
    description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise RoutingConfigError(f"every rule needs a non-empty string 'name', got {self.name!r}")
        where = f"rule {self.name!r}"
        if self.name == DEFAULT_RULE:
            raise RoutingConfigError(f"{where}: the name {DEFAULT_RULE!r} is reserved for unmatched tickets")
        if (self.queue is None) == (self.by is None):
            raise RoutingConfigError(f"{where}: give exactly one destination, 'queue' (a fixed queue) or 'by' "
                                     f"(a column, optionally with 'map')")
        if self.queue is not None and (not isinstance(self.queue, str) or not self.queue.strip()):
            raise RoutingConfigError(f"{where}: 'queue' must be a non-empty string, got {self.queue!r}")
        if self.by is not None and (not isinstance(self.by, str) or not self.by.strip()):
            raise RoutingConfigError(f"{where}: 'by' must be a column name, got {self.by!r}")
        if self.map is not None:
            if self.by is None:
                raise RoutingConfigError(f"{where}: 'map' needs 'by', the column whose values it maps")
            if not isinstance(self.map, Mapping) or not self.map:
                raise RoutingConfigError(f"{where}: 'map' must be a non-empty object value -> queue")
            bad = [k for k, v in self.map.items() if not isinstance(v, str) or not v.strip()]
            if bad:
                raise RoutingConfigError(f"{where}: 'map' sends {bad[:3]} to no queue; every value must be "
                                         f"a non-empty queue name")
            object.__setattr__(self, "map", {str(k): v for k, v in self.map.items()})
        if isinstance(self.precedence, bool) or not isinstance(self.precedence, (int, np.integer)):
            raise RoutingConfigError(f"{where}: 'precedence' must be an integer, got {self.precedence!r}")
        if not isinstance(self.when, Mapping):
            raise RoutingConfigError(f"{where}: 'when' must be an object column -> condition, got {self.when!r}")
        for column, cond in self.when.items():
            _check_condition(where, str(column), cond)
        if self.queue is None and self.map is None and not self.when and self.by is None:  # pragma: no cover
            raise RoutingConfigError(f"{where}: has no destination")

    @property
    def columns(self) -> list[str]:
        """Columns this rule reads."""
        cols = [str(c) for c in self.when]
        if self.by is not None and self.by not in cols:
            cols.append(self.by)
        return cols

    @property
    def queues(self) -> list[str]:
        """Queues this rule can route to (empty for ``by`` without ``map``: any value)."""
        if self.queue is not None:
            return [self.queue]
        return sorted(set(self.map.values())) if self.map else []

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, read back by :meth:`from_dict`."""
        out: dict[str, Any] = {"name": self.name}
        if self.description:
            out["description"] = self.description
        if self.precedence:
            out["precedence"] = int(self.precedence)
        if self.when:
            out["when"] = dict(self.when)
        if self.queue is not None:
            out["queue"] = self.queue
        else:
            out["by"] = self.by
            if self.map is not None:
                out["map"] = dict(self.map)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], position: int | None = None) -> Rule:
        """Build a rule from its dict form; errors name the rule (or its position)."""
        label = f"rules[{position}]" if position is not None else "rule"
        if not isinstance(data, Mapping):
            raise RoutingConfigError(f"{label}: expected an object with 'name' and 'queue' or 'by', got {data!r}")
        name = data.get("name")
        where = f"rule {name!r}" if isinstance(name, str) and name.strip() else label
        if "name" not in data:
            raise RoutingConfigError(f"{label}: every rule needs a 'name'")
        unknown = [k for k in data if k not in _RULE_KEYS]
        if unknown:
            raise RoutingConfigError(f"{where}: unknown key {unknown[0]!r}{_suggest(str(unknown[0]), _RULE_KEYS)}; "
                                     f"a rule has {list(_RULE_KEYS)}")
        try:
            return cls(**{k: data[k] for k in _RULE_KEYS if k in data})
        except RoutingConfigError as exc:
            if where == label and position is not None:
                raise RoutingConfigError(f"{label}: {exc}") from None
            raise


def _check_condition(where: str, column: str, cond: Any) -> None:
    if isinstance(cond, Mapping):
        if not cond:
            raise RoutingConfigError(f"{where}: condition on {column!r} is an empty object")
        for op, arg in cond.items():
            if op not in OPERATORS:
                raise RoutingConfigError(f"{where}: unknown operator {op!r} on {column!r}{_suggest(str(op), OPERATORS)};"
                                         f" use one of {list(OPERATORS)}")
            if op in ("in", "not_in") and (_is_scalar(arg) or isinstance(arg, Mapping)):
                raise RoutingConfigError(f"{where}: {op!r} on {column!r} needs a list of values, got {arg!r}")
            if op in ("lt", "le", "gt", "ge") and (isinstance(arg, bool) or not isinstance(arg, (int, float))):
                raise RoutingConfigError(f"{where}: {op!r} on {column!r} needs a number, got {arg!r}")
            if op == "missing" and not isinstance(arg, bool):
                raise RoutingConfigError(f"{where}: 'missing' on {column!r} needs true or false, got {arg!r}")
            if op in ("contains", "regex") and not isinstance(arg, str):
                raise RoutingConfigError(f"{where}: {op!r} on {column!r} needs a string, got {arg!r}")
            if op == "regex":
                try:
                    re.compile(arg)
                except re.error as exc:
                    raise RoutingConfigError(f"{where}: bad regex on {column!r}: {exc}") from None
            if op in ("eq", "ne") and not _is_scalar(arg):
                raise RoutingConfigError(f"{where}: {op!r} on {column!r} needs one value, got {arg!r}")
    elif not _is_scalar(cond) and not isinstance(cond, (list, tuple, set, frozenset)):
        raise RoutingConfigError(f"{where}: cannot read the condition on {column!r}: {cond!r}")


def _str_value(v: Any) -> str:
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def _as_strings(series: pd.Series) -> pd.Series:
    """Values as strings (None where missing) for comparison with configuration values.

    Whole floats lose their ``.0`` (customer ids read from a CSV with gaps: 1001.0 -> "1001").
    Each distinct value is converted once.
    """
    codes, uniques = pd.factorize(series.astype(object), use_na_sentinel=True)
    table = np.array([_str_value(v) for v in uniques] + [None], dtype=object)
    return pd.Series(table[codes], index=series.index, dtype=object)  # code -1 picks the trailing None


def _config_str(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _values_match(column: pd.Series, values: Sequence[Any]) -> np.ndarray:
    """Membership of a column in configuration values: as numbers for numeric columns, else as strings."""
    vals = list(values)
    if pd.api.types.is_bool_dtype(column.dtype) and all(isinstance(v, bool) for v in vals):
        return column.isin(vals).fillna(False).to_numpy(dtype=bool)
    if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype):
        nums = []
        for v in vals:
            try:
                nums.append(float(v))
            except (TypeError, ValueError):
                continue
        return column.isin(nums).fillna(False).to_numpy(dtype=bool)
    strs = {_config_str(v) for v in vals if v is not None}
    return _as_strings(column).isin(strs).to_numpy(dtype=bool)


def _condition_mask(column: pd.Series, cond: Any) -> np.ndarray:
    missing = column.isna().to_numpy(dtype=bool)
    if isinstance(cond, Mapping):
        mask = np.ones(len(column), dtype=bool)
        for op, arg in cond.items():
            if op == "eq":
                m = missing if arg is None else _values_match(column, [arg])
            elif op == "ne":
                m = ~missing if arg is None else ~_values_match(column, [arg])
            elif op == "in":
                m = _values_match(column, list(arg))
            elif op == "not_in":
                m = ~_values_match(column, list(arg))
            elif op == "missing":
                m = missing if arg else ~missing
            elif op in ("lt", "le", "gt", "ge"):
                num = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
                with np.errstate(invalid="ignore"):
                    m = {"lt": num < arg, "le": num <= arg, "gt": num > arg, "ge": num >= arg}[op]
            elif op == "contains":
                m = _as_strings(column).str.contains(arg, case=False, regex=False, na=False).to_numpy(bool)
            else:  # regex
                m = _as_strings(column).str.contains(arg, regex=True, na=False).to_numpy(bool)
            mask &= np.asarray(m, dtype=bool)
        return mask
    if cond is None:
        return missing
    if isinstance(cond, (list, tuple, set, frozenset)):
        return _values_match(column, list(cond))
    return _values_match(column, [cond])


def _with_predictions(df: pd.DataFrame, predictions: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(predictions, pd.DataFrame):
        raise TypeError(f"predictions must be a DataFrame (e.g. Triage.predict(df)), got {type(predictions).__name__}")
    if len(predictions) != len(df) or not predictions.index.equals(df.index):
        raise ValueError(f"predictions must have the tickets' index ({len(df)} rows); got {len(predictions)} rows "
                         f"with {'the same' if predictions.index.equals(df.index) else 'a different'} index")
    return df.drop(columns=[c for c in predictions.columns if c in df.columns]).join(predictions)


class Router:
    """Route triaged tickets to queues by ordered, named rules.

    Parameters
    ----------
    rules : sequence of Rule or dict
        The rules; dicts are read with :meth:`Rule.from_dict`.
    default_queue : str, default="general"
        Queue of tickets that no rule matches (their ``rule`` is ``"default_queue"``).
    missing_columns : {"raise", "ignore"}, default="raise"
        What :meth:`route` does when a rule reads a column the frame lacks: raise a
        ValueError naming the rule, or treat the column as all missing.

    Examples
    --------
    >>> import pandas as pd
    >>> router = Router.from_dict({"default_queue": "general", "rules": [
    ...     {"name": "urgent", "precedence": 10, "when": {"priority": "urgent"}, "queue": "escalation"},
    ...     {"name": "by-reason", "by": "reason", "map": {"invoices": "billing"}}]})
    >>> df = pd.DataFrame({"reason": ["invoices", "invoices", "orders"],
    ...                    "priority": ["urgent", "low", "low"]})
    >>> router.route(df)
            queue           rule
    0  escalation         urgent
    1     billing      by-reason
    2     general  default_queue
    """

    def __init__(self, rules: Sequence[Rule | Mapping[str, Any]] = (), default_queue: str = "general",
                 missing_columns: Literal["raise", "ignore"] = "raise") -> None:
        if isinstance(rules, (str, bytes, Mapping)) or not isinstance(rules, Iterable):
            raise RoutingConfigError(f"'rules' must be a list of rules, got {type(rules).__name__}")
        parsed: list[Rule] = []
        for i, rule in enumerate(rules):
            parsed.append(rule if isinstance(rule, Rule) else Rule.from_dict(rule, position=i))
        seen: dict[str, int] = {}
        for i, rule in enumerate(parsed):
            if rule.name in seen:
                raise RoutingConfigError(f"rule {rule.name!r}: the name is used twice (rules[{seen[rule.name]}] "
                                         f"and rules[{i}]); rule names must be unique")
            seen[rule.name] = i
        if not isinstance(default_queue, str) or not default_queue.strip():
            raise RoutingConfigError(f"'default_queue' must be a non-empty queue name, got {default_queue!r}")
        if missing_columns not in ("raise", "ignore"):
            raise RoutingConfigError(f"'missing_columns' must be 'raise' or 'ignore', got {missing_columns!r}")
        self.rules: list[Rule] = parsed
        self.default_queue = default_queue
        self.missing_columns = missing_columns

    def __repr__(self) -> str:
        return f"Router({len(self.rules)} rules, default_queue={self.default_queue!r})"

    @property
    def ordered_rules(self) -> list[Rule]:
        """The rules in the order they are tried (precedence descending, then list order)."""
        order = sorted(range(len(self.rules)), key=lambda i: (-int(self.rules[i].precedence), i))
        return [self.rules[i] for i in order]

    @property
    def queues(self) -> list[str]:
        """Every queue named in the configuration, default queue included."""
        names = {q for r in self.rules for q in r.queues} | {self.default_queue}
        return sorted(names)

    def describe(self) -> pd.DataFrame:
        """The rules in evaluation order as a table (order, name, precedence, when, destination)."""
        rows = []
        for k, r in enumerate(self.ordered_rules, 1):
            dest = r.queue if r.queue is not None else (f"map({r.by})" if r.map else f"value of {r.by}")
            rows.append({"order": k, "name": r.name, "precedence": int(r.precedence),
                         "when": json.dumps(dict(r.when), ensure_ascii=False, default=str) if r.when else "",
                         "destination": dest, "description": r.description})
        rows.append({"order": len(rows) + 1, "name": DEFAULT_RULE, "precedence": None, "when": "(no rule matched)",
                     "destination": self.default_queue, "description": ""})
        return pd.DataFrame(rows)

    # ------------------------------------------------------------------ routing

    def _column(self, df: pd.DataFrame, name: str, rule: Rule) -> pd.Series:
        if name in df.columns:
            return df[name]
        if self.missing_columns == "raise":
            raise ValueError(f"rule {rule.name!r} reads column {name!r}, which the frame lacks{_suggest(name, map(str, df.columns))}"
                             f" (columns: {list(map(str, df.columns))[:15]}); add it, fix the rule, or use "
                             f"missing_columns='ignore'")
        return pd.Series([None] * len(df), index=df.index, dtype=object)

    def _evaluate(self, df: pd.DataFrame) -> list[tuple[Rule, np.ndarray, np.ndarray]]:
        """Per rule (evaluation order): match mask and the queue it would give each row."""
        out = []
        n = len(df)
        for rule in self.ordered_rules:
            mask = np.ones(n, dtype=bool)
            for column, cond in rule.when.items():
                mask &= _condition_mask(self._column(df, str(column), rule), cond)
            queues: np.ndarray
            if rule.queue is not None:
                queues = np.full(n, rule.queue, dtype=object)
            else:
                values = _as_strings(self._column(df, str(rule.by), rule))
                if rule.map is not None:
                    found = values.map(rule.map).astype(object)
                else:  # the value itself names the queue; empty values do not match
                    found = values.str.strip()
                    found = found.where(found != "")
                queues = found.where(found.notna(), None).to_numpy(dtype=object)
                mask &= found.notna().to_numpy(dtype=bool)
            out.append((rule, mask, queues))
        return out

    def route(self, df: pd.DataFrame, predictions: pd.DataFrame | None = None, *,
              append: bool = False) -> pd.DataFrame:
        """Assign every ticket a queue and the rule that chose it.

        Parameters
        ----------
        df : pandas.DataFrame
            Tickets with triage predictions (e.g. ``reason``, ``reason_confidence``,
            ``reason_action``, ``priority``, ``customer_id``, ``segment``, ``language``).
        predictions : pandas.DataFrame, optional
            Triage output for the same tickets (same index), e.g. ``Triage.predict(df)``;
            its columns replace same-named columns of ``df`` (a predicted ``priority``
            replaces the ticket's own).
        append : bool, default=False
            Return ``df`` (with ``predictions``) and the two columns instead of the two
            columns alone.

        Returns
        -------
        pandas.DataFrame
            Indexed like ``df``, one row per input row, with ``queue`` (never missing) and
            ``rule`` (the rule's name, or ``"default_queue"``).
        """
        if not isinstance(df, pd.DataFrame):
            raise TypeError(f"route expects a pandas DataFrame, got {type(df).__name__}")
        if predictions is not None:
            df = _with_predictions(df, predictions)
        n = len(df)
        queue = np.full(n, self.default_queue, dtype=object)
        rule_names = np.full(n, DEFAULT_RULE, dtype=object)
        open_rows = np.ones(n, dtype=bool)
        for rule, mask, queues in self._evaluate(df):
            take = open_rows & mask
            if take.any():
                queue[take] = queues[take]
                rule_names[take] = rule.name
                open_rows &= ~take
        result = pd.DataFrame({"queue": queue, "rule": rule_names}, index=df.index)
        if append:
            return df.drop(columns=["queue", "rule"], errors="ignore").join(result)
        return result

    def matches(self, df: pd.DataFrame, predictions: pd.DataFrame | None = None) -> pd.DataFrame:
        """Which rules match each ticket (boolean columns named after the rules, evaluation order).

        Useful to see what a higher-precedence rule shadows.
        """
        if predictions is not None:
            df = _with_predictions(df, predictions)
        return pd.DataFrame({rule.name: mask for rule, mask, _ in self._evaluate(df)}, index=df.index)

    # ------------------------------------------------------------------ configuration

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready configuration, read back by :meth:`from_dict`."""
        out: dict[str, Any] = {"format": ROUTING_FORMAT, "default_queue": self.default_queue,
                               "rules": [r.to_dict() for r in self.rules]}
        if self.missing_columns != "raise":
            out["missing_columns"] = self.missing_columns
        return out

    @classmethod
    def from_dict(cls, config: Mapping[str, Any]) -> Router:
        """Build a router from a configuration object (see the module documentation).

        Raises
        ------
        RoutingConfigError
            On unknown keys, invalid rules (the message names the rule), duplicate names.
        """
        if not isinstance(config, Mapping):
            raise RoutingConfigError(f"a routing configuration must be an object with 'rules' and "
                                     f"'default_queue', got {type(config).__name__}")
        unknown = [k for k in config if k not in _ROUTER_KEYS]
        if unknown:
            raise RoutingConfigError(f"unknown routing key {unknown[0]!r}{_suggest(str(unknown[0]), _ROUTER_KEYS)}; "
                                     f"expected {list(_ROUTER_KEYS)}")
        fmt = config.get("format", ROUTING_FORMAT)
        if fmt != ROUTING_FORMAT:
            raise RoutingConfigError(f"format {fmt!r} is not {ROUTING_FORMAT!r}: upgrade cxml to read it")
        if "rules" not in config:
            raise RoutingConfigError("a routing configuration needs 'rules' (a list, may be empty)")
        rules = config["rules"]
        if not isinstance(rules, list):
            raise RoutingConfigError(f"'rules' must be a list, got {type(rules).__name__}")
        return cls(rules, default_queue=config.get("default_queue", "general"),
                   missing_columns=config.get("missing_columns", "raise"))

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Router:
        """Read a configuration from a JSON file, or YAML (``.yaml``/``.yml``) when PyYAML is installed."""
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"no such routing configuration: {path}")
        text = path.read_text(encoding="utf-8")
        if path.suffix.lower() in (".yaml", ".yml"):
            try:
                import yaml
            except ImportError:
                raise ImportError(f"reading {path.name} needs PyYAML (pip install pyyaml); "
                                  f"or write the configuration as JSON") from None
            try:
                data = yaml.safe_load(text)
            except yaml.YAMLError as exc:
                raise RoutingConfigError(f"{path}: not valid YAML: {exc}") from None
        else:
            try:
                data = json.loads(text)
            except json.JSONDecodeError as exc:
                raise RoutingConfigError(f"{path}: not valid JSON: {exc}") from None
        try:
            return cls.from_dict(data)
        except RoutingConfigError as exc:
            raise RoutingConfigError(f"{path}: {exc}") from None

    def to_file(self, path: str | os.PathLike[str]) -> Path:
        """Write the configuration as JSON (or YAML for ``.yaml``/``.yml`` when PyYAML is installed)."""
        path = Path(path)
        data = self.to_dict()
        if path.suffix.lower() in (".yaml", ".yml"):
            try:
                import yaml
            except ImportError:
                raise ImportError("writing YAML needs PyYAML (pip install pyyaml); or use a .json path") from None
            text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        else:
            text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        path.write_text(text, encoding="utf-8")
        return path
