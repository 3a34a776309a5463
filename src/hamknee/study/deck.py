"""The deck of a knowledge base: generated once, cached beside the knowledge-base cache, read in parts.

Generating every card of a large knowledge base takes far longer than a study command should, and the
deck changes only when the knowledge base (or the generator) does. So the deck is kept in a cache file of
the same layout as the knowledge-base cache (``cache.write``), under a key made of the knowledge base's
content hash, the package version and a stamp of the generator's source files: a head per card (id, kind,
entity, question type, entities and regions, enough to choose cards) and each card as its own record, so
that a quiz reads the heads and the few cards it asks, and ``stats`` reads only the key.

``fingerprint`` names the deck's content; the progress database remembers the fingerprint it was last
brought in line with, so an unchanged deck is not synced again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hamknee import cache
from hamknee.kb import KnowledgeBase
from hamknee.study.cards import Card

if TYPE_CHECKING:
    from hamknee.study.answers import NameIndex

DECK_FORMAT = 2
FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Card))

# A head: (id, kind, entity, qtype, entities, regions).
Head = tuple[str, str, str, str, tuple[str, ...], tuple[str, ...]]


def _generator_stamp() -> list[Any]:
    """Size and modification time of each source file of the study modules (the card generator and what
    it uses), so that an edit to them is noticed even without a new version number."""
    import hamknee.study

    root = Path(hamknee.study.__file__).parent
    stamp: list[Any] = []
    for file in sorted(root.rglob("*.py")):
        with contextlib.suppress(OSError):
            info = file.stat()
            stamp.append((str(file.relative_to(root)), info.st_size, info.st_mtime_ns))
    return stamp


def deck_key(kb: KnowledgeBase) -> dict[str, Any] | None:
    """What the deck depends on; None when the knowledge base could not be fingerprinted."""
    key = kb.key
    if not isinstance(key, dict) or not key.get("hash"):
        return None
    return {"deck_format": DECK_FORMAT, "kb_format": key.get("format"), "version": key.get("version"),
            "schema": key.get("schema"), "path": key.get("path"), "hash": key.get("hash"),
            "generator": _generator_stamp(), "fields": list(FIELDS)}


def _fingerprint(key: dict[str, Any] | None, cards: list[Card] | None) -> str:
    digest = hashlib.blake2b(digest_size=12)
    if key is not None:
        digest.update(json.dumps(key, sort_keys=True).encode())
    else:  # not cacheable: name the content itself
        for card in cards or ():
            digest.update(repr(dataclasses.astuple(card)).encode())
    return digest.hexdigest()


def _head(card: Card) -> Head:
    return (card.id, card.kind, card.entity, card.qtype, tuple(card.entities), tuple(card.regions))


def _card(record: dict[str, Any]) -> Card:
    return Card(**record)


class Deck:
    """Every card of a knowledge base, from the deck cache when it is current."""

    def __init__(self, kb: KnowledgeBase, fingerprint: str, heads: list[Head], reader: cache.CacheReader | None,
                 cards: list[Card] | None, names: NameIndex | None = None) -> None:
        self._kb = kb
        self._names = names
        self.fingerprint = fingerprint
        self.heads = heads
        self._reader = reader
        self._cards = {c.id: c for c in cards} if cards is not None else {}

    def __len__(self) -> int:
        return len(self.heads)

    def __enter__(self) -> Deck:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def ids(self) -> list[str]:
        return [h[0] for h in self.heads]

    def names(self) -> NameIndex:
        """Every entry's names as answer forms, which the checker compares a typed answer with."""
        from hamknee.study.answers import NameIndex

        if self._names is None and self._reader is not None:
            with contextlib.suppress(cache.CacheMiss, KeyError, TypeError, ValueError, AttributeError):
                self._names = NameIndex.restore(self._reader.section("names"))
        if self._names is None:
            self._names = NameIndex(self._kb.names())
        return self._names

    def card(self, ident: str) -> Card:
        found = self._cards.get(ident)
        if found is None:
            if self._reader is None:
                raise KeyError(ident)
            try:
                found = _card(self._reader.record(ident))
            except (cache.CacheMiss, KeyError, TypeError):
                # The cache file changed under us: the generator gives the same cards, only slower.
                self.close()
                self._cards = {c.id: c for c in generate_deck(self._kb)}
                return self._cards[ident]
            self._cards[ident] = found
        return found

    def cards(self, ids: Iterable[str] | None = None) -> list[Card]:
        """The cards with these ids (default: all, in deck order)."""
        return [self.card(i) for i in (self.ids() if ids is None else ids)]

    def choose(self, *, kinds: set[str] | None = None, entities: set[str] | None = None,
               region: str | None = None, qtype: str | None = None) -> list[str]:
        """Ids of the cards about a topic (any of the entities, as subject or answer), from the heads alone."""
        chosen = []
        for ident, kind, _, card_qtype, about, regions in self.heads:
            if kinds and kind not in kinds:
                continue
            if entities and not entities.intersection(about):
                continue
            if region and region not in regions and region not in about:
                continue
            if qtype and card_qtype != qtype:
                continue
            chosen.append(ident)
        return chosen


def _deck_file(kb: KnowledgeBase) -> Path | None:
    from hamknee.paths import cache_dir

    try:
        kb_cache = cache.cache_file(cache_dir(), kb.path)
    except Exception:  # platformdirs could not find a home; work without a cache
        return None
    return kb_cache.with_name("deck-" + kb_cache.name.removeprefix("kb-"))


def _open_cached(kb: KnowledgeBase, target: Path, key: dict[str, Any]) -> Deck | None:
    try:
        reader = cache.CacheReader(target)
    except cache.CacheMiss:
        return None
    try:
        if reader.key != key:
            raise cache.CacheMiss("stale")
        heads = [tuple(h) for h in reader.section("heads")]
        fingerprint = reader.section("meta")["fingerprint"]
        if not isinstance(fingerprint, str):
            raise cache.CacheMiss("bad fingerprint")
    except (cache.CacheMiss, KeyError, TypeError, ValueError):
        reader.close()
        return None
    return Deck(kb, fingerprint, heads, reader, None)  # type: ignore[arg-type]


def generate_deck(kb: KnowledgeBase) -> list[Card]:
    """The whole deck of a knowledge base, freshly generated (the slow path this module caches)."""
    from hamknee.study.cards import generate

    return generate(kb.records())


def load(kb: KnowledgeBase) -> Deck:
    """The knowledge base's deck: from the deck cache if it is current, else generated and cached."""
    key = deck_key(kb)
    target = _deck_file(kb) if key is not None else None
    if target is not None and key is not None:
        cached = _open_cached(kb, target, key)
        if cached is not None:
            return cached
    from hamknee.study.answers import NameIndex

    cards = generate_deck(kb)
    fingerprint = _fingerprint(key, cards)
    names = NameIndex(kb.names())
    if target is not None and key is not None:
        sections: dict[str, Any] = {
            "names": names.dump(),
            "meta": {"fingerprint": fingerprint, "count": len(cards)},
            "heads": [_head(c) for c in cards],
            "records": {c.id: {name: getattr(c, name) for name in FIELDS} for c in cards},
        }
        # A read-only cache directory, or a card field marshal cannot store, costs speed, never the command.
        with contextlib.suppress(OSError, ValueError):
            cache.write(target, key, sections)
    return Deck(kb, fingerprint, [_head(c) for c in cards], None, cards, names)
