"""Mutation fuzzing of the knowledge base loader, bounded in time.

The shipped YAML (and a small valid knowledge base) are mutated with byte flips, line deletions,
duplications and swaps, truncations, re-indentation and insertions of YAML syntax that is known to be
dangerous or awkward (anchors, aliases, python tags, tabs, BOMs, NUL bytes, merge keys, deep nesting).
The only acceptable outcomes are a loaded, compiled knowledge base or ``InvalidKnowledgeBase``; anything
else is reported with the shrunk input that triggers it.

    python bench/fuzz_loader.py --seconds 20
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from hamknee.compile import compile_kb
from hamknee.errors import InvalidKnowledgeBase
from hamknee.loader import load
from hamknee.paths import shipped_kb

ROOT = Path(__file__).resolve().parents[1]

TOKENS = [
    b"&a ", b"*a", b" &x [1, 2]", b" *x", b"<<: *a\n", b"!!python/object/apply:os.system ['true']",
    b"!!python/name:os.system", b"!custom ", b"!!binary aGVsbG8=", b"!!set {a, b}", b"!!timestamp 2001-12-14",
    b"!!float ", b"!!int ", b"\t", b"- ", b": ", b"? ", b"{", b"}", b"[", b"]", b"\"", b"'", b"|", b">",
    b"---\n", b"...\n", b"%YAML 1.1\n", b"%TAG ! tag:x,2000:\n", b"\xef\xbb\xbf", b"\x00", b"\xff", b"\xc3",
    b"\r\n", b"\r", b"\x85", "\u2028".encode(), b"~", b"null", b"true", b"1e999",
    b"-0x1F", b"0o17", b"9" * 400, b"[" * 200, b"{a: " * 120, b"x" * 5000, b"#", b"@", b"`", b"%",
]


def corpus() -> list[bytes]:
    texts = [shipped_kb().read_bytes()]
    conftest = ROOT / "tests" / "conftest.py"
    if conftest.is_file():  # the tests' small valid knowledge base, when run from a source checkout
        source = conftest.read_text(encoding="utf-8")
        start = source.find('MINIMAL = """')
        if start >= 0:
            end = source.index('"""', start + 13)
            texts.append(source[start + 13 : end].replace("\\\n", "").encode("utf-8"))
    return texts


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [b""]


@st.composite
def mutation(draw: st.DrawFn, base: bytes) -> bytes:
    data = base
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "delete", "duplicate", "swap", "truncate", "insert", "token",
                                   "indent", "dedent"]))
        if op == "flip" and data:
            i = draw(st.integers(0, len(data) - 1))
            data = data[:i] + bytes([data[i] ^ draw(st.integers(1, 255))]) + data[i + 1 :]
        elif op in ("delete", "duplicate", "indent", "dedent"):
            lines = _lines(data)
            i = draw(st.integers(0, len(lines) - 1))
            if op == "delete":
                del lines[i]
            elif op == "duplicate":
                lines.insert(i, lines[i])
            elif op == "indent":
                lines[i] = b"  " + lines[i]
            else:
                lines[i] = lines[i][2:] if lines[i].startswith(b"  ") else lines[i]
            data = b"".join(lines)
        elif op == "swap":
            lines = _lines(data)
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
            data = b"".join(lines)
        elif op == "truncate":
            data = data[: draw(st.integers(0, len(data)))]
        elif op == "insert":
            i = draw(st.integers(0, len(data)))
            data = data[:i] + draw(st.binary(min_size=1, max_size=8)) + data[i:]
        elif op == "token":
            i = draw(st.integers(0, len(data)))
            data = data[:i] + draw(st.sampled_from(TOKENS)) + data[i:]
    return data


def check(data: bytes, path: Path) -> str:
    """Load one input; return the outcome, or raise if the loader misbehaved."""
    path.write_bytes(data)
    try:
        compile_kb(load(path))
    except InvalidKnowledgeBase as exc:
        if not exc.problems:
            raise AssertionError("InvalidKnowledgeBase without any problem") from exc
        for line in exc.lines():
            if not line.startswith(str(path)):
                raise AssertionError(f"problem not located in the file: {line!r}") from exc
        return "invalid"
    return "loaded"


def run(seconds: float, batch: int = 200) -> dict[str, int]:
    outcomes = {"loaded": 0, "invalid": 0}
    deadline = time.monotonic() + seconds
    bases = corpus()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzzed.yaml"

        @settings(max_examples=batch, deadline=None, database=None, derandomize=False,
                  suppress_health_check=list(HealthCheck), phases=[Phase.generate, Phase.shrink])
        @given(data=st.sampled_from(bases).flatmap(mutation))
        def one(data: bytes) -> None:
            outcomes[check(data, path)] += 1

        while time.monotonic() < deadline:
            one()
    return outcomes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0, help="How long to fuzz (default 20).")
    args = parser.parse_args(argv)
    started = time.monotonic()
    outcomes = run(args.seconds)
    total = sum(outcomes.values())
    print(f"fuzz_loader: {total} inputs in {time.monotonic() - started:.1f} s: "
          f"{outcomes['loaded']} loaded, {outcomes['invalid']} refused with located problems, 0 other outcomes.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
