"""Flashcards generated from knowledge-base records (pure: records in, cards out).

Every card has a stable id built from the entity id and the question (``semitendinosus:insertion:recall``),
so a student's history follows the knowledge base as it changes: a new fact yields a new card, a fact that
disappears retires its card, and the wording of a card may be improved without losing its reviews.

Question types:
  recall    type the answer to a field ("Where does semitendinosus insert?")
  reverse   name the entity from a fact ("Which hamstring inserts on the fibular head?")
  choice    pick the value of a field among values of the same field of entities of the same kind
  vignette  a clinical picture (who, where it hurts, signs) -> which condition?
  compare   which of two entities of the same kind has a given value
Distractors and option order depend only on the card id, so the same card always reads the same.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

QTYPES: tuple[str, ...] = ("recall", "reverse", "choice", "vignette", "compare")
MAX_OPTIONS = 4
MIN_OPTIONS = 3
EXPLANATION_LIMIT = 240

Record = dict[str, Any]


@dataclass(frozen=True)
class Card:
    id: str
    entity: str
    kind: str
    qtype: str
    field: str
    prompt: str
    answer: str
    explanation: str
    accepted: tuple[str, ...] = ()
    rejected: tuple[str, ...] = ()
    options: tuple[str, ...] = ()
    correct: tuple[int, ...] = ()
    entities: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    source: str = ""
    answer_ids: tuple[str, ...] = ()
    parts: tuple[tuple[str, ...], ...] = ()
    part_ids: tuple[tuple[str, ...], ...] = ()

    @property
    def front(self) -> str:
        """The question as one block of text (the options numbered from 1)."""
        if not self.options:
            return self.prompt
        lines = [self.prompt, *(f"{i}. {o}" for i, o in enumerate(self.options, 1))]
        return "\n".join(lines)

    @property
    def back(self) -> str:
        return f"{self.answer}\n{self.explanation}"

    @property
    def tags(self) -> list[str]:
        """Flashcard-tool tags: no spaces, hierarchical with '::'."""
        tags = [f"hamknee::{self.kind}", f"entity::{self.entity}", f"type::{self.qtype}"]
        tags += [f"region::{r}" for r in self.regions]
        return [re.sub(r"\s+", "_", t) for t in tags]


def stable_hash(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


def _ordered(items: Iterable[str], salt: str) -> list[str]:
    """A shuffle that depends only on the salt and the items, never on a random generator."""
    return sorted(items, key=lambda item: (stable_hash(f"{salt}|{item}"), item))


def _names(record: Record) -> list[str]:
    return [record["name"], *record.get("aliases", [])]


def _mask(text: str, record: Record, aliases: bool = True) -> str:
    """Hide the entity's own names in a text that is shown as a clue."""
    masked = text
    for name in sorted(_names(record) if aliases else [record["name"]], key=len, reverse=True):
        if len(name) < 3:
            continue
        masked = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", "…", masked, flags=re.IGNORECASE)
    return masked


_ABBREVIATIONS = ("e.g.", "i.e.", "et al.", "vs.", "cf.", "approx.", "fig.", "no.", "st.", "dr.")


def _first_sentence(text: str, limit: int = 240) -> str:
    """Up to the first full stop that ends a sentence: not inside brackets, not after 'e.g.' or 'et al.'."""
    one = " ".join(text.split())
    depth = 0
    end = len(one)
    for i, ch in enumerate(one):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif (ch in ".!?" and depth == 0
              and (i + 1 == len(one) or (one[i + 1] == " " and i + 2 < len(one) and one[i + 2].isupper()))
              and not one[: i + 1].lower().endswith(_ABBREVIATIONS)):
            end = i + 1
            break
    sentence = one[:end]
    if len(sentence) <= limit:
        return sentence
    cut = sentence[: limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(",;:") + "…"


def _source(record: Record) -> str:
    sources = record.get("sources") or []
    if not sources:
        return ""
    s = sources[0]
    who = s.get("authors") or s.get("publisher") or ""
    link = f"https://doi.org/{s['doi']}" if s.get("doi") else s.get("url", "")
    return f"{s['title']}. {who}. {s['year']}. {link}".strip()


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def _lc(text: str) -> str:
    """Lower-case the first letter of a value used inside a sentence, unless it is an acronym."""
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


class _Deck:
    def __init__(self, records: Iterable[Record]) -> None:
        self.by_id: dict[str, Record] = {r["id"]: r for r in records}
        self.by_kind: dict[str, list[Record]] = {}
        for r in sorted(self.by_id.values(), key=lambda r: r["id"]):
            self.by_kind.setdefault(r["kind"], []).append(r)
        self.cards: list[Card] = []
        self._seen: set[str] = set()

    def names(self, ident: str) -> list[str]:
        record = self.by_id.get(ident)
        return _names(record) if record else []

    def name(self, ident: str) -> str:
        record = self.by_id.get(ident)
        return str(record["name"]) if record else ident

    def regions(self, record: Record) -> tuple[str, ...]:
        found: list[str] = list(record.get("felt_at", []))
        for link in record.get("relations", []):
            if link.get("kind") == "region":
                found.append(link["target"])
        if record["kind"] == "muscle":
            site = (record.get("insertion") or {}).get("site")
            if site in self.by_id:
                found += self.regions(self.by_id[site]) if self.by_id[site]["kind"] != "muscle" else []
        if record["kind"] == "region":
            found.append(record["id"])
        side, level = record.get("side"), record.get("level")
        if side and level == "knee" and f"{side}-knee" in self.by_id:
            found.append(f"{side}-knee")
        return tuple(dict.fromkeys(r for r in found if r in self.by_id))

    def add(self, card: Card) -> None:
        if card.id not in self._seen:
            self._seen.add(card.id)
            if len(card.explanation) > EXPLANATION_LIMIT:  # one line after the answer; the rest is on `explain`
                card = replace(card, explanation=_first_sentence(card.explanation, EXPLANATION_LIMIT))
            self.cards.append(card)


def _get(record: Record, path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        if isinstance(value, list):
            value = value[0] if value else None
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, str):
        return " ".join(value.split()) or None
    return value


# -- recall and reverse: typed answers that name an entity ----------------------------------------------

_SITE_QUESTIONS = {"insertion": "Where does {name} insert?", "origin": "Where does {name} arise (its origin)?"}


def _recall(deck: _Deck) -> None:
    for m in deck.by_kind.get("muscle", []):
        for part, question in _SITE_QUESTIONS.items():
            site = (m.get(part) or {}).get("site")
            if not site or site not in deck.by_id:
                continue
            others = [a for a in deck.by_kind.get(deck.by_id[site]["kind"], []) if a["id"] != site]
            detail = " ".join(m[part]["detail"].split())
            deck.add(Card(
                id=f"{m['id']}:{part}:recall", entity=m["id"], kind="muscle", qtype="recall", field=part,
                prompt=question.format(name=m["name"]), answer=deck.name(site),
                explanation=f"{m['name']} {'inserts on' if part == 'insertion' else 'arises from'}: {detail}",
                accepted=tuple(deck.names(site)), rejected=tuple(n for a in others for n in _names(a)),
                entities=(m["id"], site), regions=deck.regions(m), source=_source(m),
            ))
        nerve = m.get("innervation") or {}
        if nerve.get("nerve"):
            text = " ".join(nerve["nerve"].split())
            plain = _plain_nerve(text)
            head = plain.split(" of the ")[0]
            accepted = [text, plain, head]
            # The nerve entity's names count when the text names that nerve ("Tibial division ..." and the
            # tibial nerve), not when it names a division of it ("... of the sciatic nerve").
            named = deck.by_id.get(nerve.get("nerve_id") or "")
            if named and _words(named["name"]) <= _words(head):
                accepted += _names(named)
            other_texts = {_plain_nerve((o.get("innervation") or {}).get("nerve", ""))
                           for o in deck.by_kind.get("muscle", [])} - {plain, ""}
            rejected = [t for o in sorted(other_texts) for t in (o, o.split(" of the ")[0])]
            roots = f" ({nerve['roots']})" if nerve.get("roots") else ""
            deck.add(Card(
                id=f"{m['id']}:innervation:recall", entity=m["id"], kind="muscle", qtype="recall",
                field="innervation", prompt=f"Which nerve supplies {m['name']}?", answer=text + roots,
                explanation=f"{m['name']} is innervated by the {_lc(text)}{roots}.",
                accepted=tuple(dict.fromkeys(accepted)), rejected=tuple(rejected),
                entities=(m["id"], *([nerve["nerve_id"]] if nerve.get("nerve_id") else [])),
                regions=deck.regions(m), source=_source(m),
            ))
    regions = deck.by_kind.get("region", [])
    for c in deck.by_kind.get("condition", []):
        felt = [r for r in c.get("felt_at", []) if r in deck.by_id]
        if not felt:
            continue
        where = " ".join(c.get("pain_location", "").split())
        deck.add(Card(
            id=f"{c['id']}:felt_at:recall", entity=c["id"], kind="condition", qtype="recall", field="felt_at",
            prompt=f"In which region of the knee or thigh is the pain of {c['name']} felt?",
            answer=", ".join(deck.name(r) for r in felt), explanation=where or c["summary"],
            accepted=tuple(n for r in felt for n in deck.names(r)),
            rejected=tuple(n for r in regions if r["id"] not in felt for n in _names(r)),
            entities=(c["id"], *felt), regions=deck.regions(c), source=_source(c),
        ))


def _reverse(deck: _Deck) -> None:
    muscles = deck.by_kind.get("muscle", [])
    for part, verb in (("insertion", "inserts on"), ("origin", "arises from")):
        by_site: dict[str, list[Record]] = {}
        for m in muscles:
            site = (m.get(part) or {}).get("site")
            if site in deck.by_id:
                by_site.setdefault(site, []).append(m)
        for site, found in sorted(by_site.items()):
            hamstrings = [m for m in found if m.get("group") == "hamstring"]
            answers, noun = (hamstrings, "hamstring") if hamstrings else (found, "muscle")
            site_name = deck.name(site)
            prompt = (f"Which {noun} {verb} the {_lc(site_name)}?" if len(answers) == 1 else
                      f"Name a {noun} that {verb} the {_lc(site_name)}.")
            answer_ids = [m["id"] for m in answers]
            all_names = ", ".join(m["name"] for m in answers)
            deck.add(Card(
                id=f"{site}:{'insertion-of' if part == 'insertion' else 'origin-of'}:reverse", entity=site,
                kind=deck.by_id[site]["kind"], qtype="reverse", field=f"{part}-of", prompt=prompt,
                answer=all_names if len(answers) == 1 else f"Any of: {all_names}",
                explanation=f"{answers[0]['name']} {verb}: {' '.join(answers[0][part]['detail'].split())}"
                if len(answers) == 1 else f"{noun.capitalize()}s that {verb} the {_lc(site_name)}: {all_names}.",
                accepted=tuple(n for m in answers for n in _names(m)),
                rejected=tuple(n for m in muscles if m["id"] not in answer_ids for n in _names(m)),
                entities=(site, *answer_ids), regions=deck.regions(deck.by_id[site]),
                source=_source(answers[0]),
            ))
    conditions = deck.by_kind.get("condition", [])
    for region in deck.by_kind.get("region", []):
        found = [c for c in conditions if region["id"] in c.get("felt_at", [])]
        if not found:
            continue
        ids = [c["id"] for c in found]
        deck.add(Card(
            id=f"{region['id']}:site-of:reverse", entity=region["id"], kind="region", qtype="reverse",
            field="site-of", prompt=f"Name a condition whose pain is felt at the {_lc(region['name'])}.",
            answer=f"Any of: {', '.join(c['name'] for c in found)}",
            explanation=f"Felt at the {_lc(region['name'])}: {', '.join(c['name'] for c in found)}.",
            accepted=tuple(n for c in found for n in _names(c)),
            rejected=tuple(n for c in conditions if c["id"] not in ids for n in _names(c)),
            entities=(region["id"], *ids), regions=(region["id"],), source=_source(region),
        ))
    for kind, records in deck.by_kind.items():
        # A region's summary is its name in other words ("the back of the knee"): no clue to mask.
        if len(records) < 2 or kind == "region":
            continue
        for r in records:
            clue = _mask(" ".join(r["summary"].split()), r)
            if clue.count("…") > 2:
                continue  # a summary that is mostly the name is no clue
            noun = "term" if kind == "concept" else kind
            deck.add(Card(
                id=f"{r['id']}:summary:reverse", entity=r["id"], kind=kind, qtype="reverse", field="summary",
                prompt=f"Which {noun} is this? {clue}", answer=r["name"],
                explanation=f"{r['name']}: {' '.join(r['summary'].split())}",
                accepted=tuple(_names(r)),
                rejected=tuple(n for o in records if o["id"] != r["id"] for n in _names(o)),
                entities=(r["id"],), regions=deck.regions(r), source=_source(r),
            ))


# -- multiple choice -------------------------------------------------------------------------------------

# kind -> (card field name, value path, question); values come from the same field of the same kind.
_CHOICE_FIELDS: dict[str, list[tuple[str, str, str]]] = {
    "muscle": [
        ("insertion", "insertion.detail", "Where does {name} insert?"),
        ("origin", "origin.detail", "Where does {name} arise?"),
        ("innervation", "innervation.nerve", "Which nerve supplies {name}?"),
    ],
    "attachment": [("location", "location", "Where is the {name}?")],
    "structure": [
        ("location", "location", "Where is the {name}?"),
        ("function", "function", "What does the {name} do?"),
    ],
    "region": [("location", "location", "Which description matches the {name}?")],
    "condition": [
        ("pain_location", "pain_location", "Where is the pain of {name} typically felt?"),
        ("mechanism", "mechanism", "What is the mechanism of {name}?"),
        ("key-test", "tests.name", "What is the key clinical test for {name}?"),
    ],
    "concept": [("summary", "summary", "Which statement describes {name}?")],
}


def _similarity(a: Record, b: Record) -> int:
    """How plausible b is as a distractor for a: entities that share group, side, level or region."""
    score = 0
    for key in ("group", "category", "side", "level", "structure_type", "attachment_type", "protocol"):
        if a.get(key) is not None and a.get(key) == b.get(key):
            score += 1
    score += len(set(a.get("felt_at", [])) & set(b.get("felt_at", [])))
    score += 2 * len(set(a.get("applies_to", [])) & set(b.get("applies_to", [])))
    return score


_FILLER = frozenset({"a", "an", "the", "of", "to", "and", "or", "in", "on", "at", "by", "with", "its", "is", "nerve",
                     "usually", "part"})


def _words(text: str) -> frozenset[str]:
    """The words that carry a value's meaning; bracketed remarks are qualifiers, not the value."""
    return frozenset(w for w in _norm(_plain_nerve(text)).split() if w not in _FILLER)


def _overlapping(a: str, b: str) -> bool:
    """One value says all the other says ("Tibial nerve" inside "Tibial division of the sciatic nerve")."""
    wa, wb = _words(a), _words(b)
    return not wa or not wb or wa <= wb or wb <= wa


def _pick_distractors(card_id: str, subject: Record, candidates: list[tuple[Record, str]], correct: str,
                      limit: int) -> list[str]:
    """Values of other entities, most plausible first; never one that could also be right.

    A value whose words are all in the right one, or that holds all the right one's words, is as good as
    right ("Palpation" against "Palpation of the distal tendon"), so it is left out rather than marked wrong;
    so is a near-copy of a distractor already picked.
    """
    ranked = sorted(candidates, key=lambda c: (-_similarity(subject, c[0]), stable_hash(f"{card_id}|{c[0]['id']}")))
    picked: list[str] = []
    for _, value in ranked:
        if not any(_overlapping(value, other) for other in (correct, *picked)):
            picked.append(value)
        if len(picked) >= limit:
            break
    return picked


def _choice(deck: _Deck) -> None:
    for kind, fields in _CHOICE_FIELDS.items():
        records = deck.by_kind.get(kind, [])
        for name, path, question in fields:
            values = {r["id"]: _get(r, path) for r in records}
            for r in records:
                value = values[r["id"]]
                if not isinstance(value, str):
                    continue
                card_id = f"{r['id']}:{name}:choice"
                # Entities attached at the same site, or supplied by the same nerve, describe the same thing
                # in other words: both answers would be right.
                same = _same_key(name)
                mine = same(r)
                others = [(o, _option(str(values[o["id"]]), o)) for o in records
                          if o["id"] != r["id"] and isinstance(values[o["id"]], str)
                          and not (mine and same(o) == mine)]
                shown = _option(value, r)
                distractors = _pick_distractors(card_id, r, others, shown, MAX_OPTIONS - 1)
                if len(distractors) + 1 < MIN_OPTIONS:
                    continue
                options = _ordered([shown, *distractors], card_id)
                deck.add(Card(
                    id=card_id, entity=r["id"], kind=kind, qtype="choice", field=name,
                    prompt=question.format(name=r["name"]), answer=shown,
                    explanation=_explain_field(r, name), accepted=(shown,), rejected=tuple(distractors),
                    options=tuple(options), correct=(options.index(shown),), entities=(r["id"],),
                    regions=deck.regions(r), source=_source(r),
                ))


def _same_key(name: str) -> Callable[[Record], str | None]:
    def key(r: Record) -> str | None:
        if name in _SITE_QUESTIONS:
            return (r.get(name) or {}).get("site")  # type: ignore[no-any-return]
        if name == "innervation":
            return (r.get("innervation") or {}).get("nerve_id")  # type: ignore[no-any-return]
        return None
    return key


def _option(value: str, r: Record) -> str:
    """An answer option: the value's first sentence, without the entity's own name."""
    return _mask(_first_sentence(value, limit=220), r, aliases=False)


def _next_phase(deck: _Deck) -> None:
    phases = deck.by_kind.get("phase", [])
    for p in phases:
        following = [link["target"] for link in p.get("relations", [])
                     if link["type"] == "precedes" and link["direction"] == "out" and link["target"] in deck.by_id]
        if len(following) != 1:
            continue
        nxt = deck.by_id[following[0]]
        card_id = f"{p['id']}:next:choice"
        others = [(o, o["name"]) for o in phases if o["id"] not in (p["id"], nxt["id"])]
        distractors = _pick_distractors(card_id, p, others, nxt["name"], MAX_OPTIONS - 1)
        if len(distractors) + 1 < MIN_OPTIONS:
            continue
        options = _ordered([nxt["name"], *distractors], card_id)
        deck.add(Card(
            id=card_id, entity=p["id"], kind="phase", qtype="choice", field="next",
            prompt=f"Which phase comes after the {_lc(p['name'])}?", answer=nxt["name"],
            explanation=_first_sentence(f"{nxt['name']}: {' '.join(nxt['summary'].split())}", limit=300),
            accepted=tuple(_names(nxt)), rejected=tuple(n for o, _ in others for n in _names(o)),
            options=tuple(options), correct=(options.index(nxt["name"]),), entities=(p["id"], nxt["id"]),
            regions=deck.regions(p), source=_source(p),
        ))


def _explain_field(r: Record, name: str) -> str:
    if name in ("insertion", "origin") and (r.get(name) or {}).get("at_knee"):
        return f"At the knee: {' '.join(r[name]['at_knee'].split())}"
    if name == "key-test" and r.get("tests"):
        return _first_sentence(f"{r['tests'][0]['name']}: {r['tests'][0]['description']}")
    return _first_sentence(" ".join(r["summary"].split()))


# -- clinical vignettes ------------------------------------------------------------------------------------

def _vignette(deck: _Deck) -> None:
    conditions = deck.by_kind.get("condition", [])
    for c in conditions:
        if not (c.get("pain_location") and c.get("signs")):
            continue
        card_id = f"{c['id']}:vignette"
        parts = []
        if c.get("population"):
            parts.append(f"Typical patient: {_mask(_first_sentence(c['population']), c)}")
        parts.append(f"Pain: {_mask(_first_sentence(c['pain_location']), c)}")
        signs = "; ".join(_mask(" ".join(s.split()), c) for s in c["signs"][:2])
        parts.append(f"On examination: {signs}.".replace("..", "."))
        differentials = set(c.get("differentials", [])) | {
            link["target"] for link in c.get("relations", []) if link["type"] in ("differential-of", "mimics",
                                                                                 "mimicked-by")}

        def plausibility(o: Record, c: Record = c, differentials: set[str] = differentials,
                         card_id: str = card_id) -> tuple[int, int]:
            score = 4 if o["id"] in differentials else 0
            score += 2 * len(set(o.get("felt_at", [])) & set(c.get("felt_at", [])))
            score += 1 if o.get("category") == c.get("category") else 0
            return (-score, stable_hash(f"{card_id}|{o['id']}"))

        others = sorted((o for o in conditions if o["id"] != c["id"]), key=plausibility)
        distractors = [o["name"] for o in others[: MAX_OPTIONS - 1]]
        if len(distractors) + 1 < MIN_OPTIONS:
            continue
        options = _ordered([c["name"], *distractors], card_id)
        deck.add(Card(
            id=card_id, entity=c["id"], kind="condition", qtype="vignette", field="vignette",
            prompt=" ".join(parts) + " Which condition is most likely?", answer=c["name"],
            explanation=_first_sentence(" ".join(c["summary"].split())), accepted=tuple(_names(c)),
            rejected=tuple(n for o in others for n in _names(o)), options=tuple(options),
            correct=(options.index(c["name"]),), entities=(c["id"],),
            regions=deck.regions(c), source=_source(c),
        ))


# -- comparisons ------------------------------------------------------------------------------------------

def _plain_nerve(text: str) -> str:
    """A nerve as a short phrase: without parenthesized remarks."""
    return " ".join(re.sub(r"\s*\([^)]*\)", "", text).split())


def _compare_specs(deck: _Deck) -> list[tuple[str, str, Callable[[Record], list[str]], Callable[[str], str]]]:
    def nerve(r: Record) -> list[str]:
        # Only a single nerve makes a clean question; "dual" or per-head supplies are left to the study page.
        supply = r.get("innervation") or {}
        text = _plain_nerve(supply.get("nerve") or "")
        if not text or any(mark in text for mark in (":", ";", " and ", "Dual")):
            return []
        return [f"{supply.get('nerve_id') or ''}|{text}"]

    def site(part: str) -> Callable[[Record], list[str]]:
        def get(r: Record) -> list[str]:
            ident = (r.get(part) or {}).get("site")
            return [deck.name(ident)] if ident in deck.by_id else []
        return get

    def felt(r: Record) -> list[str]:
        return [deck.name(x) for x in r.get("felt_at", []) if x in deck.by_id]

    def side(r: Record) -> list[str]:
        return [r["side"]] if r.get("side") in ("medial", "lateral") else []

    return [
        ("muscle", "innervation", nerve, lambda v: f"Which of these two is innervated by the {_lc(v)}?"),
        ("muscle", "insertion", site("insertion"), lambda v: f"Which of these two inserts on the {_lc(v)}?"),
        ("muscle", "origin", site("origin"), lambda v: f"Which of these two arises from the {_lc(v)}?"),
        ("condition", "felt_at", felt, lambda v: f"Which of these two is felt at the {_lc(v)}?"),
        ("attachment", "side", side, lambda v: f"Which of these two is on the {v} side?"),
        ("structure", "side", side, lambda v: f"Which of these two is on the {v} side?"),
    ]


def _key(value: str) -> str:
    """What makes two values the same: the nerve id when there is one, else the words."""
    head, sep, _ = value.partition("|")
    return head if sep and head else _norm(value)


def _shown(value: str) -> str:
    return value.partition("|")[2] if "|" in value else value


def _compare(deck: _Deck) -> None:
    for kind, name, values, question in _compare_specs(deck):
        records = deck.by_kind.get(kind, [])
        for a in records:
            mine = values(a)
            if not mine:
                continue
            partners = []
            for b in records:
                theirs = values(b)
                if b["id"] == a["id"] or not theirs:
                    continue
                distinct = [v for v in mine if _key(v) not in {_key(t) for t in theirs}]
                if distinct:
                    partners.append((-_similarity(a, b), stable_hash(f"{a['id']}|{b['id']}|{name}"), b, distinct[0]))
            if not partners:
                continue
            _, _, b, value = min(partners, key=lambda p: (p[0], p[1]))
            card_id = f"{a['id']}:{name}:compare:{b['id']}"
            options = _ordered([a["name"], b["name"]], card_id)
            a_value = "; ".join(_shown(v) for v in mine)
            b_value = "; ".join(_shown(v) for v in values(b))
            deck.add(Card(
                id=card_id, entity=a["id"], kind=kind, qtype="compare", field=name, prompt=question(_shown(value)),
                answer=a["name"], explanation=f"{a['name']}: {a_value}. {b['name']}: {b_value}.",
                accepted=tuple(_names(a)), rejected=tuple(_names(b)), options=tuple(options),
                correct=(options.index(a["name"]),), entities=(a["id"], b["id"]),
                regions=tuple(dict.fromkeys(deck.regions(a) + deck.regions(b))), source=_source(a),
            ))


def generate(records: Iterable[Record]) -> list[Card]:
    """Every card the records support, in a stable order."""
    deck = _Deck(records)
    for step in (_recall, _reverse, _choice, _next_phase, _vignette, _compare):
        step(deck)
    return deck.cards


def select(cards: Iterable[Card], *, kinds: set[str] | None = None, entity: str | None = None,
           region: str | None = None, qtype: str | None = None) -> list[Card]:
    """Cards about a topic: a kind, an entity (as subject or answer) or a region."""
    chosen = []
    for card in cards:
        if kinds and card.kind not in kinds:
            continue
        if entity and entity not in card.entities:
            continue
        if region and region not in card.regions and region not in card.entities:
            continue
        if qtype and card.qtype != qtype:
            continue
        chosen.append(card)
    return chosen
