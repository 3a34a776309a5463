"""Hand-written cards from the entries' ``cards`` lists (validated by the loader like every other field)."""

from __future__ import annotations

from typing import Any

from hamknee.study.cards.base import Card, Facts, first_sentence, ordered, source_line
from hamknee.terms import normalize


def authored_cards(facts: Facts, add: list[Card]) -> None:
    for r in facts.by_id.values():
        for spec in r.get("cards", []):
            add.append(authored_card(r, spec, facts))


def _affected(facts: Facts | None, spec: dict[str, Any]) -> tuple[str, ...]:
    """The one ligament a condition answer injures: "MCL" names the MCL injury, less precisely.

    Only a ligament, whose initials stand for its injury in clinical speech (not the sciatic nerve for an
    avulsion nor the knee joint for osteoarthritis), and only when the condition injures that one
    structure ("lateral meniscus" is no answer to a medial tear).
    """
    if facts is None:
        return ()
    found: list[str] = []
    for ident in spec.get("answer_ids", []):
        record = facts.by_id.get(ident) or {}
        if record.get("kind") != "condition":
            continue
        hurt = [link["target"] for link in record.get("relations", []) if link["type"] == "affects"
                and (facts.by_id.get(link["target"]) or {}).get("kind") == "structure"]
        if len(hurt) == 1 and facts.by_id[hurt[0]].get("structure_type") == "ligament":
            found += hurt
    return tuple(dict.fromkeys(found))


def _why_not(option: str, facts: Facts | None, vignette: bool) -> str:
    """What a wrong option is, not the answer's explanation again (the quiz shows that next): the card's own
    reason (``why_not``), or for a vignette the picture of the condition the option names; else only 'Not ...',
    which the card lint reports."""
    if facts is None:
        return f"Not {option}."
    ids = sorted(facts.name_ids.get(normalize(option), ()))
    record = facts.by_id[ids[0]] if ids else None
    if vignette and record is not None and record["kind"] == "condition":
        return f"{option}: {first_sentence(record['summary'])}"
    return f"Not {option}."


def authored_card(r: dict[str, Any], spec: dict[str, Any], facts: Facts | None = None) -> Card:
    card_id = f"{r['id']}:card:{spec['id']}"
    sources = tuple(source_line(s) if isinstance(s, dict) else str(s) for s in spec.get("sources", []))
    answer = spec["answer"]
    distractors = list(spec.get("distractors", []))
    options: tuple[str, ...] = ()
    correct: tuple[int, ...] = ()
    notes: tuple[str, ...] = ()
    explanation = spec.get("explanation") or answer
    if distractors:
        options = tuple(ordered([answer, *distractors], card_id))
        correct = (options.index(answer),)
        reasons = {normalize(d): " ".join(why.split()) for d, why in (spec.get("why_not") or {}).items()}
        notes = tuple(explanation if o == answer else
                      reasons.get(normalize(o)) or _why_not(o, facts, bool(spec.get("vignette"))) for o in options)
    qtype = "vignette" if spec.get("vignette") else "choice" if distractors else \
        "self" if spec.get("self_graded") else "recall"
    accepted = list(spec.get("accepted", []))
    if qtype == "recall":
        accepted.insert(0, answer)  # the answer the card shows is always taken
    return Card(
        id=card_id, entity=r["id"], kind=r["kind"], qtype=qtype, field=f"card:{spec['id']}",
        prompt=" ".join(spec["question"].split()), answer=answer, explanation=" ".join(explanation.split()),
        accepted=tuple(dict.fromkeys(accepted)), rejected=tuple(spec.get("rejected", [])),
        answer_ids=tuple(spec.get("answer_ids", [])),
        broader_ids=_affected(facts, spec) if qtype in ("vignette", "recall") else (),
        options=options, correct=correct, option_notes=notes, entities=(r["id"], *spec.get("answer_ids", [])),
        source=sources[0] if sources else "", sources=sources, self_graded=bool(spec.get("self_graded")),
        authored=True,
    )
