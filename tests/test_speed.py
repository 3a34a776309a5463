"""Output proportional to the knowledge base is cheap to produce, and exactly what it was."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from rich.console import Group
from rich.text import Text

from hamknee import console as console_module
from hamknee.layout import Wrapped
from hamknee.render import Field

ROOT = Path(__file__).resolve().parents[1]
ENTITIES = 400  # the generated knowledge base: ten times the shipped one

TEXTS = [
    "",
    "short",
    "A medial hamstring that joins the pes anserinus on the upper medial tibia, below the joint line.",
    "ends with spaces   ",
    "two\nlines",
    "a blank\n\nline between and one at the end\n",
    "see https://example.org/a/very/long/address/that/cannot/be/broken/anywhere/at/all/in/any/way/ok done",
    "tab\tinside a line that is long enough to wrap somewhere around here, or later on",
    "wide 膝関節の痛み 膝関節の痛み 膝関節の痛み 膝関節の痛み 膝関節の痛み 膝関節の痛み end",
    "an escape \x1b[31m and a bidi \u202e override and a bell \x07 in text that wraps past the width",
    "word " * 60,
]


def _renderables() -> list[Any]:
    items: list[Any] = []
    for text in TEXTS:
        items += [
            Text(text), Text(text, style="bold"), Text(text, justify="left"), Text(text, justify="center"),
            Text(text, end=""), Wrapped("", Text(text)), Wrapped(Text("    • ", style="dim"), Text(text)),
            Wrapped("  ", text, indent=4), Wrapped("a long prefix here: ", text),
            Field("Goals", text), Field("Red flags", [text, "second"], warn=True), Field("Long label " * 5, text),
        ]
    items.append(Group(*items[:30], Group(*items[30:60])))
    return items


def _printed(renderable: Any, width: int, fast: bool, monkeypatch: pytest.MonkeyPatch) -> str:
    stream = io.StringIO()
    with monkeypatch.context() as patch:
        if not fast:  # what rich itself lays out
            patch.setattr(console_module, "_plain", lambda *_: None)
        console = console_module.SafeConsole(file=stream, color_system=None, highlight=False, emoji=False,
                                             soft_wrap=False, width=width)
        console.print(renderable, crop=False)
        console.print(renderable, width=min(width, 100), crop=False)
    return stream.getvalue()


@pytest.mark.parametrize("width", [1, 12, 20, 37, 60, 100, 160])
def test_plain_output_is_what_rich_would_lay_out(width: int, monkeypatch: pytest.MonkeyPatch) -> None:
    for renderable in _renderables():
        assert _printed(renderable, width, True, monkeypatch) == _printed(renderable, width, False, monkeypatch)


@pytest.fixture(scope="module")
def large_kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    kb = tmp_path_factory.mktemp("large") / "large.yaml"
    subprocess.run([sys.executable, str(ROOT / "bench" / "gen_kb.py"), str(ENTITIES), str(kb)], check=True,
                   capture_output=True, timeout=300)
    return kb


def test_every_phase_of_a_large_knowledge_base_is_written_without_rich_laying_out_each_line(
        hk: Any, large_kb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert hk("--kb", str(large_kb), "phases").exit_code == 0  # warms the cache
    calls = {"n": 0}
    render = Text.render

    def counted(self: Text, *args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        return render(self, *args, **kwargs)

    monkeypatch.setattr(Text, "render", counted)
    result = hk("--kb", str(large_kb), "phases")
    assert result.exit_code == 0
    lines = result.stdout.count("\n")
    assert lines > 300
    # Rich lays out only what its own wrapping must handle, not every line of every phase card.
    assert calls["n"] < lines // 20


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """The sections and records each command reads from the compiled cache."""
    from hamknee import cache

    seen: dict[str, list[str]] = {"sections": [], "records": []}
    section, records = cache.CacheReader.section, cache.CacheReader.records

    def counted_section(self: Any, name: str) -> Any:
        seen["sections"].append(name)
        return section(self, name)

    def counted_records(self: Any, idents: list[str]) -> Any:
        seen["records"] += idents
        return records(self, idents)

    monkeypatch.setattr(cache.CacheReader, "section", counted_section)
    monkeypatch.setattr(cache.CacheReader, "records", counted_records)
    return seen


def test_the_diagram_reads_the_muscles_not_the_whole_graph(hk: Any, large_kb: Path,
                                                           reads: dict[str, list[str]]) -> None:
    first = hk("--kb", str(large_kb), "diagram")
    assert first.exit_code == 0
    reads["sections"].clear()
    reads["records"].clear()
    again = hk("--kb", str(large_kb), "diagram")
    assert again.stdout == first.stdout
    # Every link and every entry's name are sections of the whole knowledge base; the muscles' own records
    # name their parts and attachment sites.
    assert not {"graph", "catalog", "search"} & set(reads["sections"])
    assert reads["records"], "the cache was not read; this test would prove nothing"


@pytest.mark.parametrize("args", [
    ("why", "pes-anserine-bursitis"),
    ("why", "medial", "knee", "pain", "--json"),
    ("path", "semitendinosus", "pes-anserine-bursitis", "--json"),
    ("where", "inner", "knee"),
])
def test_chains_read_the_links_of_the_entries_they_visit_and_answer_as_from_the_yaml(
        hk: Any, large_kb: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]) -> None:
    from hamknee import cache

    cold = hk("--kb", str(large_kb), *args)  # a first run answers from the YAML (and writes the cache)
    assert cold.exit_code == 0, cold.stderr
    visited: set[str] = set()
    lazy = getattr(cache, "LazySection", None)
    assert lazy is not None, "every link of the knowledge base is read at once"
    read = lazy.__getitem__

    def counted(self: Any, key: str) -> Any:
        visited.add(key)
        return read(self, key)

    monkeypatch.setattr(lazy, "__getitem__", counted)
    warm = hk("--kb", str(large_kb), *args)
    assert (warm.exit_code, warm.stdout, warm.stderr) == (cold.exit_code, cold.stdout, cold.stderr)
    assert visited, "the cache was not read; this test would prove nothing"
    assert len(visited) < ENTITIES // 2


def test_a_study_page_is_wrapped_without_rich_measuring_each_word(hk: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from rich import _wrap

    first = hk("explain", "pes-anserine")
    assert first.exit_code == 0
    calls = {"n": 0}
    divide = _wrap.divide_line

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        return divide(*args, **kwargs)

    monkeypatch.setattr(_wrap, "divide_line", counted)
    again = hk("explain", "pes-anserine")
    assert again.stdout == first.stdout
    assert again.stdout.count("\n") > 40
    # Printable ASCII is one cell a character: its lines break at string speed; rich measures the rest.
    assert calls["n"] == 0


@pytest.mark.parametrize("args", [
    ("search", "lump", "behind", "knee"),
    ("conditions", "--region", "medial-knee"),
    ("conditions", "--region", "inner knee"),
    ("explain", "pes-anserine"),
    ("explain", "goose", "fot"),
])
def test_lookups_by_kind_do_not_read_the_catalog_of_every_entry(hk: Any, large_kb: Path,
                                                                reads: dict[str, list[str]],
                                                                args: tuple[str, ...]) -> None:
    first = hk("--kb", str(large_kb), *args)
    assert first.exit_code == 0, first.stderr
    reads["sections"].clear()
    again = hk("--kb", str(large_kb), *args)
    assert (again.stdout, again.stderr) == (first.stdout, first.stderr)
    assert reads["sections"], "the cache was not read; this test would prove nothing"
    # Which entries are regions or conditions is in the small index of kinds; the catalog holds every
    # entry's summary too.
    assert "catalog" not in reads["sections"]


def test_a_citation_as_text_is_the_plain_form_of_the_styled_one() -> None:
    import random

    from hamknee import render

    chance = random.Random(5)
    alphabet = "ab .?!\r\x07\x0b\x1b\u202e é"

    def text() -> str:
        return "".join(chance.choice(alphabet) for _ in range(chance.randint(0, 12)))

    for _ in range(5000):
        source: dict[str, Any] = {"title": text(), "year": chance.choice([2020, text()])}
        for field in ("authors", "publisher", "type"):
            if chance.random() < 0.6:
                source[field] = text()
        assert render.source_plain(source) == render.source_line(source, with_type=True, with_url=False).plain


def test_the_diagram_module_makes_no_dataclass_when_imported() -> None:
    # Making a dataclass compiles its methods (and, without a docstring, formats its signature): the
    # diagram's three cost more than the rest of its import on every run.
    code = ("import sys, dataclasses\n"
            "made = []\n"
            "original = dataclasses._process_class\n"
            "dataclasses._process_class = lambda cls, *a, **k: made.append(cls.__name__) or original(cls, *a, **k)\n"
            "import hamknee.diagram\n"
            "print(','.join(made))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


PROBE = """\
import sys
from hamknee.__main__ import main
out, sys.argv = sys.argv[1], ["hamknee", *sys.argv[2:]]
code = main()
with open(out, "w", encoding="utf-8") as fh:
    fh.write(str(code) + "\\n" + "\\n".join(sorted(sys.modules)))
"""


@pytest.mark.parametrize("args", [("diagram", "--svg", "{out}.svg"), ("export", "json", "{out}.json")])
def test_writing_a_file_loads_no_network_or_crypto_library(tmp_path: Path, args: tuple[str, ...]) -> None:
    report = tmp_path / "modules.txt"
    argv = [a.replace("{out}", str(tmp_path / "written")) for a in args]
    # A warm cache: the first load validates the YAML, with libraries of its own.
    subprocess.run([sys.executable, "-m", "hamknee", "explain", "pes-anserine"], check=True, capture_output=True,
                   timeout=300)
    subprocess.run([sys.executable, "-c", PROBE, str(report), *argv], check=True, capture_output=True, timeout=300)
    code, *names = report.read_text(encoding="utf-8").splitlines()
    assert code == "0"
    assert (tmp_path / Path(argv[-1]).name).is_file()
    # An SVG escaped by xml.sax.saxutils loads urllib, http and ssl; a temporary name from secrets loads hmac
    # and OpenSSL: neither is needed to write a file.
    assert sorted({"urllib.request", "ssl", "http.client", "hmac", "secrets"} & set(names)) == []


def test_a_generated_knowledge_base_that_ends_in_a_partial_round_is_valid(hk: Any, tmp_path: Path) -> None:
    """A last round that clones the muscles and regions but not the conditions they point at: a clone's
    relation to an original condition is felt where that condition is, not at the clone's own regions."""
    import yaml

    shipped = yaml.safe_load((ROOT / "data" / "conditions.yaml").read_text(encoding="utf-8"))
    before = ("muscles", "attachments", "structures", "regions")
    count = sum(len(shipped.get(s) or []) for s in (*before, "conditions", "phases", "concepts")) \
        + sum(len(shipped.get(s) or []) for s in before) + 1
    kb = tmp_path / "partial.yaml"
    subprocess.run([sys.executable, str(ROOT / "bench" / "gen_kb.py"), str(count), str(kb)], check=True,
                   capture_output=True, timeout=300)
    result = hk("--kb", str(kb), "validate")
    assert result.exit_code == 0, result.stderr[-2000:]
    assert f"{count} entities" in result.stdout
