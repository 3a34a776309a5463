"""The card, and the facts index every card generator reads: built once per knowledge base, in linear time.

A card's key must be true and its distractors false by the knowledge base's own facts. The generators
never compare every entity with every other: ``Facts`` indexes each fact once (value -> entities: a site
to the muscles attached there, a nerve to the muscles it supplies, a name to its entity) and each card
looks its key and its candidate distractors up there.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from hamknee.terms import normalize

Record = dict[str, Any]

MAX_OPTIONS = 4
MIN_OPTIONS = 3
EXPLANATION_LIMIT = 240
_LONGEST_NAME = 8  # words; a mention longer than this is not looked for


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
    option_notes: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    self_graded: bool = False
    authored: bool = False
    # Right but less precise (the sciatic nerve for its tibial division; the ligament for its injury): taken,
    # with the precise answer shown.
    broader: tuple[str, ...] = ()
    broader_ids: tuple[str, ...] = ()
    # Close (right, rated Hard): (what a student may say, the accepted answer it stands for), such as a test
    # that an accepted test's detail names.
    close: tuple[tuple[str, str], ...] = ()
    # Wrong (or, when the flag is set, partly right) with a reason: (answer, why, partly), such as the whole
    # biceps femoris where only its long head is supplied by the nerve asked.
    hints: tuple[tuple[str, str, bool], ...] = ()

    @property
    def front(self) -> str:
        """The question as one block of text (the options numbered from 1)."""
        if not self.options:
            return self.prompt
        return "\n".join([self.prompt, *(f"{i}. {o}" for i, o in enumerate(self.options, 1))])

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


def ordered(items: Iterable[str], salt: str) -> list[str]:
    """A shuffle that depends only on the salt and the items, never on a random generator."""
    return sorted(items, key=lambda item: (stable_hash(f"{salt}|{item}"), item))


def names(record: Record) -> list[str]:
    return [record["name"], *record.get("aliases", [])]


_BRACKETED = re.compile(r"\s*\([^()]*(?:\([^()]*\)[^()]*)*\)")


def plain(text: str) -> str:
    """One line, without bracketed remarks."""
    return " ".join(_BRACKETED.sub("", text).split())


def one_line(text: str) -> str:
    return " ".join(text.split())


_ABBREVIATIONS = ("e.g.", "i.e.", "et al.", "vs.", "cf.", "approx.", "fig.", "no.", "st.", "dr.")


# Where a sentence may end, and the brackets that say whether it can end there.
_SENTENCE_MARKS = re.compile(r"[()\[\].!?]")


def first_sentence(text: str, limit: int = EXPLANATION_LIMIT) -> str:
    """Up to the first full stop that ends a sentence; a longer sentence ends at its last clause that fits."""
    one = one_line(text[: limit * 2 + 2])  # nothing past the limit is ever shown
    depth = 0
    end = len(one)
    # Only brackets and stops are looked at (the rest of the text cannot end a sentence): a large
    # knowledge base cuts tens of thousands of explanations.
    for match in _SENTENCE_MARKS.finditer(one):
        i = match.start()
        ch = one[i]
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif (depth == 0
              and (i + 1 == len(one) or (one[i + 1] == " " and i + 2 < len(one) and one[i + 2].isupper()))
              and not one[: i + 1].lower().endswith(_ABBREVIATIONS)):
            end = i + 1
            break
    sentence = one[:end]
    if len(sentence) <= limit:
        return sentence
    # Never a sentence cut mid-phrase: end at the last clause boundary that fits, as a full stop. Never inside
    # brackets, which would leave one open, nor among the items of a list after a colon ("1 point each: a; b;
    # c"), which would read as the whole list: then before the list, or visibly cut ("…").
    level, nesting = 0, []
    for ch in sentence:
        if ch in "([":
            level += 1
        elif ch in ")]":
            level = max(0, level - 1)
        nesting.append(level)

    def marks(mark: str, within: str) -> list[int]:
        return [i for i in range(len(within)) if within.startswith(mark, i) and nesting[i] == 0]

    colons = marks(": ", sentence)
    cut = sentence[:limit]
    listed: tuple[int, str] | None = None
    for mark in ("; ", ": ", ", "):
        for at in reversed(marks(mark, cut)):
            if at <= limit // 3:
                break
            before = [c for c in colons if c < at]
            if mark == "; " and before and len([i for i in marks(mark, sentence) if i > before[-1]]) >= 3:
                listed = listed or (at, mark)
                continue  # among the items of a list
            return cut[:at].rstrip() + "."
    head = [c for c in colons if limit // 4 < c < limit]
    if head:
        return sentence[:head[-1]].rstrip() + "."
    if listed:
        return f"{cut[:listed[0]].rstrip()}{listed[1].strip()} …"
    words = cut.rsplit(" ", 1)[0].rstrip(",;:")
    opened = [i for i in range(len(words)) if words[i] in "([" and nesting[i] == 1 and (i == 0 or nesting[i - 1] == 0)]
    if nesting[len(words) - 1] and opened and opened[-1] > 40:  # before the bracket, if that leaves a clause
        return words[:opened[-1]].rstrip(" ,;:") + "."
    return words + " …"


ANY_OF = "Any one of: "


def any_of(items: list[str]) -> str:
    """Several right answers as a lecturer lists them: 'Any one of: A, B or C' (one item stands alone)."""
    if len(items) == 1:
        return items[0]
    return ANY_OF + ", ".join(items[:-1]) + " or " + items[-1]


_PROPER_FIRST = re.compile(r"'s$|-[A-Z]")
_CAPITALISED = re.compile(r"[A-Z][a-z]+")


def lc(text: str) -> str:
    """Lower-case the first letter of a value used inside a sentence, unless it is an acronym or a proper name.

    A name is taken as proper when it is possessive ("Baker's cyst"), hyphenates two capitals
    ("Osgood-Schlatter disease") or capitalises a later word ("Heiderscheit Phase III ...").
    """
    if len(text) < 2 or not text[0].isupper() or text[1].isupper():
        return text
    first, *rest = text.split()
    if _PROPER_FIRST.search(first) or any(_CAPITALISED.fullmatch(w.strip(",.;:")) for w in rest):
        return text
    return text[0].lower() + text[1:]


def source_line(source: dict[str, Any]) -> str:
    who = source.get("authors") or source.get("publisher") or ""
    link = f"https://doi.org/{source['doi']}" if source.get("doi") else source.get("url", "")
    return _source_line(source["title"], who, source["year"], link)


@lru_cache(maxsize=4096)
def _source_line(title: str, who: str, year: Any, link: str) -> str:
    # A few hundred sources are cited by thousands of cards: one string for each, not one per card.
    return f"{title}. {who}. {year}. {link}".strip()


def source_lines(record: Record) -> tuple[str, ...]:
    return tuple(source_line(s) for s in record.get("sources") or [] if isinstance(s, dict))


def _words(text: str) -> list[str]:
    return [w for w in normalize(text).split("-") if w]


# A detail that lists heads or parts ("Long head: ...; Short head: ...").
_HEADS_LISTED = re.compile(r"\b[A-Z][a-z]+(?: [a-z]+){0,2}(?: \([a-z]+\))?(?: part| head|s?)?:")
# One head's sentence: "Long head: ...", "Hamstring (ischiocondylar) part: ...", "Vastus lateralis: ...".
_HEAD_CLAUSE = re.compile(r"^([A-Z][a-z]+(?: [a-z]+){0,2}(?: \([a-z]+\))?(?: part| head|s?)?):\s*(.*)$")


class Facts:
    """What the knowledge base says, indexed once: names, sites, nerves, tests and regions to entities."""

    def __init__(self, records: Iterable[Record]) -> None:
        self.by_id: dict[str, Record] = {}
        self.by_kind: dict[str, list[Record]] = {}
        named: dict[str, set[str]] = {}
        self._starts: dict[str, int] = {}  # first word of a name -> the most words a name starting so has
        for r in sorted(records, key=lambda r: r["id"]):
            self.by_id[r["id"]] = r
            self.by_kind.setdefault(r["kind"], []).append(r)
            for n in (r["id"], *names(r), plain(r["name"])):
                key = normalize(n)
                for k in {key, key.removesuffix("-test")}:
                    if k:
                        named.setdefault(k, set()).add(r["id"])
                        parts = k.split("-")
                        self._starts[parts[0]] = max(self._starts.get(parts[0], 0), min(len(parts), _LONGEST_NAME))
        # A name -> the entities it names, sorted; as tuples (most names one entity's), a fifth of the sets' size.
        self.name_ids: dict[str, tuple[str, ...]] = {k: tuple(sorted(ids)) for k, ids in named.items()}
        del named
        self.parent: dict[str, str] = {}
        for r in self.by_id.values():
            for link in r.get("relations", []):
                target = self.by_id.get(link["target"])
                if link["type"] in ("part-of", "branch-of") and link["direction"] == "out" and target and \
                        target["kind"] == r["kind"]:
                    self.parent.setdefault(r["id"], link["target"])
        # value -> entities: the muscles at each site, supplied by each nerve; the conditions of each test.
        self.at_site: dict[tuple[str, str], list[str]] = {}
        self.sites: dict[tuple[str, str], list[str]] = {}
        self.supplied_by: dict[str, list[str]] = {}
        self.nerves: dict[str, list[str]] = {}
        for m in self.by_kind.get("muscle", []):
            for part in ("origin", "insertion"):
                found = self.sites_of(m, part)
                self.sites[(m["id"], part)] = found
                for site in found:
                    self.at_site.setdefault((part, site), []).append(m["id"])
            found = self.nerves_of(m)
            self.nerves[m["id"]] = found
            for nerve in found:
                self.supplied_by.setdefault(nerve, []).append(m["id"])
        self.all_sites: dict[str, list[str]] = {
            part: sorted({s for (p, s) in self.at_site if p == part}) for part in ("origin", "insertion")}
        self.all_nerves: list[str] = sorted(self.supplied_by)
        self.test_of: dict[str, list[str]] = {}
        for c in self.by_kind.get("condition", []):
            for t in c.get("tests", []):
                self.test_of.setdefault(normalize(plain(t["name"])), []).append(c["id"])
        # Words a name or alias capitalises after its start ("Legg-Calve-Perthes disease"): proper names, which
        # keep their capital at the start of a name inside a sentence too ("Perthes disease").
        self.proper: frozenset[str] = frozenset(
            w for r in self.by_id.values() for n in names(r)
            for w in (x.removesuffix("'s") for x in re.split(r"[\s\-/(),]+", n)[1:])
            if len(w) > 2 and w[0].isupper() and w[1:].islower())
        self._mentions: dict[str, set[str]] = {}
        # What a generator works out once per knowledge base rather than once per card.
        self.memo: dict[str, Any] = {}

    def lc(self, text: str) -> str:
        """``lc``, keeping a proper name's capital: 'Perthes disease' stays, 'Hip osteoarthritis' is lowered."""
        first = re.split(r"[\s\-/(),]+", text, maxsplit=1)[0].removesuffix("'s")
        return text if first in self.proper else lc(text)

    def name(self, ident: str) -> str:
        record = self.by_id.get(ident)
        return str(record["name"]) if record else ident

    def names(self, ident: str) -> list[str]:
        record = self.by_id.get(ident)
        return names(record) if record else []

    def mentioned(self, text: str, kinds: tuple[str, ...] | None = None) -> list[str]:
        """Entities named in a text, by any name or alias, in order of first mention (linear in the text)."""
        words = _words(text)
        found: list[str] = []
        i = 0
        while i < len(words):
            step = 1
            longest = self._starts.get(words[i], 0)
            for n in range(min(longest, len(words) - i), 0, -1):
                ids = self.name_ids.get("-".join(words[i:i + n]))
                if ids:
                    for ident in sorted(ids):
                        if (kinds is None or self.by_id[ident]["kind"] in kinds) and ident not in found:
                            found.append(ident)
                    step = n
                    break
            i += step
        return found

    def sites_of(self, muscle: Record, part: str) -> list[str]:
        """Every attachment a muscle's origin (or insertion) names: the site, and those its detail names."""
        attach = muscle.get(part) or {}
        found = [attach["site"]] if attach.get("site") in self.by_id else []
        detail = attach.get("detail", "")
        # Other sites count only where the detail lists heads or parts ("Long head: ...; Short head: ...").
        if not _HEADS_LISTED.search(detail):
            return found
        for ident in self.attached(detail):
            if ident not in found:
                found.append(ident)
        return found

    def attached(self, text: str) -> list[str]:
        """The attachments a text names as attachments: not one named only to locate another ("the adductor
        tubercle of the medial femoral condyle" names the tubercle, not the condyle)."""
        found = self.mentioned(text, ("attachment",))
        said = "-" + normalize(text) + "-"
        kept = []
        for ident in found:
            own = [normalize(n) for n in self.names(ident)]
            at = sum(said.count(f"-{n}-") for n in own)
            located = sum(said.count(f"-{normalize(x)}-of-{the}{n}-") for other in found if other != ident
                          for x in self.names(other) for n in own for the in ("", "the-"))
            if at > located:
                kept.append(ident)
        return kept

    def heads_of(self, muscle: Record, part: str) -> list[tuple[str, str, list[str]]]:
        """Each head or part the detail gives a sentence of its own ("Long head: ...; Short head: ..."), with that
        sentence and the attachments it names, in order; [] when the detail lists none. A sentence that is no
        head's own ("Some atlases add ...") belongs to the head before it."""
        detail = one_line((muscle.get(part) or {}).get("detail", ""))
        if not _HEADS_LISTED.search(detail):
            return []
        heads: list[list[str]] = []
        for sentence in re.split(r"(?<=\.)\s+(?=[A-Z])", detail):
            m = _HEAD_CLAUSE.match(sentence)
            if m:
                heads.append([m.group(1), m.group(2)])
            elif heads:
                heads[-1][1] += " " + sentence
        return [(label, text, self.attached(text)) for label, text in heads]

    def nerves_of(self, muscle: Record) -> list[str]:
        supply = muscle.get("innervation") or {}
        found = [supply["nerve_id"]] if supply.get("nerve_id") in self.by_id else []
        for ident in self.mentioned(supply.get("nerve", ""), ("structure",)):
            if self.by_id[ident].get("structure_type") == "nerve" and ident not in found:
                found.append(ident)
        return found

    def regions(self, ident: str, depth: int = 0) -> tuple[str, ...]:
        """The regions an entity is felt at, lies in or attaches near: what a region topic selects."""
        record = self.by_id.get(ident)
        if record is None:
            return ()
        found: list[str] = list(record.get("felt_at", []))
        for link in record.get("relations", []):
            if link.get("kind") == "region":
                found.append(link["target"])
        if record["kind"] == "muscle" and depth == 0:
            site = (record.get("insertion") or {}).get("site")
            if site in self.by_id:
                found += self.regions(site, 1)
        if record["kind"] == "region":
            found.append(record["id"])
        side, level = record.get("side"), record.get("level")
        if side and level == "knee" and f"{side}-knee" in self.by_id:
            found.append(f"{side}-knee")
        return tuple(dict.fromkeys(r for r in found if r in self.by_id))

    def with_parents(self, ids: Iterable[str]) -> list[str]:
        """Muscles and the muscles they are part of: a head's site is also its muscle's site."""
        found: list[str] = []
        for ident in ids:
            for x in (ident, self.parent.get(ident)):
                if x and x not in found:
                    found.append(x)
        return found

    def says(self, record: Record) -> set[str]:
        """Every entity the record names anywhere (fields, text, relations): a distractor must be none of them."""
        ident = record["id"]
        if ident not in self._mentions:
            text: list[str] = []
            _flatten({k: v for k, v in record.items() if k not in ("sources", "relations", "cards")}, text)
            found = set(self.mentioned(" ".join(text)))
            found.update(link["target"] for link in record.get("relations", []))
            self._mentions[ident] = found
        return self._mentions[ident]

    def text_of(self, record: Record) -> str:
        text: list[str] = []
        _flatten({k: v for k, v in record.items() if k not in ("sources", "relations", "cards")}, text)
        return "-" + normalize(" ".join(text)) + "-"

    def candidates(self, kind: str, salt: str, prefer: Iterable[str] = ()) -> Iterator[Record]:
        """Records of a kind to try as distractors: the preferred ones first, then a stable walk (bounded)."""
        seen: set[str] = set()
        for ident in prefer:
            if ident in self.by_id and ident not in seen:
                seen.add(ident)
                yield self.by_id[ident]
        pool = self.by_kind.get(kind, [])
        if not pool:
            return
        start = stable_hash(salt) % len(pool)
        for k in range(min(len(pool), 60)):
            r = pool[(start + k * 7919) % len(pool)] if len(pool) % 7919 else pool[(start + k) % len(pool)]
            if r["id"] not in seen:
                seen.add(r["id"])
                yield r


def window(items: list[str], salt: str, size: int = 12) -> list[str]:
    """A few items picked by the salt from a sorted list: constant work whatever the list's length."""
    if len(items) <= size:
        return ordered(items, salt)
    start = stable_hash(salt) % len(items)
    return [items[(start + k) % len(items)] for k in range(size)]


def _flatten(value: Any, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for v in value.values():
            _flatten(v, out)
    elif isinstance(value, list):
        for v in value:
            _flatten(v, out)
