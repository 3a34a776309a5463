"""The compiled-knowledge-base cache: one file per knowledge base in the user cache directory.

Layout: MAGIC, a 4-byte header length, a marshalled header, then marshalled sections and records at the
offsets the header gives. A lookup reads the header, the index section and one record; nothing else.
The cache is never trusted blindly: its key covers the format, the package and schema versions, the
YAML file's path, size, mtime and content hash, and any read problem means "no cache".
"""

from __future__ import annotations

import marshal
import os
import stat
import struct
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from hamknee import __version__

if TYPE_CHECKING:
    from collections.abc import Iterable

MAGIC = b"HAMKNEE\x03"
FORMAT = 14  # bump whenever the compiled sections change shape
_HEAD = struct.Struct("<I")


class CacheMiss(Exception):
    """The cache file is absent, unreadable, corrupt or stale."""


def file_hash(path: Path) -> str:
    import hashlib

    digest = hashlib.blake2b(digest_size=20)
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


try:  # the same blake2b as hashlib's, without loading OpenSSL first (2 ms on every lookup)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - an interpreter without the module
    from hashlib import blake2b


_DIGEST = 4


def _digest(data: bytes | memoryview) -> bytes:
    # A check against damage (a torn write, a flipped bit, a truncated copy), not against someone who can
    # write the user's cache, who could write a matching digest of any kind: CRC-32 catches every burst of
    # up to 32 bits and reads ten times faster than blake2b, which cost 10 ms a lookup on a large
    # knowledge base's search section alone.
    return zlib.crc32(data).to_bytes(_DIGEST, "little")


def cache_file(cache_dir: Path, kb_path: Path) -> Path:
    name = blake2b(str(kb_path).encode("utf-8", "surrogateescape"), digest_size=10).hexdigest()
    return cache_dir / f"kb-{name}.bin"


def make_key(kb_path: Path, stat: os.stat_result, digest: str, schema_version: int) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": __version__,
        "schema": schema_version,
        "path": str(kb_path),
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        # Any write changes ctime, which (unlike mtime) cannot be set back: an edit that keeps the size and
        # restores the mtime still sends the lookup to the content hash.
        "ctime_ns": stat.st_ctime_ns,
        "hash": digest,
    }


def write(target: Path, key: dict[str, Any], sections: dict[str, Any]) -> None:
    """Write atomically (temporary file + rename) so concurrent first runs never see a half file.

    The body goes to a scratch file as each part is marshalled, then behind the header (which needs every
    offset): holding the marshalled parts of a large knowledge base in memory would add their whole size
    (about 40 MB for 5,000 entities) to the peak of the first load.
    """
    import contextlib
    import shutil
    import tempfile

    # The records may come as pairs made one at a time (the deck's cards), never all held at once.
    records: dict[str, Any] | Iterable[tuple[str, Any]] = sections["records"]
    offsets: dict[str, tuple[int, int, bytes]] = {}
    record_offsets: dict[str, tuple[int, int]] = {}
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=target.parent) as body:
        position = 0
        for name, value in sections.items():
            if name == "records":
                continue
            if name in LAZY:
                value = {key: marshal.dumps(item) for key, item in value.items()}
            blob = marshal.dumps(value)
            # A digest per section: a damaged body can still unmarshal, into a value of another shape.
            offsets[name] = (position, len(blob), _digest(blob))
            body.write(blob)
            position += len(blob)
        for ident, record in records.items() if isinstance(records, dict) else records:
            data = marshal.dumps(record)
            # Each record carries its own digest: a damaged record is rebuilt, never shown as a fact.
            blob = _digest(data) + data
            record_offsets[ident] = (position, len(blob))
            body.write(blob)
            position += len(blob)
        header = marshal.dumps({"key": key, "sections": offsets, "records": record_offsets, "body": position})
        fd, tmp = tempfile.mkstemp(prefix=target.name, suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                # The header's digest is checked before it is unmarshalled: a damaged length or offset
                # table would otherwise ask for gigabytes or crash the reader.
                fh.write(MAGIC + _HEAD.pack(len(header)) + _digest(header) + header)
                body.seek(0)
                shutil.copyfileobj(body, fh, 1 << 20)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


# Sections kept as one marshalled value per key and unmarshalled only for the keys used: a chain search
# visits the links of a few hundred entries, not the 40,000 links of a large knowledge base.
LAZY = frozenset({"graph"})


class LazySection(Mapping[str, Any]):
    """A dict section whose values are unmarshalled when first read (its digest was checked whole)."""

    def __init__(self, blobs: dict[str, bytes]) -> None:
        self._blobs = blobs
        self._values: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            value = self._values[key] = marshal.loads(self._blobs[key])
            return value

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self._blobs else default

    def __contains__(self, key: object) -> bool:
        return key in self._blobs

    def __iter__(self) -> Iterator[str]:
        return iter(self._blobs)

    def __len__(self) -> int:
        return len(self._blobs)


class CacheReader:
    """Lazy access to a cache file whose key has been checked."""

    def __init__(self, path: Path) -> None:
        try:
            # Non-blocking, so that a named pipe put where the cache belongs cannot hang a lookup.
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
            self._fh: BinaryIO = os.fdopen(fd, "rb")
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise CacheMiss("not a regular file")
            start = self._fh.read(len(MAGIC) + _HEAD.size + _DIGEST)
            if len(start) != len(MAGIC) + _HEAD.size + _DIGEST or not start.startswith(MAGIC):
                raise CacheMiss("bad magic")
            (length,) = _HEAD.unpack(start[len(MAGIC):len(MAGIC) + _HEAD.size])
            self._base = len(MAGIC) + _HEAD.size + _DIGEST + length
            if self._base > info.st_size:
                raise CacheMiss("truncated header")
            raw = self._fh.read(length)
            if len(raw) != length or _digest(raw) != start[-_DIGEST:]:
                raise CacheMiss("damaged header")
            header = marshal.loads(raw)
            self.key: dict[str, Any] = header["key"]
            self._sections: dict[str, tuple[int, int, bytes]] = header["sections"]
            self.record_offsets: dict[str, tuple[int, int]] = header["records"]
            if info.st_size != self._base + header["body"]:
                raise CacheMiss("truncated")
        except CacheMiss:
            self.close()
            raise
        except (OSError, EOFError, ValueError, TypeError, KeyError, struct.error, MemoryError) as exc:
            self.close()
            raise CacheMiss(str(exc)) from None

    def section(self, name: str) -> Any:
        offset, length, digest = self._sections[name]
        try:
            self._fh.seek(self._base + offset)
            blob = self._fh.read(length)
        except OSError as exc:
            raise CacheMiss(str(exc)) from None
        if len(blob) != length or _digest(blob) != digest:
            raise CacheMiss("damaged section")
        try:
            value = marshal.loads(blob)
            if name in LAZY:
                if not isinstance(value, dict) or not all(type(v) is bytes for v in value.values()):
                    raise CacheMiss("bad section")
                return LazySection(value)
            return value
        except (EOFError, ValueError, TypeError, MemoryError) as exc:
            raise CacheMiss(str(exc)) from None

    def record(self, ident: str) -> dict[str, Any]:
        return self.records([ident])[0]

    def records(self, idents: list[str]) -> list[dict[str, Any]]:
        """Several records, each run of neighbouring ones (a kind is stored together) in one read."""
        spans = [self.record_offsets[i] for i in idents]
        found: list[dict[str, Any]] = []
        start = 0
        while start < len(spans):
            end = start + 1
            while end < len(spans) and spans[end][0] == spans[end - 1][0] + spans[end - 1][1]:
                end += 1
            low = spans[start][0]
            high = spans[end - 1][0] + spans[end - 1][1]
            try:
                self._fh.seek(self._base + low)
                blob = memoryview(self._fh.read(high - low))
                if len(blob) != high - low:
                    raise CacheMiss("short read")
                for offset, length in spans[start:end]:
                    part = blob[offset - low:offset - low + length]
                    if _digest(part[_DIGEST:]) != part[:_DIGEST]:
                        raise CacheMiss("damaged record")
                    value = marshal.loads(part[_DIGEST:])
                    if not isinstance(value, dict):
                        raise CacheMiss("bad record")
                    found.append(value)
            except (OSError, EOFError, ValueError, TypeError, MemoryError) as exc:
                raise CacheMiss(str(exc)) from None
            start = end
        return found

    def close(self) -> None:
        fh = getattr(self, "_fh", None)
        if fh is not None:
            fh.close()
