"""The lookup commands: explain, muscles, conditions, phases, list, compare, search, sources, validate, schema."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from hamknee.cli import JsonOpt, TermArg, complete_term, emit_json, err, get_kb, kb_path, out, show
from hamknee.errors import ExitCode, InvalidKnowledgeBase, UsageProblem, safe_text
from hamknee.vocab import KIND_SECTION, KINDS, SECTIONS

app = typer.Typer(rich_markup_mode=None)


def _kind(value: str | None) -> str | None:
    if value is None:
        return None
    key = value.strip().lower()
    if key in KINDS:
        return key
    if key in SECTIONS:
        return SECTIONS[key]
    raise UsageProblem(f"Unknown kind {safe_text(value)!r}.", f"Use one of: {', '.join(KINDS)}.")


@app.command(epilog="Examples:  hamknee explain pes-anserine  ·  hamknee explain 'biceps femoris short head' --json")
def explain(term: TermArg, as_json: JsonOpt = False) -> None:
    """Explain any entry: a muscle, attachment, structure, region, condition, phase or concept."""
    record = get_kb().lookup(term)
    if as_json:
        emit_json(record)
        return
    from hamknee import render

    show(render.explain(record))


@app.command(epilog="Examples:  hamknee muscles  ·  hamknee muscles --attachments  ·  hamknee muscles --json")
def muscles(
    attachments: Annotated[bool, typer.Option("--attachments", "-a", help="Show where each muscle attaches.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """The hamstrings and the muscles studied beside them (marked 'related')."""
    kb = get_kb()
    records = sorted(kb.records("muscle"), key=lambda r: r["group"] != "hamstring")
    if as_json:
        emit_json([_muscle_row(r) for r in records] if attachments else
                  [{k: r.get(k) for k in ("id", "name", "group", "summary")} for r in records])
        return
    from hamknee import render

    if attachments:
        rows = []
        for r in records:
            row = _muscle_row(r)
            prox, dist = row["proximal"], row["distal"]
            rows.append([
                f"{r['name']}\n({r['group']})",
                prox["site_name"] or prox["detail"],
                f"{dist['site_name'] or dist['detail']}" + (f" ({dist['side']})" if dist["side"] else ""),
                dist["at_knee"] or "–",
            ])
        show(render.table(["Muscle", "Proximal attachment", "Distal attachment", "At the knee"], rows,
                          title="Muscle attachments (proximal → distal)", ratios=[2, 2, 2, 5]))
    else:
        rows = [[r["id"], r["group"], r["summary"]] for r in records]
        show(render.table(["Muscle", "Group", "Summary"], rows, title="Hamstrings and related muscles"))


def _muscle_row(r: dict[str, Any]) -> dict[str, Any]:
    from hamknee.render import names_of

    names = names_of(r)

    def attachment(a: dict[str, Any]) -> dict[str, Any]:
        site = a.get("site")
        return {"site": site, "site_name": names.get(site) if site else None, "side": a.get("side"),
                "detail": a["detail"], "at_knee": a.get("at_knee")}

    return {"id": r["id"], "name": r["name"], "group": r["group"],
            "proximal": attachment(r["origin"]), "distal": attachment(r["insertion"])}


RegionOpt = Annotated[str | None, typer.Option("--region", "-r", help="A region id or alias, e.g. 'medial knee'.")]


@app.command(epilog="Examples:  hamknee conditions  ·  hamknee conditions --region 'behind the knee'")
def conditions(region: RegionOpt = None, as_json: JsonOpt = False) -> None:
    """Conditions, optionally only those felt in one region."""
    kb = get_kb()
    records = kb.records("condition")
    if region:
        where = kb.lookup(region, kind="region")
        records = [r for r in records if where["id"] in r["felt_at"]]
    if as_json:
        emit_json([{k: r.get(k) for k in ("id", "name", "category", "felt_at", "summary")} for r in records])
        return
    from hamknee import render

    rows = [[r["id"], r["category"], ", ".join(render.field_text(r, "felt_at") or []), r["summary"]]
            for r in records]
    show(render.table(["Condition", "Category", "Felt at", "Summary"], rows))
    show(render.disclaimer())


@app.command(epilog="Examples:  hamknee phases  ·  hamknee phases hamstring-strain")
def phases(
    condition: Annotated[str | None, typer.Argument(help="Only phases for this condition.",
                                                    autocompletion=complete_term, metavar="CONDITION")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Treatment and rehabilitation phases, in order, with goals and criteria to progress."""
    kb = get_kb()
    records = kb.records("phase")
    if condition:
        target = kb.lookup(condition, kind="condition")
        records = [r for r in records if target["id"] in r.get("applies_to", [])]
    # Phases of one protocol share the conditions they treat; keep each protocol together, in order.
    records.sort(key=lambda r: (r.get("applies_to", []), r["order"]))
    if as_json:
        emit_json([{k: r.get(k) for k in ("id", "name", "protocol", "order", "timeframe", "goals", "criteria",
                                          "applies_to")} for r in records])
        return
    from hamknee import render

    rows = [[f"{r['order']}. {r['name']}", r.get("timeframe", "–"),
             "\n".join(f"• {g}" for g in r["goals"]), "\n".join(f"• {c}" for c in r.get("criteria", [])) or "–"]
            for r in records]
    show(render.table(["Phase", "Timeframe", "Goals", "Criteria to progress"], rows))
    show(render.disclaimer())


@app.command("list", epilog="Examples:  hamknee list  ·  hamknee list condition  ·  hamknee list --json")
def list_(
    kind: Annotated[str | None, typer.Argument(help=f"Only this kind: {', '.join(KINDS)}.", metavar="KIND")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Every entry: id, kind, name and summary."""
    entries = get_kb().catalog(_kind(kind))
    if as_json:
        emit_json(entries)
        return
    from hamknee import render

    show(render.table(["Id", "Kind", "Name", "Summary"],
                      [[e["id"], e["kind"], e["name"], e["summary"]] for e in entries]))


@app.command(epilog="Examples:  hamknee compare semitendinosus semimembranosus  ·  "
                    "hamknee compare pes-anserine-bursitis meniscal-tear --json")
def compare(
    terms: Annotated[list[str], typer.Argument(help="Two or more entries of the same kind.",
                                               autocompletion=complete_term)],
    as_json: JsonOpt = False,
) -> None:
    """Entries of one kind side by side, field by field."""
    if len(terms) < 2:
        raise UsageProblem("compare needs at least two entries.", "Example: hamknee compare semitendinosus "
                                                                  "semimembranosus")
    kb = get_kb()
    records = [kb.lookup(t) for t in terms]
    kinds = {r["kind"] for r in records}
    if len(kinds) > 1:
        listed = ", ".join(f"{r['id']} ({r['kind']})" for r in records)
        raise UsageProblem(f"Cannot compare entries of different kinds: {listed}.",
                           "Compare entries of one kind, e.g. two muscles or two conditions.")
    if as_json:
        emit_json(records)
        return
    from hamknee import render

    show(render.compare(records))


@app.command(epilog="Examples:  hamknee search tendon  ·  hamknee search 'pain behind knee' --limit 5")
def search(
    query: Annotated[str, typer.Argument(help="Words to look for in names, aliases and text.", metavar="QUERY")],
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=500, help="How many results.")] = 10,
    as_json: JsonOpt = False,
) -> None:
    """Ranked search over names, aliases and text; tolerant of typos."""
    hits = get_kb().search(query, limit=limit)
    if as_json:
        emit_json(hits)
        return
    if not hits:
        err().print(f"No results for {safe_text(query)!r}. Try fewer or other words.", markup=False)
        raise typer.Exit(int(ExitCode.NOT_FOUND))
    from hamknee import render

    show(render.table(["Id", "Kind", "Summary"], [[h["id"], h["kind"], h["summary"]] for h in hits]))


@app.command(epilog="Examples:  hamknee validate  ·  hamknee validate my-notes.yaml  ·  hamknee validate --json")
def validate(
    path: Annotated[Path | None, typer.Argument(help="File to check (default: --kb, HAMKNEE_KB or shipped).",
                                                metavar="PATH")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Check a knowledge base file and print every problem, or a one-line summary."""
    from hamknee.kb import compile_file

    target = path.expanduser().absolute() if path else kb_path()
    try:
        compiled = compile_file(target)
    except InvalidKnowledgeBase as exc:
        if as_json:
            emit_json({"file": exc.file, "valid": False, "problems": [
                {"path": p.path, "line": p.line, "column": p.column, "message": p.message} for p in exc.problems]})
            raise typer.Exit(int(ExitCode.INVALID_KB)) from None
        raise
    counts: dict[str, int] = {}
    for entry in compiled["catalog"]:
        counts[entry["kind"]] = counts.get(entry["kind"], 0) + 1
    relations = sum(len(v) for v in compiled["graph"].values()) // 2
    summary: dict[str, Any] = {"file": str(target), "valid": True, "entities": len(compiled["catalog"]),
               "sources": len(compiled["sources"]), "relations": relations,
               "by_kind": {KIND_SECTION[k]: counts.get(k, 0) for k in KINDS}}
    if as_json:
        emit_json(summary)
        return
    kinds = ", ".join(f"{n} {s}" for s, n in summary["by_kind"].items() if n)
    out().print(f"OK {target}: {summary['entities']} entities ({kinds}), {summary['sources']} sources, "
                f"{relations} relations.", markup=False, soft_wrap=True)


@app.command(epilog="Examples:  hamknee schema > conditions.schema.json")
def schema() -> None:
    """Print the JSON Schema of the knowledge base, for editors that validate and complete YAML."""
    from hamknee.model import KnowledgeBaseFile

    document = KnowledgeBaseFile.model_json_schema()
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    document["title"] = "hamknee knowledge base"
    emit_json(document)


@app.command(epilog="Examples:  hamknee sources  ·  hamknee sources --json")
def sources(as_json: JsonOpt = False) -> None:
    """Every reference in the knowledge base, with the entries that cite it."""
    bibliography = get_kb().bibliography()
    if as_json:
        emit_json(bibliography)
        return
    from rich.console import Group
    from rich.text import Text

    from hamknee import render

    parts: list[Any] = []
    for i, source in enumerate(bibliography, 1):
        parts.append(render.Hanging(Text(f"[{i}] "), render.source_line(source)))
        parts.append(Text("    cited by: " + (", ".join(source["cited_by"]) or "–"), style="dim"))
    show(Group(*parts))
