"""The docs are generated from the declarations, never hand-copied: a stale page fails here.

Regenerate with:  utrex spec --format markdown > docs/specification.md
                  utrex rules --format markdown > docs/rules.md"""

from __future__ import annotations

from pathlib import Path

from utrex.docs import rules_markdown, spec_markdown
from utrex.engine.rules import registry
from utrex.spec import spec_for

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_rules_page_is_current() -> None:
    from utrex.store.cross_lea import rules as cross_lea_rules

    assert (DOCS / "rules.md").read_text() == rules_markdown(registry().all(), cross_lea_rules())


def test_specification_page_is_current() -> None:
    assert (DOCS / "specification.md").read_text() == spec_markdown(spec_for(2013))


def test_every_rule_is_documented_with_citation_and_message() -> None:
    for r in registry().all():
        assert r.citation.strip(), r.id
        assert r.message.strip(), r.id
        assert r.id.split(".")[0] in ("FILE", r.record_type), r.id


def test_spec_decisions_exist() -> None:
    text = (DOCS / "spec-decisions.md").read_text()
    for topic in ("WHICH MONTH", "YR=", "Incident ID", "Aggregate Memb", "resident status X"):
        assert topic.lower() in text.lower(), topic
