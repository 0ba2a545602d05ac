"""Hostile regular expressions through the bindings (../shared/regressions).

Every regex is RE2 (Go's regexp syntax, as Prometheus and prometheus-adapter
use): a ~100 KB ``name.matches`` used to overflow the stack (SIGSEGV) and
``pod=~"(a|a)*b"`` used to backtrack for more than 15 s on 28 characters.
Each must now give a clean error or a prompt result; the tests assert the
result, not the time.
"""

from __future__ import annotations

import pathlib

import pytest

import agentscale

from conftest import REPO

REGRESSION = REPO / "tests" / "fuzz" / "corpus" / "adapter_rules" / "adapter_rules_long_matches_segv.yaml"
T0 = 1_700_000_000.0


def one_rule(name_yaml: str) -> str:
    return (
        "rules:\n"
        "- seriesQuery: '{__name__=~\".+\",pod!=\"\"}'\n"
        "  resources:\n"
        "    overrides:\n"
        "      pod: {resource: pod}\n"
        "  name:\n" + name_yaml + "  metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)'\n"
    )


def single_quoted(text: str) -> str:
    """A YAML single-quoted scalar: backslashes stay as written, ' doubles."""
    return "'" + text.replace("'", "''") + "'"


def names(config: str, metric: str) -> list[str]:
    adapter = agentscale.MetricAdapter.from_config(config)
    store = agentscale.SeriesStore()
    store.append(metric, T0, 1.0, labels={"pod": "p"})
    return adapter.metric_names(store)


def test_long_matches_file_is_a_clean_error() -> None:
    text = REGRESSION.read_text()
    with pytest.raises(ValueError) as err:
        agentscale.MetricAdapter.from_config(text)
    message = str(err.value)
    assert "adapter config:17:14: rules[1].name.matches: regular expression of " in message
    assert "longer than the limit of 65536 bytes" in message
    assert len(message) < 400  # the pattern is not echoed whole


def test_long_matches_file_through_from_config_file(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_bytes(REGRESSION.read_bytes())
    with pytest.raises(ValueError, match=r"rules\.yaml:17:14: rules\[1\]\.name\.matches: .*65536"):
        agentscale.MetricAdapter.from_config_file(path)


@pytest.mark.parametrize("length", [28, 10_000])
def test_backtracking_selector_returns(length: int) -> None:
    store = agentscale.SeriesStore()
    store.append("m", T0, 1.0, labels={"pod": "a" * length})
    store.append("m", T0, 1.0, labels={"pod": "a" * length + "b"})
    got = store.select("m", selector='m{pod=~"(a|a)*b"}')
    assert [s.labels["pod"] for s in got] == ["a" * length + "b"]


def test_dot_star_over_a_long_value() -> None:
    store = agentscale.SeriesStore()
    store.append("m", T0, 1.0, labels={"pod": "x" * 100_000})
    assert len(store.select("m", selector='m{pod=~".*"}')) == 1


def test_over_long_selector_regex_names_the_limit() -> None:
    store = agentscale.SeriesStore()
    with pytest.raises(ValueError, match="longer than the limit of 65536 bytes"):
        store.select("m", selector='m{pod=~"' + "a" * 70_000 + '"}')


@pytest.mark.parametrize(
    ("selector", "value", "expected"),
    [
        ('m{pod=~"a|b"}', "a", True),
        ('m{pod=~"a|b"}', "ab", False),
        ('m{pod=~"a|b"}', "xa", False),
        ('m{pod!~"a|b"}', "ab", True),
        ('m{pod=~""}', None, True),  # an absent label reads as ""
        ('m{pod!~""}', None, False),
        ('m{pod!~""}', "x", True),
        ('m{pod=~"agent-.*"}', "my-agent-0", False),
        ('m{pod=~"(?P<x>agent)-[0-9]+"}', "agent-12", True),
    ],
)
def test_label_matchers_are_anchored(selector: str, value: str | None, expected: bool) -> None:
    store = agentscale.SeriesStore()
    labels = {"job": "j"} if value is None else {"pod": value, "job": "j"}
    store.append("m", T0, 1.0, labels=labels)
    assert (len(store.select("m", selector=selector)) == 1) is expected


@pytest.mark.parametrize(
    ("matches", "as_", "series", "expected"),
    [
        ("^(.*)_total$", "${1}_per_second", "http_requests_total", ["http_requests_per_second"]),
        ("^(.*)_total", "${1}_per_second", "http_requests_total_x", ["http_requests_per_second"]),
        ("^container_(.*)_seconds_total$", "", "container_cpu_usage_seconds_total", ["cpu_usage"]),
        ("", "", "kube_pod_info", ["kube_pod_info"]),
        ("^(.*)$", "${1}", "app_active_task_count", ["app_active_task_count"]),
        ("^(?P<base>.*)_total$", "${base}_rate", "http_requests_total", ["http_requests_rate"]),
        ("^(.*)_total$", "$1x", "http_requests_total", [""]),
        ("^(.*)_total$", "${1}x", "http_requests_total", ["http_requestsx"]),
        ("_total", "", "http_requests_total", ["_total"]),
        ("^(.*)_total$", "", "http_requests", []),
    ],
)
def test_adapter_names_as_prometheus_adapter(matches: str, as_: str, series: str, expected: list[str]) -> None:
    config = one_rule(f"    matches: {single_quoted(matches)}\n    as: {single_quoted(as_)}\n")
    assert names(config, series) == expected


def test_invalid_regex_names_the_position() -> None:
    with pytest.raises(ValueError, match=r"adapter config:7:14: rules\[0\]\.name\.matches: invalid regular expression"):
        agentscale.MetricAdapter.from_config(one_rule("    matches: '(?=lookahead)'\n"))
