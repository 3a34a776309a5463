"""The lookup commands: explain, muscles, conditions, phases, list, compare, search, sources, validate, schema."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from hamknee.cli import (
    JsonOpt,
    complete_kind,
    complete_region,
    complete_term,
    emit_json,
    err,
    get_kb,
    kb_path,
    out,
    show,
    terminal,
)
from hamknee.errors import ExitCode, InvalidKnowledgeBase, NotFoundError, UsageProblem, safe_text
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


TermsArg = Annotated[list[str], typer.Argument(
    help="An id, name or alias, e.g. 'pes-anserine' or 'goose foot'; several words need no quotes.",
    autocompletion=complete_term, show_default=False, metavar="TERM")]


@app.command(epilog="Examples:  hamknee explain pes-anserine  ·  hamknee explain pes anserine bursitis --brief  ·  "
                    "hamknee explain hamstring-strain -s signs -s tests  ·  "
                    "hamknee explain 'biceps femoris short head' --json")
def explain(
    term: TermsArg,
    brief: Annotated[bool, typer.Option("--brief", "-b", help="Only the essentials: summary, key points, one "
                                                               "line per key fact (at most 25 lines).")] = False,
    section: Annotated[list[str] | None, typer.Option(
        "--section", "-s", metavar="NAME",
        help="Only this section (repeat, or separate with commas): summary, key-points, facts, explanation, "
             "related, further, sources, or a field such as signs, tests, red-flags, insertion.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Explain any entry: a muscle, attachment, structure, region, condition, phase or concept."""
    kb = get_kb()
    record = kb.lookup(" ".join(term))
    from hamknee import render

    chosen: list[str] = []
    for name in (n for value in section or () for n in value.split(",") if n.strip()):
        key = render.section_key(name, record["kind"])
        if key is None:  # a mistake whatever the output form
            raise UsageProblem(f"No section {safe_text(name.strip())!r} on a {record['kind']} page.",
                               f"Use one of: {', '.join(render.section_names(record['kind']))}.")
        chosen.append(key)
    if as_json:
        emit_json(record)
        return
    if brief:
        show(render.Brief(record), measure=True)
        return
    if section:
        page = render.explain(record, chosen)
        if not any(render.has_section(record, key) for key in chosen):
            wanted = ", ".join(dict.fromkeys(chosen))
            err().print(f"{record['name']} has nothing under {wanted}. Try: hamknee explain {record['id']}",
                        markup=False, highlight=False)
            raise typer.Exit(int(ExitCode.NOT_FOUND))
        show(page, measure=True)
        return
    # The conditions' rows name them without the summary of every entry the catalog holds.
    see_also = render.named_like(record, kb.condition_rows()) if record["kind"] not in ("condition", "region") \
        else None
    show(render.explain(record, see_also=see_also), measure=True)


@app.command(epilog="Examples:  hamknee muscles  ·  hamknee muscles --attachments  ·  hamknee muscles --json")
def muscles(
    attachments: Annotated[bool, typer.Option("--attachments", "-a", help="Show where each muscle attaches.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """The hamstrings and the muscles studied beside them (marked 'related')."""
    kb = get_kb()
    # Without --attachments the index has every column shown: no record is read.
    records = sorted(kb.records("muscle") if attachments else kb.catalog("muscle"),
                     key=lambda r: r["group"] != "hamstring")
    if as_json:
        emit_json([_muscle_row(r) for r in records] if attachments else
                  [{k: r.get(k) for k in ("id", "name", "group", "summary")} for r in records])
        return

    if attachments:
        rows = []
        for r in records:
            row = _muscle_row(r)
            prox, dist = row["proximal"], row["distal"]
            rows.append([
                f"{r['name']} ({r['group']})",
                prox["site_name"] or prox["detail"],
                f"{dist['site_name'] or dist['detail']}" + (f" ({dist['side']})" if dist["side"] else ""),
                dist["at_knee"] or "–",
            ])
        _listing(["Muscle", "Proximal attachment", "Distal attachment", "At the knee"], rows,
                 title="Muscle attachments (proximal → distal)")
    else:
        rows = [[r["id"], r["name"], r["group"], r["summary"]] for r in records]
        _listing(["Id", "Name", "Group", "Summary"], rows, title="Hamstrings and related muscles", ids=[0], head=3,
                 bare=[3])


def _listing(headers: list[str], rows: Any, title: str | None = None, ids: Any = (),
             disclaimer: bool = False, head: int = 1, bare: Any = ()) -> None:
    """A listing: laid out row by row on a terminal, one tab-separated record a line otherwise."""
    from hamknee import render
    from hamknee.cli import show_lines, terminal
    from hamknee.layout import Grid

    grid = Grid(headers, rows, title=title, ids=ids, head=head, bare=bare)
    if terminal():
        grid.stream(out())
        if disclaimer:
            show(render.disclaimer())
    else:
        show_lines(grid.tsv())
        if disclaimer:  # beside the records, not among them
            err().print(render.DISCLAIMER, markup=False, highlight=False)


def _muscle_row(r: dict[str, Any]) -> dict[str, Any]:
    from hamknee.render import names_of

    names = names_of(r)

    def attachment(a: dict[str, Any]) -> dict[str, Any]:
        site = a.get("site")
        return {"site": site, "site_name": names.get(site) if site else None, "side": a.get("side"),
                "detail": a["detail"], "at_knee": a.get("at_knee")}

    return {"id": r["id"], "name": r["name"], "group": r["group"],
            "proximal": attachment(r["origin"]), "distal": attachment(r["insertion"])}


RegionOpt = Annotated[str | None, typer.Option("--region", "-r", help="A region id or alias, e.g. 'medial knee'.",
                                               autocompletion=complete_region)]


@app.command(epilog="Examples:  hamknee conditions  ·  hamknee conditions --region 'behind the knee'")
def conditions(region: RegionOpt = None, as_json: JsonOpt = False) -> None:
    """Conditions, optionally only those felt in one region."""
    kb = get_kb()
    records = kb.condition_rows(kb.lookup(region, kind="region")["id"] if region else None)
    if as_json:
        emit_json([{k: r.get(k) for k in ("id", "name", "category", "felt_at", "summary")} for r in records])
        return
    if not records:
        err().print("No conditions in this knowledge base" + (" for that region." if region else "."),
                    markup=False, highlight=False)
        raise typer.Exit(int(ExitCode.NOT_FOUND))
    rows = [[r["id"], r["name"], r["category"], ", ".join(r["felt_at_names"]), r["summary"]] for r in records]
    _listing(["Id", "Condition", "Category", "Felt at", "Summary"], rows, ids=[0], disclaimer=True, head=3,
             bare=[4])


@app.command(epilog="Examples:  hamknee phases  ·  hamknee phases hamstring-strain")
def phases(
    condition: Annotated[list[str] | None, typer.Argument(help="Only phases for this condition; several words need "
                                                               "no quotes.",
                                                          autocompletion=complete_term, metavar="[CONDITION...]")
                         ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Treatment and rehabilitation phases, in order: goals, interventions, exercises, criteria to progress."""
    kb = get_kb()
    target = kb.lookup(" ".join(condition), kind="condition") if condition else None
    records = kb.phases_for(target["id"]) if target else kb.records("phase")
    # Phases of one protocol share the conditions they treat; keep each protocol together, in order.
    records.sort(key=lambda r: (r.get("applies_to", []), r["order"]))
    if not records:
        what = f"No treatment phases for {target['name']} in the knowledge base." if target else \
            "No treatment phases in the knowledge base."
        if as_json:
            emit_json([])
        err().print(what + " Try: hamknee phases", markup=False, highlight=False)
        raise typer.Exit(int(ExitCode.NOT_FOUND))
    if as_json:
        emit_json([{k: r.get(k) for k in ("id", "name", "protocol", "order", "timeframe", "goals", "interventions",
                                          "exercises", "criteria", "avoid", "applies_to")} for r in records])
        return
    from itertools import groupby

    from rich.console import Group
    from rich.text import Text

    from hamknee import render
    from hamknee.layout import Wrapped

    # One print a protocol, not one a line: the first screen still comes out at once.
    for n, (protocol, cards) in enumerate(groupby(records, key=lambda r: r.get("protocol"))):
        protocol_cards = list(cards)
        if n or protocol is not None:  # phases of no protocol, listed first, need no heading
            treats = ", ".join(render.field_text(protocol_cards[0], "applies_to") or [])
            show(Group(Text(""), Wrapped("", Text.assemble((protocol or "Phases", "bold underline"),
                                                           (f" (for {treats})" if treats else "", "dim")))))
        show(Group(*(render.phase_card(r) for r in protocol_cards)), measure=True)
    show(Group(Text(""), render.disclaimer()))


@app.command("list", epilog="Examples:  hamknee list  ·  hamknee list condition  ·  hamknee list --json")
def list_(
    kind: Annotated[str | None, typer.Argument(help=f"Only this kind: {', '.join(KINDS)}.", metavar="KIND",
                                               autocompletion=complete_kind)] = None,
    as_json: JsonOpt = False,
) -> None:
    """Every entry: id, kind, name and summary."""
    entries = get_kb().catalog(_kind(kind))
    if as_json:
        emit_json(entries)
        return
    if not entries:
        err().print("No entries of that kind in this knowledge base.", markup=False, highlight=False)
        raise typer.Exit(int(ExitCode.NOT_FOUND))
    _listing(["Id", "Kind", "Name", "Summary"], ([e["id"], e["kind"], e["name"], e["summary"]] for e in entries),
             ids=[0], head=3, bare=[3])


@app.command(epilog="Examples:  hamknee compare semitendinosus semimembranosus  ·  "
                    "hamknee compare pes-anserine-bursitis meniscal-tear --json")
def compare(
    terms: Annotated[list[str], typer.Argument(help="Two or more entries of the same kind.",
                                               autocompletion=complete_term, metavar="TERM...")],
    as_json: JsonOpt = False,
) -> None:
    """Entries of one kind side by side, field by field."""
    if len(terms) < 2:
        raise UsageProblem("compare needs at least two entries.", "Example: hamknee compare semitendinosus "
                                                                  "semimembranosus")
    kb = get_kb()
    if any(kb.named_exactly(t) is None for t in terms):
        # Several unquoted words: read them as the fewest whole names ('biceps femoris' is one).
        terms = kb.split_terms(" ".join(terms).split()) or terms
    try:
        records = [kb.lookup(t) for t in terms]
    except NotFoundError as exc:
        exc.quoting = ("Names of several words need quotes or hyphens here, e.g. hamknee compare "
                       "'pes anserine bursitis' bakers-cyst")
        raise
    if len(terms) < 2:
        raise UsageProblem("compare needs at least two entries.", "Example: hamknee compare semitendinosus "
                                                                  "semimembranosus")
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


@app.command(epilog="Examples:  hamknee search tendon  ·  hamknee search lump behind knee  ·  "
                    "hamknee search 'sitting bone pain' --limit 5")
def search(
    query: Annotated[list[str], typer.Argument(help="Words to look for, in a student's words or a textbook's.",
                                               metavar="QUERY")],
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=500, help="How many results.")] = 10,
    as_json: JsonOpt = False,
) -> None:
    """Ranked search over names, aliases, everyday words and text; tolerant of typos."""
    from hamknee.cli import note

    text = " ".join(query)
    kb = get_kb()
    hits = kb.search(text, limit=limit)
    if not hits:
        if as_json:
            emit_json([])
        err().print(f"No results for {safe_text(text)!r}. Try fewer or other words, or: hamknee list",
                    markup=False, highlight=False)
        raise typer.Exit(int(ExitCode.NOT_FOUND))
    if as_json:
        emit_json(hits)
        return
    rows = [[h["id"], h["name"], h["kind"], ", ".join(h["matched"])] for h in hits]
    _listing(["Id", "Name", "Kind", "Matched"], rows, ids=[0], head=3)
    for region in kb.regions_in(text)[:2]:
        note(f"What hurts there, and how to tell the causes apart: hamknee where {region}")


@app.command(epilog="Examples:  hamknee validate  ·  hamknee validate my-notes.yaml  ·  hamknee validate --json")
def validate(
    path: Annotated[Path | None, typer.Argument(help="File to check (default: --kb, HAMKNEE_KB or shipped).",
                                                metavar="PATH")] = None,
    as_json: JsonOpt = False,
    cards: Annotated[bool, typer.Option("--cards", help="Also check every flashcard: distractors that are right, "
                                                        "answers given away, cut or duplicate options, accepted "
                                                        "answers another entry owns.")] = False,
) -> None:
    """Check a knowledge base file and print every problem, or a one-line summary."""
    from hamknee.kb import open_kb
    from hamknee.paths import user_path

    target = user_path(str(path), "knowledge base") if path else kb_path()
    try:
        # A file byte for byte the one this version last validated is answered from its cache; anything
        # else is parsed and checked in full (and cached, so the next lookup is fast).
        kb = open_kb(target)
    except InvalidKnowledgeBase as exc:
        if as_json:
            shown = exc.problems[:1000]
            emit_json({"file": exc.file, "valid": False, "count": exc.count, "problems": [
                {"path": p.path, "line": p.line, "column": p.column, "message": p.message} for p in shown]})
            raise typer.Exit(int(ExitCode.INVALID_KB)) from None
        raise
    try:
        counts: dict[str, Any] = kb.section("summary")
        summary: dict[str, Any] = {"file": str(target), "valid": True, "entities": counts["entities"],
                                   "sources": counts["sources"], "relations": counts["relations"],
                                   "by_kind": {KIND_SECTION[k]: counts["by_kind"].get(k, 0) for k in KINDS},
                                   "warnings": counts.get("warnings", [])}
        defects: list[Any] = []
        if cards:
            from hamknee.study.cards import Deck

            deck = Deck(kb.records())
            defects = deck.lint()
            summary["cards"] = {"total": len(deck.cards), "authored": sum(c.authored for c in deck.cards),
                                "defects": [{"card": d.card, "check": d.check, "message": d.message}
                                            for d in defects]}
            if defects:
                summary["valid"] = False
    finally:
        kb.close()
    if as_json:
        emit_json(summary)
        if defects:
            raise typer.Exit(int(ExitCode.INVALID_KB))
        return
    if defects:
        for d in defects:
            err().print(f"{target}: card {d.card}: {d.check}: {d.message}", markup=False, highlight=False)
        err().print(f"Error: {len(defects)} card defects in {target}. Fix the cards named above (in the entries' "
                    "'cards' lists, or the fields they are built from).", markup=False, highlight=False)
        raise typer.Exit(int(ExitCode.INVALID_KB))
    kinds = ", ".join(f"{n} {s}" for s, n in summary["by_kind"].items() if n)
    deck_note = ""
    if cards:
        deck_note = f" {summary['cards']['total']} cards ({summary['cards']['authored']} authored), no defects."
    from hamknee.layout import Wrapped

    line = (f"OK {target}: {summary['entities']} entities ({kinds}), {summary['sources']} sources, "
            f"{summary['relations']} relations"
            + (f", {len(summary['warnings'])} warning(s)." if summary["warnings"] else ".") + deck_note)
    if terminal():
        show(Wrapped("", line))
    else:  # one line for scripts and grep
        out().print(line, markup=False, highlight=False, soft_wrap=True)
    # A warning never fails validation: the file is valid, some facts are weakly sourced.
    for note in summary["warnings"]:
        err().print(f"warning: {note}", markup=False, soft_wrap=True)


def schema_document() -> dict[str, Any]:
    """The JSON Schema of the knowledge base, from the model (the shipped file is a copy of it)."""
    from hamknee.model import KnowledgeBaseFile

    document = KnowledgeBaseFile.model_json_schema()
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    document["title"] = "hamknee knowledge base"
    return document


@app.command(epilog="Examples:  hamknee schema > conditions.schema.json")
def schema() -> None:
    """Print the JSON Schema of the knowledge base, for editors that validate and complete YAML."""
    import json

    from hamknee.paths import shipped_kb

    # The package ships the schema (tests keep it equal to the model's): printing it spares building it
    # from the model, which imports pydantic and walks every field.
    try:
        document = json.loads(shipped_kb().with_name("conditions.schema.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        document = schema_document()
    emit_json(document)


SOURCE_TYPES = ("primary study", "review", "guideline", "textbook", "reference site", "secondary web")


@app.command(epilog="Examples:  hamknee sources  ·  hamknee sources --type 'secondary web'  ·  hamknee sources --json")
def sources(
    kind: Annotated[str | None, typer.Option("--type", "-t", help=f"Only one type: {', '.join(SOURCE_TYPES)}.",
                                             metavar="TYPE")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Every reference in the knowledge base, with its type and the entries that cite it."""
    bibliography = get_kb().bibliography()
    if kind is not None:
        wanted = " ".join(kind.strip().lower().replace("-", " ").split())
        if wanted not in SOURCE_TYPES:
            raise UsageProblem(f"Unknown source type {safe_text(kind)!r}.", f"Use one of: {', '.join(SOURCE_TYPES)}.")
        bibliography = [s for s in bibliography if s.get("type") == wanted]
    if as_json:
        emit_json(bibliography)
        return
    from hamknee import render
    from hamknee.cli import show_lines, terminal

    if not terminal():
        from hamknee.layout import tsv_cell

        def row(i: int, s: dict[str, Any]) -> str:
            cite = render.source_plain(s)  # the type rides in the citation cell
            return "\t".join(tsv_cell(c) for c in (f"[{i}]", cite, render.source_url(s),
                                                    ", ".join(s["cited_by"]) or "–"))

        show_lines(row(i, s) for i, s in enumerate(bibliography, 1))
        return
    from rich.text import Text

    from hamknee.layout import Wrapped

    console = out()
    for i, source in enumerate(bibliography, 1):
        label = f"[{i}]"
        console.print(render.Citation(label, source), crop=False)
        console.print(Wrapped(" " * (len(label) + 1), Text("cited by: " + (", ".join(source["cited_by"]) or "–"),
                                                                  style="dim"), indent=len(label) + 11))
