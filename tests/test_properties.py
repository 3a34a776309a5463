"""Property-based tests: generated knowledge bases round-trip, random arguments and text never crash."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from hamknee.cli import app
from hamknee.compile import compile_kb
from hamknee.errors import InvalidKnowledgeBase
from hamknee.kb import KnowledgeBase
from hamknee.loader import load
from hamknee.terms import normalize
from hamknee.vocab import INVERSE

EXIT_CODES = {0, 1, 2, 3, 4, 5, 130}
BOUNDED = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                          HealthCheck.too_slow])

# Any printable text a YAML file can carry (YAML forbids most C0/C1 controls and surrogates).
TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cf"), blacklist_characters="\ufeff"),
               min_size=1, max_size=40).filter(lambda t: t.strip() == t and t.strip())
WORD = st.text("abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=8)
# Hierarchies must stay acyclic: those relations only point forwards in the generated order.
HIERARCHY = ("part-of", "branch-of", "precedes")
OTHER = sorted(t for t in INVERSE if t not in HIERARCHY and INVERSE[t] not in HIERARCHY)


@st.composite
def knowledge_bases(draw: st.DrawFn) -> dict[str, Any]:
    ids = draw(st.lists(st.tuples(WORD, WORD).map("-".join), min_size=1, max_size=8, unique=True))
    entities = []
    for i, ident in enumerate(ids):
        relations = []
        for _ in range(draw(st.integers(0, 3))):
            if i + 1 < len(ids) and draw(st.booleans()):
                rtype, target = draw(st.sampled_from(HIERARCHY)), draw(st.sampled_from(ids[i + 1:]))
            else:
                rtype, target = draw(st.sampled_from(OTHER)), draw(st.sampled_from(ids))
            if target != ident:
                relation = {"type": rtype, "target": target}
                if draw(st.booleans()):
                    relation["note"] = draw(TEXT)
                relations.append(relation)
        entities.append({
            "id": ident,
            "name": f"{ident.replace('-', ' ').title()}",
            "aliases": [f"{ident} alias{k}" for k in range(draw(st.integers(0, 2)))],
            "summary": draw(TEXT),
            "explanation": draw(TEXT),
            "key_points": draw(st.lists(TEXT, max_size=3)),
            "relations": relations,
            "attachment_type": draw(st.sampled_from(["bony landmark", "tendon insertion", "bony surface"])),
            "bone": draw(TEXT),
            "location": draw(TEXT),
            "sources": ["src-a"],
        })
    return {
        "version": 1,
        "title": draw(TEXT),
        "sources": [{"id": "src-a", "title": draw(TEXT), "publisher": draw(TEXT), "year": draw(st.integers(1800, 2100)),
                     "url": "https://example.org/a"}],
        "attachments": entities,
    }


def _unique_names(kb: dict[str, Any]) -> bool:
    keys = [normalize(n) for e in kb["attachments"] for n in (e["id"], e["name"], *e["aliases"])]
    owners = {}
    for entity in kb["attachments"]:
        for name in (entity["id"], entity["name"], *entity["aliases"]):
            if owners.setdefault(normalize(name), entity["id"]) != entity["id"]:
                return False
    return len(keys) > 0


@BOUNDED
@given(kb=knowledge_bases())
def test_generated_knowledge_bases_round_trip(tmp_path: Path, kb: dict[str, Any]) -> None:
    if not _unique_names(kb):
        return
    path = tmp_path / "generated.yaml"
    path.write_text(yaml.safe_dump(kb, allow_unicode=True, sort_keys=False), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["validate", str(path), "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["entities"] == len(kb["attachments"])

    exported = tmp_path / "exported.json"
    result = runner.invoke(app, ["--kb", str(path), "export", "json", str(exported), "--force"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    records = {r["id"]: r for r in json.loads(exported.read_text(encoding="utf-8"))["records"]}
    assert list(records) == [e["id"] for e in kb["attachments"]]
    for entity in kb["attachments"]:
        record = records[entity["id"]]
        for field in ("name", "aliases", "summary", "explanation", "key_points", "bone", "location"):
            assert record[field] == entity[field], field
        outgoing = {(r["type"], r["target"]) for r in record["relations"] if r["direction"] == "out"}
        for relation in entity["relations"]:
            assert (relation["type"], relation["target"]) in outgoing
            inverse = records[relation["target"]]["relations"]
            assert any(r["type"] == INVERSE[relation["type"]] and r["target"] == entity["id"] for r in inverse)

    # Writing the validated model back out and loading it again gives the same knowledge base.
    model = load(path)
    compiled = KnowledgeBase(path, None, compile_kb(model))  # records as every command reads them
    assert json.loads(json.dumps({r["id"]: r for r in compiled.records()})) == records
    again = tmp_path / "again.yaml"
    again.write_text(yaml.safe_dump(model.model_dump(mode="json", exclude_none=True), allow_unicode=True),
                     encoding="utf-8")
    assert load(again) == model


@BOUNDED
@given(kb=knowledge_bases(), cut=st.integers(0, 10_000), junk=st.binary(max_size=4))
def test_damaged_generated_files_are_loaded_or_refused(tmp_path: Path, kb: dict[str, Any], cut: int,
                                                       junk: bytes) -> None:
    data = yaml.safe_dump(kb, allow_unicode=True).encode("utf-8")
    cut %= len(data) + 1
    path = tmp_path / "damaged.yaml"
    path.write_bytes(data[:cut] + junk + data[cut:])
    try:
        compile_kb(load(path))
    except InvalidKnowledgeBase as exc:
        assert exc.problems
        assert all(line.startswith(str(path)) for line in exc.lines())


COMMANDS = ["explain", "muscles", "conditions", "phases", "list", "compare", "search", "validate", "schema",
            "sources", "path", "why", "where", "diagram", "quiz", "stats", "export", "anki", "csv", "json"]
OPTIONS = ["--json", "--help", "-h", "--attachments", "-a", "--region", "-r", "--limit", "-n", "--kb", "--version",
           "--", "-", "-x", "--nope", "0", "-1", "501", "99999999999999999999"]
TERMS = ["semitendinosus", "pes-anserine", "medial-knee", "pes-anserine-bursitis", "goose foot", "muscle",
         "condition", ""]
ARGS = st.lists(st.one_of(st.sampled_from(COMMANDS), st.sampled_from(OPTIONS), st.sampled_from(TERMS),
                          st.text(max_size=30)), max_size=6)


@BOUNDED
@given(args=ARGS)
def test_random_arguments_end_with_a_documented_exit_code(tmp_path: Path, monkeypatch: Any, args: list[str]) -> None:
    monkeypatch.chdir(tmp_path)  # anything a command might write lands in the test's directory
    if "--kb" in args:  # keep generated paths away from real devices and files
        args = [a if i == 0 or args[i - 1] != "--kb" else str(tmp_path / "missing.yaml") for i, a in enumerate(args)]
    result = CliRunner().invoke(app, args, input="")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code in EXIT_CODES, (args, result.exit_code)
    assert "Traceback" not in result.stdout + result.stderr


@BOUNDED
@given(text=st.text(max_size=200))
def test_random_text_through_search_and_explain(text: str) -> None:
    runner = CliRunner()
    for command in (["search", text], ["explain", text], ["search", "--json", text], ["explain", "--json", text]):
        result = runner.invoke(app, command[:-1] + (["--", text] if text.startswith("-") else [text]))
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        assert result.exit_code in {0, 1, 2}
        assert "\x1b" not in result.stderr
        if command[1] == "--json" and result.exit_code == 0:
            json.loads(result.stdout)


def test_loader_fuzzing_finds_nothing_in_a_short_run() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("fuzz_loader", Path(__file__).parents[1] / "bench" / "fuzz_loader.py")
    assert spec is not None and spec.loader is not None
    fuzz = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fuzz)
    outcomes = fuzz.run(seconds=2, batch=50)  # any other outcome raises with the shrunk input
    assert outcomes["invalid"] > 0


def test_a_relation_written_on_both_ends_is_out_for_both(tmp_path: Path) -> None:
    def place(ident: str, relations: list[dict[str, str]]) -> dict[str, Any]:
        return {"id": ident, "name": ident.title(), "summary": "s", "explanation": "e", "relations": relations,
                "attachment_type": "bony landmark", "bone": "b", "location": "l", "sources": ["src-a"]}

    kb = {"version": 1, "sources": [{"id": "src-a", "title": "t", "publisher": "p", "year": 2020,
                                     "url": "https://example.org/a"}],
          "attachments": [place("aaa-bbb", [{"type": "compresses", "target": "ccc-ddd"}]),
                          place("ccc-ddd", [{"type": "compressed-by", "target": "aaa-bbb"}])]}
    path = tmp_path / "both.yaml"
    path.write_text(yaml.safe_dump(kb, sort_keys=False), encoding="utf-8")
    exported = tmp_path / "both.json"
    result = CliRunner().invoke(app, ["--kb", str(path), "export", "json", str(exported)], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    records = {r["id"]: r for r in json.loads(exported.read_text(encoding="utf-8"))["records"]}
    assert [(r["type"], r["direction"]) for r in records["ccc-ddd"]["relations"]] == [("compressed-by", "out")]
    assert [(r["type"], r["direction"]) for r in records["aaa-bbb"]["relations"]] == [("compresses", "out")]
