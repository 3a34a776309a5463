"""Mechanism chains: how a hamstring leads to a condition, as a sequence of steps a teacher would accept.

A chain starts at a hamstring (a muscle of the group, or a concept such as weak hamstrings that stands
for the group) and reads from cause to effect. Each step is a relation read in its own direction, and its
role (see ``vocab.ROLE``) decides where in the chain it may stand:

    chain     := continuity* (mechanical | clinical)+ ending in a clinical step at the condition
    continuity: the muscle to its own tendon, attachment or whole (forms, inserts on, originates from, part of)
    mechanical: one thing acting on another (pulls on, compresses, irritates, stretches, stabilizes, refers pain to)
    clinical  : a structure involved in a condition, or one condition leading to another

So a chain may pass from the muscle along its own tendon to the structure it acts on, and from there to
the condition, but it never

- steps through a contrast (confused with, mimics) or a catalogue link (a test, a treatment, an action);
- uses a risk factor as a link: an association is reported beside the chains, labelled as one;
- moves between neighbours (overlies, crosses): lying next to something does not make it ill;
- passes through a hub (a region, a joint or space, a group or catalogue of many entries), because a hub
  joins things that do not cause each other: "biceps femoris stabilizes the knee joint, the knee joint
  is affected in osteoarthritis" is two true facts and a false mechanism;
- passes through more than one other condition on the way.

The search is one breadth-first pass backwards from the condition over (entity, grammar state) pairs,
then a walk forwards from each start that only takes steps still able to reach the condition in the steps
left: the cost is bounded by the chains returned, not by the size of the knowledge base.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from hamknee.chains.graph import Chain, Graph, hop, hubs, with_notes
from hamknee.chains.regions import felt_ids, region_for
from hamknee.errors import NotFoundError
from hamknee.vocab import INVERSE

if TYPE_CHECKING:
    from hamknee.kb import KnowledgeBase

WHY_DEPTH = 6
CONTINUITY = frozenset({"originates-from", "inserts-on", "forms", "part-of"})
MECHANICAL = frozenset({"pulls-on", "compresses", "irritates", "stretches", "stabilizes", "refers-pain-to"})
CLINICAL = frozenset({"affected-in", "inflamed-in", "causes", "contributes-to"})
STEPS = CONTINUITY | MECHANICAL | CLINICAL
MAX_CONDITIONS_BETWEEN = 1
# Concepts that stand for the hamstrings as a whole in `why`, when the knowledge base has them.
HAMSTRING_CONCEPTS = ("tight-hamstrings", "weak-hamstrings")

# Grammar states: along the muscle's own tendon, after a mechanical step, at a condition.
ALONG, ACTED, AT_CONDITION = 0, 1, 2
State = tuple[str, int, int]  # (entity, grammar state, conditions passed through)


def _next_phase(phase: int, rtype: str) -> int | None:
    if rtype in CONTINUITY:
        return ALONG if phase == ALONG else None
    if rtype in MECHANICAL:
        return ACTED
    if rtype in CLINICAL:
        return AT_CONDITION
    return None


class Walker:
    """Mechanism chains into one condition, from any start."""

    def __init__(self, kb: KnowledgeBase, goal: str, depth: int = WHY_DEPTH) -> None:
        self.kb = kb
        self.goal = goal
        self.depth = depth
        self.graph: Graph = kb.section("graph")
        self.hubs = hubs(kb)
        self.kinds = {e["id"]: e["kind"] for e in kb.catalog()}
        self.dist = self._distances()
        self._involved: dict[str, set[str]] = {}

    def involved(self, condition: str) -> set[str]:
        """The muscles a condition is recorded to affect, with the parts of an affected whole or group."""
        if condition not in self._involved:
            found: set[str] = set()
            for rtype, target, _note in self.graph.get(condition, ()):
                if rtype == "affects":
                    found.add(target)
                    found.update(t for r, t, _ in self.graph.get(target, ()) if r == "has-part")
            self._involved[condition] = {m for m in found if self.kinds.get(m) in ("muscle", "concept")}
        return self._involved[condition]

    def _allowed(self, node: str, rtype: str, target: str, visited: set[str]) -> bool:
        """A condition at a bony attachment is a muscle's problem only if the condition involves that muscle.

        "Adductor magnus arises from the ischial tuberosity, which is affected in proximal hamstring
        tendinopathy" is a neighbour sharing a bone, not a mechanism; for semimembranosus, whose tendon the
        condition affects, the same two steps keep the chain at the sitting bone.
        """
        if rtype not in CLINICAL or self.kinds.get(node) != "attachment":
            return True
        return bool(self.involved(target) & visited)

    def _arrive(self, node: str, conditions: int) -> int | None:
        """Conditions passed through after arriving at ``node``, or None if it may not stand in a chain."""
        if node == self.goal:
            return conditions
        if node in self.hubs:
            return None
        if self.kinds.get(node) == "condition":
            conditions += 1
        return conditions if conditions <= MAX_CONDITIONS_BETWEEN else None

    def _distances(self) -> dict[State, int]:
        dist: dict[State, int] = {}
        queue: deque[State] = deque()
        for count in range(MAX_CONDITIONS_BETWEEN + 1):
            dist[(self.goal, AT_CONDITION, count)] = 0
            queue.append((self.goal, AT_CONDITION, count))
        while queue:
            state = queue.popleft()
            node, phase, count = state
            step = dist[state] + 1
            if step > self.depth:
                continue
            inc = 0 if node == self.goal else int(self.kinds.get(node) == "condition")
            before = count - inc
            if before < 0:
                continue
            # The graph holds both directions: an edge out of ``node``, inverted, is an edge into it.
            for back, source, _note in self.graph.get(node, ()):
                rtype = INVERSE.get(back, "")
                if rtype not in STEPS or source == self.goal:
                    continue
                for prior in (ALONG, ACTED, AT_CONDITION):
                    if _next_phase(prior, rtype) != phase:
                        continue
                    key = (source, prior, before)
                    if key not in dist:
                        dist[key] = step
                        queue.append(key)
        return dist

    def chains(self, start: str, cap: int = 400) -> list[Chain]:
        """Every mechanism chain from ``start`` within the depth (at most ``cap``), unranked."""
        found: list[Chain] = []
        if (start, ALONG, 0) not in self.dist:
            return found
        visited = {start}
        hops: Chain = []

        def walk(node: str, phase: int, count: int, left: int) -> None:
            if len(found) >= cap:
                return
            # Two relations between the same pair ("forms" and "inserts on") make one chain, not two: the step
            # taken is the one that says most (a mechanism, then a written explanation).
            best: dict[str, tuple[tuple[bool, bool, str], str, int, int, str | None]] = {}
            for rtype, target, note in self.graph.get(node, ()):
                if rtype not in STEPS or target in visited:
                    continue
                phase2 = _next_phase(phase, rtype)
                if phase2 is None:
                    continue
                count2 = self._arrive(target, count)
                if count2 is None:
                    continue
                reach = self.dist.get((target, phase2, count2))
                if reach is None or reach > left - 1 or not self._allowed(node, rtype, target, visited):
                    continue
                key = (rtype not in MECHANICAL, not note, rtype)
                if target not in best or key < best[target][0]:
                    best[target] = (key, rtype, phase2, count2, note)
            for target, (_key, rtype, phase2, count2, note) in sorted(best.items()):
                hops.append(hop(node, rtype, target, note))
                if target == self.goal:
                    if phase2 == AT_CONDITION:
                        found.append(list(hops))
                else:
                    visited.add(target)
                    walk(target, phase2, count2, left - 1)
                    visited.discard(target)
                hops.pop()

        walk(start, ALONG, 0, self.depth)
        return found


def hamstring_starts(kb: KnowledgeBase) -> list[str]:
    """Where `why` starts: every hamstring muscle, and the concepts that stand for the whole group."""
    starts = [entry["id"] for entry in kb.catalog("muscle") if entry.get("group") == "hamstring"]
    known = {entry["id"] for entry in kb.catalog("concept")}
    starts += [ident for ident in HAMSTRING_CONCEPTS if ident in known]
    return starts


def rank_key(kb: KnowledgeBase, chain: Chain) -> tuple[Any, ...]:
    """Mechanism first, then shortest, then best explained and best sourced."""
    mechanical = any(h["relation"] in MECHANICAL for h in chain)
    unexplained = sum(1 for h in chain if not h["note"])
    sources = sum(len(kb.get(h["to"]).get("sources", [])) for h in chain[:-1])
    return (not mechanical, len(chain), unexplained, -sources, [h["to"] for h in chain])


def _only_adds_steps(walker: Walker, better: set[str], entries: set[str]) -> bool:
    """True if a chain through ``entries`` holds every entry of a better chain and no other condition."""
    return better <= entries and not any(walker.kinds.get(e) == "condition" for e in entries - better)


def mechanism_chains(kb: KnowledgeBase, goal: str, starts: list[str], depth: int = WHY_DEPTH) -> dict[str, list[Chain]]:
    """For each start that reaches ``goal``, its mechanism chains, best first (notes filled in)."""
    walker = Walker(kb, goal, depth)
    result: dict[str, list[Chain]] = {}
    for start in starts:
        if start == goal:
            continue
        chains = walker.chains(start)
        # A condition that involves the muscle itself is explained by that involvement, so a detour through
        # another condition is dropped: "semitendinosus is affected in proximal tendinopathy, which irritates
        # the sciatic nerve, which is affected in an avulsion" adds nothing true to "semitendinosus arises from
        # the tuberosity it is avulsed from". A condition that does not involve the muscle can come about in
        # more than one way, and a detour is then a second mechanism: the biceps tendon compresses the common
        # fibular nerve in squatting, and its avulsion in a posterolateral corner injury stretches the nerve.
        direct = [c for c in chains if not any(walker.kinds.get(h["to"]) == "condition" for h in c[:-1])]
        if direct and start in walker.involved(goal):
            chains = direct
        ranked = sorted(with_notes(kb, chains or direct), key=lambda c: rank_key(kb, c))
        # A chain that holds every entry of a better one only adds steps ("arises from the tuberosity" in
        # front of "is affected in proximal tendinopathy"): each chain shown says something different. A
        # chain that adds another condition on the way is a different mechanism, not extra steps.
        kept: list[Chain] = []
        for chain in ranked:
            entries = {h["to"] for h in chain}
            if not any(_only_adds_steps(walker, {h["to"] for h in better}, entries) for better in kept):
                kept.append(chain)
        if kept:
            result[start] = kept
    return result


def associations(kb: KnowledgeBase, condition: str, starts: list[str]) -> list[dict[str, Any]]:
    """The risk factors recorded for a condition: associations, never steps of a mechanism."""
    names = {e["id"]: e["name"] for e in kb.catalog()}
    rows = []
    for rtype, target, note in kb.section("graph").get(condition, ()):
        if rtype != "has-risk-factor":
            continue
        rows.append({"factor": target, "name": names.get(target, target), "relation": "risk-factor-for",
                     "label": "is a risk factor for", "role": "association", "note": note,
                     "from_hamstrings": target in starts})
    rows.sort(key=lambda r: (not r["from_hamstrings"], r["name"].lower()))
    return rows


def end_regions(kb: KnowledgeBase, chain: Chain) -> list[str]:
    """Where the pain of a chain's own end is felt: the regions its last step names, else the condition's.

    Distal tendinopathy is felt medially in its semimembranosus form and laterally in its biceps form; the
    knowledge base says so on the link between the condition and each muscle, so a chain is placed by its
    own end, not by everywhere its condition can be felt.
    """
    last = chain[-1]
    condition = kb.get(last["to"])
    everywhere = list(condition.get("felt_at", []))
    narrowed: set[str] = set()
    for link in condition.get("relations", []):
        if link["target"] == last["from"]:
            narrowed.update(link.get("felt_at", ()))
    if not narrowed:
        return everywhere
    return [r for r in everywhere if r in narrowed] + sorted(narrowed - set(everywhere))


def _fold_parts(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fold a start whose chains only add "is part of" in front of another start's chains into that start.

    "Long head is part of biceps femoris; biceps femoris is affected in ..." says nothing the biceps femoris
    chain does not: it is shown once, as the whole's, with the parts named.
    """
    shown = {g["start"]: g for g in groups}
    kept = []
    for group in groups:
        tails = [c[1:] for c in group["chains"] if c[0]["relation"] == "part-of"]
        whole = shown.get(group["chains"][0][0]["to"])
        if (whole is not None and whole is not group and len(tails) == len(group["chains"])
                and all(tail in whole["chains"] for tail in tails)):
            whole.setdefault("parts", []).append({"start": group["start"], "name": group["name"]})
            continue
        kept.append(group)
    for group in kept:
        group.setdefault("parts", [])
    return kept


def explain(kb: KnowledgeBase, condition: dict[str, Any], per_start: int = 3,
            depth: int = WHY_DEPTH) -> dict[str, Any]:
    """The mechanism chains from every hamstring to one condition, with its associations and where it is felt."""
    starts = hamstring_starts(kb)
    names = {entry["id"]: entry["name"] for entry in kb.catalog()}
    found = mechanism_chains(kb, condition["id"], starts, depth)
    for chains in found.values():
        for chain in chains:
            chain[-1]["felt_at"] = end_regions(kb, chain)
    groups = [{"start": s, "name": names[s], "steps": len(found[s][0]), "chains": found[s][:per_start]}
              for s in starts if s in found]
    # Among equally good chains the knowledge base's own order decides: a condition lists the muscles it
    # affects commonest first, so the usual distal biceps femoris tear comes before the rare semimembranosus one.
    written = [t for rtype, t, _note in kb.section("graph").get(condition["id"], ()) if rtype == "affects"]

    def order(group: dict[str, Any]) -> tuple[Any, ...]:
        key = rank_key(kb, group["chains"][0])
        first = written.index(group["start"]) if group["start"] in written else len(written)
        return (*key[:-1], first, key[-1])

    groups.sort(key=order)
    groups = _fold_parts(groups)
    return {
        "condition": condition["id"], "name": condition["name"], "category": condition["category"],
        "depth": depth, "from": groups,
        "associations": associations(kb, condition["id"], starts),
        "felt_at": [{"region": r, "name": names.get(r, r)} for r in condition.get("felt_at", [])],
        "referred": [{"region": target, "name": names.get(target, target), "note": note}
                     for rtype, target, note in kb.section("graph").get(condition["id"], ())
                     if rtype == "refers-pain-to"],
        "unreachable": [s for s in starts if s not in found],
    }


def why(kb: KnowledgeBase, term: str, per_start: int = 3, depth: int = WHY_DEPTH) -> dict[str, Any]:
    """Why a condition, or why pain in a region: mechanism chains from the hamstrings.

    Raises NotFoundError if the term names neither a condition nor a region. "No hamstring mechanism" is an
    answer, not an error: it comes back with empty chains, like any other.
    """
    ident = kb.resolve(term)
    record = kb.get(ident) if ident is not None else None
    if record is not None and record["kind"] == "condition":
        return explain(kb, record, per_start, depth)
    region = region_for(kb, term)
    if region is None:
        suggestions = [i for i in kb.suggest(term) if kb.get(i)["kind"] in ("condition", "region")]
        raise NotFoundError(term, suggestions, what="condition or region", command="why")
    return felt_in(kb, region, per_start, depth)


def _ending_in(answer: dict[str, Any], region: str) -> dict[str, Any]:
    """The answer with only the chains whose own end is felt in ``region``."""
    groups = []
    for group in answer["from"]:
        chains = [c for c in group["chains"] if region in c[-1]["felt_at"]]
        if chains:
            groups.append(dict(group, chains=chains, steps=len(chains[0])))
    return dict(answer, **{"from": groups})


def felt_in(kb: KnowledgeBase, region: dict[str, Any], per_start: int = 3, depth: int = WHY_DEPTH) -> dict[str, Any]:
    """The conditions felt in a region that the hamstrings lead to, each with the chains that end there.

    A hamstring-related condition is listed even when none of its chains ends in the region (it is still
    felt there); any other condition is listed only for a chain that does. One with no chain but a hamstring
    risk factor (tight hamstrings and patellofemoral pain) is listed as an association, labelled as one; the
    rest are named as ones to rule out.
    """
    here = set(felt_ids(kb, region["id"]))
    felt = [e for e in kb.catalog("condition") if e["id"] in here]
    conditions = []
    associated = []
    others = []
    for entry in felt:
        answer = _ending_in(explain(kb, kb.get(entry["id"]), per_start, depth), region["id"])
        if entry.get("category") == "hamstring-related" or answer["from"]:
            conditions.append(answer)
        else:
            rows = [a for a in answer["associations"] if a["from_hamstrings"]]
            if rows:
                associated.append({"condition": entry["id"], "name": entry["name"], "category": entry["category"],
                                   "associations": rows})
            others.append(entry)
    # Conditions with a mechanism from the hamstrings first, most direct first.
    conditions.sort(key=lambda a: (not a["from"], min((len(g["chains"][0]) for g in a["from"]), default=99),
                                   a["name"].lower()))
    return {"region": region["id"], "name": region["name"], "conditions": conditions, "associated": associated,
            "also_felt_here": [{"condition": r["id"], "name": r["name"], "category": r["category"]}
                               for r in others]}
