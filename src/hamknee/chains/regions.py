"""What hurts where: the conditions felt in a region, grouped the way a clinician works through them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hamknee.errors import NotFoundError
from hamknee.terms import normalize

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


# Words that make a region into a complaint: 'medial knee pain', 'pain behind the knee', 'sore back of the thigh'.
SYMPTOM_WORDS = frozenset({"pain", "pains", "painful", "ache", "aches", "aching", "achy", "hurts", "hurting",
                           "hurt", "sore", "soreness", "tender", "tenderness", "discomfort", "my", "i", "have",
                           "feel", "felt"})
SIDE_WORDS = {"inside": "medial", "inner": "medial", "outside": "lateral", "outer": "lateral"}
_LEADING = ("in", "at", "on", "around", "of", "the")


def region_for(kb: KnowledgeBase, term: str) -> dict[str, Any] | None:
    """The region a term names, read as a place or as a complaint about one; None if it names none."""
    candidates = [term]
    words = [w for w in normalize(term).split("-") if w]
    kept = [w for w in words if w not in SYMPTOM_WORDS]
    while kept and kept[0] in _LEADING:
        kept = kept[1:]
    if kept and kept != words:
        # The place without the complaint first: 'front of the knee pain' is the front of the knee, not a
        # misspelling of it.
        candidates.insert(0, " ".join(kept))
    # Everyday sides: the inside of the knee is its medial side, the outside its lateral side.
    sided = [w for w in normalize(" ".join(candidates[0].split())).split("-") if w]
    sided = [SIDE_WORDS.get(w, w) for w in sided]
    if sided != [w for w in normalize(candidates[0]).split("-") if w]:
        candidates.insert(0, " ".join(sided))
    # How a candidate was understood is said only for the one that names the region.
    said = kb.on_note
    found: dict[str, Any] | None = None
    with kb.held_notes() as notes:
        for candidate in candidates:
            notes.clear()
            found = _region_named(kb, candidate)
            if found is not None:
                break
    if found is not None and said is not None:
        for note in notes:
            said(note)
    return found


def _region_named(kb: KnowledgeBase, candidate: str) -> dict[str, Any] | None:
    ident = kb.resolve(candidate)
    if ident is None:
        return None
    if kb.get(ident)["kind"] == "region":
        return kb.get(ident)
    # A landmark is not a region, but it lies in one: 'sit bone' is the ischial tuberosity, felt in the buttock.
    places = [target for rtype, target, _note in kb.section("graph").get(ident, ())
              if rtype == "located-at" and kb.get(target)["kind"] == "region"]
    return kb.get(places[0]) if len(places) == 1 else None


def felt_ids(kb: KnowledgeBase, region: str) -> list[str]:
    """The conditions felt in a region, in the knowledge base's order, read from the graph, not the records."""
    here = {target for rtype, target, _note in kb.section("graph").get(region, ()) if rtype == "site-of"}
    return [e["id"] for e in kb.catalog("condition") if e["id"] in here]


def region_ids(kb: KnowledgeBase, level: str | None = None) -> list[str]:
    """The regions (of one level, such as the knee), in the knowledge base's order."""
    return [r["id"] for r in kb.records("region") if level is None or r.get("level") == level]


def whole_knee_menu(kb: KnowledgeBase, term: str, command: str) -> NotFoundError | None:
    """For 'knee' or 'knee pain', which name no one place: the knee's regions to choose from."""
    from hamknee.find import STOP_WORDS

    words = [w for w in normalize(term).split("-") if w and w not in SYMPTOM_WORDS and w not in STOP_WORDS]
    if words not in (["knee"], ["knees"]):
        return None
    menu = NotFoundError(term, region_ids(kb, "knee"), what="region", command=command)
    menu.message = f"'{' '.join(term.split())}' is pain anywhere at the knee: choose where it is felt."
    return menu


def where(kb: KnowledgeBase, term: str) -> dict[str, Any]:
    """The region a term names and the conditions felt there, by group; raises NotFoundError."""
    menu = whole_knee_menu(kb, term, "where")
    if menu is not None:
        raise menu
    region = region_for(kb, term)
    if region is None:
        raise NotFoundError(term, kb.suggest(term, "region"), what="region", command="where")
    felt = kb.get_many(felt_ids(kb, region["id"]))
    groups = []
    for key, (title, categories) in GROUPS.items():
        rows = [_row(r) for r in felt if r["category"] in categories]
        groups.append({"group": key, "title": title, "conditions": rows})
    return {"region": region["id"], "name": region["name"], "side": region.get("side"),
            "level": region.get("level"), "groups": groups}
