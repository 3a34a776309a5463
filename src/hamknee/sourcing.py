"""How well a fact is sourced: which facts and entries rest only on secondary web pages.

Works on compiled records (plain dicts), so ``explain`` can mark weak facts and ``validate`` can warn about
them without importing the schema.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

SECONDARY = "secondary web"
MARK = "[secondary web only]"


def _secondary_only(ids: Iterable[str], types: dict[str, str | None]) -> bool:
    ids = list(ids)
    return bool(ids) and all(types.get(i) == SECONDARY for i in ids)


def source_types(record: dict[str, Any]) -> dict[str, str | None]:
    """Source id -> type for the sources a record cites."""
    return {s["id"]: s.get("type") for s in record.get("sources", [])}


def weak_facts(record: dict[str, Any]) -> list[str]:
    """What in this record rests only on secondary web sources: the entry itself, values, views, corrections."""
    types = source_types(record)
    weak: list[str] = []
    if _secondary_only(types, types):
        weak.append("the whole entry")
    for value in record.get("values", []):
        if _secondary_only(value["sources"], types):
            weak.append(f"value {value['label']!r}")
    for item in record.get("disagreements", []):
        for view in item["views"]:
            if _secondary_only(view["sources"], types):
                weak.append(f"view {view['value'][:60]!r} on {item['topic'][:60]!r}")
    for item in record.get("corrections", []):
        if _secondary_only(item["sources"], types):
            weak.append(f"correction of {item['claim'][:60]!r}")
    return weak


def value_is_weak(record: dict[str, Any], ids: Iterable[str]) -> bool:
    return _secondary_only(ids, source_types(record))


def warnings(records: Iterable[dict[str, Any]], bibliography: Iterable[dict[str, Any]]) -> list[str]:
    """One line per problem: untyped sources, and facts or entries that rest only on secondary web pages."""
    out: list[str] = []
    untyped = [s["id"] for s in bibliography if not s.get("type")]
    if untyped:
        shown = ", ".join(untyped[:5]) + (f" and {len(untyped) - 5} more" if len(untyped) > 5 else "")
        out.append(f"{len(untyped)} source(s) have no 'type' (primary study, review, guideline, textbook, "
                   f"reference site or secondary web): {shown}")
    for record in records:
        for fact in weak_facts(record):
            out.append(f"{record['id']}: {fact} rests only on secondary web sources; cite a primary source")
    return out
