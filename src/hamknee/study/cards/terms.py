"""Cards on terms and phases: name the entry a definition describes, and the phase that comes next.

A definition is a clue only when none of the words of the entry's name or its aliases appear in it:
such words are hidden, and a definition that would lose more than one word is not asked (two gaps in a
sentence make a puzzle, not a question). Phases and compound concepts are not asked from their definition:
their names are headings ("Tendinopathy loading stage 1: isometric loading", "Hamstrings as ACL agonists"),
not terms a student is expected to recall; their authored cards ask the facts instead.
"""

from __future__ import annotations

import re

from hamknee.study.cards.base import (
    MAX_OPTIONS,
    MIN_OPTIONS,
    Card,
    Facts,
    Record,
    first_sentence,
    names,
    one_line,
    ordered,
    plain,
    source_lines,
)

_SMALL = frozenset({"the", "a", "an", "of", "and", "or", "to", "in", "on", "at", "by", "for", "with", "as", "is",
                    "its", "vs", "after", "from", "knee", "muscle", "muscles",
                    # the kind of thing a name is gives nothing away: "the femoral nerve", "the intracapsular ligament"
                    "nerve", "nerves", "ligament", "ligaments", "joint", "joints", "imaging"})
_NOUN = {"concept": "term", "condition": "condition", "structure": "structure", "attachment": "landmark",
         "muscle": "muscle", "phase": "phase"}


def name_words(record: Record) -> set[str]:
    """The words of an entry's names that would give it away in a clue."""
    found: set[str] = set()
    for n in names(record):
        for w in re.findall(r"[a-z0-9]+", n.lower()):
            if w not in _SMALL and len(w) > 2:
                found.add(w)
                if w.endswith("s"):
                    found.add(w[:-1])
    return found


_SUFFIX = re.compile(r"(?:ions?|ors?|ed|ing|es|s)$")


def _root(word: str) -> str:
    """A word without its ending: 'flexion' and 'flexors' are both 'flex', so neither is left as a clue."""
    root = _SUFFIX.sub("", word)
    return root if len(root) >= 4 else word


# A hidden word of the name is shown as a blank to fill, and the question says so: "that runs ..... across"
# read as a sentence with a word missing.
BLANK = "_____"
_BLANK_SAID = " (The blank is a word of its name.)"


def _hide(text: str, words: set[str]) -> tuple[str, int]:
    count = 0
    stems = {w[:6] for w in words if len(w) >= 6}
    roots = {_root(w) for w in words}

    def sub(match: re.Match[str]) -> str:
        nonlocal count
        word = match.group(0).lower()
        stem = word[:-1] if word.endswith("s") else word
        if word in words or stem in words or (len(word) >= 6 and word[:6] in stems) or _root(word) in roots:
            count += 1
            return BLANK
        return match.group(0)

    return re.sub(r"[A-Za-z0-9]+", sub, text), count


def _filled(clue: str, record: Record) -> bool:
    """A blank next to a word of the name the clue keeps ("crosses _____ joints" for the two-joint muscle): the
    blank and its neighbour are the name, a puzzle already solved."""
    said = {w for n in names(record) for w in re.findall(r"[a-z0-9]+", n.lower())}
    near = re.findall(rf"([A-Za-z]+)[\s-]+{BLANK}", clue) + re.findall(rf"{BLANK}[\s-]+([A-Za-z]+)", clue)
    return any(w.lower().rstrip("s") in said or w.lower() in said for w in near)


def phase_forms(record: Record) -> list[str]:
    """A phase also answers to its short name ('Repair phase') and its number ('Phase II')."""
    found: list[str] = []
    name = record["name"]
    if " of " in name:
        found.append(name.split(" of ")[0])
    for gloss in re.findall(r"\(([^)]*)\)", name):
        m = re.search(r"\b(Phase|Stage)\s+([IVX0-9]+)\b", gloss, re.IGNORECASE)
        if m:
            found.append(f"{m.group(1)} {m.group(2)}")
    m = re.search(r"\b(stages?)\s+([0-9]+(?:-[0-9]+)?)", name, re.IGNORECASE)
    if m:
        found.append(f"{m.group(1)} {m.group(2)}")
    if ":" in name:
        found.append(name.split(":", 1)[1].strip())
    return found


# A name that joins two ideas, or heads a comparison, is a title rather than a term.
_COMPOUND = re.compile(r"\s(?:vs\.?|versus|as|and|&)\s|:", re.IGNORECASE)
MAX_GAPS = 1


def is_heading(record: Record) -> bool:
    """A name made up as a heading: a phase's, or a compound concept's ('Tendinopathy vs strain vs bursitis')."""
    return record["kind"] == "phase" or bool(_COMPOUND.search(plain(record["name"])))


def summary_cards(facts: Facts, add: list[Card]) -> None:
    for kind in ("concept", "condition", "structure"):
        for r in facts.by_kind.get(kind, []):
            if is_heading(r):
                continue
            clue, hidden = _hide(first_sentence(one_line(r["summary"])), name_words(r))
            if hidden > MAX_GAPS or len(re.findall(r"[A-Za-z]{3,}", clue)) < 6 or _filled(clue, r):
                continue
            lines = source_lines(r)
            why = next((p for p in r.get("key_points", []) if p), "")
            the = "" if kind == "condition" else "the "  # "describes patellar tendinopathy", "the ACL"
            add.append(Card(
                id=f"{r['id']}:summary:reverse", entity=r["id"], kind=kind, qtype="reverse", field="summary",
                prompt=f"Which {_NOUN[kind]} is this? {clue}" + (_BLANK_SAID if hidden else ""),
                answer=plain(r["name"]),
                # One sentence, so that the key point survives the cut to the first sentence: the answer
                # alone tells the student nothing the answer line does not.
                explanation=first_sentence(
                    f"That describes {the}{facts.lc(plain(r['name']))}: {facts.lc(why)}" if why else
                    f"That describes {the}{facts.lc(plain(r['name']))}."),
                accepted=tuple(phase_forms(r)) if kind == "phase" else (),
                answer_ids=(r["id"],), entities=(r["id"],), source=(lines or ("",))[0], sources=lines,
            ))


_AUTHORS = re.compile(r"^([A-Z][A-Za-z'-]+)((?:,? [A-Z][A-Za-z'-]+)*)( et al\.)?,? (\d{4})\b")


def scheme(record: Record) -> str:
    """Whose numbering a phase follows ('Goom et al. (2016)'), when its protocol names authors and a year.

    Rehabilitation schemes number their stages differently; the question says which one it asks about.
    """
    m = _AUTHORS.match(record.get("protocol") or "")
    if not m or m.group(1).lower() in record["name"].lower():
        return ""
    several = bool(m.group(2) or m.group(3))
    return f"{m.group(1)}{' et al.' if several else ''} ({m.group(4)})"


_NUMBERED = re.compile(r"^\w+ (?:Phase|Stage)s? [IVX0-9]+(?:-[IVX0-9]+)? of (.+)$", re.IGNORECASE)


def _label(record: Record) -> str:
    """A phase's option text without its number ('Stretch and strengthen' for 'Pes anserine bursitis, phase 2:
    stretch and strengthen'; 'Early, protective phase of hamstring strain rehabilitation' for 'Heiderscheit
    Phase I of ... (early, protective)'): with the number, 'phase 2' follows 'phase 1' by counting alone."""
    name = plain(record["name"])
    if ":" in name:
        label = name.split(":", 1)[1].strip()
        return label[:1].upper() + label[1:]
    gloss = re.findall(r"\(([^)]*)\)", record["name"])
    m = _NUMBERED.match(name)
    if m and gloss:
        return f"{gloss[-1][:1].upper()}{gloss[-1][1:]} phase of {m.group(1)}"
    return name


def next_phase_cards(facts: Facts, add: list[Card]) -> None:
    phases = facts.by_kind.get("phase", [])
    by_protocol: dict[str, list[Record]] = {}
    for p in phases:
        by_protocol.setdefault(p.get("protocol", ""), []).append(p)
    followed = {link["target"] for p in phases for link in p.get("relations", [])
                if link["type"] == "precedes" and link["direction"] == "out"}
    for p in phases:
        following = [link["target"] for link in p.get("relations", [])
                     if link["type"] == "precedes" and link["direction"] == "out" and link["target"] in facts.by_id]
        # Only a published scheme's order is a fact to learn ("Goom et al. 2016"); a staging of general advice
        # made for the knowledge base ("staged into phases by hamknee") is no question.
        if len(following) != 1 or not _AUTHORS.match(p.get("protocol") or ""):
            continue
        nxt = facts.by_id[following[0]]
        card_id = f"{p['id']}:next:choice"
        same = [o for o in by_protocol.get(p.get("protocol", ""), []) if o["id"] not in (p["id"], nxt["id"])]
        # Another scheme's phase is a distractor only when it opens its scheme: a later stage of another
        # scheme ("energy-storage loading" after progressive loading) may well be what comes next.
        others = same + [o for o in facts.candidates("phase", card_id) if o not in same and
                         o["id"] not in (p["id"], nxt["id"]) and o["id"] not in followed]
        picked = others[: MAX_OPTIONS - 1]
        if len(picked) + 1 < MIN_OPTIONS:
            continue
        numbered = [nxt, *picked]
        shown = {o["id"]: _label(o) for o in numbered}
        if len(set(shown.values())) < len(numbered):
            shown = {o["id"]: plain(o["name"]) for o in numbered}
        key = shown[nxt["id"]]
        options = ordered(list(shown.values()), card_id)
        by_label = {v: k for k, v in shown.items()}
        notes = tuple(f"{plain(nxt['name'])} follows the {facts.lc(plain(p['name']))}." if o == key else
                      f"{plain(facts.by_id[by_label[o]]['name'])} is not the phase that follows the "
                      f"{facts.lc(plain(p['name']))}." for o in options)
        lines = source_lines(p)
        add.append(Card(
            id=card_id, entity=p["id"], kind="phase", qtype="choice", field="next",
            prompt=(f"In the scheme of {who}, which" if (who := scheme(p)) else "Which")
            + f" phase comes next, straight after the {facts.lc(plain(p['name']))}?", answer=key,
            explanation=first_sentence(f"{plain(nxt['name'])}: {one_line(nxt['summary'])}"),
            accepted=tuple(phase_forms(nxt)), answer_ids=(nxt["id"],), options=tuple(options),
            correct=(options.index(key),), option_notes=notes, entities=(p["id"], nxt["id"]),
            source=(lines or ("",))[0], sources=lines,
        ))
