"""The knowledge base as the rest of hamknee sees it: lookups by term, listings, search, records.

``open_kb`` serves from the compiled cache when it is current and otherwise loads and validates the YAML,
compiles it, and refreshes the cache (best effort: a read-only cache directory only costs speed).
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import Any

from hamknee import cache
from hamknee.errors import NotFoundError
from hamknee.terms import normalize
from hamknee.vocab import SCHEMA_VERSION

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


class KnowledgeBase:
    def __init__(self, path: Path, reader: cache.CacheReader | None, compiled: dict[str, Any] | None) -> None:
        self.path = path
        self._reader = reader
        self._compiled = compiled
        self._sections: dict[str, Any] = {}
        self._records: dict[str, dict[str, Any]] = {}
        self.from_cache = reader is not None

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

    def get(self, ident: str) -> dict[str, Any]:
        if ident not in self._records:
            record: dict[str, Any] | None = None
            if self._reader is not None:
                try:
                    record = self._reader.record(ident)
                except (cache.CacheMiss, KeyError):
                    self._fallback()
            if record is None:
                assert self._compiled is not None
                record = self._compiled["records"][ident]
            self._records[ident] = record
        return self._records[ident]

    # -- queries ------------------------------------------------------------------------------
    @property
    def meta(self) -> dict[str, Any]:
        meta: dict[str, Any] = self.section("meta")
        return meta

    def resolve(self, term: str) -> str | None:
        ident: str | None = self.section("index").get(normalize(term))
        return ident

    def lookup(self, term: str, kind: str | None = None) -> dict[str, Any]:
        ident = self.resolve(term)
        if ident is None or (kind and self.get(ident)["kind"] != kind):
            raise NotFoundError(term, self.suggest(term, kind), what=kind or "entry")
        return self.get(ident)

    def suggest(self, term: str, kind: str | None = None, limit: int = 3) -> list[str]:
        """Nearest ids to a term that matched nothing, by names and aliases."""
        from rapidfuzz import fuzz, process

        key = normalize(term)[:200]
        if not key:
            return []
        index: dict[str, str] = self.section("index")
        kinds = {e["id"]: e["kind"] for e in self.catalog()} if kind else None
        found: list[str] = []
        matches = process.extract(key, list(index), scorer=fuzz.ratio, limit=40, score_cutoff=60)
        prefix = [(k, 100.0, 0) for k in index if len(key) >= 3 and k.startswith(key)]
        ranked = sorted(prefix + matches, key=lambda m: -m[1])
        # Only near-ties of the best match: a far second guess distracts more than it helps.
        floor = ranked[0][1] - 12 if ranked else 0
        for candidate, score, _ in ranked:
            if score < floor:
                break
            ident = index[candidate]
            if ident not in found and (kinds is None or kinds.get(ident) == kind):
                found.append(ident)
            if len(found) >= limit:
                break
        return found

    def catalog(self, kind: str | None = None) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = self.section("catalog")
        return [e for e in entries if kind is None or e["kind"] == kind]

    def ids(self) -> list[str]:
        return [e["id"] for e in self.catalog()]

    def records(self, kind: str | None = None) -> list[dict[str, Any]]:
        return [self.get(e["id"]) for e in self.catalog(kind)]

    def search(self, query: str, limit: int = 10) -> list[dict[str, Any]]:
        """Entities ranked by how well names, aliases and text match; tolerant of typos."""
        words = _WORD.findall(query.lower())[:20]
        if not words:
            return []
        docs: list[tuple[str, str, str, str]] = self.section("search")
        vocabulary: set[str] = set(self.section("vocabulary"))
        terms: list[str] = []
        for word in words:
            if word in vocabulary or len(word) < 3:
                terms.append(word)
                continue
            from rapidfuzz import fuzz, process

            best = process.extractOne(word, vocabulary, scorer=fuzz.ratio, score_cutoff=75)
            terms.append(best[0] if best else word)
        phrase = " ".join(terms)
        patterns = [re.compile(rf"\b{re.escape(term)}") for term in terms]
        scored: list[tuple[float, str, list[str]]] = []
        for ident, name, aliases, text in docs:
            score = 0.0
            matched = 0
            for term, pattern in zip(terms, patterns, strict=True):
                hit = False
                if term in name:
                    # A word of the name itself weighs most; a word start beats a fragment.
                    score += 30.0 if pattern.search(name) else 12.0
                    hit = True
                elif term in aliases:
                    score += 10.0
                    hit = True
                count = text.count(term)
                if count:
                    score += min(count, 5)
                    hit = True
                matched += hit
            if not matched:
                continue
            if len(terms) > 1 and (phrase in name or phrase in aliases):
                score += 25
            score *= matched / len(terms)
            scored.append((score, ident, terms))
        scored.sort(key=lambda s: (-s[0], s[1]))
        hits = []
        for score, ident, _ in scored[:limit]:
            entry = self.get(ident)
            hits.append({"id": ident, "kind": entry["kind"], "name": entry["name"],
                         "summary": entry["summary"], "score": round(score, 1)})
        return hits

    def bibliography(self) -> list[dict[str, Any]]:
        sources: list[dict[str, Any]] = self.section("sources")
        return sources


def compile_file(path: Path) -> dict[str, Any]:
    """Load, validate and compile a knowledge base file (the cold path)."""
    import gc

    from hamknee.compile import compile_kb
    from hamknee.loader import load

    # Loading builds a large acyclic tree: the cyclic collector would only walk it again and again.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return compile_kb(load(path))
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
                return KnowledgeBase(path, reader, None)
            compiled, key = build(path)
            if key is not None:
                # A read-only or missing cache directory costs speed, never the lookup.
                with contextlib.suppress(OSError):
                    cache.write(target, key, compiled)
            return KnowledgeBase(path, None, compiled)
    return KnowledgeBase(path, None, build(path)[0])


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
