"""Every rule with a check carries an example record that breaks it and one that passes.

The breaking record must be reported under the rule on its own line; the passing record must not
trigger the rule at all. A rule whose check is removed or made vacuous fails here."""

from __future__ import annotations

import pytest

from utrex.engine.rules import registry
from utrex.testing import example_file, file_example

RULES = [r for r in registry().all() if r.check is not None]
LEVEL2 = [r for r in registry().all() if r.check2 is not None]


def test_every_checked_rule_has_an_example() -> None:
    missing = [r.id for r in RULES if not r.examples and r.id != "FILE.no_school"]
    assert missing == []


@pytest.mark.parametrize("rule", [r for r in RULES if r.examples], ids=lambda r: r.id)
def test_example_breaks_and_passes(rule, run_text) -> None:
    for ex in rule.examples:
        bad = example_file(rule, "breaks", ex)
        res = run_text(bad.text, period=bad.period, as_of=bad.as_of, reference=bad.reference)
        hits = res.findings.filter(res.findings["rule"] == rule.id)
        assert hits.height >= 1, f"{rule.id} did not fire on {ex.breaks}"
        assert bad.target_line in hits["line"].to_list(), (rule.id, hits["line"].to_list(), bad.target_line)
        for f in hits.filter(hits["line"] == bad.target_line).to_dicts():
            assert f["fields"] == list(rule.fields)
            assert f["message"] and "{" not in f["message"], f["message"]
        good = example_file(rule, "passes", ex)
        res = run_text(good.text, period=good.period, as_of=good.as_of, reference=good.reference)
        fired = res.findings.filter(res.findings["rule"] == rule.id)
        assert fired.height == 0, f"{rule.id} fired on the passing record: {fired['message'].to_list()}"


def test_every_level2_rule_has_a_file_example() -> None:
    assert LEVEL2, "no Level 2 rules registered"
    assert [r.id for r in LEVEL2 if not r.file_examples] == []


@pytest.mark.parametrize("rule", [r for r in LEVEL2 if r.file_examples], ids=lambda r: r.id)
def test_level2_example_breaks_and_passes(rule, run_text) -> None:
    for ex in rule.file_examples:
        bad = file_example(ex, "breaks")
        res = run_text(bad.text, period=bad.period, as_of=bad.as_of, reference=bad.reference, levels=(1, 2))
        hits = res.findings.filter(res.findings["rule"] == rule.id)
        assert bad.target_line in hits["line"].to_list(), (rule.id, hits["line"].to_list(), bad.target_line,
                                                            res.findings["rule"].to_list())
        for f in hits.to_dicts():
            assert f["level"] == 2 and f["fields"] == list(rule.fields)
            assert f["message"] and "{" not in f["message"], f["message"]
            assert f["record_key"], f
        good = file_example(ex, "passes")
        res = run_text(good.text, period=good.period, as_of=good.as_of, reference=good.reference, levels=(1, 2))
        fired = res.findings.filter(res.findings["rule"] == rule.id)
        assert fired.height == 0, f"{rule.id} fired on the passing file: {fired['message'].to_list()}"
