"""The rule catalogue: built-in rule modules register through the same registry a plug-in would use."""

from __future__ import annotations

from functools import lru_cache

from . import (
    ac,
    am,
    di,
    es,
    i1,
    i2,
    l2_courses,
    l2_dependencies,
    l2_links,
    l2_membership,
    l2_students,
    s1,
    s2,
    s3,
    sc,
    structure,
)
from .model import Example, Level, Rule, RuleRegistry, Severity

MODULES = (structure, di, sc, s1, s2, s3, ac, am, i1, i2, es, l2_links, l2_students, l2_membership, l2_courses,
           l2_dependencies)


@lru_cache(maxsize=1)
def registry() -> RuleRegistry:
    reg = RuleRegistry()
    for module in MODULES:
        reg.add(*module.rules())
    return reg


__all__ = ["Example", "Level", "Rule", "RuleRegistry", "Severity", "registry"]
