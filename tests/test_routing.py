"""Routing: precedence, default queue, rule attribution, configuration errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from cxml.routing import DEFAULT_RULE, Router, RoutingConfigError, Rule

CONFIG = {
    "default_queue": "general",
    "rules": [
        {"name": "by-reason", "by": "reason",
         "map": {"invoices": "billing", "returns": "logistics", "deliveries": "logistics"}},
        {"name": "swedish", "precedence": 20, "when": {"language": "sv"}, "queue": "team-sv"},
        {"name": "needs-review", "precedence": 50, "when": {"reason_action": {"ne": "auto"}},
         "queue": "triage"},
        {"name": "key-accounts", "precedence": 90, "by": "customer_id",
         "map": {"1001": "owner:anna", "C-7": "owner:mikko"}},
        {"name": "key-segment", "precedence": 80, "when": {"segment": "key_account"}, "queue": "key-desk"},
        {"name": "urgent", "precedence": 100, "when": {"priority": "urgent"}, "queue": "escalation"},
    ],
}


@pytest.fixture
def triaged() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "reason": ["invoices", "returns", "orders", "invoices", "invoices", "orders", None, "returns"],
            "reason_confidence": [0.97, 0.91, 0.95, 0.42, 0.99, 0.99, np.nan, 0.93],
            "reason_action": ["auto", "auto", "auto", "review", "auto", "auto", None, "auto"],
            "priority": ["low", "urgent", "medium", "low", "low", "medium", "low", "high"],
            "customer_id": ["C-1", "C-2", "C-3", "C-4", "1001", "C-7", None, "C-8"],
            "segment": ["new", "returning", "new", "new", "key_account", "returning", None, "key_account"],
            "language": ["fi", "fi", "fi", "sv", "fi", "fi", "fi", "fi"],
        },
        index=[10, 11, 12, 13, 14, 15, 16, 17],
    )


def test_precedence_default_queue_and_attribution(triaged: pd.DataFrame) -> None:
    routed = Router.from_dict(CONFIG).route(triaged)
    assert list(routed.columns) == ["queue", "rule"]
    assert list(routed.index) == list(triaged.index)
    expected = {
        10: ("billing", "by-reason"),
        11: ("escalation", "urgent"),          # urgent beats the reason map
        12: ("general", DEFAULT_RULE),          # 'orders' is not in the map
        13: ("triage", "needs-review"),         # low confidence beats language and reason
        14: ("owner:anna", "key-accounts"),     # named account owner beats the segment rule
        15: ("owner:mikko", "key-accounts"),
        16: ("triage", "needs-review"),         # no prediction at all: 'ne' matches missing
        17: ("key-desk", "key-segment"),
    }
    for idx, (queue, rule) in expected.items():
        assert (routed.loc[idx, "queue"], routed.loc[idx, "rule"]) == (queue, rule), idx
    assert routed["queue"].notna().all()


def test_ties_keep_list_order_and_matches_shows_shadowed_rules() -> None:
    router = Router([Rule("first", queue="a", when={"x": 1}), Rule("second", queue="b", when={"x": [1, 2]})])
    df = pd.DataFrame({"x": [1, 2, 3]})
    routed = router.route(df)
    assert routed["queue"].tolist() == ["a", "b", "general"]
    assert routed["rule"].tolist() == ["first", "second", DEFAULT_RULE]
    m = router.matches(df)
    assert m.loc[0].tolist() == [True, True] and m.loc[2].tolist() == [False, False]
    # higher precedence wins regardless of list position
    router = Router([Rule("first", queue="a", when={"x": 1}),
                     Rule("second", queue="b", when={"x": [1, 2]}, precedence=5)])
    assert router.route(df)["queue"].tolist() == ["b", "b", "general"]
    assert [r.name for r in router.ordered_rules] == ["second", "first"]


def test_operators_and_queue_from_column() -> None:
    df = pd.DataFrame({
        "team": ["orders", None, "  ", "billing"],
        "reason_confidence": [0.9, 0.2, 0.55, np.nan],
        "text": ["Where is my PARCEL?", "x", "lasku 123", "y"],
        "customer_id": [1001.0, 5.0, np.nan, 7.0],  # float ids as read from CSV with gaps
    })
    router = Router([
        Rule("low-conf", queue="triage", when={"reason_confidence": {"lt": 0.5}}),
        Rule("parcel", queue="delivery", when={"text": {"contains": "parcel"}}),
        Rule("invoice-number", queue="billing", when={"text": {"regex": r"lasku \d+"}}),
        Rule("owner", by="customer_id", map={"7": "owner:7"}),
        Rule("predicted-team", by="team"),
    ], default_queue="inbox")
    routed = router.route(df)
    assert routed["queue"].tolist() == ["delivery", "triage", "billing", "owner:7"]
    # empty or missing team values do not match a 'by' rule
    only_team = Router([Rule("predicted-team", by="team")]).route(df)
    assert only_team["queue"].tolist() == ["orders", "general", "general", "billing"]
    assert Router([Rule("nums", queue="q", when={"customer_id": ["1001"]})]).route(df)["queue"][0] == "q"


def test_append_keeps_input_and_index() -> None:
    df = pd.DataFrame({"priority": ["urgent", "low"]}, index=["a", "b"])
    out = Router.from_dict({"rules": [{"name": "u", "when": {"priority": "urgent"}, "queue": "esc"}]}).route(
        df, append=True)
    assert list(out.columns) == ["priority", "queue", "rule"]
    assert list(out.index) == ["a", "b"]
    assert out["queue"].tolist() == ["esc", "general"]


def test_predictions_join_and_replace_ticket_columns() -> None:
    tickets = pd.DataFrame({"priority": ["low", "low"], "segment": ["new", "new"]}, index=[7, 8])
    preds = pd.DataFrame({"priority": ["urgent", "low"], "reason": ["invoices", "invoices"],
                          "reason_action": ["auto", "auto"]}, index=[7, 8])
    router = Router.from_dict({**CONFIG, "missing_columns": "ignore"})  # no customer_id, no language
    routed = router.route(tickets, preds, append=True)
    assert routed["queue"].tolist() == ["escalation", "billing"]
    assert routed["priority"].tolist() == ["urgent", "low"]  # the prediction replaced the ticket's value
    assert router.matches(tickets, preds).loc[7, "urgent"]
    with pytest.raises(ValueError, match="index"):
        router.route(tickets, preds.reset_index(drop=True))


def test_empty_frame_and_no_rules() -> None:
    routed = Router([], default_queue="all").route(pd.DataFrame({"reason": ["x", "y"]}))
    assert routed["queue"].tolist() == ["all", "all"] and routed["rule"].tolist() == [DEFAULT_RULE] * 2
    empty = Router.from_dict(CONFIG).route(pd.DataFrame(columns=["reason", "priority", "language", "segment",
                                                                  "customer_id", "reason_action"]))
    assert len(empty) == 0 and list(empty.columns) == ["queue", "rule"]


def test_missing_column_names_rule(triaged: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"rule 'swedish' reads column 'language'"):
        Router.from_dict(CONFIG).route(triaged.drop(columns="language"))
    lenient = Router.from_dict({**CONFIG, "missing_columns": "ignore"})
    assert lenient.route(triaged.drop(columns="language")).loc[10, "queue"] == "billing"


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"name": "r", "queue": "a", "when": {"priority": {"greater": 1}}}, r"rule 'r': unknown operator 'greater'"),
        ({"name": "r", "qeue": "a"}, r"rule 'r': unknown key 'qeue' \(did you mean 'queue'\?\)"),
        ({"name": "r", "when": {"x": 1}}, r"rule 'r': give exactly one destination"),
        ({"name": "r", "queue": "a", "by": "team"}, r"rule 'r': give exactly one destination"),
        ({"name": "r", "queue": ""}, r"rule 'r': 'queue' must be a non-empty string"),
        ({"name": "r", "by": "reason", "map": {}}, r"rule 'r': 'map' must be a non-empty object"),
        ({"name": "r", "by": "reason", "map": {"x": None}}, r"rule 'r': 'map' sends \['x'\] to no queue"),
        ({"name": "r", "queue": "a", "when": {"x": {"in": "abc"}}}, r"rule 'r': 'in' on 'x' needs a list"),
        ({"name": "r", "queue": "a", "when": {"x": {"lt": "high"}}}, r"rule 'r': 'lt' on 'x' needs a number"),
        ({"name": "r", "queue": "a", "when": {"x": {"regex": "("}}}, r"rule 'r': bad regex on 'x'"),
        ({"name": "r", "queue": "a", "precedence": "high"}, r"rule 'r': 'precedence' must be an integer"),
        ({"queue": "a"}, r"rules\[1\]: every rule needs a 'name'"),
        ({"name": DEFAULT_RULE, "queue": "a"}, r"reserved"),
    ],
)
def test_bad_rule_errors_name_the_rule(rule: dict, message: str) -> None:
    config = {"default_queue": "general", "rules": [{"name": "ok", "queue": "q"}, rule]}
    with pytest.raises(RoutingConfigError, match=message):
        Router.from_dict(config)


def test_bad_router_config_errors() -> None:
    with pytest.raises(RoutingConfigError, match=r"used twice"):
        Router.from_dict({"rules": [{"name": "a", "queue": "q"}, {"name": "a", "queue": "r"}]})
    with pytest.raises(RoutingConfigError, match=r"unknown routing key 'default_queu'.*'default_queue'"):
        Router.from_dict({"default_queu": "x", "rules": []})
    with pytest.raises(RoutingConfigError, match=r"needs 'rules'"):
        Router.from_dict({"default_queue": "x"})
    with pytest.raises(RoutingConfigError, match=r"default_queue"):
        Router.from_dict({"default_queue": "", "rules": []})
    with pytest.raises(RoutingConfigError, match=r"must be a list"):
        Router.from_dict({"rules": {"name": "a", "queue": "q"}})


def test_file_round_trip_and_errors(tmp_path, triaged: pd.DataFrame) -> None:
    path = Router.from_dict(CONFIG).to_file(tmp_path / "routing.json")
    again = Router.from_file(path)
    pd.testing.assert_frame_equal(again.route(triaged), Router.from_dict(CONFIG).route(triaged))
    assert json.loads(path.read_text())["rules"][0]["name"] == "by-reason"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"rules": [{"name": "oops", "queue": "a", "when": {"x": {"betwen": [1, 2]}}}]}))
    with pytest.raises(RoutingConfigError, match=r"bad.json: rule 'oops': unknown operator 'betwen'"):
        Router.from_file(bad)
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(RoutingConfigError, match=r"not valid JSON"):
        Router.from_file(broken)
    with pytest.raises(FileNotFoundError):
        Router.from_file(tmp_path / "nope.json")


def test_yaml_config(tmp_path) -> None:
    path = tmp_path / "routing.yaml"
    path.write_text("default_queue: general\nrules:\n  - name: urgent\n    when: {priority: urgent}\n"
                    "    queue: escalation\n")
    try:
        import yaml  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match=r"PyYAML.*JSON"):
            Router.from_file(path)
        return
    router = Router.from_file(path)
    assert router.route(pd.DataFrame({"priority": ["urgent"]}))["queue"].tolist() == ["escalation"]


def test_describe_lists_evaluation_order() -> None:
    table = Router.from_dict(CONFIG).describe()
    assert table["name"].tolist()[:3] == ["urgent", "key-accounts", "key-segment"]
    assert table["name"].iloc[-1] == DEFAULT_RULE and table["destination"].iloc[-1] == "general"
