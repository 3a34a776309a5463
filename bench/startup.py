"""How long a student waits: whole hamknee processes timed from the outside, against two yardsticks.

    python bench/startup.py              # 15 runs of everything, 5,000-entity knowledge base (a few minutes)
    python bench/startup.py --quick      # 3 runs, 500 entities: a smoke test (CI)

Each command is run as a new process (wall clock, from start to exit, output to a pipe) with the shipped
knowledge base and with a generated large one (``bench/gen_kb.py``), each with a warm cache (prepared once)
and a cold one (a fresh, empty HAMKNEE_HOME for every run). Runs go round-robin over all commands so that
drift (other load, CPU frequency) hits all alike. The yardsticks, measured in the same rounds with the same
interpreter: ``python -c pass`` (the interpreter's floor) and ``python -c "import typer, rich.console"``
(the floor of any typer + rich CLI). Peak memory is each process's own maximum RSS (``os.wait4``).

The figures go to stdout as a table and to a JSON file (``--out``). Targets are reported, never asserted:
timings depend on the machine. A command that fails (unexpected exit code) makes the script exit 1.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
FLOOR_CODE = "import typer, rich.console"
HEAVY = ("yaml", "pydantic", "rapidfuzz", "sqlite3", "fsrs", "genanki")

# (label, arguments, expected exit code)
COMMANDS: list[tuple[str, list[str], int]] = [
    ("--version", ["--version"], 0),
    ("explain pes-anserine", ["explain", "pes-anserine"], 0),
    ("explain 'goose fot' (typo)", ["explain", "goose fot"], 1),
    ("search tendon", ["search", "tendon"], 0),
    ("list --json", ["list", "--json"], 0),
    ("muscles --attachments", ["muscles", "--attachments"], 0),
    ("validate", ["validate"], 0),
]


@dataclass
class Case:
    kb: str  # "shipped" or "large"
    cache: str  # "warm", "cold" or "-" for the yardsticks
    label: str
    argv: list[str]
    expected: int
    rounds: int
    times: list[float] = field(default_factory=list)
    rss: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.kb}/{self.cache}/{self.label}"


def hamknee_command() -> tuple[list[str], str]:
    """The console script next to this interpreter, as users run it; else ``python -m hamknee``."""
    bindir = Path(sys.executable).parent
    for candidate in (bindir / "hamknee", bindir / "hamknee.exe"):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return [str(candidate)], f"console script {candidate}"
    return [sys.executable, "-m", "hamknee"], f"{sys.executable} -m hamknee"


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float | None, int, str]:
    """Wall-clock seconds, peak RSS in MB (None where unknown), exit code and the end of stderr."""
    with tempfile.TemporaryFile() as errfile:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errfile, env=env)
        if hasattr(os, "wait4"):
            _, status, usage = os.wait4(proc.pid, 0)
            elapsed = time.perf_counter() - start
            proc.returncode = code = os.waitstatus_to_exitcode(status)
            # ru_maxrss is in kilobytes on Linux and in bytes on macOS.
            rss: float | None = usage.ru_maxrss / (1 << 20 if sys.platform == "darwin" else 1 << 10)
        else:  # pragma: no cover - Windows: time only
            code = proc.wait()
            elapsed = time.perf_counter() - start
            rss = None
        errfile.seek(0)
        tail = errfile.read()[-400:].decode("utf-8", "replace")
    return elapsed, rss, code, tail


def make_large_kb(count: int, target: Path) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, str(BENCH / "gen_kb.py"), str(count), str(target)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def warm_path_imports(hamknee: list[str], env: dict[str, str], kb: Path | None) -> dict[str, Any]:
    """``-X importtime`` of a warm lookup: its heaviest top-level imports and any heavy module present."""
    lookup = (["--kb", str(kb)] if kb else []) + ["explain", "pes-anserine"]
    # Warm (again) right before: the knowledge base may have been edited since the rounds began.
    subprocess.run([*hamknee, *lookup], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    argv = [sys.executable, "-X", "importtime", "-m", "hamknee", *lookup]
    result = subprocess.run(argv, capture_output=True, text=True, env=env)
    top: list[tuple[str, int]] = []
    modules: list[str] = []
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        parts = line[len("import time:"):].split("|")
        if len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        name = parts[2].rstrip()
        module = name.strip()
        modules.append(module)
        if not name.startswith("  "):
            top.append((module, int(parts[1])))
    top.sort(key=lambda item: -item[1])
    heavy = sorted({m.split(".")[0] for m in modules if m.split(".")[0] in HEAVY})
    return {"top": [{"module": m, "cumulative_ms": round(us / 1000, 1)} for m, us in top[:12]],
            "heavy_modules": heavy}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 runs and a 500-entity knowledge base (smoke test)")
    parser.add_argument("--runs", type=int, default=None, help="runs of each command (default 15, quick 3)")
    parser.add_argument("--cold-large-runs", type=int, default=None,
                        help="runs of the large knowledge base with a cold cache, each a full load (default 5)")
    parser.add_argument("--entities", type=int, default=None, help="size of the large knowledge base (default 5000)")
    parser.add_argument("--out", type=Path, default=BENCH / "results.json", help="JSON file of the figures")
    args = parser.parse_args(argv)
    runs = args.runs or (3 if args.quick else 15)
    cold_large_runs = min(runs, args.cold_large_runs or (runs if args.quick else 5))
    entities = args.entities or (500 if args.quick else 5000)

    hamknee, how = hamknee_command()
    work = Path(tempfile.mkdtemp(prefix="hamknee-bench-"))
    try:
        return _bench(args, runs, cold_large_runs, entities, hamknee, how, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _bench(args: argparse.Namespace, runs: int, cold_large_runs: int, entities: int, hamknee: list[str], how: str,
           work: Path) -> int:
    large = work / f"large-{entities}.yaml"
    generated_in = make_large_kb(entities, large)
    base_env = {k: v for k, v in os.environ.items() if k not in ("HAMKNEE_KB", "HAMKNEE_HOME", "FORCE_COLOR")}
    base_env.update(COLUMNS="100", NO_COLOR="1")
    warm_home = {"shipped": work / "warm-shipped", "large": work / "warm-large"}

    cases = [Case("-", "-", "python -c pass", [sys.executable, "-c", "pass"], 0, runs),
             Case("-", "-", f'python -c "{FLOOR_CODE}"', [sys.executable, "-c", FLOOR_CODE], 0, runs)]
    for kb in ("shipped", "large"):
        kb_args = ["--kb", str(large)] if kb == "large" else []
        for cache in ("warm", "cold"):
            rounds = cold_large_runs if (kb, cache) == ("large", "cold") else runs
            for label, command_args, expected in COMMANDS:
                cases.append(Case(kb, cache, label, [*hamknee, *kb_args, *command_args], expected, rounds))

    # Warm the caches once (the lookup writes the cache; validate never reads it).
    for kb, home in warm_home.items():
        env = dict(base_env, HAMKNEE_HOME=str(home))
        kb_args = ["--kb", str(large)] if kb == "large" else []
        subprocess.run([*hamknee, *kb_args, "explain", "pes-anserine"], env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)

    started = time.perf_counter()
    cold_count = 0
    for round_ in range(runs):
        for case in cases:
            if round_ >= case.rounds:
                continue
            if case.cache == "cold":
                cold_count += 1
                home = work / f"cold-{cold_count}"
            else:
                home = warm_home.get(case.kb, work / "unused")
            elapsed, rss, code, tail = run_once(case.argv, dict(base_env, HAMKNEE_HOME=str(home)))
            case.times.append(elapsed)
            if rss is not None:
                case.rss.append(rss)
            if code != case.expected:
                case.failures.append(f"exit {code}: {tail.strip()[-200:]}")
            if case.cache == "cold":
                shutil.rmtree(home, ignore_errors=True)
    total = time.perf_counter() - started

    pass_median = statistics.median(cases[0].times)
    floor_median = statistics.median(cases[1].times)
    rows = []
    for case in cases:
        median = statistics.median(case.times)
        rows.append({
            "kb": case.kb, "cache": case.cache, "command": case.label, "runs": len(case.times),
            "median_ms": round(median * 1000, 1), "min_ms": round(min(case.times) * 1000, 1),
            "max_ms": round(max(case.times) * 1000, 1),
            "x_python": round(median / pass_median, 2), "x_typer_rich": round(median / floor_median, 2),
            "peak_rss_mb": round(max(case.rss), 1) if case.rss else None,
            "failures": case.failures[:3],
        })

    def row(kb: str, cache: str, command: str) -> dict[str, Any]:
        return next(r for r in rows if (r["kb"], r["cache"], r["command"]) == (kb, cache, command))

    targets = [
        ("explain pes-anserine, warm, shipped KB: x typer+rich floor", "<=", 1.3,
         row("shipped", "warm", "explain pes-anserine")["x_typer_rich"]),
        (f"explain pes-anserine, warm, {entities}-entity KB: x typer+rich floor", "<=", 1.5,
         row("large", "warm", "explain pes-anserine")["x_typer_rich"]),
        ("--version: x typer+rich floor", "<=", 1.15, row("shipped", "warm", "--version")["x_typer_rich"]),
        (f"first load of the {entities}-entity KB (cold cache, full validation): s", "<", 3.0,
         row("large", "cold", "explain pes-anserine")["median_ms"] / 1000),
        (f"validate the {entities}-entity KB: s", "<", 3.0, row("large", "warm", "validate")["median_ms"] / 1000),
        (f"peak RSS of a lookup, {entities}-entity KB: MB", "<", 60.0,
         row("large", "warm", "explain pes-anserine")["peak_rss_mb"]),
    ]
    target_rows = [{"target": name, "limit": f"{op} {limit}", "value": value,
                    "met": None if value is None else (value <= limit if op == "<=" else value < limit)}
                   for name, op, limit, value in targets]

    imports = warm_path_imports(hamknee, dict(base_env, HAMKNEE_HOME=str(warm_home["shipped"])), None)
    machine = {
        "python": platform.python_version(), "implementation": platform.python_implementation(),
        "executable": sys.executable, "platform": platform.platform(), "cores": os.cpu_count(),
        "hamknee": how,
    }
    large_info = {"entities": entities, "megabytes": round(large.stat().st_size / 1e6, 1),
                  "generated_in_s": round(generated_in, 1)}
    report = {"machine": machine, "runs": runs, "cold_large_runs": cold_large_runs, "large_kb": large_info,
              "benchmark_seconds": round(total, 1), "results": rows, "targets": target_rows,
              "warm_path_imports": imports}

    print(f"Python {machine['python']} ({machine['implementation']}) on {machine['platform']}, "
          f"{machine['cores']} cores; hamknee run as the {how}.")
    print(f"{runs} runs each, round-robin (large KB with a cold cache: {cold_large_runs}); large KB: "
          f"{entities} entities, {large_info['megabytes']} MB. Times in ms; x = median / yardstick median.")
    print()
    header = f"{'KB':<8} {'cache':<5} {'command':<34} {'median':>8} {'min':>8} {'max':>8} " \
             f"{'x python':>8} {'x typer+rich':>12} {'peak RSS':>9}"
    print(header)
    print("-" * len(header))
    for r in rows:
        rss = f"{r['peak_rss_mb']:.1f} MB" if r["peak_rss_mb"] is not None else "–"
        print(f"{r['kb']:<8} {r['cache']:<5} {r['command'][:34]:<34} {r['median_ms']:>8.1f} {r['min_ms']:>8.1f} "
              f"{r['max_ms']:>8.1f} {r['x_python']:>8.2f} {r['x_typer_rich']:>12.2f} {rss:>9}")
    print()
    print("Targets (reported, not asserted):")
    for t in target_rows:
        verdict = "?" if t["met"] is None else ("met" if t["met"] else "MISSED")
        value = "–" if t["value"] is None else f"{t['value']:.2f}"
        print(f"  {verdict:<6} {t['target']}: {value} (target {t['limit']})")
    print()
    print("Warm lookup (-X importtime), heaviest top-level imports: " +
          ", ".join(f"{i['module']} {i['cumulative_ms']} ms" for i in imports["top"][:8]))
    heavy = imports["heavy_modules"]
    print("Heavy modules on the warm path: " + (", ".join(heavy) if heavy else "none"))

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nFigures written to {args.out} ({total:.0f} s of runs).")

    failed = [r for r in rows if r["failures"]]
    for r in failed:
        print(f"FAILED {r['kb']}/{r['cache']}/{r['command']}: {r['failures'][0]}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
