"""How long a student waits: every hamknee command timed as a whole process, against two yardsticks.

    python bench/startup.py                       # 15 runs of every command, shipped and 5,000-entity KBs
    python bench/startup.py --entities 500,1000,5000 --runs 5    # growth with the size of the KB
    python bench/startup.py --quick               # 1 run, 200 entities: a smoke test (CI)
    python bench/startup.py --readme              # also rewrite the table in README.md

Each of the 17 commands (several with more than one form) runs as a new process (wall clock, from start to
exit, output to the null device) with the shipped knowledge base and with generated large ones
(``bench/gen_kb.py``), each with a warm cache (prepared once; the progress database and the exported files
of earlier runs are kept, as a student's would be) and a cold one (a fresh, empty HAMKNEE_HOME for every
run). Study commands are fed their answers on stdin. Files an export writes go to a fresh path per run.
Runs go round-robin over all commands so that drift (other load, CPU frequency) hits all alike. The
yardsticks, measured in the same rounds with the same interpreter: ``python -c pass`` (the interpreter's
floor) and ``python -c "import typer, rich.console"`` (the floor of any typer + rich CLI). Peak memory is
each process's own maximum RSS (``os.wait4``).

The figures go to stdout as a table, to a JSON file (``--out``) and as the Markdown table the README shows
(``--markdown``). Targets are reported, never asserted: timings depend on the machine. A command that
fails (unexpected exit code) makes the script exit 1; one that runs past ``--timeout`` is stopped, shown
as such, and not run again.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
README = BENCH.parent / "README.md"
FLOOR_CODE = "import typer, rich.console"
HEAVY = ("yaml", "pydantic", "rapidfuzz", "sqlite3", "fsrs", "genanki")


@dataclass(frozen=True)
class Command:
    label: str
    args: tuple[str, ...]
    expected: int = 0
    stdin: bytes | None = None
    # "lookup": at most 2x the floor on a large KB; "whole": its output is the whole KB (at most 1 s);
    # "study": builds the deck (cold at most 5 s); "validate": parses the YAML every time (at most 3 s).
    group: str = "lookup"


# An argument "{out.EXT}" becomes a fresh file path for each run.
COMMANDS: list[Command] = [
    Command("--version", ("--version",)),
    Command("explain pes-anserine", ("explain", "pes-anserine")),
    Command("explain 'goose fot' (typo)", ("explain", "goose fot")),  # one close spelling opens its entry
    Command("muscles", ("muscles",)),
    Command("muscles --attachments", ("muscles", "--attachments")),
    Command("conditions", ("conditions",), group="whole"),
    Command("conditions --region medial-knee", ("conditions", "--region", "medial-knee")),
    Command("phases", ("phases",), group="whole"),  # every phase of the knowledge base
    Command("phases hamstring-strain", ("phases", "hamstring-strain")),
    Command("list", ("list",), group="whole"),
    Command("list --json", ("list", "--json"), group="whole"),
    Command("compare semitendinosus semimembranosus", ("compare", "semitendinosus", "semimembranosus")),
    Command("search tendon", ("search", "tendon")),
    Command("path semitendinosus pes-anserine-bursitis", ("path", "semitendinosus", "pes-anserine-bursitis")),
    Command("why pes-anserine-bursitis", ("why", "pes-anserine-bursitis")),
    Command("where inner-knee", ("where", "inner knee")),
    Command("diagram", ("diagram",)),
    Command("quiz --count 1 (answer on stdin)", ("quiz", "--count", "1", "--seed", "1"), stdin=b"1\n", group="study"),
    Command("stats", ("stats",), group="study"),
    Command("export anki", ("export", "anki", "{out.apkg}"), group="study-whole"),
    Command("export csv", ("export", "csv", "{out.csv}"), group="study-whole"),
    Command("export cards", ("export", "cards", "{out.json}"), group="study-whole"),
    Command("export json", ("export", "json", "{out.json}"), group="whole"),
    Command("sources", ("sources",), group="whole"),
    Command("validate", ("validate",), group="validate"),
    Command("schema", ("schema",)),
]
_OUT = re.compile(r"^\{out\.(\w+)\}$")


@dataclass
class Case:
    kb: str  # "shipped", an entity count such as "5000", or "-" for the yardsticks
    cache: str  # "warm", "cold" or "-" for the yardsticks
    command: Command
    argv: list[str]
    rounds: int
    times: list[float] = field(default_factory=list)
    rss: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    timed_out: float | None = None

    @property
    def label(self) -> str:
        return self.command.label


def hamknee_command() -> tuple[list[str], str]:
    """The console script next to this interpreter, as users run it; else ``python -m hamknee``."""
    bindir = Path(sys.executable).parent
    for candidate in (bindir / "hamknee", bindir / "hamknee.exe"):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return [str(candidate)], f"console script {candidate}"
    return [sys.executable, "-m", "hamknee"], f"{sys.executable} -m hamknee"


def run_once(argv: list[str], env: dict[str, str], stdin: bytes | None,
             timeout: float) -> tuple[float, float | None, int | None, str]:
    """Wall-clock seconds, peak RSS in MB (None where unknown), exit code (None: stopped at the timeout) and
    the end of stderr."""
    with tempfile.TemporaryFile() as errfile, tempfile.TemporaryFile() as infile:
        if stdin is not None:
            infile.write(stdin)
            infile.seek(0)
        killed = threading.Event()
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdin=infile if stdin is not None else subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=errfile, env=env, start_new_session=True)

        def stop() -> None:
            killed.set()
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, stop)
        timer.start()
        try:
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
        finally:
            timer.cancel()
        errfile.seek(0)
        tail = errfile.read()[-400:].decode("utf-8", "replace")
    return elapsed, rss, (None if killed.is_set() else code), tail


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
    parser.add_argument("--quick", action="store_true",
                        help="1 run of each command and a 200-entity knowledge base (smoke test)")
    parser.add_argument("--runs", type=int, default=None, help="runs of each command (default 15, quick 1)")
    parser.add_argument("--cold-large-runs", type=int, default=None,
                        help="runs on a large knowledge base with a cold cache, each a full load (default 3)")
    parser.add_argument("--entities", default=None,
                        help="sizes of the large knowledge bases, comma-separated (default 5000, quick 200)")
    parser.add_argument("--only", default=None, help="only the commands whose label contains this text "
                                                      "(comma-separated alternatives)")
    parser.add_argument("--timeout", type=float, default=120.0,
                        help="seconds before a run is stopped and its command not run again (default 120)")
    parser.add_argument("--out", type=Path, default=BENCH / "results.json", help="JSON file of the figures")
    parser.add_argument("--markdown", type=Path, default=BENCH / "results.md", help="Markdown table of the figures")
    parser.add_argument("--readme", action="store_true",
                        help="also put the Markdown table into README.md (between the bench markers)")
    args = parser.parse_args(argv)
    runs = args.runs or (1 if args.quick else 15)
    cold_large_runs = min(runs, args.cold_large_runs or (1 if args.quick else 3))
    sizes = [int(n) for n in (args.entities or ("200" if args.quick else "5000")).split(",") if n.strip()]
    commands = COMMANDS
    if args.only:
        wanted = [w.strip() for w in args.only.split(",") if w.strip()]
        commands = [c for c in COMMANDS if any(w in c.label for w in wanted)]

    hamknee, how = hamknee_command()
    work = Path(tempfile.mkdtemp(prefix="hamknee-bench-"))
    try:
        return _bench(args, runs, cold_large_runs, sizes, commands, hamknee, how, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _argv(hamknee: list[str], kb_file: Path | None, command: Command, out_dir: Path, run: int) -> list[str]:
    argv = [*hamknee, *(["--kb", str(kb_file)] if kb_file else [])]
    for arg in command.args:
        match = _OUT.match(arg)
        argv.append(str(out_dir / f"run-{run}.{match.group(1)}") if match else arg)
    return argv


def _bench(args: argparse.Namespace, runs: int, cold_large_runs: int, sizes: list[int], commands: list[Command],
           hamknee: list[str], how: str, work: Path) -> int:
    kb_files: dict[str, Path | None] = {"shipped": None}
    generated: dict[str, dict[str, float]] = {}
    for size in sizes:
        target = work / f"large-{size}.yaml"
        seconds = make_large_kb(size, target)
        kb_files[str(size)] = target
        generated[str(size)] = {"entities": size, "megabytes": round(target.stat().st_size / 1e6, 1),
                                "generated_in_s": round(seconds, 1)}
    base_env = {k: v for k, v in os.environ.items()
                if k not in ("HAMKNEE_KB", "HAMKNEE_HOME", "HAMKNEE_DB", "FORCE_COLOR", "PYTHONDONTWRITEBYTECODE")}
    base_env.update(COLUMNS="100", NO_COLOR="1")
    warm_home = {kb: work / f"warm-{kb}" for kb in kb_files}
    out_dir = work / "out"
    out_dir.mkdir()

    pass_case = Case("-", "-", Command("python -c pass", ()), [sys.executable, "-c", "pass"], runs)
    floor_case = Case("-", "-", Command(f'python -c "{FLOOR_CODE}"', ()), [sys.executable, "-c", FLOOR_CODE], runs)
    cases = [pass_case, floor_case]
    for kb in kb_files:
        for cache in ("warm", "cold"):
            rounds = cold_large_runs if (kb != "shipped" and cache == "cold") else runs
            cases += [Case(kb, cache, command, [], rounds) for command in commands]

    # Warm the caches once: a lookup writes the knowledge-base cache (however long the first load takes), the
    # first search the search index beside it; stats builds whatever the study commands keep between runs
    # (within the timeout: the rounds show it).
    for kb, home in warm_home.items():
        env = dict(base_env, HAMKNEE_HOME=str(home))
        kb_args = ["--kb", str(kb_files[kb])] if kb_files[kb] else []
        for lookup in (["explain", "pes-anserine"], ["search", "tendon"]):
            subprocess.run([*hamknee, *kb_args, *lookup], env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=False)
        with contextlib.suppress(subprocess.TimeoutExpired):
            subprocess.run([*hamknee, *kb_args, "stats"], env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=False, timeout=args.timeout)

    started = time.perf_counter()
    cold_count = 0
    run_count = 0
    for round_ in range(runs):
        for case in cases:
            if round_ >= case.rounds or case.timed_out is not None:
                continue
            run_count += 1
            if case.cache == "cold":
                cold_count += 1
                home = work / f"cold-{cold_count}"
            else:
                home = warm_home.get(case.kb, work / "unused")
            argv = case.argv or _argv(hamknee, kb_files[case.kb], case.command, out_dir, run_count)
            elapsed, rss, code, tail = run_once(argv, dict(base_env, HAMKNEE_HOME=str(home)), case.command.stdin,
                                                args.timeout)
            if code is None:
                case.timed_out = elapsed
            else:
                case.times.append(elapsed)
                if rss is not None:
                    case.rss.append(rss)
                if code != case.command.expected:
                    case.failures.append(f"exit {code}: {tail.strip()[-200:]}")
            if case.cache == "cold":
                shutil.rmtree(home, ignore_errors=True)
            for written in out_dir.iterdir():
                written.unlink()
    total = time.perf_counter() - started

    pass_median = statistics.median(pass_case.times)
    floor_median = statistics.median(floor_case.times)
    rows = [_row(case, pass_median, floor_median) for case in cases]
    largest = str(max(sizes)) if sizes else None
    target_rows = _targets(rows, largest)

    imports = warm_path_imports(hamknee, dict(base_env, HAMKNEE_HOME=str(warm_home["shipped"])), None)
    machine = {
        "python": platform.python_version(), "implementation": platform.python_implementation(),
        "executable": sys.executable, "platform": platform.platform(), "cores": os.cpu_count(),
        "hamknee": how,
    }
    report = {"machine": machine, "runs": runs, "cold_large_runs": cold_large_runs, "large_kbs": generated,
              "timeout_s": args.timeout, "benchmark_seconds": round(total, 1), "results": rows,
              "targets": target_rows, "warm_path_imports": imports}

    _print_report(report, rows, target_rows, imports, list(kb_files))
    markdown = markdown_table(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    args.markdown.parent.mkdir(parents=True, exist_ok=True)
    args.markdown.write_text(markdown, encoding="utf-8")
    if args.readme:
        update_readme(README, markdown)
    print(f"\nFigures written to {args.out} and {args.markdown}{' and README.md' if args.readme else ''} "
          f"({total:.0f} s of runs).")

    failed = [r for r in rows if r["failures"]]
    for r in failed:
        print(f"FAILED {r['kb']}/{r['cache']}/{r['command']}: {r['failures'][0]}", file=sys.stderr)
    return 1 if failed else 0


def _row(case: Case, pass_median: float, floor_median: float) -> dict[str, Any]:
    times = case.times
    median = statistics.median(times) if times and case.timed_out is None else None
    return {
        "kb": case.kb, "cache": case.cache, "command": case.label, "group": case.command.group,
        "runs": len(times),
        "median_ms": None if median is None else round(median * 1000, 1),
        "min_ms": round(min(times) * 1000, 1) if times else None,
        "max_ms": round(max(times) * 1000, 1) if times else None,
        "timed_out_after_s": None if case.timed_out is None else round(case.timed_out, 1),
        "x_python": None if median is None else round(median / pass_median, 2),
        "x_typer_rich": None if median is None else round(median / floor_median, 2),
        "peak_rss_mb": round(max(case.rss), 1) if case.rss else None,
        "failures": case.failures[:3],
    }


def _targets(rows: list[dict[str, Any]], largest: str | None) -> list[dict[str, Any]]:
    """Each command's targets: a ratio to the typer+rich floor, or seconds, or megabytes."""
    checks: list[tuple[str, str, float, float | None]] = []

    def find(kb: str, cache: str, command: str) -> dict[str, Any] | None:
        return next((r for r in rows if (r["kb"], r["cache"], r["command"]) == (kb, cache, command)), None)

    def seconds(row: dict[str, Any] | None) -> float | None:
        if row is None:
            return None
        if row["timed_out_after_s"] is not None:
            return float("inf")
        return None if row["median_ms"] is None else row["median_ms"] / 1000

    def ratio(row: dict[str, Any]) -> float | None:
        return float("inf") if row["timed_out_after_s"] is not None else row["x_typer_rich"]

    labels = list(dict.fromkeys(r["command"] for r in rows if r["kb"] != "-"))
    for label in labels:
        warm_shipped = find("shipped", "warm", label)
        if warm_shipped is not None and warm_shipped["group"] != "validate":
            checks.append((f"{label}, warm, shipped KB: x typer+rich floor", "<=", 1.3, ratio(warm_shipped)))
        if largest is None:
            continue
        warm = find(largest, "warm", label)
        cold = find(largest, "cold", label)
        if warm is None:
            continue
        group = warm["group"]
        if group in ("lookup", "study"):
            checks.append((f"{label}, warm, {largest} entities: x typer+rich floor", "<=", 2.0, ratio(warm)))
        elif group in ("whole", "study-whole"):
            checks.append((f"{label}, warm, {largest} entities: s", "<=", 1.0, seconds(warm)))
        elif group == "validate":
            checks.append((f"{label}, {largest} entities: s", "<", 3.0, seconds(warm)))
        if group.startswith("study") and cold is not None:
            checks.append((f"{label}, cold, {largest} entities: s", "<=", 5.0, seconds(cold)))
            checks.append((f"{label}, cold, {largest} entities: peak MB", "<=", 150.0, cold["peak_rss_mb"]))
        if group != "validate":
            checks.append((f"{label}, warm, {largest} entities: peak MB", "<", 60.0, warm["peak_rss_mb"]))
    if largest is not None:
        cold_load = find(largest, "cold", "explain pes-anserine")
        if cold_load is not None:
            checks.append((f"first load of the {largest}-entity KB (cold explain): peak MB", "<", 150.0,
                           cold_load["peak_rss_mb"]))
            checks.append((f"first load of the {largest}-entity KB (cold explain): s", "<", 3.0, seconds(cold_load)))
    return [{"target": name, "limit": f"{op} {limit:g}", "value": value,
             "met": None if value is None else (value <= limit if op == "<=" else value < limit)}
            for name, op, limit, value in checks]


def _fmt_ms(row: dict[str, Any] | None) -> str:
    if row is None:
        return "–"
    if row["timed_out_after_s"] is not None:
        return f"> {row['timed_out_after_s']:,.0f} s"
    value = row["median_ms"]
    return "–" if value is None else f"{value:,.0f}"


def _print_report(report: dict[str, Any], rows: list[dict[str, Any]], target_rows: list[dict[str, Any]],
                  imports: dict[str, Any], kbs: list[str]) -> None:
    machine = report["machine"]
    print(f"Python {machine['python']} ({machine['implementation']}) on {machine['platform']}, "
          f"{machine['cores']} cores; hamknee run as the {machine['hamknee']}.")
    sizes = ", ".join(f"{k} entities = {v['megabytes']} MB" for k, v in report["large_kbs"].items())
    print(f"{report['runs']} runs each, round-robin (large KBs with a cold cache: {report['cold_large_runs']}); "
          f"{sizes}. Times in ms; x = median / yardstick median.")
    print()
    header = f"{'KB':<8} {'cache':<5} {'command':<42} {'median':>9} {'min':>8} {'max':>8} " \
             f"{'x python':>8} {'x typer+rich':>12} {'peak RSS':>9}"
    print(header)
    print("-" * len(header))
    for r in rows:
        rss = f"{r['peak_rss_mb']:.1f} MB" if r["peak_rss_mb"] is not None else "–"
        xp = "–" if r["x_python"] is None else f"{r['x_python']:.2f}"
        xt = "–" if r["x_typer_rich"] is None else f"{r['x_typer_rich']:.2f}"
        low = "–" if r["min_ms"] is None else f"{r['min_ms']:.1f}"
        high = "–" if r["max_ms"] is None else f"{r['max_ms']:.1f}"
        print(f"{r['kb']:<8} {r['cache']:<5} {r['command'][:42]:<42} {_fmt_ms(r):>9} {low:>8} {high:>8} "
              f"{xp:>8} {xt:>12} {rss:>9}")
    if len(kbs) > 2:
        print()
        print("Growth with the size of the knowledge base (warm median ms / cold median ms):")
        large = [kb for kb in kbs if kb != "shipped"]
        print(f"{'command':<42} " + " ".join(f"{kb + ' entities':>22}" for kb in large))
        for label in dict.fromkeys(r["command"] for r in rows if r["kb"] != "-"):
            cells = []
            for kb in large:
                warm = next((r for r in rows if (r["kb"], r["cache"], r["command"]) == (kb, "warm", label)), None)
                cold = next((r for r in rows if (r["kb"], r["cache"], r["command"]) == (kb, "cold", label)), None)
                cells.append(f"{_fmt_ms(warm)} / {_fmt_ms(cold)}")
            print(f"{label[:42]:<42} " + " ".join(f"{c:>22}" for c in cells))
    print()
    print("Targets (reported, not asserted):")
    for t in target_rows:
        verdict = "?" if t["met"] is None else ("met" if t["met"] else "MISSED")
        value = "–" if t["value"] is None else ("timed out" if t["value"] == float("inf") else f"{t['value']:.2f}")
        print(f"  {verdict:<6} {t['target']}: {value} (target {t['limit']})")
    met = sum(1 for t in target_rows if t["met"])
    print(f"  {met} of {len(target_rows)} met.")
    print()
    print("Warm lookup (-X importtime), heaviest top-level imports: " +
          ", ".join(f"{i['module']} {i['cumulative_ms']} ms" for i in imports["top"][:8]))
    heavy = imports["heavy_modules"]
    print("Heavy modules on the warm path: " + (", ".join(heavy) if heavy else "none"))


def markdown_table(report: dict[str, Any]) -> str:
    """The README's table: one row per command, shipped and the largest KB, warm and cold."""
    rows: list[dict[str, Any]] = report["results"]
    largest = max((int(k) for k in report["large_kbs"]), default=None)
    big = str(largest) if largest is not None else None
    machine = report["machine"]
    floor = next(r for r in rows if r["kb"] == "-" and r["command"].startswith('python -c "import'))
    bare = next(r for r in rows if r["kb"] == "-" and r["command"] == "python -c pass")

    def find(kb: str | None, cache: str, label: str) -> dict[str, Any] | None:
        return next((r for r in rows if (r["kb"], r["cache"], r["command"]) == (kb, cache, label)), None)

    def ratio(row: dict[str, Any] | None) -> str:
        return "–" if row is None or row["x_typer_rich"] is None else f"{row['x_typer_rich']:.2f}"

    def rss(row: dict[str, Any] | None) -> str:
        return "–" if row is None or row["peak_rss_mb"] is None else f"{row['peak_rss_mb']:.0f} MB"

    size = report["large_kbs"].get(big, {}) if big else {}
    big_name = f"{int(big):,} entities" if big else "large"
    lines = [
        f"{report['runs']} runs of each command (cold on the large file: {report['cold_large_runs']}), Python "
        f"{machine['python']}, {machine['cores']} cores. Median wall-clock time in ms; × = median ÷ the typer + "
        f"rich floor ({floor['median_ms']:.0f} ms; `python -c pass`: {bare['median_ms']:.0f} ms). The large "
        f"file: {big_name}, {size.get('megabytes', '?')} MB.",
        "",
        f"| command | shipped, warm | × | shipped, cold | {big_name}, warm | × | {big_name}, cold "
        f"| peak RSS (warm / cold, {big_name}) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label in dict.fromkeys(r["command"] for r in rows if r["kb"] != "-"):
        sw, sc = find("shipped", "warm", label), find("shipped", "cold", label)
        lw, lc = find(big, "warm", label), find(big, "cold", label)
        lines.append(f"| `hamknee {label}` | {_fmt_ms(sw)} | {ratio(sw)} | {_fmt_ms(sc)} | {_fmt_ms(lw)} | "
                     f"{ratio(lw)} | {_fmt_ms(lc)} | {rss(lw)} / {rss(lc)} |")
    return "\n".join(lines) + "\n"


def update_readme(readme: Path, markdown: str) -> None:
    text = readme.read_text(encoding="utf-8")
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    if start not in text or end not in text:
        raise SystemExit(f"{readme} has no {start} ... {end} block to replace")
    before, rest = text.split(start, 1)
    _, after = rest.split(end, 1)
    readme.write_text(f"{before}{start}\n{markdown}{end}{after}", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
