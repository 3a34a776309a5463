"""Chains of typed relations: the shortest ways one entry of the knowledge base leads to another.

The compiled ``graph`` section lists every relation in both directions, so one breadth-first search from
the goal gives each entity's distance to it. Walking from a start along strictly decreasing distance then
yields exactly the shortest chains and never wanders: the cost of a query is one bounded search plus the
chains it returns, whatever the size of the knowledge base.

``path`` may cross any relation: it answers "how are these two connected?", not "what causes what?".
Each step carries its role and a mark, so that a step that links without causing reads as what it is:
a contrast ("is confused with"), an association ("is a risk factor for"), a pass through a hub or a
region ("stabilizes the knee joint, which is affected in osteoarthritis"), two things that only
share a neighbour, a nerve, an action, a treatment, a test, a cause or an effect, or a step that on its own
says where something is, what it goes with, or how it is tested or treated. One thing is never done: a
condition reached from one of its places is not left for another ("semimembranosus is affected in distal
tendinopathy, which is located at the fibular head" is false, the fibular head being the biceps form's
place). Mechanisms, with their grammar, are in ``hamknee.chains.mechanism``.
"""

from __future__ import annotations

import weakref
from collections import deque
from collections.abc import Container, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from hamknee.errors import ExitCode, HamkneeError, UsageProblem
from hamknee.vocab import INVERSE, LABEL, RELATIONS, ROLE

if TYPE_CHECKING:
    from hamknee.kb import KnowledgeBase

Edge = Sequence[Any]  # (relation type, target id, note or None), as compiled
Graph = Mapping[str, list[Edge]]
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
# Two steps that only say both sides are at, supplied by or doing the same thing ("semitendinosus is supplied
# by the tibial nerve, which supplies popliteus"): the second step is marked with the family's name.
SHARED: tuple[tuple[str, frozenset[str]], ...] = (
    ("neighbour", frozenset({"located-at", "inserts-on", "originates-from", "felt-at", "forms", "part-of",
                             "overlies", "lies-deep-to", "crosses", "crossed-by"})),
    ("shared nerve", frozenset({"innervated-by", "supplied-by", "branch-of"})),
    ("shared action", frozenset({"performs"})),
    ("shared treatment", frozenset({"treated-with", "prevented-by"})),
    ("shared test", frozenset({"diagnosed-with", "measured-by"})),
    # "Gastrocnemius strain is caused by eccentric contraction, which causes a hamstring avulsion": one cause
    # of two conditions, or two causes of one condition, or two things acting on one structure, join the two
    # ends without either acting on the other.
    ("shared cause", frozenset({"caused-by", "contributed-to-by"})),
    ("shared effect", frozenset({"causes", "contributes-to"})),
    ("shared target", frozenset({"irritates", "compresses", "stretches", "pulls-on", "stabilizes", "refers-pain-to"})),
)
# Sharing these says more than passing through a hub does (the tibial nerve supplies many muscles, MRI shows
# many conditions); a hub says more than sharing a neighbour, a cause or a structure acted on (the knee joint).
OUTRANK_HUB = frozenset({"shared nerve", "shared action", "shared treatment", "shared test"})
# A step that is true but says where something is, what it goes with or how it is handled, not what it does:
# marked on its own, because "semimembranosus is the location of Baker's cyst" is a place (the cyst lies
# between semimembranosus and the medial head of gastrocnemius), and "MCL injury is related to ACL
# injury" is two injuries that happen together, neither causing the other.
LOCATION = frozenset({"located-at", "location-of", "felt-at", "site-of"})
# "The short head is innervated by the common fibular nerve, which is affected in a fibular nerve injury": the
# nerve supplies the muscle, the muscle does not injure the nerve (the arrow of cause runs the other way).
SUPPLY = frozenset({"innervated-by", "innervates", "supplied-by", "supplies"})
CATALOGUE = frozenset({"diagnosed-with", "diagnoses", "treated-with", "treats", "prevents", "prevented-by",
                       "measures", "measured-by", "example-of", "has-example", "precedes", "follows",
                       "performs", "performed-by", "antagonist-of"})
# Lying next to something does not make it ill: the step after one of these starts from a neighbour.
NEIGHBOURS = frozenset({"overlies", "lies-deep-to", "crosses", "crossed-by"})
# What every mark means, in the one-line legend under a path.
MARKS: dict[str, str] = {
    "contrast": "tells two things apart",
    "association": "is a risk factor",
    "region": "passes through a region or space that both lie in",
    "hub": "passes through an entry that joins many unrelated things",
    "neighbour": "joins two things that only lie at or next to the same structure",
    "shared nerve": "joins two things that share a nerve",
    "shared action": "joins two things that share an action",
    "shared treatment": "joins two things treated or prevented the same way",
    "shared test": "joins two things found or measured by the same test",
    "shared cause": "joins two things that have the same cause",
    "shared effect": "joins two causes of the same thing",
    "shared target": "joins two things that act on the same structure",
    "location": "says where something is, not what causes it",
    "supply": "says which nerve or vessel supplies something, not what injures it",
    "co-occurrence": "joins two conditions that happen together or resemble each other, neither causing the other",
    "related": "says two things are related, not that one causes the other",
    "catalogue": "names a test, treatment, action, example or sequence, not a cause",
}
# A condition is where it is: entered from one of its places (a muscle affected in it, a bone it is located
# at) it may not be left for another, or "semimembranosus tendinopathy is located at the fibular head".
INTO_CONDITION = frozenset({"affected-in", "inflamed-in", "location-of", "site-of"})
OUT_OF_CONDITION = frozenset({"affects", "inflammation-of", "located-at", "felt-at"})
# Structure types that gather many unrelated things (a joint, a space): hubs, never a cause.
HUB_STRUCTURES = frozenset({"joint", "space"})
# An entry with this many parts, examples, or conditions it diagnoses or treats, or actions performed by it
# is a group or a catalogue (the hamstrings, MRI, knee flexion): a hub too.
HUB_LINKS = frozenset({"has-part", "has-example", "diagnoses", "treats", "performed-by", "measures"})
HUB_FAN_OUT = 3


class NoChainError(HamkneeError):
    exit_code = ExitCode.NOT_FOUND


class Hubs(Container[str]):
    """Membership in the hubs, worked out for the entries a search asks about.

    Which entries have the fan-out of a group or catalogue is decided from each one's own links when it is
    first asked about: reading the links of every entry would cost more than the whole search.
    """

    def __init__(self, fixed: frozenset[str], graph: Graph) -> None:
        self._fixed = fixed
        self._graph = graph
        self._known: dict[str, bool] = {}

    def __contains__(self, ident: object) -> bool:
        if ident in self._fixed:
            return True
        if not isinstance(ident, str):
            return False
        found = self._known.get(ident)
        if found is None:
            fan_out: dict[str, int] = {}
            for rtype, _target, _note in self._graph.get(ident, ()):
                if rtype in HUB_LINKS:
                    fan_out[rtype] = fan_out.get(rtype, 0) + 1
            found = self._known[ident] = any(count >= HUB_FAN_OUT for count in fan_out.values())
        return found


_HUBS: weakref.WeakKeyDictionary[KnowledgeBase, Hubs] = weakref.WeakKeyDictionary()


def hubs(kb: KnowledgeBase) -> Hubs:
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
    _HUBS[kb] = Hubs(frozenset(found), kb.section("graph"))
    return _HUBS[kb]


def places(kb: KnowledgeBase) -> frozenset[str]:
    """Regions and spaces (the popliteal fossa): hubs that are places."""
    found = {e["id"] for e in kb.catalog("region")}
    for entry in kb.catalog("structure"):
        if (entry.get("structure_type") or kb.get(entry["id"]).get("structure_type")) == "space":
            found.add(entry["id"])
    return frozenset(found)


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


State = tuple[str, bool]  # (entity, arrived at a condition from one of its places)


def _in_place(rtype: str, target: str, conditions: frozenset[str]) -> bool:
    return rtype in INTO_CONDITION and target in conditions


def _bridges(node: str, in_place: bool, rtype: str, conditions: frozenset[str]) -> bool:
    """Leaving a condition for one of its places after arriving from another: a bridge, not a link."""
    return in_place and rtype in OUT_OF_CONDITION and node in conditions


def distances(graph: Graph, goal: str, depth: int, conditions: frozenset[str] = frozenset()) -> dict[State, int]:
    """Number of steps from each (entity, state) within ``depth`` to ``goal``.

    The graph holds both directions, so the edges out of a node, inverted, are the edges into it. The state
    says whether the entity is a condition reached from one of its places, which it may then not leave by
    another: the search is exact under that rule, not a filter on its results.
    """
    dist: dict[State, int] = {(goal, False): 0, (goal, True): 0}
    states: deque[State] = deque([(goal, False)])
    while states:
        state = states.popleft()
        node, flag = state
        step = dist[state] + 1
        if step > depth:
            continue
        for back, source, _note in graph.get(node, ()):
            rtype = INVERSE[back]  # source --rtype--> node
            if node != goal and _in_place(rtype, node, conditions) != flag:
                continue
            for prior in (False, True):
                key = (source, prior)
                if key in dist or _bridges(source, prior, rtype, conditions):
                    continue
                dist[key] = step
                states.append(key)
    return dist


def _best_edges(graph: Graph, state: State, dist: dict[State, int],
                conditions: frozenset[str]) -> list[tuple[int, str, str, str | None, bool]]:
    """The next steps towards the goal from ``state``: one best edge per neighbour, best first."""
    node, flag = state
    here = dist[state]
    best: dict[str, tuple[int, str, str, str | None, bool]] = {}
    for rtype, target, note in graph.get(node, ()):
        if _bridges(node, flag, rtype, conditions):
            continue
        flag2 = _in_place(rtype, target, conditions)
        if dist.get((target, flag2)) != here - 1:
            continue
        candidate = (edge_cost(rtype, note), target, rtype, note, flag2)
        if target not in best or candidate < best[target]:
            best[target] = candidate
    return sorted(best.values())


def _chains_from(graph: Graph, dist: dict[State, int], start: str, limit: int,
                 conditions: frozenset[str] = frozenset()) -> list[Chain]:
    """Up to ``limit`` shortest chains from ``start`` to the goal of ``dist``, cheapest first."""
    if (start, False) not in dist:
        return []
    # Enumerate a bounded number of candidates in greedy order, then rank them exactly.
    cap = max(limit * 20, 200)
    found: list[tuple[int, list[str], Chain]] = []
    nexts: dict[State, list[tuple[int, str, str, str | None, bool]]] = {}

    def walk(state: State, cost: int, hops: Chain) -> None:
        if len(found) >= cap:
            return
        if dist[state] == 0:
            found.append((cost, [h["to"] for h in hops], list(hops)))
            return
        if state not in nexts:
            nexts[state] = _best_edges(graph, state, dist, conditions)
        for step_cost, target, rtype, note, flag2 in nexts[state]:
            hops.append(hop(state[0], rtype, target, note))
            walk((target, flag2), cost + step_cost, hops)
            hops.pop()

    walk((start, False), 0, [])
    found.sort(key=lambda item: (item[0], item[1]))
    return [chain for _, _, chain in found[:limit]]


def own_mark(step: Hop, conditions: frozenset[str]) -> str | None:
    """What a step says when it is read alone, if that is not a cause: a place, a relation, a catalogue entry."""
    rtype = step["relation"]
    if rtype in LOCATION:
        return "location"
    if rtype in SUPPLY:
        return "supply"
    if rtype == "related-to":
        return "co-occurrence" if step["from"] in conditions and step["to"] in conditions else "related"
    if rtype in CATALOGUE:
        return "catalogue"
    return None


def mark(chain: Chain, hub_ids: Container[str], place_ids: frozenset[str],
         conditions: frozenset[str] = frozenset()) -> Chain:
    """The chain with each step's mark: why it links the two sides without one causing the other, or None.

    A step is marked for what it does in the chain (a contrast, a pass through a region, a hub or a shared
    neighbour, nerve, action, treatment or test) and otherwise for what it says alone (a location, a
    relation, a catalogue entry); only anatomy along one structure, mechanisms and clinical steps go unmarked.
    """
    marked: Chain = []
    for i, step in enumerate(chain):
        label: str | None = step["role"] if step["role"] in NOT_A_CAUSE else None
        if label is None and i > 0:
            middle, before = step["from"], chain[i - 1]["relation"]
            after = INVERSE[step["relation"]]  # the next entry's relation to the middle one
            shared = [name for name, family in SHARED if before in family and after in family]
            if middle in place_ids:
                label = "region"
            elif shared and shared[0] in OUTRANK_HUB:
                label = shared[0]
            elif middle in hub_ids:
                label = "hub"
            elif shared:
                label = shared[0]
            elif before in NEIGHBOURS and not marked[-1]["mark"]:
                # Once a chain has moved to a neighbour, what the neighbour does is its own business.
                label = "neighbour"
        if label is None:
            label = own_mark(step, conditions)
        if label == "shared nerve" and marked[-1]["mark"] == "supply":
            # The shared nerve already says it: the step into the nerve needs no mark of its own.
            marked[-1]["mark"] = None
        marked.append(dict(step, mark=label))
    return marked


def shortest_chains(graph: Graph, start: str, goal: str, limit: int = 5,
                    depth: int = DEFAULT_DEPTH, avoid: Container[str] = frozenset(),
                    conditions: frozenset[str] = frozenset(),
                    place_ids: frozenset[str] = frozenset()) -> list[Chain]:
    """The shortest chains of relations from ``start`` to ``goal`` (at most ``depth`` steps), steps marked.

    A chain through one of ``avoid`` (the hubs) is dropped when an equally short chain avoids them all:
    it would only add a hub. Among the rest, chains with fewer marked steps come first.
    """
    if start == goal:
        raise UsageProblem("FROM and TO are the same entry.", "Give two different entries.")
    dist = distances(graph, goal, depth, conditions)
    chains = [mark(c, avoid, place_ids, conditions)
              for c in _chains_from(graph, dist, start, max(limit * 4, 20), conditions)]
    direct = [c for c in chains if not any(h["to"] in avoid for h in c[:-1])]
    ranked = sorted(direct or chains, key=lambda c: sum(1 for h in c if h["mark"]))
    return ranked[:limit]


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
    conditions = frozenset(e["id"] for e in kb.catalog("condition"))
    chains = shortest_chains(kb.section("graph"), start["id"], goal["id"], limit=limit, depth=depth,
                             avoid=hubs(kb), conditions=conditions, place_ids=places(kb))
    if not chains:
        raise NoChainError(
            f"No chain of relations links {start['id']} to {goal['id']} within {depth} steps.",
            "Try 'hamknee explain' on each to see what they relate to.",
        )
    return with_notes(kb, chains)
