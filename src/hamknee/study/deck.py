"""The deck of a knowledge base: generated once, cached beside the knowledge-base cache, read in parts.

Generating every card of a large knowledge base takes far longer than a study command should, and the
deck changes only when the knowledge base (or the generator) does. So the deck is kept in a cache file of
the same layout as the knowledge-base cache (``cache.write``), under a key made of the knowledge base's
content hash, the package version and a stamp of the generator's source files: a head per card (id, kind,
entity, question type, entities and regions, enough to choose cards), each card as its own record, and
the name index the answer checker uses in parts (each entry's forms; the forms of each length). So
``stats`` reads only the key and the fingerprint, a quiz the few cards it asks and the names its answers
need, and an export reads the cards a batch at a time as it writes them.

``fingerprint`` names the deck's content; the progress database remembers the fingerprint it was last
brought in line with, so an unchanged deck is not synced again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hamknee import cache
from hamknee.kb import KnowledgeBase
from hamknee.study.cards import Card

if TYPE_CHECKING:
    from hamknee.study.answers import NameIndex
    from hamknee.study.cards.base import Record

DECK_FORMAT = 3
FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Card))
_BATCH = 200  # cards read from the cache at a time when a whole deck is streamed

# A head: (id, kind, entity, qtype, entities, regions).
Head = tuple[str, str, str, str, tuple[str, ...], tuple[str, ...]]

# What the generators read of a relation; a link's label, name and note are for reading, not for cards.
_LINK_KEYS = ("type", "target", "direction", "kind")


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
    import hashlib  # only when the deck is generated: loading OpenSSL costs every warm command

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

    def __init__(self, kb: KnowledgeBase, fingerprint: str, reader: cache.CacheReader | None,
                 cards: list[Card] | None, names: NameIndex | None = None, *, path: Path | None = None,
                 name_lengths: Iterable[int] = ()) -> None:
        self._kb = kb
        self._names = names
        self._name_lengths = list(name_lengths)
        self.fingerprint = fingerprint
        self._reader = reader
        self._path = path  # the cache file, to read again once closed
        self._key = reader.key if reader is not None else None
        self._heads: list[Head] | None = [_head(c) for c in cards] if cards is not None else None
        self._cards = {c.id: c for c in cards} if cards is not None else {}
        self._id_set: set[str] | None = None

    def __len__(self) -> int:
        return len(self.heads)

    def __enter__(self) -> Deck:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __contains__(self, ident: object) -> bool:
        """Whether the deck has a card of this id; from the cache's table of contents, no head is read."""
        reader = self._open()
        if reader is not None:
            return ident in reader.record_offsets
        if self._id_set is None:
            self._id_set = {h[0] for h in self.heads}
        return ident in self._id_set

    def close(self) -> None:
        """Let go of the cache file (what was read of it stays; the rest is read again if asked)."""
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def _open(self) -> cache.CacheReader | None:
        """The cache reader, opened again if the deck was closed; None once the cards are generated here."""
        if self._reader is None and self._path is not None and self._key is not None:
            try:
                reader = cache.CacheReader(self._path)
            except cache.CacheMiss:
                reader = None
            if reader is not None and reader.key != self._key:
                reader.close()
                reader = None
            if reader is None:
                self._regenerate()
            self._reader = reader
        return self._reader

    def _regenerate(self) -> None:
        # The cache file changed or broke under us: the generator gives the same cards, only slower.
        self.close()
        self._path = self._key = None
        cards = generate_deck(self._kb)
        self._cards = {c.id: c for c in cards}
        self._heads = [_head(c) for c in cards]
        self._id_set = None

    def _load_heads(self) -> list[Head]:
        if self._heads is None:
            reader = self._open()
            if reader is not None:
                try:
                    self._heads = [tuple(h) for h in reader.section("heads")]  # type: ignore[misc]
                except (cache.CacheMiss, KeyError, TypeError, ValueError):
                    self._regenerate()
        assert self._heads is not None
        return self._heads

    def _part(self, name: str) -> Any:
        """A section of the deck cache; KeyError when it cannot be read (absent, damaged, gone)."""
        reader = self._open()
        if reader is None:
            raise KeyError(name)
        try:
            return reader.section(name)
        except (cache.CacheMiss, OSError, ValueError) as exc:
            raise KeyError(name) from exc

    @property
    def heads(self) -> list[Head]:
        return self._load_heads()

    def ids(self) -> list[str]:
        return [h[0] for h in self.heads]

    def names(self) -> NameIndex:
        """Every entry's names as answer forms, which the checker compares a typed answer with."""
        from hamknee.study.answers import NameIndex, PartedNames

        if self._names is None and self._path is not None and self._key is not None:
            # Read from the cache file as answers need it.
            self._names = PartedNames(self._part, self._name_lengths, lambda: NameIndex(self._kb.names()))
        if self._names is None:
            self._names = NameIndex(self._kb.names())
        return self._names

    def card(self, ident: str) -> Card:
        found = self._cards.get(ident)
        if found is None:
            reader = self._open()
            if reader is None:
                if not self._cards:
                    self._regenerate()
                return self._cards[ident]
            try:
                found = _card(reader.record(ident))
            except (cache.CacheMiss, KeyError, TypeError):
                self._regenerate()
                return self._cards[ident]
            self._cards[ident] = found
        return found

    def cards(self, ids: Iterable[str] | None = None) -> list[Card]:
        """The cards with these ids (default: all, in deck order), kept for the next ask."""
        return [self.card(i) for i in (self.ids() if ids is None else ids)]

    def stream(self, ids: Iterable[str] | None = None) -> Iterator[Card]:
        """The cards with these ids (default: all, in deck order), read a batch at a time and not kept: an
        export of the whole deck holds one batch of cards at a time."""
        wanted = self.ids() if ids is None else list(ids)
        for start in range(0, len(wanted), _BATCH):
            batch = wanted[start:start + _BATCH]
            reader = self._open()
            if reader is not None and not any(i in self._cards for i in batch):
                try:
                    yield from [_card(r) for r in reader.records(batch)]
                    continue
                except (cache.CacheMiss, KeyError, TypeError):
                    self._regenerate()
            yield from (self.card(i) for i in batch)

    def reread(self, ids: list[str]) -> Iterable[Card]:
        """The cards with these ids as something to read more than once, each time from the cache."""
        return _Reread(self, ids)

    def interleaved(self, ids: Iterable[str]) -> list[str]:
        """The ids round-robin over their entities (in deck order), from the heads alone: each entity's
        first card, then each one's second... (``export.interleave`` for cards)."""
        entity = {h[0]: h[2] for h in self.heads}
        groups: dict[str, list[str]] = {}
        for ident in ids:
            groups.setdefault(entity[ident], []).append(ident)
        ordered: list[str] = []
        depth = max((len(g) for g in groups.values()), default=0)
        for level in range(depth):
            ordered += [group[level] for group in groups.values() if level < len(group)]
        return ordered

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


class _Reread:
    """Cards read again from the deck each time they are iterated (an Anki export reads them twice)."""

    def __init__(self, deck: Deck, ids: list[str]) -> None:
        self._deck, self._ids = deck, ids

    def __iter__(self) -> Iterator[Card]:
        return self._deck.stream(self._ids)

    def __len__(self) -> int:
        return len(self._ids)


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
        meta = reader.section("meta")
        fingerprint = meta["fingerprint"]
        lengths = [int(n) for n in meta["name_lengths"]]
        if not isinstance(fingerprint, str):
            raise cache.CacheMiss("bad fingerprint")
    except (cache.CacheMiss, KeyError, TypeError, ValueError):
        reader.close()
        return None
    return Deck(kb, fingerprint, reader, None, path=target, name_lengths=lengths)


def _slimmed(records: Iterable[dict[str, Any]]) -> Iterator[Record]:
    """The records as the generators read them: each relation without the label, name and note it is shown
    with, and one shared copy of each relation as they read it (relations are most of a large knowledge
    base's memory, and every one is written on both its ends)."""
    shared: dict[tuple[Any, ...], dict[str, Any]] = {}
    for record in records:
        slim = dict(record)
        links = []
        for link in record.get("relations", []):
            values = tuple(link.get(k) for k in _LINK_KEYS)
            found = shared.get(values)
            if found is None:
                found = shared[values] = {k: link[k] for k in _LINK_KEYS if k in link}
            links.append(found)
        slim["relations"] = links
        yield slim


def _built(kb: KnowledgeBase) -> tuple[list[Card], NameIndex]:
    """The deck and the name index its lint used, generated from the records as they are read."""
    import gc

    from hamknee.study.cards import Deck as Generated

    # Generating builds hundreds of thousands of acyclic objects: the cyclic collector would only walk
    # them again and again.
    collecting = gc.isenabled()
    gc.disable()
    try:
        built = Generated(_slimmed(kb.iter_records()))
    finally:
        if collecting:
            gc.enable()
    return built.cards, built.names


def generate_deck(kb: KnowledgeBase) -> list[Card]:
    """The whole deck of a knowledge base, freshly generated (the slow path this module caches)."""
    return _built(kb)[0]


def _write(target: Path, key: dict[str, Any], fingerprint: str, cards: list[Card], names: NameIndex) -> list[int]:
    """The deck cache, each card marshalled as it is written; the lengths of the name forms it holds."""
    parts = names.parts()
    lengths = sorted(int(name.split(":")[1]) for name in parts if name.startswith("length:"))
    sections: dict[str, Any] = {
        "meta": {"fingerprint": fingerprint, "count": len(cards), "name_lengths": lengths},
        "heads": [_head(c) for c in cards],
        **{f"names:{name}": value for name, value in parts.items()},
        "records": ((c.id, {name: getattr(c, name) for name in FIELDS}) for c in cards),
    }
    cache.write(target, key, sections)
    return lengths


def load(kb: KnowledgeBase) -> Deck:
    """The knowledge base's deck: from the deck cache if it is current, else generated and cached."""
    key = deck_key(kb)
    target = _deck_file(kb) if key is not None else None
    if target is not None and key is not None:
        cached = _open_cached(kb, target, key)
        if cached is not None:
            return cached
    cards, names = _built(kb)
    fingerprint = _fingerprint(key, cards)
    if target is not None and key is not None:
        # A read-only cache directory, or a card field marshal cannot store, costs speed, never the command.
        with contextlib.suppress(OSError, ValueError):
            _write(target, key, fingerprint, cards, names)
    return Deck(kb, fingerprint, None, cards, names)
