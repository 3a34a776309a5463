"""The knowledge base as the rest of hamknee sees it: lookups by term, listings, search, records.

``open_kb`` serves from the compiled cache when it is current and otherwise loads and validates the YAML,
compiles it, and refreshes the cache (best effort: a read-only cache directory only costs speed).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hamknee import cache
from hamknee.errors import NotFoundError
from hamknee.terms import normalize
from hamknee.vocab import SCHEMA_VERSION

if TYPE_CHECKING:
    from hamknee import find as find_module

# How close (the ratio of fuzzy.extract, 0-100) a misspelling must be to open the one entry it resembles.
CLOSE_SPELLING = 85
# Bump whenever the search index changes shape: its cache is kept beside the compiled knowledge base.
SEARCH_FORMAT = 1
_SEARCH_PARTS = frozenset({"ids", "lengths", "postings", "lay"})


class KnowledgeBase:
    def __init__(self, path: Path, reader: cache.CacheReader | None, compiled: dict[str, Any] | None,
                 key: dict[str, Any] | None = None, cache_file: Path | None = None) -> None:
        self.path = path
        # The compiled knowledge base's cache file (None: no cache), beside which the search index is kept.
        self._cache_file = cache_file
        # The fingerprint of the file this knowledge base was compiled from (None: it could not be taken);
        # what is derived from it, such as the study deck, is cached under the same fingerprint.
        self.key = reader.key if reader is not None else key
        self._reader = reader
        self._compiled = compiled
        self._sections: dict[str, Any] = {}
        self._records: dict[str, dict[str, Any]] = {}
        self.from_cache = reader is not None
        # Told how a forgiving lookup chose its entry (the CLI prints it on stderr).
        self.on_note: Callable[[str], None] | None = None
        self._candidates: list[str] = []

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()

    # -- raw access -----------------------------------------------------------------------------
    def _fallback(self) -> None:
        """The cache failed mid-use: rebuild from the YAML and carry on."""
        if self._reader is not None:
            self._reader.close()
        self._reader = None
        self._compiled = compile_file(self.path)
        self._sections.clear()

    def section(self, name: str) -> Any:
        if name == "search":
            return self.search_index()
        if name not in self._sections:
            if self._reader is not None:
                try:
                    self._sections[name] = self._reader.section(name)
                except (cache.CacheMiss, KeyError):
                    self._fallback()
            if name not in self._sections:
                assert self._compiled is not None
                self._sections[name] = self._compiled[name]
        return self._sections[name]

    def search_index(self) -> dict[str, Any]:
        """The search index: built on the first search and cached beside the compiled knowledge base under
        its key, so that the first load and every command that never searches do not pay for it (half a
        second for 5,000 entries)."""
        index: dict[str, Any] | None = self._sections.get("search")
        if index is None:
            index = self._sections["search"] = self._cached_search() or self._built_search()
        return index

    def _search_file(self) -> tuple[Path, dict[str, Any]] | None:
        if self._cache_file is None or self.key is None:
            return None
        target = self._cache_file.with_name("search-" + self._cache_file.name.removeprefix("kb-"))
        return target, {**self.key, "search_format": SEARCH_FORMAT}

    def _cached_search(self) -> dict[str, Any] | None:
        found = self._search_file()
        if found is None:
            return None
        target, key = found
        try:
            reader = cache.CacheReader(target)
        except cache.CacheMiss:
            return None
        try:
            if reader.key != key:
                return None
            index = reader.section("search")
            return index if isinstance(index, dict) and set(index) == _SEARCH_PARTS else None
        except (cache.CacheMiss, KeyError):
            return None
        finally:
            reader.close()

    def _built_search(self) -> dict[str, Any]:
        import gc

        from hamknee import find

        # Building makes a million small acyclic objects: the cyclic collector would only walk them.
        collecting = gc.isenabled()
        gc.disable()
        try:
            index = find.build_index((record["id"], find.fields_of(record)) for record in self._plain_records())
        finally:
            if collecting:
                gc.enable()
        found = self._search_file()
        if found is not None:
            with contextlib.suppress(OSError):  # a cache that cannot be written costs speed, never the search
                cache.write(found[0], found[1], {"search": index, "records": {}})
        return index

    def _plain_records(self) -> Iterator[dict[str, Any]]:
        """Every record in order as compiled (sources as ids), read in batches and not kept."""
        ids = self.ids()
        for start in range(0, len(ids), 200):
            batch = ids[start:start + 200]
            if self._reader is not None:
                try:
                    yield from self._reader.records(batch)
                    continue
                except (cache.CacheMiss, KeyError):
                    self._fallback()
            assert self._compiled is not None
            yield from (self._compiled["records"][i] for i in batch)

    def get(self, ident: str) -> dict[str, Any]:
        if ident not in self._records:
            if self._reader is not None:
                try:
                    # Resolved inside the try: a record that names a source the table lacks is a damaged
                    # cache like any other, and costs a rebuild, not a traceback.
                    self._records[ident] = self._resolved(self._reader.record(ident))
                    return self._records[ident]
                except (cache.CacheMiss, KeyError, TypeError):
                    self._fallback()
            assert self._compiled is not None
            self._records[ident] = self._resolved(self._compiled["records"][ident])
        return self._records[ident]

    def _resolved(self, record: dict[str, Any]) -> dict[str, Any]:
        """The record with its source ids replaced by the sources themselves."""
        table: dict[str, dict[str, Any]] = self.section("source_table")
        resolved = dict(record)
        resolved["sources"] = [table[sid] for sid in record["sources"]]
        return resolved

    def get_many(self, idents: list[str]) -> list[dict[str, Any]]:
        """Records by id, those not yet read in as few reads of the cache as they are stored."""
        missing = [i for i in dict.fromkeys(idents) if i not in self._records]
        if missing and self._reader is not None:
            try:
                for ident, record in zip(missing, self._reader.records(missing), strict=True):
                    self._records[ident] = self._resolved(record)
            except (cache.CacheMiss, KeyError, TypeError):
                self._fallback()
        return [self.get(i) for i in idents]

    def names(self) -> list[dict[str, Any]]:
        """Id, name and aliases of every entry, from the index alone (no record is read)."""
        return [{"id": ident, "name": name, "aliases": aliases} for ident, name, aliases in self.section("names")]

    def kind_ids(self, kind: str) -> list[str]:
        """Ids of one kind, in knowledge-base order, from the index alone."""
        ids: list[str] = self.section("kinds").get(kind, [])
        return ids

    def condition_rows(self, region: str | None = None) -> list[dict[str, Any]]:
        """Every condition (or those felt in one region) as a listing row: id, name, category, felt_at,
        felt_at_names, summary; from the index alone."""
        rows = self.section("condition_rows")
        return [{"id": i, "name": n, "category": c, "felt_at": f, "felt_at_names": fn, "summary": s}
                for i, n, c, f, fn, s in rows if region is None or region in f]

    def conditions_felt_at(self, region: str) -> list[dict[str, Any]]:
        """The records of the conditions felt in a region, and no others."""
        return self.get_many(self.section("felt_in").get(region, []))

    def phases_for(self, condition: str) -> list[dict[str, Any]]:
        """The records of the phases that apply to a condition, and no others."""
        return self.get_many(self.section("phases_for").get(condition, []))

    def iter_records(self) -> Iterator[dict[str, Any]]:
        """Every record in order, read in batches and not kept: for output of the whole knowledge base."""
        ids = [e["id"] for e in self.catalog()]
        for start in range(0, len(ids), 200):
            batch = ids[start:start + 200]
            if self._reader is not None:
                try:
                    yield from (self._resolved(r) for r in self._reader.records(batch))
                    continue
                except (cache.CacheMiss, KeyError):
                    self._fallback()
            assert self._compiled is not None
            yield from (self._resolved(self._compiled["records"][i]) for i in batch)

    # -- queries ------------------------------------------------------------------------------
    @property
    def meta(self) -> dict[str, Any]:
        meta: dict[str, Any] = self.section("meta")
        return meta

    def resolve(self, term: str, kind: str | None = None) -> str | None:
        """The id a term opens: exact names first, then the forgiving forms of ``find.resolve``."""
        index: dict[str, str] = self.section("index")
        ident = index.get(normalize(term))
        if ident is not None and (kind is None or ident in self._ids_of(kind)):
            return ident
        from hamknee import find

        lookup: dict[str, Any] = self.section("lookup")
        self._weak: set[str] = set()
        found, self._candidates = find.resolve(term, self._index_of(kind), set(lookup["primary"]),
                                               lookup["canonical"], self._weak)
        if found is None and not self._candidates:
            found = self._close_spelling(term, kind)
        if found is None:
            return None
        if found.note and self.on_note is not None:
            self.on_note(found.note)
        return found.ident

    def _close_spelling(self, term: str, kind: str | None) -> find_module.Resolution | None:
        """The one entry a misspelt term is close to ('semitendinosis'), or None when several are."""
        from hamknee import find, fuzzy

        key = normalize(term)[:200]
        if len(key) < 5:  # a short word is close to too many others to guess
            return None
        lookup: dict[str, Any] = self.section("lookup")
        if all(w in find.vocabulary(lookup["canonical"]) for w in find.canonical(key).split("-")):
            # Every word is spelt right: 'biceps femoris tendon' is not a misspelling of a tendonitis.
            return None
        index = self._index_of(kind)
        close = {index[c] for c, _, _ in fuzzy.extract(key, list(index), CLOSE_SPELLING, limit=20)}
        if len(close) != 1:
            return None
        ident = close.pop()
        return find.Resolution(ident, f"Showing {ident} for '{find.shown(term)}' (the closest spelling).")

    def alternatives(self, term: str, suggestions: list[str], kinds: tuple[str, ...] = (),
                     limit: int = 5) -> list[dict[str, str]]:
        """What to offer for a term that opened nothing: the suggestions, then the best search hits, named."""
        entries = {e["id"]: e for e in self.catalog()}
        chosen = [i for i in dict.fromkeys(suggestions) if i in entries]
        if len(chosen) < limit and normalize(term):
            for hit in self.search(term[:200], limit=20):
                if hit["id"] not in chosen and (not kinds or hit["kind"] in kinds):
                    chosen.append(hit["id"])
        return [{"id": i, "name": entries[i]["name"], "kind": entries[i]["kind"]} for i in chosen[:limit]]

    def _ids_of(self, kind: str) -> frozenset[str]:
        """The ids of one kind, from the small ``kinds`` section rather than the catalog of every entry."""
        key = f"_ids:{kind}"
        if key not in self._sections:
            self._sections[key] = frozenset(self.kind_ids(kind))
        ids: frozenset[str] = self._sections[key]
        return ids

    def _index_of(self, kind: str | None) -> dict[str, str]:
        index: dict[str, str] = self.section("index")
        if kind is None:
            return index
        key = f"_index:{kind}"
        if key not in self._sections:
            wanted = self._ids_of(kind)
            self._sections[key] = {k: ident for k, ident in index.items() if ident in wanted}
        of_kind: dict[str, str] = self._sections[key]
        return of_kind

    @contextlib.contextmanager
    def held_notes(self) -> Iterator[list[str]]:
        """How the lookups inside the block were read, collected in the list instead of said."""
        said = self.on_note
        notes: list[str] = []
        self.on_note = notes.append
        try:
            yield notes
        finally:
            self.on_note = said

    def named_exactly(self, term: str) -> str | None:
        """The id a term opens without a guess (its id, name or alias in any form), said nowhere."""
        with self.held_notes() as notes:
            ident = self.resolve(term)
        return ident if ident is not None and not notes else None

    def split_terms(self, words: list[str], count: int | None = None) -> list[str] | None:
        """Unquoted words read as the fewest whole names ('biceps femoris semitendinosus' -> two), or None
        when they cannot be read so; ``count`` asks for exactly that many names."""
        n = len(words)
        if n > 24:  # a name has a few words; a paste of a page is not read as names
            return None
        best: list[list[str] | None] = [None] * (n + 1)
        best[0] = []
        for end in range(1, n + 1):
            for begin in range(max(0, end - 8), end):
                before = best[begin]
                if before is None:
                    continue
                term = " ".join(words[begin:end])
                if self.named_exactly(term) is None:
                    continue
                option = [*before, term]
                current = best[end]
                if current is None or len(option) < len(current):
                    best[end] = option
        found = best[n]
        if found is None or (count is not None and len(found) != count):
            return None
        return found

    def lookup(self, term: str, kind: str | None = None) -> dict[str, Any]:
        self._candidates = []
        ident = self.resolve(term, kind)
        if ident is None:
            raise NotFoundError(term, self.suggest(term, kind), what=kind or "entry")
        return self.get(ident)

    def suggest(self, term: str, kind: str | None = None, limit: int = 3) -> list[str]:
        """What a student most likely meant by a term that opened nothing.

        Entries that share its words come first, then close spellings of names and aliases, then the
        best search hits (a word found only in the text, such as 'vastus' in quadriceps femoris).
        """
        key = normalize(term)[:200]
        if not key:
            return []
        candidates = list(dict.fromkeys(getattr(self, "_candidates", [])))
        weak: set[str] = getattr(self, "_weak", set())
        # Entries that only share scattered words wait behind a close spelling: 'knee arthritis' is nearer
        # knee osteoarthritis than septic arthritis (hip or knee).
        found: list[str] = [i for i in candidates if i not in weak][:limit]
        if len(found) >= limit:
            return found
        later = [i for i in candidates if i in weak]
        from hamknee import fuzzy

        index = self._index_of(kind)
        matches = fuzzy.extract(key, list(index), 72, limit=40)
        # Only near-ties of the best match: a far second guess distracts more than it helps.
        floor = matches[0][1] - 8 if matches else 0
        for candidate, score, _ in matches:
            if score < floor:
                break
            ident = index[candidate]
            if ident not in found:
                found.append(ident)
            if len(found) >= limit:
                return found
        found.extend(i for i in later if i not in found)
        if len(found) >= limit:
            return found[:limit]
        if not found:
            for hit in self.search(term, limit=10):
                if (not kind or hit["id"] in self._ids_of(kind)) and hit["id"] not in found:
                    found.append(hit["id"])
                if len(found) >= limit:
                    break
        return found

    def catalog(self, kind: str | None = None) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = self.section("catalog")
        return [e for e in entries if kind is None or e["kind"] == kind]

    def ids(self) -> list[str]:
        return [e["id"] for e in self.catalog()]

    def records(self, kind: str | None = None) -> list[dict[str, Any]]:
        return self.get_many(self.kind_ids(kind) if kind else [e["id"] for e in self.catalog()])

    def search(self, query: str, limit: int = 10) -> list[dict[str, Any]]:
        """Entries ranked by how well names, aliases, lay terms and text match; tolerant of typos."""
        from hamknee import find

        index: dict[str, str] = self.section("index")
        hits = find.search(query, self.search_index(), index, limit=limit,
                           forms=self.section("lookup")["canonical"])
        # Only the hits' own records are read, not the catalog of every entry.
        return [{"id": hit["id"], "name": record["name"], "score": hit["score"], "matched": hit["matched"],
                 "matched_in": hit["matched_in"], "kind": record["kind"], "summary": record["summary"]}
                for hit, record in zip(hits, self.get_many([h["id"] for h in hits]), strict=True)]

    def regions_in(self, query: str) -> list[str]:
        """Regions a query names ('lump behind the knee' names the posterior knee)."""
        from hamknee import find

        return find.regions_named(query, self._index_of("region"), self.section("lookup")["canonical"])

    def bibliography(self) -> list[dict[str, Any]]:
        sources: list[dict[str, Any]] = self.section("sources")
        return sources


def compile_file(path: Path) -> dict[str, Any]:
    """Load, validate and compile a knowledge base file (the cold path)."""
    import gc

    from hamknee.compile import compile_dumped, dump
    from hamknee.loader import load

    # Loading builds a large acyclic tree: the cyclic collector would only walk it again and again.
    collecting = gc.isenabled()
    gc.disable()
    try:
        # The model is let go once dumped, before the compiled sections are built beside the dump.
        return compile_dumped(dump(load(path)))
    finally:
        if collecting:
            gc.enable()



def build(path: Path) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Validate and compile the YAML; the cache key is returned when the file could be fingerprinted."""
    import os
    import stat as stat_mode

    try:
        stat = path.stat()
        if not stat_mode.S_ISREG(stat.st_mode):
            raise OSError("not a regular file: a device or pipe cannot be fingerprinted, so it is not cached")
        digest = cache.file_hash(path)
        key: dict[str, Any] | None = cache.make_key(path, stat, digest, SCHEMA_VERSION)
    except OSError:
        key = None
    compiled = compile_file(path)
    # The file may have changed while we read it; a key taken after the fact would hide that.
    if key is not None:
        try:
            after = os.stat(path)
            if (after.st_mtime_ns, after.st_ctime_ns) != (key["mtime_ns"], key["ctime_ns"]):
                key = None
        except OSError:
            key = None
    return compiled, key


def open_kb(path: Path, use_cache: bool = True) -> KnowledgeBase:
    if use_cache:
        from hamknee.paths import cache_dir

        try:
            target = cache.cache_file(cache_dir(), path)
        except Exception:  # platformdirs could not find a home; work without a cache
            target = None
        if target is not None:
            reader = _current(target, path)
            if reader is not None:
                return KnowledgeBase(path, reader, None, cache_file=target)
            compiled, key = build(path)
            if key is not None:
                # A read-only or missing cache directory costs speed, never the lookup.
                with contextlib.suppress(OSError):
                    cache.write(target, key, compiled)
                    # Served from the file just written, as a warm run is: the compiled form in memory
                    # (several times the YAML's size) is let go before the command builds on it.
                    reader = _written(target, key)
                    if reader is not None:
                        return KnowledgeBase(path, reader, None, cache_file=target)
            return KnowledgeBase(path, None, compiled, key, cache_file=target)
    compiled, key = build(path)
    return KnowledgeBase(path, None, compiled, key)


def _written(target: Path, key: dict[str, Any]) -> cache.CacheReader | None:
    """A reader of the cache file just written, if it is the one written (no other run replaced it)."""
    try:
        reader = cache.CacheReader(target)
    except cache.CacheMiss:
        return None
    if reader.key != key:
        reader.close()
        return None
    return reader


def _current(target: Path, path: Path) -> cache.CacheReader | None:
    """The cache reader if the cache matches the YAML file as it is now."""
    try:
        stat = path.stat()
    except OSError:
        return None
    try:
        reader = cache.CacheReader(target)
    except cache.CacheMiss:
        return None
    key = reader.key
    from hamknee import __version__

    ok = (
        isinstance(key, dict)
        and key.get("format") == cache.FORMAT
        and key.get("version") == __version__
        and key.get("schema") == SCHEMA_VERSION
        and key.get("path") == str(path)
    )
    if ok and (key.get("size"), key.get("mtime_ns"), key.get("ctime_ns")) != (
        stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns
    ):
        # Touched but maybe not changed: the content hash decides.
        try:
            ok = key.get("size") == stat.st_size and key.get("hash") == cache.file_hash(path)
        except OSError:  # unreadable now: loading it reports why
            ok = False
    if not ok:
        reader.close()
        return None
    return reader
