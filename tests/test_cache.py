"""The compiled cache only ever costs speed: whatever state it is in, a lookup answers from the YAML as it is now."""

from __future__ import annotations

import json
import marshal
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import hamknee
from hamknee import cache
from hamknee.kb import _current, open_kb
from hamknee.paths import cache_dir, shipped_kb


def cache_path(kb: Path) -> Path:
    return cache.cache_file(cache_dir(), kb)


def served_from_cache(kb: Path) -> bool:
    """Whether a lookup now would read the cache (checked without rebuilding it)."""
    reader = _current(cache_path(kb), kb)
    if reader is None:
        return False
    reader.close()
    return True


@pytest.fixture
def shipped() -> Path:
    return shipped_kb()


@pytest.fixture
def reference(hk, shipped: Path) -> str:
    """The study page of the pes anserinus as a first run (no cache yet) prints it; leaves a warm cache."""
    assert not cache_path(shipped).exists()
    r = hk("explain", "pes-anserine")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith("Pes anserinus")
    assert served_from_cache(shipped)
    return r.stdout


def test_the_first_lookup_writes_a_cache_the_next_one_reads(hk, shipped: Path, reference: str) -> None:
    assert cache_path(shipped).is_file()
    assert served_from_cache(shipped)
    r = hk("explain", "pes-anserine")
    assert r.exit_code == 0 and r.stdout == reference


def _header_end(data: bytes) -> int:
    (length,) = cache._HEAD.unpack(data[len(cache.MAGIC):len(cache.MAGIC) + cache._HEAD.size])
    return len(cache.MAGIC) + cache._HEAD.size + cache._DIGEST + length


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x5A]) + data[at + 1:]


def _figure_changed(data: bytes) -> bytes:
    """The pes anserinus's '5 cm' made '9 cm' inside its record: still valid marshal, a wrong fact."""
    at = data.index(b"about 5 cm below")
    return data[:at + 6] + b"9" + data[at + 7:]


DAMAGES = {
    "empty": lambda data: b"",
    "garbage": lambda data: os.urandom(len(data)),
    "magic only": lambda data: cache.MAGIC,
    "cut in the header": lambda data: data[: len(cache.MAGIC) + 10],
    "cut in half": lambda data: data[: len(data) // 2],
    "last byte missing": lambda data: data[:-1],
    "junk appended": lambda data: data + b"\x00junk",
    "wrong magic": lambda data: b"XAMKNEE\x02" + data[len(cache.MAGIC):],
    "header length too large": lambda data: cache.MAGIC + cache._HEAD.pack(1 << 30) + data[len(cache.MAGIC) + 4:],
    "body zeroed": lambda data: data[: _header_end(data)] + bytes(len(data) - _header_end(data)),
    "body scrambled": lambda data: data[: _header_end(data)] + bytes(reversed(data[_header_end(data):])),
    "a byte of the header changed": lambda data: _flip(data, len(cache.MAGIC) + cache._HEAD.size + cache._DIGEST + 40),
    "a byte of the offsets changed": lambda data: _flip(data, _header_end(data) - 30),
    "a figure in a record changed": _figure_changed,
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_damaged_cache_falls_back_to_the_yaml_and_is_rewritten(hk, shipped: Path, reference: str,
                                                                 damage: str) -> None:
    target = cache_path(shipped)
    target.write_bytes(DAMAGES[damage](target.read_bytes()))
    r = hk("explain", "pes-anserine")
    assert r.exit_code == 0, r.stderr
    assert r.stdout == reference and r.stderr == ""
    # Other commands read other sections and records of the same damaged file.
    assert hk("list", "--json").exit_code == 0
    assert served_from_cache(shipped)
    assert hk("explain", "pes-anserine").stdout == reference


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_named_pipe_in_place_of_the_cache_does_not_hang_a_lookup(hk, shipped: Path, reference: str) -> None:
    target = cache_path(shipped)
    target.unlink()
    os.mkfifo(target)
    r = hk("explain", "pes-anserine")  # with nothing writing to the pipe, opening it to read would block
    assert r.exit_code == 0 and r.stdout == reference


def test_a_cache_damaged_after_it_was_opened_is_left_for_the_yaml(hk, shipped: Path, reference: str) -> None:
    base = open_kb(shipped)
    assert base.from_cache
    target = cache_path(shipped)
    data = target.read_bytes()
    with target.open("r+b") as fh:  # same file, same size: the reader's header no longer matches the body
        fh.seek(_header_end(data))
        fh.write(bytes(len(data) - _header_end(data)))
    try:
        record = base.lookup("pes-anserine")
        assert record["id"] == "pes-anserinus"
        assert base.lookup("semitendinosus")["kind"] == "muscle"
    finally:
        base.close()


def test_a_directory_where_the_cache_file_goes_costs_only_speed(hk, shipped: Path, reference: str) -> None:
    target = cache_path(shipped)
    target.unlink()
    target.mkdir()
    (target / "something").write_text("x")
    for _ in range(2):
        r = hk("explain", "pes-anserine")
        assert r.exit_code == 0 and r.stdout == reference and r.stderr == ""


@pytest.mark.parametrize("who", ["an older version", "a newer version"])
def test_a_cache_of_another_version_is_not_used(hk, shipped: Path, reference: str, monkeypatch: pytest.MonkeyPatch,
                                                who: str) -> None:
    if who == "an older version":  # the cache on disk carries another version in its key
        cache_path(shipped).unlink()
        with monkeypatch.context() as patched:
            patched.setattr(cache, "__version__", "0.0.0-old")
            assert hk("explain", "pes-anserine").exit_code == 0
    else:  # the running hamknee is another version than the one that wrote the cache
        monkeypatch.setattr(hamknee, "__version__", "99.0.0")
        monkeypatch.setattr(cache, "__version__", "99.0.0")
    assert not served_from_cache(shipped)
    r = hk("explain", "pes-anserine")
    assert r.exit_code == 0 and r.stdout == reference
    assert served_from_cache(shipped)  # rewritten for the running version


@pytest.mark.parametrize("key", [
    {"format": cache.FORMAT},
    {"format": cache.FORMAT, "version": hamknee.__version__, "schema": 1},
    {"format": cache.FORMAT + 1, "version": hamknee.__version__},
    ["not", "a", "mapping"],
    None,
])
def test_a_cache_with_a_foreign_key_is_not_used(hk, shipped: Path, reference: str, key: object) -> None:
    target = cache_path(shipped)
    header = marshal.dumps({"key": key, "sections": {}, "records": {}, "body": 0})
    target.write_bytes(cache.MAGIC + cache._HEAD.pack(len(header)) + header)
    r = hk("explain", "pes-anserine")
    assert r.exit_code == 0, r.stderr
    assert r.stdout == reference


def test_a_cache_whose_key_lacks_the_fingerprint_is_not_used(hk, shipped: Path, reference: str) -> None:
    from hamknee.vocab import SCHEMA_VERSION

    target = cache_path(shipped)
    key = {"format": cache.FORMAT, "version": hamknee.__version__, "schema": SCHEMA_VERSION, "path": str(shipped)}
    header = marshal.dumps({"key": key, "sections": {}, "records": {}, "body": 0})
    target.write_bytes(cache.MAGIC + cache._HEAD.pack(len(header)) + header)
    r = hk("explain", "pes-anserine")
    assert r.exit_code == 0, r.stderr
    assert r.stdout == reference


def test_a_cache_for_another_file_at_the_same_place_is_not_used(hk, shipped: Path, reference: str,
                                                                 tmp_path: Path) -> None:
    other = tmp_path / "other.yaml"
    shutil.copyfile(shipped, other)
    assert hk("--kb", str(other), "explain", "pes-anserine").exit_code == 0
    shutil.copyfile(cache_path(other), cache_path(shipped))  # its key names the other path
    r = hk("explain", "pes-anserine")
    assert r.exit_code == 0 and r.stdout == reference


def test_a_home_that_is_a_file_costs_only_speed(hk, tmp_path: Path, reference: str) -> None:
    home = tmp_path / "not-a-dir"
    home.write_text("a file, not a directory")
    env = {"HAMKNEE_HOME": str(home)}
    for _ in range(2):
        r = hk("explain", "pes-anserine", env=env)
        assert r.exit_code == 0, r.stderr
        assert r.stdout == reference and r.stderr == ""
    assert home.read_text() == "a file, not a directory"


def test_a_missing_home_is_created(hk, tmp_path: Path, shipped: Path, reference: str,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "does" / "not" / "exist"
    monkeypatch.setenv("HAMKNEE_HOME", str(home))
    r = hk("explain", "pes-anserine")
    assert r.exit_code == 0 and r.stdout == reference
    assert cache_path(shipped).is_file() and served_from_cache(shipped)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="permissions do not bind root")
def test_a_read_only_cache_directory_costs_only_speed(hk, tmp_path: Path, shipped: Path, reference: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "read-only"
    (home / "cache").mkdir(parents=True)
    (home / "cache").chmod(0o500)
    monkeypatch.setenv("HAMKNEE_HOME", str(home))
    try:
        for _ in range(2):
            r = hk("explain", "pes-anserine")
            assert r.exit_code == 0 and r.stdout == reference and r.stderr == ""
        assert not cache_path(shipped).exists()
    finally:
        (home / "cache").chmod(0o700)


@pytest.mark.parametrize("error", [PermissionError(13, "Permission denied"), OSError(28, "No space left on device")])
def test_a_cache_that_cannot_be_written_costs_only_speed(hk, shipped: Path, monkeypatch: pytest.MonkeyPatch,
                                                         error: OSError) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(cache, "write", refuse)
    for _ in range(2):
        r = hk("explain", "pes-anserine")
        assert r.exit_code == 0, r.stderr
        assert r.stdout.startswith("Pes anserinus") and r.stderr == ""
    assert not cache_path(shipped).exists()


def test_a_read_only_cache_that_is_current_is_still_read(hk, shipped: Path, reference: str) -> None:
    target = cache_path(shipped)
    target.chmod(0o400)
    assert served_from_cache(shipped)
    assert hk("explain", "pes-anserine").stdout == reference


def test_concurrent_first_runs_all_answer_and_leave_a_valid_cache(tmp_path: Path, shipped: Path) -> None:
    env = dict(os.environ, HAMKNEE_HOME=str(tmp_path / "shared-home"), COLUMNS="100")
    argv = [sys.executable, "-m", "hamknee", "explain", "pes-anserine"]
    procs = [subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(6)]
    results = [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in procs]  # type: ignore[union-attr]
    for p in procs:
        p.stdout.close()  # type: ignore[union-attr]
        p.stderr.close()  # type: ignore[union-attr]
    assert [code for code, _, _ in results] == [0] * 6, results[0][2]
    outputs = {out for _, out, _ in results}
    assert len(outputs) == 1 and next(iter(outputs)).startswith("Pes anserinus")
    assert all(err == "" for _, _, err in results)

    cache_root = tmp_path / "shared-home" / "cache"
    assert [p.name for p in cache_root.iterdir() if p.name.endswith(".tmp")] == []  # no half-written leftovers
    after = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    assert after.returncode == 0 and after.stdout in outputs
    reader = cache.CacheReader(cache.cache_file(cache_root, shipped))
    try:
        assert reader.key["path"] == str(shipped)
        assert reader.record("pes-anserinus")["name"] == "Pes anserinus"
    finally:
        reader.close()


# -- edits to the YAML ------------------------------------------------------------------------------------

@pytest.fixture
def own_kb(minimal_kb: Path) -> Path:
    assert "summary: Shared insertion on the medial tibia." in minimal_kb.read_text(encoding="utf-8")
    return minimal_kb


def _summary(hk, kb: Path) -> str:  # type: ignore[no-untyped-def]
    r = hk("--kb", str(kb), "explain", "goose foot", "--json")
    assert r.exit_code == 0, r.stderr
    summary: str = json.loads(r.stdout)["summary"]
    return summary


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_an_edit_that_changes_the_size_shows_at_once(hk, own_kb: Path) -> None:
    before = _summary(hk, own_kb)
    assert served_from_cache(own_kb)
    _edit(own_kb, before, before + " Edited for the test.")
    assert _summary(hk, own_kb) == before + " Edited for the test."


@pytest.mark.parametrize("restore_mtime", [False, True], ids=["new mtime", "mtime restored"])
def test_an_edit_of_the_same_size_shows_at_once(hk, own_kb: Path, restore_mtime: bool) -> None:
    before = _summary(hk, own_kb)
    assert served_from_cache(own_kb)
    stat = own_kb.stat()
    changed = before[:-1] + ("X" if before[-1] != "X" else "Y")
    _edit(own_kb, before, changed)
    assert own_kb.stat().st_size == stat.st_size
    if restore_mtime:  # e.g. a tool that keeps timestamps (cp -p, rsync -t, unpacking an archive)
        os.utime(own_kb, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        assert own_kb.stat().st_mtime_ns == stat.st_mtime_ns
    assert _summary(hk, own_kb) == changed
    assert _summary(hk, own_kb) == changed  # and the refreshed cache says so too


def test_touching_the_file_without_changing_it_keeps_the_answer(hk, own_kb: Path) -> None:
    before = _summary(hk, own_kb)
    os.utime(own_kb)
    assert served_from_cache(own_kb)  # the content hash vouches for the cache
    assert _summary(hk, own_kb) == before


def test_an_edit_that_breaks_the_file_is_reported_not_hidden_by_the_cache(hk, own_kb: Path) -> None:
    _summary(hk, own_kb)
    _edit(own_kb, "id: pes-anserinus", "id: Not An Id!")
    r = hk("--kb", str(own_kb), "explain", "goose foot")
    assert r.exit_code == 3
    assert str(own_kb) in r.stderr


def test_a_cache_whose_record_names_an_unknown_source_is_rebuilt_not_a_traceback(hk, shipped: Path,
                                                                                 reference: str) -> None:
    # Digests only catch accidental damage: a cache rewritten with valid digests whose record points at a
    # source the table lacks is inconsistent, and costs a rebuild from the YAML.
    path = cache_path(shipped)
    reader = cache.CacheReader(path)
    key = reader.key
    sections = {name: reader.section(name) for name in reader._sections}
    records = {ident: reader.record(ident) for ident in reader.record_offsets}
    reader.close()
    records["pes-anserinus"]["sources"] = ["no-such-source"]
    cache.write(path, key, {**sections, "records": records})
    for command in (["explain", "pes-anserine"], ["why", "pes-anserine-bursitis"]):
        r = hk(*command)
        assert r.exit_code == 0, r.stderr
        assert "Traceback" not in r.stderr
    assert hk("explain", "pes-anserine").stdout == reference


# -- the search index, built on the first search and cached beside the compiled knowledge base --------------


def search_path(kb: Path) -> Path:
    compiled = cache_path(kb)
    return compiled.with_name("search-" + compiled.name.removeprefix("kb-"))


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times the search index is built (each item: the entries indexed)."""
    from hamknee import find

    counted: list[int] = []
    build = find.build_index

    def counting(docs):  # type: ignore[no-untyped-def]
        index = build(docs)
        counted.append(len(index["ids"]))
        return index

    monkeypatch.setattr(find, "build_index", counting)
    return counted


def test_commands_that_never_search_never_build_the_search_index(hk, shipped: Path, builds: list[int]) -> None:
    for command in (["explain", "pes-anserine"], ["list"], ["why", "pes-anserine-bursitis"], ["sources"],
                    ["validate"], ["explain", "goose fot"]):
        assert hk(*command).exit_code == 0, command
    assert builds == []
    assert cache_path(shipped).is_file() and not search_path(shipped).exists()


def test_the_first_search_builds_the_index_once_and_caches_it_for_the_next(hk, shipped: Path,
                                                                            builds: list[int]) -> None:
    first = hk("search", "tendon")
    assert first.exit_code == 0 and "semitendinosus" in first.stdout
    assert len(builds) == 1 and builds[0] > 10
    assert search_path(shipped).is_file()
    again = hk("search", "tendon")
    # A term that opens nothing offers search hits too: the same cached index answers it.
    missing = hk("explain", "vastus")
    assert again.stdout == first.stdout and missing.exit_code == 1
    assert len(builds) == 1


def test_the_search_index_answers_as_one_built_from_the_yaml(hk, shipped: Path) -> None:
    from hamknee.kb import KnowledgeBase, compile_file

    hk("search", "tendon")  # caches the index
    served, fresh = open_kb(shipped), KnowledgeBase(shipped, None, compile_file(shipped))
    try:
        assert served.search_index() == fresh.search_index()
        for query in ("tendon", "lump behind knee", "tendonitis", "sitting bone pain", "goose"):
            assert served.search(query) == fresh.search(query)
    finally:
        served.close()


@pytest.mark.parametrize("damage", ["empty", "garbage", "cut in half", "body zeroed", "wrong magic"])
def test_a_damaged_search_index_is_rebuilt(hk, shipped: Path, builds: list[int], damage: str) -> None:
    first = hk("search", "tendon")
    target = search_path(shipped)
    target.write_bytes(DAMAGES[damage](target.read_bytes()))
    again = hk("search", "tendon")
    assert again.exit_code == 0 and again.stdout == first.stdout and again.stderr == ""
    assert len(builds) == 2
    hk("search", "tendon")
    assert len(builds) == 2  # rewritten


def test_a_search_index_of_an_edited_file_is_not_used(hk, tmp_path: Path, builds: list[int]) -> None:
    own = tmp_path / "kb.yaml"
    shutil.copy(shipped_kb(), own)
    assert hk("--kb", str(own), "search", "zebra").exit_code == 1
    own.write_text(own.read_text(encoding="utf-8").replace("summary: ", "summary: Zebra ", 1), encoding="utf-8")
    r = hk("--kb", str(own), "search", "zebra")
    assert r.exit_code == 0 and "zebra" in r.stdout.lower()
    assert len(builds) == 2
