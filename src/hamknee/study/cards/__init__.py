"""Flashcards from knowledge-base records (pure: records in, cards out).

Every card has a stable id built from the entity id and the question (``semitendinosus:insertion:recall``),
so a student's history follows the knowledge base as it changes: a new fact yields a new card, a fact that
disappears retires its card, and the wording of a card may be improved without losing its reviews.

Question types:
  recall    type the answer to a field ("Where does semitendinosus insert?"); several things are a set
  reverse   name an entity from a fact ("Name a muscle that inserts on the fibular head.")
  choice    pick the answer among options that the records make wrong
  vignette  a clinical picture -> which condition? (hand-written)
  compare   which of two muscles has a given site or nerve
  self      a sentence answer the student grades against their own (hand-written)

By module: ``anatomy`` (muscles), ``clinical`` (conditions), ``terms`` (definitions, phases), ``authored``
(hand-written cards on entries), ``lint`` (the checks every card passes). A generated card that fails the
lint is left out of the deck; an authored one is reported by ``hamknee validate --cards``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from hamknee.study.cards.base import EXPLANATION_LIMIT, Card, Facts, Record, first_sentence, stable_hash

if TYPE_CHECKING:
    from hamknee.study.cards.lint import Defect

__all__ = ["QTYPES", "Card", "deck", "generate", "select", "stable_hash"]

QTYPES: tuple[str, ...] = ("recall", "reverse", "choice", "vignette", "compare", "self")


class Deck:
    """The cards of a knowledge base with the indexes they were built from (for the lint and the checker)."""

    def __init__(self, records: Iterable[Record]) -> None:
        from hamknee.study.answers import NameIndex
        from hamknee.study.cards import anatomy, authored, clinical, terms
        from hamknee.study.cards.lint import lint_card

        records = list(records)
        self.facts = Facts(records)
        self.names = NameIndex(records)
        self.dropped: list[str] = []
        self.cards: list[Card] = []
        seen: set[str] = set()
        for step in (anatomy.site_cards, anatomy.nerve_cards, anatomy.reverse_cards, clinical.region_cards,
                     clinical.test_cards, terms.summary_cards, terms.next_phase_cards, anatomy.compare_cards):
            made: list[Card] = []
            step(self.facts, made)
            # Each step's cards are checked as they come, so that the ones the lint drops are not all held.
            for card in made:
                if card.id in seen:
                    continue
                if lint_card(card, self.facts, self.names):
                    self.dropped.append(card.id)
                    continue
                seen.add(card.id)
                if not card.regions:
                    card = replace(card, regions=self.facts.regions(card.entity))
                self.cards.append(_trim(card))
        hand: list[Card] = []
        authored.authored_cards(self.facts, hand)
        for card in hand:
            if card.id not in seen:
                seen.add(card.id)
                self.cards.append(replace(card, regions=self.facts.regions(card.entity)))

    def lint(self) -> list[Defect]:
        from hamknee.study.cards.lint import lint

        return list(lint(self.cards, self.facts, self.names))


# An explanation that lists every right answer is shown whole: cut, it would deny the ones it drops (the
# conditions felt at a region; the regions of a condition, one sentence already).
_WHOLE_LIST = frozenset({"site-of", "felt_at"})


def _trim(card: Card) -> Card:
    # one line after the answer; the rest is on `explain`
    if len(card.explanation) > EXPLANATION_LIMIT and card.field not in _WHOLE_LIST:
        return replace(card, explanation=first_sentence(card.explanation, EXPLANATION_LIMIT))
    return card


def deck(records: Iterable[Record]) -> Deck:
    return Deck(records)


def generate(records: Iterable[Record]) -> list[Card]:
    """Every card of a knowledge base, in a stable order: the one entry point (and what a cache stores)."""
    return Deck(records).cards


def select(cards: Iterable[Card], *, kinds: set[str] | None = None, entity: str | None = None,
           region: str | None = None, qtype: str | None = None, ids: Iterable[str] | None = None) -> list[Card]:
    """Cards about a topic: a kind, an entity (as subject or answer), a region, or exactly the ids given."""
    wanted = set(ids) if ids is not None else None
    chosen = []
    for card in cards:
        if wanted is not None and card.id not in wanted:
            continue
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
