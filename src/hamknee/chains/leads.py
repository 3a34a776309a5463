"""What an entry leads to: the conditions whose mechanism chains start at it or pass through it.

`why` explains a condition or a region; asked about a muscle ("why semitendinosus?") a student wants the
other direction: which conditions this muscle leads to, and the command that shows each chain. The
chains are the ones `why CONDITION` shows, so both answers always agree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hamknee.chains import mechanism

if TYPE_CHECKING:
    from hamknee.kb import KnowledgeBase


def members(kb: KnowledgeBase, ident: str) -> set[str]:
    """The entry and its parts (biceps femoris and its two heads; the hamstrings and every member)."""
    found = {ident}
    for rtype, target, _note in kb.section("graph").get(ident, ()):
        if rtype == "has-part":
            found.add(target)
    return found


def leads_to(kb: KnowledgeBase, record: dict[str, Any], depth: int = mechanism.WHY_DEPTH) -> dict[str, Any]:
    """The conditions the entry's mechanism chains reach, shortest first, each with its best chain."""
    wanted = members(kb, record["id"])
    found: list[dict[str, Any]] = []
    for condition in kb.records("condition"):
        answer = mechanism.explain(kb, condition, per_start=1, depth=depth)
        # A chain that starts at the entry (or one of its parts) is the one to show; else one through it.
        starting = [g["chains"][0] for g in answer["from"]
                    if {g["start"], *(part["start"] for part in g["parts"])} & wanted]
        passing = [g["chains"][0] for g in answer["from"]
                   if any(hop["from"] in wanted for hop in g["chains"][0])]
        chains = starting or passing
        if chains:
            found.append({"condition": condition["id"], "name": condition["name"],
                          "category": condition["category"], "steps": len(chains[0]), "chain": chains[0],
                          "ask": f"hamknee why {condition['id']}"})
    found.sort(key=lambda item: item["steps"])
    return {"entry": record["id"], "name": record["name"], "kind": record["kind"], "depth": depth,
            "leads_to": found}
