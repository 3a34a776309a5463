"""Judging a student's answer by its meaning.

The contract, which the quiz, the card lint and the deck tests rely on:

* **Normalised like a lookup term.** Case, accents ("Legg-Calvé-Perthes" is "Legg-Calve-Perthes"), hyphens
  and any dash, apostrophes and punctuation never matter (``hamknee.terms.normalize``), nor do articles and
  generic words ("the", "of", "nerve", "muscle", "test", "sign"), a plural or possessive 's' ("injuries",
  "tuberosities" and the Latin "rami" too), a word written as two or two as one ("semi-membranosus",
  "ischio-pubic ramus"; never numbers), roman numerals against digits ("Phase II" is "phase 2"), or word
  order. A bracketed gloss is optional: "MRI" answers "MRI (magnetic resonance imaging)".
  Ways of writing the same thing are one (``hamknee.study.synonyms``): "L2-4" is "L2, L3, L4", a nerve's
  "part" is its "division", "peroneal" is "fibular", "anterior cruciate ligament" is "ACL".
* **Numbers and units written any way, never another value.** "6 s" and "6 sec" are 6 seconds, "12 h" 12
  hours; "60 percent", "about 60%", "0.60" and "0.6" are one value (a decimal share is its percentage);
  "≥2", ">=2" and "2 points or more" are at least 2; any dash is a hyphen ("30–70 degrees"); "about",
  "approximately", "roughly" and "nearly" only say a figure is approximate, and an angle's unit may be left
  out ("90 and 15 deg"). A share in words and one as a percentage are the same when the percentage is the
  share rounded to the unit, to 5 or to 10: a third is 33%, 35% or 30%, a half only 50%; "halved" is half.
  The value itself must match: 60% is not 65%, 1.2 cm not 1 cm, a quarter not a third.
* **The question's words are optional.** A word the question already gives may be left out ("anterior"
  for "in which compartment..."); a contrast word only when the question gives none of its opposites
  ("osteoarthritis" for "which chronic knee condition"), and never where what is left is another entry's
  name. An answer made only of the question's words repeats it and is no answer ("anterior knee pain" for
  a condition felt at the anterior knee). The question's words said again in an answer are no error either
  ("three articulations" for "how many articulations ...?"). "Disease", "syndrome" and "criteria" may be
  left unsaid ("Sinding-Larsen-Johansson", "Kocher"), again unless what is left names another entry
  ("iliotibial band" is not the syndrome).
* **Ruled out, less precise.** A card may rule out a name of its answer that the question contradicts (a
  lateral tear when the signs are medial); it may take a less precise answer (the sciatic nerve for its
  tibial division) and then shows the precise one.
* **Right** when the answer equals a form of an accepted answer: the card's accepted answers and, for
  each entity the card names as its answer, that entity's id, name, name without its gloss, the gloss
  itself and every alias.
* **Close enough** (right, rated Hard) when it differs from an accepted form only by slips
  (``hamknee.study.synonyms.slip``): one edit in a word of four letters or more, two in one of ten or more, in
  any word and in each part of a set ("tibal nerve", "hip and kne", "lateral knee and posteror knee"); a
  slip of a generic word is one too ("tibial nerv", "dial tst"). A contrast word (side, direction, plane,
  contraction type; the list is ``hamknee.study.contrast``) is reached by a slip only when the slip is
  strictly nearer to it than to any other contrast word: "medail" is medial and "excentric" eccentric, but
  "valus" is neither varus nor valgus. Never a slip: a number, an abbreviation of three letters or fewer or
  another short one (ACL, PCL, Hcon), a contrast word as typed ("fibular" is no slip of "tibial"), a word of
  another entry's name or an everyday word ("sprain" is no slip of "strain", "angle" none of "ankle"). A
  long number word is its number through a slip ("trhee", "tihrd").
* **More said, still right.** Words added to a right answer keep it right when they are generic or the
  subject's own facts, and wrong when they name another entry or flip a contrast word:

  - a bracket that names the same thing again is left out: an abbreviation of the words before it
    ("anterior superior iliac spine (ASIS)", "British Athletics Muscle Injury Classification (BAMIC)"), a
    synonym of one of them ("common fibular (peroneal) nerve") or another name of the same entry ("Baker's
    cyst (popliteal cyst)"); so is a bracket of what the card itself says ("tibial nerve (S1, S2)" where
    the card gives the roots S1 and S2);
  - generic words may be added ("ultrasound scan", "semimembranosus tendon", "isometric holds", "the
    lateral side of the knee", "both heads"), and so may the words the card itself says in its question,
    its answers or its explanation ("proximal semimembranosus" where the card speaks of the proximal free
    tendon; "superolateral ischial tuberosity");
  - a contrast word may be added only when the card says it and none of its opposites: "lateral head of
    gastrocnemius" for a muscle of the lateral femoral condyle, never "medial head"; "anterior branch of the
    obturator nerve" is not taken where the card names both branches;
  - a number only when one of the card's answers gives it, or as an angle that agrees with the angles of
    the card's answers: "varus stress test at 30 degrees" for "at 0 and 30 degrees", "valgus stress test at
    0 and 30 degrees" for "at 30 degrees", any angle where no answer gives one; never "at 31 degrees";
  - nothing is added beside a negation or an "or" (a hedge), and no added word may belong to another
    entry's name, give or take typos ("via the patellar ligament" names the patellar tendon, "Fiublar head"
    the fibular head); in a set, no part's words are taken as more said about another part.

  A list that names every part of an answer entry, and nothing else, names the entry: "tibial and common
  fibular divisions of the sciatic nerve" is the sciatic nerve, "biceps femoris long and short heads" the
  biceps femoris (the parts are the entries whose names are the entry's with "head" or "division").
* **Close: the head of an answer.** The one word an accepted answer is "of" ("palpation" for "Palpation of
  the distal tendon and insertion"), or a test the detail of an accepted test names ("resisted knee
  flexion" inside the loading provocation test), is right but close (rated Hard), and the full answer is
  shown. Never a contrast word, nor another entity's name.
* **Close but not enough.** An answer whose words are all in an accepted answer but fall short of it
  ("meniscus" for the medial meniscus, "hamstrings" for "Hamstrings as ACL agonists") is wrong, with a hint
  that it is part of the answer; it never names another entry the student did not mean.
* **Never closer to another entity.** An answer that equals, or is at least as close to, a name or
  alias of any other entity in the knowledge base (any kind) than to the accepted answer is wrong.
* **Sets.** A card whose answer is several things (``Card.parts``, one group of accepted forms per
  thing) takes them in any order, separated by commas, "and", "&", "/" or ";". All of them is right;
  some of them is *partial*: not right, and the verdict names what was missing. Naming anything that is
  not one of them is wrong. A shared word is distributed: "medial and lateral femoral condyles", "front and
  inner knee"; a compound side is both sides: "anteromedial knee" is the anterior and the medial knee.
* **Choice cards** take an option's number, or its text judged as above against the right options,
  with the wrong options counting as other entities. A number that is not an option, or an empty answer,
  is *unanswerable*: the quiz asks again instead of grading it.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from hamknee.study.contrast import CONTRAST, GROUPS, is_contrast
from hamknee.study.synonyms import NOT_PLURAL, TYPO, canonical, rounded, share, shorten, slip, spell_out
from hamknee.terms import normalize

if TYPE_CHECKING:
    from hamknee.study.cards import Card

ANY_OF = "Any one of: "  # how a card that takes any one of several answers says so (cards.base.any_of)

Tokens = tuple[str, ...]

# "phase" is generic as "nerve" is: "terminal swing phase" is "terminal swing", "Phase II" is "2".
_STOP = frozenset({"the", "a", "an", "of", "and", "its", "is", "are", "on", "at", "to", "in", "nerve", "muscle",
                   "test", "sign", "phase", "classification", "n", "for", "study",
                   "nervu", "musculu",  # "n": "femoral n." in notes; "nervus", "musculus" in Latin names
                   # a figure said to be approximate is the figure ("approximately 1.2 cm"); an angle's unit
                   "about", "approximately", "approx", "roughly", "circa", "nearly", "almost", "degree", "deg"})
_NUMBERS = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "one": "1", "two": "2", "three": "3",
            "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10",
            "eleven": "11", "twelve": "12", "first": "1", "second": "2", "third": "3", "fourth": "4"}
_SLIPPED_NUMBERS = ("three", "third", "second", "fourth", "eleven", "twelve")
# Latin plurals, as their singular is compared ("ramus" less its 's'): "ischiopubic rami" is the ramus. (Only
# where no name uses the plural as a word of its own: "tensor fasciae latae" keeps its "fasciae".)
_PLURALS = {"rami": "ramu", "tendines": "tendon", "nervi": "nervu"}
_GLOSS = re.compile(r"\s*[(\[][^)\]]*[)\]]")
_CHOICE = re.compile(r"^\(?([0-9]{1,3})[.)]?$")
_SEPARATOR = re.compile(r"\s*(?:[,;/+&]|\band\b|\bor\b)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Verdict:
    """How an answer was judged.

    ``correct``: right (fully). ``exact``: no typo forgiven. ``partial``: some but not all of a set.
    ``unanswerable``: empty or an impossible option number; nothing to grade, ask again.
    """

    correct: bool
    exact: bool
    matched: str | None = None
    note: str = ""
    partial: bool = False
    missing: tuple[str, ...] = ()
    unanswerable: bool = False
    chosen: int | None = None
    other: str | None = None  # the other entry (or wrong option) the answer names


def _plain_words(text: str) -> set[str]:
    return {w for w in normalize(text).split("-") if w and w not in _STOP}


def _names_other(given: str, label: str) -> Verdict:
    """Wrong because the answer names something else: say what, unless the answer is that name already
    ("posterior" is the posterior knee: "that is Posterior knee" would only repeat it; "ASIS" is not)."""
    if _plain_words(given) <= _plain_words(label):
        return Verdict(False, True, note=f"{label} is not right here", other=label)
    return Verdict(False, True, note=f"that is {label}", other=label)


_osa: Callable[..., int] | None = None


def _typos(word: str, other: str, limit: int) -> int:
    """The OSA distance between two words (limit + 1 beyond the limit). rapidfuzz is imported on first use:
    a choice answered by its number, or a short answer, needs no typo counted."""
    global _osa
    if _osa is None:
        from rapidfuzz.distance import OSA

        _osa = OSA.distance
    return int(_osa(word, other, score_cutoff=limit))


@lru_cache(maxsize=65536)
def _word(word: str) -> str:
    if word.endswith(TYPO):  # a phrase's abbreviation reached through a typo ("asis~"): compared as the abbreviation
        return _word(word[:-1]) + TYPO
    if word in _NUMBERS:
        return _NUMBERS[word]
    if len(word) >= 4 and not word.endswith("s") and not is_contrast(word) and word not in _REAL:
        # a number word typed with a slip is that number, reached through a typo ("trhee", "tihrd"); only the long
        # ones, whose every slip is no other word ("line" is no "nine", "even" no "seven")
        for spelled in _SLIPPED_NUMBERS:
            if slip(word, spelled) is not None:
                return _NUMBERS[spelled] + TYPO
    if word in _PLURALS:
        return canonical(_PLURALS[word])
    if len(word) > 5 and word.endswith("ies"):
        return canonical(word[:-3] + "y")  # "tuberosities", "injuries"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss") and word not in NOT_PLURAL:
        word = word[:-1]
    return canonical(word)


_LONG_STOP = tuple(w for w in _STOP if len(w) >= 5)


@lru_cache(maxsize=65536)
def _generic(word: str) -> bool:
    """A generic word, or one typo away from a long one ("musle")."""
    if word in _STOP:
        return True
    return len(word) >= 5 and any(_typos(word, w, 1) <= 1 for w in _LONG_STOP)


def _plain(text: str) -> str:
    """The text without accents: "Legg-Calvé-Perthes" is "Legg-Calve-Perthes"."""
    if text.isascii():
        return text
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


@lru_cache(maxsize=65536)
def tokens(text: str) -> Tokens:
    """The words an answer is compared by, sorted: order, case, punctuation and generic words do not count."""
    words = shorten([w for w in normalize(spell_out(_plain(text))).split("-") if w])
    return tuple(sorted(w for w in (_word(x) for x in words if x) if not _generic(w)))


def forms(text: str, gloss: bool = True) -> list[Tokens]:
    """A text as answers: whole, without its bracketed gloss, and (for a name) the gloss alone."""
    return list(_forms(text, gloss))


@lru_cache(maxsize=4096)  # the lint and the name index ask for the same names again and again (a few at a time)
def _forms(text: str, gloss: bool) -> tuple[Tokens, ...]:
    found = [tokens(text)]
    if _GLOSS.search(text):
        found.append(tokens(_GLOSS.sub("", text)))
        if gloss:
            found += [tokens(g) for g in re.findall(r"[(\[]([^)\]]*)[)\]]", text)]
    return tuple(f for f in dict.fromkeys(found) if f)


# Everyday words one letter from a contrast word, which a student may mean as written: "angle" is no slip of
# "ankle", nor "sport" of "short", "peak" of "weak" or "media" of "medial".
_REAL = frozenset({"angle", "media", "peak", "week", "power", "tower", "super", "interval", "sport", "shirt",
                   "lung", "mile", "mole", "pale", "sale", "loss", "lens", "lift", "loft", "night", "tight",
                   "light", "fight", "sight", "string", "massive", "keep", "deer", "later", "alter", "bellow",
                   "knew", "core", "bore", "wore", "acne", "active"})


def _slip(word: str, target: str, real: Container[str]) -> int | None:
    """A typed word as a typo of a key word (``hamknee.study.synonyms.slip``), unless it is a real word of its own:
    a word of another entry's name ("sprain" is no slip of "strain") or an everyday word ("angle")."""
    found = slip(word, target)
    # (the real words are read only when a slip is found: most answers need no name index beyond their length)
    return None if found and word in real else found


# Generic words long enough that a slip of one is still recognisable: "nerv", "nrve", "tset", "tst".
_SLIPPED_STOP = tuple(w for w in _STOP if len(w) >= 4)


@lru_cache(maxsize=65536)
def _stop_slip(word: str) -> bool:
    return len(word) >= 3 and not is_contrast(word) and any(slip(word, w) == 1 for w in _SLIPPED_STOP)


def _pairing(answer: Tokens, key: Tokens, real: Container[str] = frozenset()) -> tuple[int, list[str]] | None:
    """Every key word paired with its own answer word: the same word, a synonym reached through a typo, or a
    slip of it (``_slip``), nearest first. The typos counted and the answer words left over; None when a key
    word finds no answer word."""
    left = list(answer)
    need = []
    for word in key:
        if word in left:
            left.remove(word)
        else:
            need.append(word)
    total = 0
    for word in list(need):
        # A synonym or abbreviation reached through a typo: one typo, whatever the word (hamknee.study.synonyms)
        if word + TYPO in left:
            left.remove(word + TYPO)
            need.remove(word)
            total += 1
    if not need:
        return total, left
    _join(left, need)
    if not need:
        return total, left
    pairs = sorted((d, i, j) for j, k in enumerate(need) for i, a in enumerate(left)
                   if (d := _slip(a, k, real)) is not None)
    used_answer: set[int] = set()
    used_key: set[int] = set()
    for d, i, j in pairs:
        if i in used_answer or j in used_key:
            continue
        used_answer.add(i)
        used_key.add(j)
        total += d
    if len(used_key) < len(need):
        return None
    return total, [a for i, a in enumerate(left) if i not in used_answer]


def _join(left: list[str], need: list[str]) -> None:
    """Pairs a word written as two with the two written as one, either way round, at no cost: "semi-membranosus"
    is semimembranosus, "ischio-pubic ramus" the ischiopubic ramus; never numbers ("1.2 mm" is no "12 mm").
    Takes the paired words out of both lists."""
    for whole, halves in ((need, left), (left, need)):
        if not halves:
            continue
        for word in [w for w in whole if len(w) >= 6 and w.isalpha()]:
            for i, first in enumerate(halves):
                rest = word[len(first):]
                if not (rest and word.startswith(first) and first.isalpha() and rest in halves):
                    continue
                j = next((k for k, h in enumerate(halves) if h == rest and k != i), None)
                if j is not None:
                    for k in sorted((i, j), reverse=True):
                        del halves[k]
                    whole.remove(word)
                    break


def distance(answer: Tokens, key: Tokens, real: Container[str] = frozenset()) -> int | None:
    """Total typo distance when every word pairs with a key word, contrast words only by a slip nearer to them than
    to any other contrast word; a word left over may only be a slip of a generic word ("nerv"). Else None."""
    paired = _pairing(answer, key, real)
    if paired is None:
        return None
    total, rest = paired
    for word in rest:
        if not _stop_slip(word) or word in real:
            return None
        total += 1
    return total


def _contrasts_in_order(text: str) -> list[str]:
    """The contrast words of a text in the order written (answer forms are bags of words, without order)."""
    found = []
    for raw in re.findall(r"[a-z0-9]+", unicodedata.normalize("NFKD", text).lower()):
        word = _word(raw)
        word = word if is_contrast(word) else canonical(word).rstrip(TYPO)
        if is_contrast(word):
            found.append(word)
    return found


def _reassigned(given: str, key_text: str) -> bool:
    """Whether the answer pairs two kinds of contrast in another order than the key: "tibial division to the
    long head, common fibular division to the short head" swapped is another innervation, though its words are
    the same. One kind said in another order ("lateral and medial") is the same answer."""
    key_order = _contrasts_in_order(key_text)
    kinds: dict[tuple[str, ...], set[str]] = {}
    for word in key_order:
        kinds.setdefault(_GROUP_OF.get(word, (word,)), set()).add(word)
    paired = {group for group, words in kinds.items() if len(words) >= 2}
    if len(paired) < 2:
        return False
    said = [w for w in _contrasts_in_order(given) if _GROUP_OF.get(w, (w,)) in paired]
    keyed = [w for w in key_order if _GROUP_OF.get(w, (w,)) in paired]
    return sorted(said) == sorted(keyed) and said != keyed


class _Real:
    """``NameIndex.real``: a word of a name, a contrast word or an everyday word near one; the names' words are
    read on the first question."""

    def __init__(self, names: NameIndex) -> None:
        self._names = names
        self._words: frozenset[str] | None = None

    def __contains__(self, word: object) -> bool:
        if word in CONTRAST or word in _REAL:
            return True
        if self._words is None:
            self._words = self._names.words()
        return word in self._words


class NameIndex:
    """Every name and alias of every entity, by its answer form: built once per knowledge base."""

    def __init__(self, records: Iterable[dict[str, Any]] = ()) -> None:
        owners: dict[Tokens, set[str]] = {}
        self.by_length: dict[int, list[Tokens]] = {}
        self.forms_of: dict[str, list[Tokens]] = {}
        self.label: dict[Tokens, str] = {}
        # A form that is an entry's own name or alias labels it over a form that is only another entry's
        # bracketed gloss: "hamstrings" is the muscle group, not "Myofascial trigger points (hamstrings)".
        glossed: set[Tokens] = set()
        for r in records:
            own: list[Tokens] = []
            for text in (r["id"], r["name"], *r.get("aliases", [])):
                whole = set(forms(text, gloss=False))
                for f in forms(text):
                    own.append(f)
                    if f not in self.label or (f in glossed and f in whole):
                        self.label[f] = r["name"]
                        glossed.discard(f)
                        if f not in whole:
                            glossed.add(f)
                    if f not in owners:
                        owners[f] = set()
                        self.by_length.setdefault(len(f), []).append(f)
                    owners[f].add(r["id"])
            self.forms_of[r["id"]] = list(dict.fromkeys(own))
        # Kept as sorted tuples (most forms have one owner): a fifth of the sets' size.
        self.owners: dict[Tokens, tuple[str, ...]] = {f: tuple(sorted(ids)) for f, ids in owners.items()}
        self._words: frozenset[str] | None = frozenset(w for f in owners for w in f)
        self._real: _Real | None = None

    # What the checker asks of the index, as methods, so that an index read in parts (the deck cache's)
    # answers the same questions while reading only the parts they need.
    def entity_forms(self, ident: str) -> list[Tokens]:
        return self.forms_of.get(ident, [])

    def owners_of(self, form: Tokens) -> set[str]:
        """The entries one of whose names has this form (empty: none)."""
        return set(self.owners.get(form, ()))

    def label_of(self, form: Tokens, default: str) -> str:
        """The name shown for a form: the name of the entry it is a name of."""
        return self.label.get(form, default)

    def of_length(self, count: int) -> list[Tokens]:
        """Every form of so many words, in the order the entries gave them."""
        return self.by_length.get(count, [])

    def words(self) -> frozenset[str]:
        """Every word of every name, as the checker compares words."""
        return self._words or frozenset()

    def real(self) -> _Real:
        """The words a typed word may be meant as, and so is no typo of another: every word of a name, the
        contrast words and everyday words near them (read from the index when first asked)."""
        if self._real is None:
            self._real = _Real(self)
        return self._real

    def parts(self) -> dict[str, Any]:
        """The index as plain data in parts for the deck cache (building it reads every name of every entry):
        each entry's forms, and for each number of words the forms of that length with their owners and
        label, so that checking an answer reads only the part of its length."""
        found: dict[str, Any] = {"forms_of": self.forms_of, "words": sorted(self.words())}
        for count, group in self.by_length.items():
            found[f"length:{count}"] = {f: (list(self.owners[f]), self.label[f]) for f in group}
        return found


class PartedNames(NameIndex):
    """A name index read a part at a time (``NameIndex.parts``, from the deck cache): an answer of three
    words reads the forms of three words and the forms of the entries its card names; a choice answered by
    its number reads nothing. ``read(name)`` gives a part or raises KeyError; then the whole index is
    worked out by ``rebuild`` instead."""

    def __init__(self, read: Callable[[str], Any], lengths: Iterable[int], rebuild: Callable[[], NameIndex]) -> None:
        # The base index stays empty: every question goes through the methods below.
        super().__init__()
        self._read = read
        self._lengths = {int(n) for n in lengths}
        self._rebuild = rebuild
        self._parts: dict[int, dict[Tokens, tuple[list[str], str]]] = {}
        self._forms: dict[str, list[Tokens]] | None = None
        self._whole: NameIndex | None = None
        self._words = None

    def _rebuilt(self) -> NameIndex:
        if self._whole is None:
            self._whole = self._rebuild()
        return self._whole

    def _of(self, count: int) -> dict[Tokens, tuple[list[str], str]]:
        found = self._parts.get(count)
        if found is None:
            found = {}
            if count in self._lengths:
                value = self._read(f"names:length:{count}")
                if not isinstance(value, dict):
                    raise KeyError(count)
                found = value
            self._parts[count] = found
        return found

    def entity_forms(self, ident: str) -> list[Tokens]:
        if self._whole is None:
            try:
                if self._forms is None:
                    forms = self._read("names:forms_of")
                    if not isinstance(forms, dict):
                        raise KeyError("forms_of")
                    self._forms = forms
                return list(self._forms.get(ident, []))
            except KeyError:
                pass
        return self._rebuilt().entity_forms(ident)

    def owners_of(self, form: Tokens) -> set[str]:
        if self._whole is None:
            try:
                entry = self._of(len(form)).get(form)
                return set(entry[0]) if entry else set()
            except (KeyError, TypeError, IndexError):
                pass
        return self._rebuilt().owners_of(form)

    def label_of(self, form: Tokens, default: str) -> str:
        if self._whole is None:
            try:
                entry = self._of(len(form)).get(form)
                return str(entry[1]) if entry else default
            except (KeyError, TypeError, IndexError):
                pass
        return self._rebuilt().label_of(form, default)

    def of_length(self, count: int) -> list[Tokens]:
        if self._whole is None:
            try:
                return list(self._of(count))
            except KeyError:
                pass
        return self._rebuilt().of_length(count)

    def words(self) -> frozenset[str]:
        if self._words is None and self._whole is None:
            try:
                value = self._read("names:words")
                if isinstance(value, list):
                    self._words = frozenset(str(w) for w in value)
            except KeyError:
                pass
        if self._words is None:
            self._words = self._rebuilt().words()
        return self._words


_EMPTY = NameIndex()


@dataclass
class _Key:
    """What a card takes as right: the forms, the less precise forms (a nerve's parent), and their entities."""

    forms: dict[Tokens, str] = field(default_factory=dict)
    owners: set[str] = field(default_factory=set)
    broader: dict[Tokens, str] = field(default_factory=dict)
    heads: dict[Tokens, str] = field(default_factory=dict)  # close: answer form -> the full answer
    # forms a card's author accepts although they are the question's own words ("lateral hamstring" for
    # "which hamstring is the main lateral rotator?")
    kept: set[Tokens] = field(default_factory=set)
    # in a set, the other parts' forms: words added to one part may not name another
    rivals: dict[Tokens, str] = field(default_factory=dict)

    def add(self, text: str) -> None:
        for f in forms(text, gloss=False):
            self.forms.setdefault(f, text)
        head = _head(text)
        if head:
            self.heads.setdefault(head, text)

    def settle(self, blocked: set[Tokens], given: frozenset[str], names: NameIndex | None = None) -> _Key:
        """Forms ruled out by the card dropped; words the question already gives made optional.

        "In which compartment of the thigh does sartorius lie?" is answered by "anterior" as well as by
        "anterior compartment". A contrast word is optional only when the question gives it with none of its
        opposites ("osteoarthritis" for "which chronic knee condition"), a form keeps a word the question
        does not give, and what is left is never another entry's name.
        """
        for table in (self.forms, self.broader):
            # Ruled out by the card, or nothing but the question's own words ("dashboard injury" for
            # "which ligament injury does the dashboard cause?", "anterior knee pain" for pain felt at the
            # anterior knee): repeating the question is no answer.
            for f in [f for f in table if f in blocked or (given and len(f) > 1 and f not in self.kept
                                                               and all(w in given for w in f))]:
                del table[f]
            if given:
                for f, text in list(table.items()):
                    short = tuple(w for w in f if (is_contrast(w) and not _sole(w, given)) or w not in given)
                    # The answer must add something to the question: "anterior knee" is not a condition
                    # felt at the anterior knee.
                    if short and short != f and short not in blocked and any(w not in given for w in short) \
                            and not (names is not None and not (len(short) == 1 and short[0] in _SIDES)
                                     and names.owners_of(short) - self.owners):
                        table.setdefault(short, text)
        for f in [f for f in self.broader if f in self.forms]:
            del self.broader[f]
        for f in [f for f in self.heads if f in self.forms or f in self.broader or f in blocked]:
            del self.heads[f]
        return self


_UNSAID = frozenset({"disease", "syndrome", "score"})


def _sole(word: str, given: frozenset[str]) -> bool:
    """A contrast word the question gives with none of its opposites ("which chronic knee condition"): the answer
    may leave it out as it may any word of the question. Never a number."""
    group = _GROUP_OF.get(word)
    return group is not None and word in given and not any(w in given for w in group if w != word)


_HEAD = re.compile(r"^([A-Za-z]+) of\b", re.IGNORECASE)


def _head(text: str) -> Tokens:
    """The one word a name is 'of' ('Palpation' of 'Palpation of the tibial tuberosity'): the answer's head.

    Only a word that carries meaning alone: no contrast word ('Medial of ...'), no generic word, no short one.
    """
    m = _HEAD.match(text.strip())
    if not m:
        return ()
    head = tokens(m.group(1))
    if len(head) != 1 or len(head[0]) < 5 or is_contrast(head[0]) or head == tokens(text):
        return ()
    return head


def _key(texts: Iterable[str], ids: Iterable[str], names: NameIndex, broader: Iterable[str] = (),
         broader_ids: Iterable[str] = (), close: Iterable[tuple[str, str]] = (), kept: Iterable[str] = ()) -> _Key:
    key = _Key()
    for text in texts:
        key.add(text)
    key.kept = {f for text in kept for f in forms(text, gloss=False)}
    for said, full in close:
        for f in forms(said, gloss=False):
            key.heads.setdefault(f, full)
    for ident in ids:
        key.owners.add(ident)
        for f in names.entity_forms(ident):
            key.forms.setdefault(f, names.label_of(f, ident))
    for text in broader:
        for f in forms(text, gloss=False):
            key.broader.setdefault(f, text)
    for ident in broader_ids:
        key.owners.add(ident)
        for f in names.entity_forms(ident):
            key.broader.setdefault(f, names.label_of(f, ident))
    # "disease", "syndrome" and "criteria" may be left unsaid ("Sinding-Larsen-Johansson", "Kocher"), unless what
    # is left is another entry's name ("iliotibial band" is not the syndrome)
    for f, text in list(key.forms.items()):
        short = tuple(w for w in f if w not in _UNSAID)
        if short and short != f and short not in key.forms and not (names.owners_of(short) - key.owners):
            key.forms[short] = text
    return key


# Words that add nothing to what they qualify: "ultrasound scan", "semimembranosus tendon", "the lateral side of
# the knee", "isometric holds", "anterior knee pain", "biceps femoris (both heads)", "via", "with".
_FREE = frozenset({"scan", "tendon", "exercise", "hold", "both", "aspect", "surface", "area", "region", "side",
                   "pain", "joint", "head", "per", "via", "with", "from", "onto", "into", "by", "along",
                   "disease", "syndrome", "score"})
# Words that make an answer a hedge or its opposite: beside them no extra detail is taken.
_NEGATIONS = frozenset({"not", "no", "without", "except", "nor", "never", "non", "neither", "rather", "or"})
# A number stated as an angle: "at 30 degrees", "30°", "90 and 15 deg".
_ANGLE = re.compile(r"\d\s*(?:°|º|deg)", re.IGNORECASE)
_SPLIT_SIDE = re.compile(r"^(antero|postero|supero|infero)(medial|lateral)$")
_GROUP_OF = {word: group for group in GROUPS for word in group}
_LONG_CONTRAST = tuple(w for w in CONTRAST if len(w) >= 4 and not any(ch.isdigit() for ch in w))


@dataclass(frozen=True)
class _Said:
    """What a card itself says, which an answer may add to a right answer: the words of its question, its accepted
    answers and its explanation (``words``), those of its question and answers alone (``keyed``), and the angles
    its answers state, each with the other words of that answer."""

    words: frozenset[str] = frozenset()
    keyed: frozenset[str] = frozenset()
    angles: tuple[tuple[frozenset[str], frozenset[str]], ...] = ()
    numbers: frozenset[str] = frozenset()
    asked: frozenset[str] = frozenset()


def _said(question: str, answers: Iterable[str], explanation: str, keys: Iterable[Tokens] = ()) -> _Said:
    answers = [a.removeprefix(ANY_OF) for a in answers if a]
    keyed = {w for text in (question, *answers) for w in (*tokens(text), *_spelled(text))}
    keyed.update(w for f in keys for w in f)  # the answer entries' names too: "medial gastrocnemius strain"
    words = keyed | set(tokens(explanation)) | set(_spelled(explanation))
    # a compound side is both its sides: "superolateral" says superior and lateral
    for word in list(words):
        if split := _SPLIT_SIDE.match(word):
            words |= {_COMPOUND_FIRST[split.group(1)], split.group(2)}
    # the numbers the answers give: not the question's ("the two knee cartilages" is no answer of 2)
    numbers = frozenset(w for text in answers for w in tokens(text) if any(ch.isdigit() for ch in w))
    angles = []
    for text in answers:
        if _ANGLE.search(text):
            said = tokens(text)
            angles.append((frozenset(w for w in said if not w.isdigit()), frozenset(w for w in said if w.isdigit())))
    return _Said(frozenset(words), frozenset(keyed), tuple(angles), numbers, frozenset(tokens(question)))


def _contrast_licensed(word: str, said: _Said) -> bool:
    """A side, direction or other contrast word the card says, and none of its opposites: "proximal" where the card
    speaks of the proximal tendon only; never "anterior" where it names the anterior and the posterior branch."""
    group = _GROUP_OF.get(word, (word,))
    return word in said.words and not any(w in said.words for w in group if w != word)


def _licensed(word: str, said: _Said) -> bool:
    if word in said.words:
        return True
    # the same word in another form: "rapidly" where the card says "rapid"
    return len(word) >= 6 and any(len(w) >= 5 and (word.startswith(w) or w.startswith(word)) for w in said.words)


def _extras_typos(extra: Sequence[str], matched: Tokens, said: _Said, angled: bool, aside: bool,
                  real: Container[str]) -> int | None:
    """Whether words added to a right answer keep it right, and the typos among them (None: they do not).

    Generic words may be added; so may what the card itself says (its question, answers and explanation):
    a contrast word only when the card says it and none of its opposites, a number only when one of the
    card's answers (or, in brackets, its explanation) says it, or as an angle that agrees with the angles of
    the card's answers. Nothing is added beside a negation or an "or" (a hedge)."""
    typos = 0
    for word in extra:
        if word in _FREE:
            continue
        if word in _NEGATIONS:
            return None
        if _stop_slip(word) and word not in real:
            typos += 1
            continue
        if any(ch.isdigit() for ch in word):
            if angled and word.isdigit():
                continue
            if word in said.numbers or (aside and word in said.words):
                continue
            return None
        split = _SPLIT_SIDE.match(word)
        if split:
            first = _COMPOUND_FIRST[split.group(1)]
            if _contrast_licensed(first, said) and _contrast_licensed(split.group(2), said):
                continue
            return None
        if is_contrast(word):
            if _contrast_licensed(word, said):
                continue
            return None
        # a side's adverb or adjective is that side: "medially" only where the card says medial and not lateral
        side = next((c for c in _LONG_CONTRAST if word.startswith(c)), None)
        if side is not None and not _contrast_licensed(side, said):
            return None
        if not _licensed(word, said):
            return None
    if angled and not _angles_agree(matched, extra, said):
        return None
    return typos


def _angles_agree(matched: Tokens, extra: Sequence[str], said: _Said) -> bool:
    """Angles added to a right answer agree with the card's: where an accepted answer of the same words states
    angles, the answer's are among the angles those answers state ("at 30 degrees" of "at 0 and 30 degrees",
    "at 0 and 30 degrees" where one answer says 0 and 30 and another 30), never one none of them states ("at 1
    and 30 degrees"); where none does, any angle may be added."""
    stated = frozenset(w for w in (*matched, *extra) if w.isdigit())
    words = {w for w in matched if not w.isdigit()}
    keyed = [numbers for others, numbers in said.angles if words <= others]
    return not keyed or stated <= frozenset().union(*keyed)


def _others_within(answer: Tokens, extra: Sequence[str], matched: int, key: _Key, names: NameIndex,
                   wrong_forms: dict[Tokens, str], asked: frozenset[str] = frozenset()) -> str | None:
    """Another entry's name (or a wrong option) the added words belong to, give or take typos: "via the patellar
    ligament" names the patellar tendon, "and gracilis" another muscle, "Fiublar head" the fibular head: a
    name made of added words only, or one of as many words as the right answer matched (or more) that takes
    an added word (the answer is at least as near to it). The question's own words said again name nothing
    ("knee" in "15 and 90 degrees of knee flexion" for "at which two knee flexion angles")."""
    added = set(extra)
    real = names.real()
    # the words of names an added word may stand for: itself, or a word it is a slip of
    reachable = {w for w in names.words() if w in added or any(_slip(e, w, real) is not None for e in added)}
    reachable |= added

    def uses_added(f: Tokens) -> bool:
        if reachable.isdisjoint(f):
            return False
        paired = _pairing(answer, f, real)
        if paired is None:
            return False
        used = Counter(answer) - Counter(paired[1])
        return any(w in used for w in added)

    for count in range(1, len(answer) + 1):
        for f in names.of_length(count):
            # a bare side ("lateral") is a region's shorthand; the side itself is checked as a contrast word
            if f in key.forms or f in key.broader or (len(f) == 1 and f[0] in _SIDES) or asked.issuperset(f) \
                    or not (names.owners_of(f) - key.owners):
                continue
            if (count >= matched or added.issuperset(f)) and uses_added(f):
                return names.label_of(f, "another entry")
    for f, text in wrong_forms.items():
        if f not in key.forms and uses_added(f):
            return text
    # in a set, a word of another part is that part's, not more said about this one
    for f, text in key.rivals.items():
        if added.intersection(f):
            return text
    return None


def _extended(given: str, answer: Tokens, key: _Key, names: NameIndex, wrong_forms: dict[Tokens, str],
              precise: str, said: _Said | None, aside: bool = False) -> Verdict | None:
    """A right answer with words added that keep it right (``_extras_typos``), or None."""
    if said is None:
        return None
    real = names.real()
    angled = bool(_ANGLE.search(given))
    best: tuple[int, int, str, bool, list[str]] | None = None
    for table, broad in ((key.forms, False), (key.broader, True)):
        for f, text in table.items():
            if len(f) >= len(answer):
                continue
            paired = _pairing(answer, f, real)
            if paired is None or not paired[1]:
                continue
            typos, extra = paired
            more = _extras_typos(extra, f, said, angled, aside, real)
            if more is None:
                continue
            found = (typos + more, len(extra), text, broad, extra)
            if best is None or found[:2] < best[:2]:
                best = found
    if best is None:
        return None
    typos, _, text, broad, extra = best
    # The added words may not rebuild a longer answer less one of its contrast words: "medial joint line" from
    # "medial" and "below the medial joint line" is another place (the joint line itself).
    given_words = set(answer)
    for f in key.forms:
        missing = set(f) - given_words
        if missing and given_words.issuperset(extra) and set(extra) <= set(f) \
                and any(is_contrast(w) and not w.isdigit() for w in missing):
            return None
    if _others_within(answer, extra, len(answer) - len(extra), key, names, wrong_forms, said.asked) is not None:
        return None
    if broad:
        return Verdict(True, typos == 0, precise or text, note=f"more precisely: {precise}" if precise else
                       "right, but say it more precisely")
    return Verdict(True, typos == 0, text, note="" if typos == 0 else f"close enough to {text!r}")


def _as_share(given: str, key: _Key) -> Verdict | None:
    """A share given as a percentage for one the card gives as a fraction, or the other way round: "30%" for
    "about one third" (a third rounds to 33%, 35% or 30%), "a half" for "50%". Never another figure."""
    typed = share(given)
    if typed is None:
        return None
    for text in key.forms.values():
        keyed = share(text)
        if keyed is None:
            continue
        if keyed == typed:  # "halved" for "about half"
            return Verdict(True, True, text)
        if keyed[0] == typed[0]:
            continue
        fraction, percent = (keyed[1], typed[1]) if keyed[0] == "fraction" else (typed[1], keyed[1])
        if percent in rounded(fraction):
            return Verdict(True, False, text, note=f"close enough to {text!r}")
    return None


def _same_thing(inner: str, outside: str, key: _Key, names: NameIndex) -> bool:
    """A bracket that names what the answer before it names: its abbreviation ("ASIS", "BAMIC"), a synonym of
    its own words ("common fibular (peroneal) nerve"), or another name of the same entry ("Baker's cyst
    (popliteal cyst)")."""
    said, before = tokens(inner), tokens(outside)
    if not said or set(said) <= set(before):
        return True
    letters = re.sub(r"[^a-z]", "", _plain(inner).lower())
    words = [w for w in normalize(_plain(outside)).split("-") if w]
    if len(letters) >= 2 and letters in ("".join(w[0] for w in words),
                                         "".join(w[0] for w in words if w not in ("the", "a", "an", "of", "and"))):
        return True
    owners = names.owners_of(said)
    if owners and owners & (names.owners_of(before) | (key.owners if before in key.forms else set())):
        return True
    return said in key.forms and before in key.forms


def _aside(inner: str, key: _Key, names: NameIndex, wrong: Sequence[str], said: _Said) -> bool:
    """A bracket of what the card itself says: "tibial nerve (S1, S2)" where the card gives the roots."""
    words = tokens(inner)
    if not words or names.owners_of(words) - key.owners:
        return False
    if _extras_typos(words, (), said, bool(_ANGLE.search(inner)), True, names.real()) is None:
        return False
    wrong_forms = {f: w for w in wrong for f in forms(w)}
    return _others_within(words, words, 1, key, names, wrong_forms, said.asked) is None


# The word that makes a name a part of another: "Biceps femoris, long head", "tibial division of the sciatic nerve".
_PART_WORDS = frozenset({"head", "division"})


def _parts_of(ident: str, names: NameIndex) -> dict[str, list[Tokens]]:
    """The entries whose name is this entry's name with a part word and what tells the parts apart."""
    found: dict[str, list[Tokens]] = {}
    for whole in names.entity_forms(ident):
        for count in range(len(whole) + 2, len(whole) + 4):
            for f in names.of_length(count):
                if not (Counter(whole) - Counter(f)) and _PART_WORDS & (set(f) - set(whole)):
                    for owner in names.owners_of(f) - {ident}:
                        found.setdefault(owner, []).append(f)
    return found


def _all_parts(given: str, answer_ids: Sequence[str], names: NameIndex) -> Verdict | None:
    """A list that names every part of an answer entry, and nothing else, names the whole: "tibial and common
    fibular divisions of the sciatic nerve" is the sciatic nerve, "biceps femoris long and short heads" the
    biceps femoris."""
    pieces = _pieces(given)
    if len(pieces) < 2:
        return None
    real = names.real()
    for ident in answer_ids:
        parts = _parts_of(ident, names)
        if len(parts) < 2 or len(pieces) != len(parts):
            continue
        named: dict[str, int] = {}
        for piece in pieces:
            said = tokens(piece)
            hits = sorted((d, owner) for owner in parts for f in names.entity_forms(owner)
                          if (d := distance(said, f, real)) is not None)
            if not hits or hits[0][1] in named:
                break
            named[hits[0][1]] = hits[0][0]
        if set(named) == set(parts):
            label = names.label_of(names.entity_forms(ident)[0], ident) if names.entity_forms(ident) else ident
            return Verdict(True, not any(named.values()), label, note=f"all its parts: {label}")
    return None


def _match(given: str, key: _Key, names: NameIndex, wrong: Sequence[str] = (), ruled_out: Sequence[str] = (),
           precise: str = "", asked: frozenset[str] = frozenset(), said: _Said | None = None) -> Verdict:
    """One answer against one thing: exact, close enough, or wrong (with why when it names something else).

    A bracket that says the same thing again ("ASIS" after its name, "popliteal cyst" after "Baker's cyst") or
    only adds what the card itself says ("(S1, S2)") is left out when the answer is right without it."""
    verdict = _match_one(given, key, names, wrong, ruled_out, precise, asked, said)
    if verdict.correct or verdict.other or said is None or not _GLOSS.search(given):
        return verdict
    outside = _GLOSS.sub(" ", given).strip()
    if not tokens(outside):
        return verdict
    bare = _match_one(outside, key, names, wrong, ruled_out, precise, asked, said)
    if not bare.correct:
        return verdict
    for inner in re.findall(r"[(\[]([^)\]]*)[)\]]", given):
        if not (_same_thing(inner, outside, key, names) or _aside(inner, key, names, wrong, said)):
            return verdict
    return bare


def _match_one(given: str, key: _Key, names: NameIndex, wrong: Sequence[str], ruled_out: Sequence[str],
               precise: str, asked: frozenset[str], said: _Said | None) -> Verdict:
    answer = tokens(given)
    if not answer:
        return Verdict(False, False, note="no answer", unanswerable=True)
    wrong_forms = {f: w for w in wrong for f in forms(w)}
    # An answer a card names as wrong is wrong, even where it is also a name of a right entry (a two-sided
    # condition's alias for the other side).
    if answer in wrong_forms:
        return _names_other(given, wrong_forms[answer])
    if answer in key.forms and not _reassigned(given, key.forms[answer]):
        return Verdict(True, True, key.forms[answer])
    if answer in key.broader:
        more = f"more precisely: {precise}" if precise else "right, but say it more precisely"
        return Verdict(True, True, precise or key.broader[answer], note=more)
    excluded = {f for w in ruled_out for f in forms(w)}
    if answer in excluded:
        return Verdict(False, True, note="that does not fit this question")
    shared = _as_share(given, key)
    if shared is not None:
        return shared
    other = names.owners_of(answer) - key.owners
    if answer in key.heads and not other:
        full = key.heads[answer]
        return Verdict(True, False, full, note=f"close enough; in full: {full}")
    short = _short_of(given, answer, key)
    if short is not None:
        # less than one accepted answer and more than another: "varus stress test at 30 degrees"
        longer = _extended(given, answer, key, names, wrong_forms, precise, said) if not other else None
        return longer or Verdict(False, False, note=short)
    if answer in wrong_forms or other:
        label = wrong_forms.get(answer) or names.label_of(answer, "another entry")
        # "posterior" where the answer is a part of the knee is the posterior knee; where it is the sartorius
        # origin it is no "Anterior knee": an entry is named only in the words of the answer, the question or
        # the right answers.
        if not set(tokens(label)) <= set(answer).union(asked, *key.forms):
            return Verdict(False, True, other=label)
        return _names_other(given, label)
    best: tuple[int, str] | None = None
    loose = False
    real = names.real()
    for table, is_broader in ((key.forms, False), (key.broader, True)):
        for f, text in table.items():
            d = distance(answer, f, real)
            if d is not None and (best is None or d < best[0]) and not _reassigned(given, text):
                best, loose = (d, text), is_broader
    if best is None:
        return _extended(given, answer, key, names, wrong_forms, precise, said) or Verdict(False, False)
    # A typo is forgiven only if no other entity's name (nor a wrong option) is as near.
    for f in names.of_length(len(answer)):
        if f in key.forms or f in key.broader or not (names.owners_of(f) - key.owners):
            continue
        d = distance(answer, f, real)
        if d is not None and d <= best[0]:
            return Verdict(False, False, note=f"closer to {names.label_of(f, 'another entry')}")
    for f, text in wrong_forms.items():
        if f in key.forms:
            continue
        d = distance(answer, f, real)
        if d is not None and d <= best[0]:
            return Verdict(False, False, note=f"closer to {text}")
    if best[0] == 0:  # the same words, written together or apart
        if loose:
            return Verdict(True, True, precise or best[1], note=f"more precisely: {precise}" if precise else "")
        return Verdict(True, True, best[1])
    if loose and precise:
        return Verdict(True, False, precise, note=f"close enough; more precisely: {precise}")
    return Verdict(True, False, best[1], note=f"close enough to {best[1]!r}")


def _near_other(answer: Tokens, key: _Key, names: NameIndex) -> str | None:
    """The name of another entry the answer is, give or take typos ("Fibluar head"), if any."""
    real = names.real()
    for f in names.of_length(len(answer)):
        if f in key.forms or f in key.broader or not (names.owners_of(f) - key.owners):
            continue
        if distance(answer, f, real) is not None:
            return names.label_of(f, "another entry")
    return None


def _short_of(given: str, answer: Tokens, key: _Key) -> str | None:
    """A hint when every word of the answer is in an accepted answer that has more: part of it, not all."""
    said = set(answer)
    for form, text in key.forms.items():
        # the words as written too: "lateral" is part of "lateral collateral ligament", which compares as "lcl"
        for f in (form, _spelled(text)):
            if len(f) > len(answer) and said < set(f):
                missing = [w for w in f if w not in said]
                if all(w in _SIDES for w in missing):
                    return f"close, but which {' '.join(given.split())}?"
                return "close, but that is only part of the answer"
    return None


# "which tubercle?" asks for the side or direction left out; other missing words ("adductor") are no question.
_SIDES = frozenset(w for group in GROUPS[:7] for w in group)


@lru_cache(maxsize=65536)
def _spelled(text: str) -> Tokens:
    """An answer's words, its phrases not abbreviated ('lateral collateral ligament', not 'lcl' as in ``tokens``)."""
    words = [w for w in normalize(spell_out(_plain(text))).split("-") if w]
    return tuple(sorted(w for w in (_word(x) for x in words if x) if not _generic(w)))


# The everyday words for a side, which a list shares out as it does "medial": "front and inner knee".
_LAY_SIDES = frozenset({"front", "back", "inner", "outer", "inside", "outside"})
# Contrast words that are nouns themselves: "posterior knee" in "posterior knee and back of the leg" is whole.
_JOINTS = frozenset({"hip", "knee", "ankle"})


@lru_cache(maxsize=65536)
def _contrast_of(word: str) -> str | None:
    """The contrast word a typed word is, or is a slip of ("posteror" is posterior)."""
    found = _word(word)
    if is_contrast(found):
        return found
    return next((c for c in CONTRAST if slip(found, c) is not None), None)


def _side_word(word: str) -> bool:
    return ((side := _contrast_of(word)) is not None and side not in _JOINTS) or word in _LAY_SIDES


def _split(given: str) -> list[str]:
    """A list answer's items as typed: never split inside brackets ("tibial nerve (S1, S2)" is one item)."""
    brackets = [(m.start(), m.end()) for m in re.finditer(r"[(\[][^)\]]*[)\]]", given)]
    items, last = [], 0
    for m in _SEPARATOR.finditer(given):
        if any(a <= m.start() < b for a, b in brackets):
            continue
        items.append(given[last:m.start()])
        last = m.end()
    items.append(given[last:])
    return [p.strip() for p in items if p and p.strip()]


def _pieces(given: str) -> list[str]:
    """The items of a list answer; a bare side word takes its noun from the nearest item that has one, the next
    ("anterior and medial knee", "medial and lateral femoral condyles", "tibial and common fibular divisions
    of the sciatic nerve") or else the one before ("back of the knee, inside and outside"); two items that
    share a name around their sides share it both ways ("biceps femoris long and short heads")."""
    parts = _split(given)
    if len(parts) < 2:
        return parts
    words = [normalize(p).split("-") for p in parts]
    bare = [bool(w) and all(_side_word(x) for x in w) for w in words]
    out = []
    for i, p in enumerate(parts):
        if bare[i]:
            donors = [j for j in range(i + 1, len(parts)) if not bare[j]] or \
                [j for j in range(i - 1, -1, -1) if not bare[j]]
            if donors:
                donor = words[donors[0]]
                group = _GROUP_OF.get(_contrast_of(words[i][-1]) or "", ())
                # the donor's own side of the same kind ends what it lends: "common fibular divisions" lends
                # "divisions", not "fibular divisions", to "tibial"
                own = next((k for k, x in enumerate(donor[:3]) if _contrast_of(x) in group), None)
                sides = next((k for k, x in enumerate(donor) if _word(x) not in _SIDES and x not in _LAY_SIDES),
                             len(donor))
                # "medial knee" gives "knee"; "obturator nerves" gives "nerves" to "tibial" (word for word)
                noun = donor[own + 1:] if own is not None else donor[sides:] if sides else donor[len(words[i]):]
                if noun:
                    p = " ".join([*words[i], *noun])
        out.append(p)
    for i in range(len(out) - 1):
        if bare[i] or bare[i + 1]:
            continue
        first, second = words[i], words[i + 1]
        a, b = _contrast_of(first[-1]), _contrast_of(second[0])
        if a and b and a != b and a not in _JOINTS and _GROUP_OF.get(a) == _GROUP_OF.get(b) \
                and len(first) > 1 and len(second) > 1:
            out[i] = " ".join([*first, *second[1:]])
            out[i + 1] = " ".join([*first[:-1], *second])
    return out


_COMPOUND = re.compile(r"^(antero|postero|supero|infero)-?(medial|lateral)\b(.*)$", re.IGNORECASE)
_COMPOUND_FIRST = {"antero": "anterior", "postero": "posterior", "supero": "superior", "infero": "inferior"}


def _compound(piece: str) -> list[str]:
    """A compound side as its two sides: 'anteromedial knee' is 'anterior knee' and 'medial knee'."""
    m = _COMPOUND.match(piece.strip())
    if not m:
        return []
    rest = m.group(3)
    return [f"{_COMPOUND_FIRST[m.group(1).lower()]}{rest}", f"{m.group(2).lower()}{rest}"]


def _both_sides(piece: str) -> list[str]:
    """A plural without a side as both sides: 'femoral condyles', 'both condyles of the femur' are the medial and
    the lateral one."""
    words = [w for w in normalize(piece).split("-") if w]
    if words[:1] == ["both"]:
        words = words[1:]
    elif not any(w.endswith("s") and _word(w) != w for w in words):
        return []
    # a side already said is no plural of both; "knees" is no answer for the medial and the lateral knee
    if not words or any(_word(w) in _SIDES or w in _LAY_SIDES or _word(w) in _JOINTS for w in words):
        return []
    return [" ".join([side, *words]) for side in ("medial", "lateral")]


def _listed(given: str, key: _Key, names: NameIndex, wrong: Sequence[str], ruled_out: Sequence[str], precise: str,
            asked: frozenset[str], hinted: dict[Tokens, tuple[str, bool]], said: _Said | None = None) -> Verdict | None:
    """Several items for a card that asks for any one ("sartorius, gracilis and semitendinosus" for a muscle
    of the pes anserinus): right when every item is, wrong naming the first that is not; None when the
    answer is no list or names nothing right."""
    pieces = _pieces(given)
    if len(pieces) < 2:
        return None
    verdicts = []
    for piece in pieces:
        if tokens(piece) in hinted:
            verdicts.append(Verdict(False, True, note=hinted[tokens(piece)][0]))
        else:
            verdicts.append(_match(piece, key, names, wrong, ruled_out, precise, asked, said))
    if not any(v.correct for v in verdicts):
        return None
    for piece, v in zip(pieces, verdicts, strict=True):
        if not v.correct:
            why = f" ({v.note})" if v.note and not v.note.endswith("right here") else ""
            return Verdict(False, False, note=f"{piece!r} is not one of them{why}", other=v.other)
    return Verdict(True, all(v.exact for v in verdicts), ", ".join(dict.fromkeys(str(v.matched) for v in verdicts)))


def judge_text(given: str, accepted: Sequence[str], rejected: Sequence[str] = (), *,
               answer_ids: Sequence[str] = (), parts: Sequence[Sequence[str]] = (),
               part_ids: Sequence[Sequence[str]] = (), names: NameIndex | None = None,
               ruled_out: Sequence[str] = (), broader: Sequence[str] = (), broader_ids: Sequence[str] = (),
               question: str = "", precise: str = "", close: Sequence[tuple[str, str]] = (),
               hints: Sequence[tuple[str, str, bool]] = (), several: bool = False,
               kept: Sequence[str] = (), explanation: str = "") -> Verdict:
    """A typed answer against what a card accepts; see the module's contract.

    ``ruled_out``: answers wrong for this card although they are names of the answer (a lateral tear when
    the signs are medial). ``broader``: right but less precise (the sciatic nerve for its tibial division),
    shown with ``precise``. ``question``: its words may be left out of the answer. ``explanation``: what the
    card teaches besides, which an answer may add to a right answer.
    """
    names = names or _EMPTY
    # An answer the card explains ("biceps femoris" where only its long head is meant): wrong or partly
    # right, with why; never taken as right.
    hinted = {f: (note, half) for text, note, half in hints for f in forms(text)}
    blocked = {f for w in ruled_out for f in forms(w)} | set(hinted)
    given_words = frozenset(tokens(question)) if question else frozenset()
    whole = _key(accepted, answer_ids, names, broader, broader_ids, close, kept).settle(blocked, given_words, names)
    whole.owners.update(i for ids in part_ids for i in ids)
    wrong = [*rejected, *ruled_out]
    said = _said(question, [*accepted, precise, *broader, *(t for texts in parts for t in texts)], explanation,
                 [*whole.forms, *whole.broader])
    if tokens(given) in hinted:
        note, half = hinted[tokens(given)]
        return Verdict(False, True, note=note, partial=half)
    if not parts:
        verdict = _match(given, whole, names, wrong, ruled_out, precise, given_words, said)
        if several and not verdict.correct:
            listed = _listed(given, whole, names, wrong, ruled_out, precise, given_words, hinted, said)
            if listed is not None:
                return listed
        if not verdict.correct and not verdict.other:
            by_parts = _all_parts(given, answer_ids, names)
            if by_parts is not None:
                return by_parts
        # The question's words said again are no error: "three articulations" for "how many articulations ...?"
        typed = tokens(given)
        kept = [w for w in typed if is_contrast(w) or w not in given_words]
        if not verdict.correct and not verdict.other and kept and len(kept) < len(typed) \
                and _near_other(typed, whole, names) is None:
            # (nothing added on top: what is left must be right as it stands)
            again = _match(" ".join(kept), whole, names, wrong, ruled_out, precise, given_words)
            if again.correct:
                return again
        return verdict
    verdict = _match(given, whole, names, wrong, ruled_out, precise, given_words, said)
    if verdict.correct or verdict.other or verdict.note.startswith("that "):
        return verdict
    groups = [_key(texts, part_ids[i] if i < len(part_ids) else (), names).settle(blocked, given_words, names)
              for i, texts in enumerate(parts)]
    everything = _Key(owners=set().union(*(g.owners for g in groups)) | whole.owners)
    for g in groups:
        everything.forms.update(g.forms)
    found: set[int] = set()
    exact = True

    def group_of(piece: str) -> tuple[int, Verdict] | None:
        for i, g in enumerate(groups):
            # words a piece adds to one part may not be another part's: "ischial tuberosity and ischiopubic ramus"
            # is two parts, not the first with more said
            rivals = {f: text for j, h in enumerate(groups) if j != i for f, text in h.forms.items()}
            v = _match(piece, _Key(g.forms, everything.owners, rivals=rivals), names, wrong, ruled_out,
                       asked=given_words, said=said)
            if v.correct:
                return i, v
        return None

    # a name that holds "and" itself ("fibular head and styloid") is one piece
    pieces = [given] if group_of(given) else _pieces(given)
    while pieces:
        piece = pieces.pop(0)
        # "fibular head and styloid, posterior knee": the first two are one name (the longest run that is one)
        joined = None
        for k in range(min(3, len(pieces)), 0, -1):
            joined = group_of(" and ".join([piece, *pieces[:k]]))
            if joined:
                del pieces[:k]
                break
        hit = joined or group_of(piece)
        if hit is None and (both := _compound(piece)) and all(group_of(p) for p in both):
            pieces[:0] = both  # "anteromedial knee" is the anterior and the medial knee
            continue
        if hit is None and (both := _both_sides(piece)) and len({h[0] for p in both if (h := group_of(p))}) == 2:
            pieces[:0] = both  # "femoral condyles" are the medial and the lateral femoral condyle
            continue
        if hit is None:
            v = _match(piece, everything, names, wrong, ruled_out, asked=given_words)
            if v.note.startswith("close"):
                return Verdict(False, False, note=f"{piece!r}: {v.note}")
            # "'posterior' is not one of them" says it all; "(that is Posterior knee)" would repeat it
            why = f" ({v.note})" if v.note and not v.correct and not (v.other and v.note.endswith("right here")) \
                else ""
            return Verdict(False, False, note=f"{piece!r} is not one of them{why}")
        found.add(hit[0])
        exact = exact and hit[1].exact
    missing = tuple(parts[i][0] for i in range(len(groups)) if i not in found)
    if not missing:
        return Verdict(True, exact, ", ".join(p[0] for p in parts))
    return Verdict(False, exact, partial=True, missing=missing,
                   note=f"partly right: {len(found)} of {len(groups)}; missing {', '.join(missing)}")


def judge(card: Card, given: str, names: NameIndex | None = None) -> Verdict:
    """A student's answer to a card: an option number, or typed text."""
    text = given.strip()
    if not text:
        return Verdict(False, False, note="no answer", unanswerable=True)
    if card.options:
        choice = _CHOICE.match(text)
        if choice:
            number = int(choice.group(1))
            if not 1 <= number <= len(card.options):
                return Verdict(False, False, note=f"there is no option {number}", unanswerable=True)
            return Verdict(number - 1 in card.correct, True, card.options[number - 1], chosen=number - 1)
        right = [card.options[i] for i in card.correct]
        wrong = [o for i, o in enumerate(card.options) if i not in card.correct]
        verdict = judge_text(text, [*right, *card.accepted], wrong, answer_ids=card.answer_ids, names=names,
                             ruled_out=card.rejected, broader=card.broader, broader_ids=card.broader_ids,
                             question=card.prompt, precise=card.answer, explanation=card.explanation)
        if not verdict.correct:
            answer = tokens(text)
            given_words = frozenset(tokens(card.prompt))
            for i, option in enumerate(card.options):
                if i in card.correct:
                    continue
                option_key = _Key()
                option_key.add(option)
                if answer in option_key.settle(set(), given_words).forms:
                    # "posterior" for the compartment question is option 1, not the posterior knee
                    note = verdict.note if answer in forms(option) else _names_other(text, option).note
                    return Verdict(False, True, option, note=note, chosen=i, other=option)
        return verdict
    verdict = judge_text(text, card.accepted, answer_ids=card.answer_ids, parts=card.parts,
                         part_ids=card.part_ids, names=names, ruled_out=card.rejected, broader=card.broader,
                         broader_ids=card.broader_ids, question=card.prompt, precise=card.answer,
                         close=card.close, hints=card.hints, several=card.answer.startswith(ANY_OF),
                         kept=card.accepted if card.authored else (), explanation=card.explanation)
    if not verdict.correct and card.kind == "condition" and card.answer_ids == (card.entity,) and names:
        # "iliotibial band" for iliotibial band syndrome names the structure, not the condition asked
        said = tokens(text)
        structure = names.owners_of(said) - {card.entity}
        if structure and any(set(said) < set(f) for f in names.entity_forms(card.entity)):
            from hamknee.study.cards.base import lc

            label = names.label_of(said, "another entry")
            return replace(verdict, note=f"that is the {lc(label)} itself; the question asks "
                                         "for the condition", other=label)
    if card.field == "site-of" and not verdict.correct and not verdict.note:
        # An open question asks within the knowledge base: an answer it does not hold is not called false.
        return replace(verdict, note="not one of the conditions hamknee covers there")
    return verdict
