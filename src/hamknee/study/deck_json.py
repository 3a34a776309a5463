"""The deck as JSON, for a student or a teacher to review: one object per card, with every answer taken as right."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator
from typing import Any

from hamknee.sanitize import json_safe
from hamknee.study.cards import Card

KEYS = ("id", "entity", "type", "prompt", "options", "correct", "answer", "accepted", "sources", "retired")


def accepted(card: Card, names: Any) -> list[str]:
    """Every answer the checker takes as right (besides typos): the card's own and its answer entities' names."""
    found: list[str] = []
    if card.options:
        found += [card.options[i] for i in card.correct]
    found += list(card.accepted) + list(card.broader)
    for ident in (*card.answer_ids, *card.broader_ids):
        record = names.get(ident)
        if record:
            found += [record["name"], *record.get("aliases", [])]
    from hamknee.study.answers import tokens

    # Not taken: an alias the question rules out, and a name made of nothing but the question's words.
    ruled_out = {tokens(r) for r in (*card.rejected, *(h[0] for h in card.hints))}
    asked = set(tokens(card.prompt))
    found = [f for f in found if tokens(f) not in ruled_out and not (len(tokens(f)) > 1 and set(tokens(f)) <= asked)]
    return list(dict.fromkeys(found))


def card_object(card: Card, names: Any) -> dict[str, Any]:
    return {"id": card.id, "entity": card.entity, "type": card.qtype, "prompt": card.prompt,
            "options": list(card.options), "correct": list(card.correct), "answer": card.answer,
            "accepted": accepted(card, names), "sources": list(card.sources), "retired": False}


def _retired_object(old: dict[str, Any]) -> dict[str, Any]:
    """A card whose fact left the knowledge base, as last saved with the student's history."""
    prompt = (old.get("front") or "").split("\n")[0]
    answer = (old.get("back") or "").split("\n")[0]
    return {"id": old["id"], "entity": old["entity"], "type": old["qtype"], "prompt": prompt,
            "options": [], "correct": [], "answer": answer, "accepted": [], "sources": [], "retired": True}


def deck_chunks(cards: Iterable[Card], records: Iterable[dict[str, Any]],
                retired: Iterable[dict[str, Any]] = ()) -> Iterator[bytes]:
    """The JSON of ``deck_text``, a batch of cards at a time: the same text, never the whole deck at once.

    ``records``: each entry's id, name and aliases (``KnowledgeBase.names``), for the answers it takes.
    """
    by_id = {r["id"]: r for r in records}
    items = itertools.chain((card_object(c, by_id) for c in cards), (_retired_object(old) for old in retired))
    batch: list[str] = []
    first = True
    for item in items:
        # An item of an indented list is its own indented text, each line one level in.
        text = json.dumps(item, indent=2, ensure_ascii=False).replace("\n", "\n  ")
        batch.append(("[\n  " if first else ",\n  ") + text)
        first = False
        if len(batch) >= 200:
            yield json_safe("".join(batch)).encode("utf-8")
            batch = []
    batch.append("[]\n" if first else "\n]\n")
    # Written as every other JSON output is: nothing a terminal acts on, and no character a reader cannot take.
    yield json_safe("".join(batch)).encode("utf-8")


def deck_text(cards: Iterable[Card], records: Iterable[dict[str, Any]],
              retired: Iterable[dict[str, Any]] = ()) -> tuple[str, int]:
    items = list(cards)
    old = list(retired)
    return b"".join(deck_chunks(items, records, old)).decode("utf-8"), len(items) + len(old)
