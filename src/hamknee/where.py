"""What hurts where: the conditions felt in a region, grouped the way a clinician works through them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hamknee.kb import KnowledgeBase

# Group key -> (title, the condition categories it holds), in the order they are read.
GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "hamstring-related": ("Hamstring-related", ("hamstring-related",)),
    "rule-out": ("Knee and other problems to rule out", ("knee", "other")),
    "red-flag": ("Red flags: refer", ("red-flag",)),
}


def _row(record: dict[str, Any]) -> dict[str, Any]:
    tests = record.get("tests") or []
    signs = record.get("signs") or []
    return {
        "id": record["id"],
        "name": record["name"],
        "category": record["category"],
        "key_sign": signs[0] if signs else None,
        "key_test": tests[0]["name"] if tests else None,
    }


def where(kb: KnowledgeBase, term: str) -> dict[str, Any]:
    """The region a term names and the conditions felt there, by group; raises NotFoundError."""
    region = kb.lookup(term, kind="region")
    felt = [r for r in kb.records("condition") if region["id"] in r.get("felt_at", [])]
    groups = []
    for key, (title, categories) in GROUPS.items():
        rows = [_row(r) for r in felt if r["category"] in categories]
        groups.append({"group": key, "title": title, "conditions": rows})
    return {"region": region["id"], "name": region["name"], "side": region.get("side"),
            "level": region.get("level"), "groups": groups}
