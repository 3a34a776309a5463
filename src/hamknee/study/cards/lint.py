"""The card lint: defects that make a card teach something wrong or give its answer away.

* ``distractor-is-right``: a wrong option that is an answer (a form of an accepted answer or of an answer
  entity), or a fact of the subject (a site, nerve or test its record gives for the card's field, or an
  entity the subject relates to as it relates to the answer).
* ``answer-in-stem``: a word of the answer in the question, or a word of the question found only in the
  right option.
* ``cut-option``: an option cut off ('...', a trailing 'to', 'the', 'of'), or a sentence rather than a phrase.
* ``duplicate-options``: two options that say the same (one's words all in the other).
* ``accepted-owned-elsewhere``: an accepted answer that is a name or alias of another entity.
* ``unexplained-option``: a wrong option whose note only says it is not the answer ('Not X.'), not why.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from hamknee.study.answers import NameIndex, _word, forms, tokens
from hamknee.study.cards.base import ANY_OF, Card, Facts
from hamknee.study.contrast import is_contrast
from hamknee.terms import normalize

OPTION_LIMIT = 90
_GENERIC = frozenset({"muscle", "nerve", "test", "phase", "knee", "joint", "pain", "injury", "ligament", "head",
                      "which", "what", "where", "does", "name", "these", "this", "that", "with", "from", "into",
                      "felt", "clinical", "condition", "supplied", "arise", "insert", "inserts", "arises",
                      "origin", "insertion", "after", "comes", "stage", "loading", "side", "hamstring",
                      "hamstrings", "tendon", "leg", "thigh", "region", "regions", "term", "structure", "used",
                      "assessing", "each", "site", "both", "their", "there", "they", "part", "most",
                      "likely", "typically", "first", "sign", "signs"})
_TRAILING = frozenset({"to", "the", "of", "and", "or", "a", "an", "with", "by", "at", "in", "on", "for"})


@dataclass(frozen=True)
class Defect:
    card: str
    check: str
    message: str


@lru_cache(maxsize=65536)  # the same options and prompts recur across thousands of cards
def _content(text: str) -> frozenset[str]:
    """The words that could give an answer away, written out: 'posterior cruciate ligament', not 'pcl'."""
    words = (_word(w) for w in normalize(text).split("-") if w)
    return frozenset(w for w in words if len(w) >= 4 and w not in _GENERIC and not w.isdigit())


def _relation_types(facts: Facts, subject: str, targets: Iterable[str]) -> set[str]:
    record = facts.by_id.get(subject)
    wanted = set(targets)
    if not record:
        return set()
    return {link["type"] for link in record.get("relations", []) if link["target"] in wanted}


def lint_card(card: Card, facts: Facts, names: NameIndex) -> list[Defect]:
    found: list[Defect] = []

    def defect(check: str, message: str) -> None:
        found.append(Defect(card.id, check, message))

    right_forms: set[tuple[str, ...]] = set()
    for text in (card.answer, *card.accepted, *(card.options[i] for i in card.correct)):
        right_forms.update(forms(text))
    answer_ids = set(card.answer_ids) | {i for ids in card.part_ids for i in ids}
    for ident in answer_ids:
        right_forms.update(names.entity_forms(ident))
    wrong = [o for i, o in enumerate(card.options) if i not in card.correct]
    # Subject facts for the card's field, from the facts index, and the relation types that lead to the answer.
    field_facts: set[str] = set()
    if card.kind == "muscle" and card.field in ("origin", "insertion"):
        field_facts = set(facts.sites.get((card.entity, card.field), []))
    elif card.kind == "muscle" and card.field == "innervation":
        field_facts = set(facts.nerves.get(card.entity, []))
    rel_types = _relation_types(facts, card.entity, answer_ids - {card.entity})
    related = {link["target"] for link in facts.by_id.get(card.entity, {}).get("relations", [])
               if link["type"] in rel_types}
    subject_tests = {tokens(t["name"]) for t in facts.by_id.get(card.entity, {}).get("tests", [])} \
        if card.field in ("key-test", "test") else set()
    for option in wrong:
        option_forms = set(forms(option))
        owners = {o for f in option_forms for o in names.owners_of(f)}
        if option_forms & right_forms:
            defect("distractor-is-right", f"wrong option {option!r} is also a right answer")
        elif owners & (field_facts | related | answer_ids):
            defect("distractor-is-right", f"wrong option {option!r} is a fact of {card.entity}")
        elif option_forms & subject_tests:
            defect("distractor-is-right", f"wrong option {option!r} is one of {card.entity}'s own tests")
    stem = _content(card.prompt)
    if not card.options and not card.self_graded:
        # Any one of several answers: a giveaway only if every one of them shares a word with the question.
        answers = [names.label_of(f, "") for i in card.answer_ids for f in names.entity_forms(i)[:1]]
        answers = [a for a in answers if a] + list(card.accepted)
        if not card.answer.startswith(ANY_OF):
            answers.append(card.answer)
        if card.parts:
            # A set is given away only when every part is: "adductor tubercle and linea aspera" for adductor
            # magnus still asks for the linea aspera.
            answers = [group[0] for group in card.parts]
        shared = [stem & _content(a) for a in answers]
        # A region is its side: "posterior" in the question gives the posterior knee away, whatever other
        # name (the popliteal fossa) would also be right.
        sides = {str(facts.by_id[i].get("side")) for i in card.answer_ids
                 if i in facts.by_id and facts.by_id[i]["kind"] == "region" and facts.by_id[i].get("side")}
        if not card.answer.startswith(ANY_OF) and not card.parts and stem & sides:
            defect("answer-in-stem", f"the question holds {', '.join(sorted(stem & sides))!r}, the side of the answer")
        elif all(shared):
            given = set().union(*shared)
            defect("answer-in-stem", f"the question holds {', '.join(sorted(given))!r} of the answer")
    if card.options:
        in_wrong = set().union(*(_content(o) for o in wrong)) if wrong else set()
        for i in card.correct:
            only = (stem & _content(card.options[i])) - in_wrong
            if only:
                defect("answer-in-stem", f"{', '.join(sorted(only))!r} is in the question and only in the "
                                         "right option")
        for o in card.options:
            words = re.findall(r"[A-Za-z]+", o.lower())
            if o.rstrip().endswith(("…", "...")) or (words and words[-1] in _TRAILING) or len(o) > OPTION_LIMIT:
                defect("cut-option", f"option {o!r} is cut or is a sentence, not a short phrase")
        for i, o in enumerate(card.options):
            if i not in card.correct and i < len(card.option_notes) and card.option_notes[i] == f"Not {o}.":
                defect("unexplained-option", f"wrong option {o!r} is not explained (give the card a why_not)")
        toks = [frozenset(tokens(o)) for o in card.options]
        for i, a in enumerate(toks):
            for j in range(i + 1, len(toks)):
                b = toks[j]
                if a == b or (a and b and (a <= b or b <= a)):
                    defect("duplicate-options", f"options {card.options[i]!r} and {card.options[j]!r} say the same")
    for text in card.accepted:
        for f in forms(text, gloss=False):
            # A bare side or direction ("posterior") is a region's shorthand, and a direction in its own right:
            # the hamstrings pull the tibia posterior(ly), which is no region.
            if all(is_contrast(w) for w in f) and not any(w.isdigit() for w in f):
                continue
            others = names.owners_of(f) - answer_ids - {card.entity}
            if others and f not in {ff for i in answer_ids for ff in names.entity_forms(i)}:
                defect("accepted-owned-elsewhere", f"accepted answer {text!r} is a name of {', '.join(sorted(others))}")
                break
    return found


def lint(cards: Iterable[Card], facts: Facts, names: NameIndex) -> list[Defect]:
    return [d for card in cards for d in lint_card(card, facts, names)]
