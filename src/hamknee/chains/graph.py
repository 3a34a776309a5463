"""Chains of typed relations: the shortest ways one entry of the knowledge base leads to another.

The compiled ``graph`` section lists every relation in both directions, so one breadth-first search from
the goal gives each entity's distance to it. Walking from a start along strictly decreasing distance then
yields exactly the shortest chains and never wanders: the cost of a query is one bounded search plus the
chains it returns, whatever the size of the knowledge base.

``path`` may cross any relation: it answers "how are these two connected?", not "what causes what?".
Each step carries its role, so a contrast ("is confused with") or an association ("is a risk factor
for") is shown as what it is. Mechanisms, with their grammar, are in ``hamknee.chains.mechanism``.
"""

from __future__ import annotations

import weakref
from collections import deque
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from hamknee.errors import ExitCode, HamkneeError, UsageProblem
from hamknee.vocab import INVERSE, LABEL, RELATIONS, ROLE

if TYPE_CHECKING:
    from hamknee.kb import KnowledgeBase

Edge = Sequence[Any]  # (relation type, target id, note or None), as compiled
Graph = dict[str, list[Edge]]
Hop = dict[str, Any]  # {from, relation, label, to, note}
Chain = list[Hop]

DEFAULT_DEPTH = 8
# Links that say two things are alike, co-located or catalogued together (one test diagnoses many
# conditions, one action is performed by many muscles): a teacher explains through them last.
WEAK = frozenset({
    "related-to", "differential-of", "mimics", "mimicked-by", "site-of", "location-of",
    "diagnosed-with", "diagnoses", "treated-with", "treats", "measures", "measured-by", "precedes", "follows",
    "example-of", "has-example", "prevents", "prevented-by", "performs", "performed-by", "has-part",
})
# Roles a reader must not take for a cause: marked in a path.
NOT_A_CAUSE = frozenset({"contrast", "association"})
# Structure types that gather many unrelated things (a joint, a space): hubs, never a cause.
HUB_STRUCTURES = frozenset({"joint", "space"})
# An entry with this many parts, examples, or conditions it diagnoses or treats, or actions performed by it
# is a group or a catalogue (the hamstrings, MRI, knee flexion): a hub too.
HUB_LINKS = frozenset({"has-part", "has-example", "diagnoses", "treats", "performed-by", "measures"})
HUB_FAN_OUT = 3


class NoChainError(HamkneeError):
    exit_code = ExitCode.NOT_FOUND


_HUBS: weakref.WeakKeyDictionary[KnowledgeBase, frozenset[str]] = weakref.WeakKeyDictionary()


def hubs(kb: KnowledgeBase) -> frozenset[str]:
    """Entries that join many things which do not cause each other: regions, joints, spaces, groups, catalogues.

    "Biceps femoris stabilizes the knee joint; the knee joint is affected in osteoarthritis" is two true
    steps and no mechanism: a chain through a hub connects, it does not explain.
    """
    if kb in _HUBS:
        return _HUBS[kb]
    found = {e["id"] for e in kb.catalog("region")}
    for entry in kb.catalog("structure"):
        # The catalogue carries the type; a cache written before it did is read record by record.
        kind = entry.get("structure_type") or kb.get(entry["id"]).get("structure_type")
        if kind in HUB_STRUCTURES:
            found.add(entry["id"])
    for ident, edges in kb.section("graph").items():
        fan_out: dict[str, int] = {}
        for rtype, _target, _note in edges:
            if rtype in HUB_LINKS:
                fan_out[rtype] = fan_out.get(rtype, 0) + 1
        if any(count >= HUB_FAN_OUT for count in fan_out.values()):
            found.add(ident)
    _HUBS[kb] = frozenset(found)
    return _HUBS[kb]


def hop(start: str, rtype: str, target: str, note: str | None) -> Hop:
    return {"from": start, "relation": rtype, "label": LABEL.get(rtype, rtype), "role": ROLE.get(rtype, "catalogue"),
            "to": target, "note": note}


def edge_cost(rtype: str, note: str | None) -> int:
    """Lower is preferred among equally short chains: anatomical direction, a written note, strong links."""
    cost = 0
    if rtype in WEAK or ROLE.get(rtype) in NOT_A_CAUSE:
        cost += 4
    if rtype not in RELATIONS:  # an inverse: read against the direction the relation was written in
        cost += 2
    if not note:
        cost += 1
    return cost


def distances(graph: Graph, goal: str, depth: int, only: frozenset[str] | None = None) -> dict[str, int]:
    """Number of steps from each entity within ``depth`` to ``goal``.

    The graph holds both directions, so the edges out of a node, inverted, are the edges into it. With
    ``only``, a step counts only if its relation, read towards the goal, is one of those types.
    """
    dist = {goal: 0}
    queue = deque([goal])
    while queue:
        node = queue.popleft()
        step = dist[node] + 1
        if step > depth:
            continue
        for rtype, target, _note in graph.get(node, ()):
            if only is not None and INVERSE.get(rtype) not in only:
                continue
            if target not in dist:
                dist[target] = step
                queue.append(target)
    return dist


def _best_edges(graph: Graph, node: str, dist: dict[str, int],
                only: frozenset[str] | None) -> list[tuple[int, str, str, str | None]]:
    """The next steps towards the goal from ``node``: one best edge per neighbour, best first."""
    here = dist[node]
    best: dict[str, tuple[int, str, str, str | None]] = {}
    for rtype, target, note in graph.get(node, ()):
        if dist.get(target) != here - 1 or (only is not None and rtype not in only):
            continue
        candidate = (edge_cost(rtype, note), target, rtype, note)
        if target not in best or candidate < best[target]:
            best[target] = candidate
    return sorted(best.values())


def _chains_from(graph: Graph, dist: dict[str, int], start: str, limit: int,
                 only: frozenset[str] | None = None) -> list[Chain]:
    """Up to ``limit`` shortest chains from ``start`` to the goal of ``dist``, cheapest first."""
    if start not in dist:
        return []
    # Enumerate a bounded number of candidates in greedy order, then rank them exactly.
    cap = max(limit * 20, 200)
    found: list[tuple[int, list[str], Chain]] = []
    nexts: dict[str, list[tuple[int, str, str, str | None]]] = {}

    def walk(node: str, cost: int, hops: Chain) -> None:
        if len(found) >= cap:
            return
        if dist[node] == 0:
            found.append((cost, [h["to"] for h in hops], list(hops)))
            return
        if node not in nexts:
            nexts[node] = _best_edges(graph, node, dist, only)
        for step_cost, target, rtype, note in nexts[node]:
            hops.append(hop(node, rtype, target, note))
            walk(target, cost + step_cost, hops)
            hops.pop()

    walk(start, 0, [])
    found.sort(key=lambda item: (item[0], item[1]))
    return [chain for _, _, chain in found[:limit]]


def shortest_chains(graph: Graph, start: str, goal: str, limit: int = 5,
                    depth: int = DEFAULT_DEPTH, avoid: frozenset[str] = frozenset()) -> list[Chain]:
    """The shortest chains of relations from ``start`` to ``goal`` (at most ``depth`` steps).

    A chain through one of ``avoid`` (the hubs) is dropped when an equally short chain avoids them all:
    it would only add a hub.
    """
    if start == goal:
        raise UsageProblem("FROM and TO are the same entry.", "Give two different entries.")
    chains = _chains_from(graph, distances(graph, goal, depth), start, max(limit * 4, 20))
    direct = [c for c in chains if not any(h["to"] in avoid for h in c[:-1])]
    return (direct or chains)[:limit]


def derived_note(kb: KnowledgeBase, hop: Hop) -> str | None:
    """For relations derived from fields (no written note), the field text that explains the step."""
    rtype = hop["relation"]
    pairs = {
        "inserts-on": ("from", "insertion"), "insertion-of": ("to", "insertion"),
        "originates-from": ("from", "origin"), "origin-of": ("to", "origin"),
        "innervated-by": ("from", "innervation"), "innervates": ("to", "innervation"),
        "felt-at": ("from", "pain_location"), "site-of": ("to", "pain_location"),
    }
    if rtype not in pairs:
        return None
    end, field = pairs[rtype]
    value = kb.get(hop[end]).get(field)
    if isinstance(value, dict):
        if field == "innervation":
            roots = value.get("roots")
            return f"{value['nerve']} ({roots})" if roots else str(value["nerve"])
        text = value.get("detail")
        return str(text).strip() if text else None
    return str(value).strip() if value else None


def with_notes(kb: KnowledgeBase, chains: Iterable[Chain]) -> list[Chain]:
    """Chains whose steps all carry the knowledge base's words where it has any."""
    result = []
    for chain in chains:
        result.append([dict(hop, note=hop["note"] or derived_note(kb, hop)) for hop in chain])
    return result


def path(kb: KnowledgeBase, start_term: str, goal_term: str, limit: int = 5,
         depth: int = DEFAULT_DEPTH) -> list[Chain]:
    """The shortest chains between two terms; raises NotFoundError or NoChainError."""
    start = kb.lookup(start_term)
    goal = kb.lookup(goal_term)
    chains = shortest_chains(kb.section("graph"), start["id"], goal["id"], limit=limit, depth=depth,
                             avoid=hubs(kb))
    if not chains:
        raise NoChainError(
            f"No chain of relations links {start['id']} to {goal['id']} within {depth} steps.",
            "Try 'hamknee explain' on each to see what they relate to.",
        )
    return with_notes(kb, chains)
