"""Commands that follow the chain: path, why, where, and the diagram of the posterior thigh and knee."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from hamknee.cli import JsonOpt, complete_region, complete_term, emit_json, get_kb, out, show

if TYPE_CHECKING:
    from rich.text import Text

    from hamknee.kb import KnowledgeBase

app = typer.Typer(rich_markup_mode=None)

MaxOpt = Annotated[int, typer.Option("--max", "-n", min=1, max=50, help="At most this many chains.")]
DepthOpt = Annotated[int, typer.Option("--depth", min=1, max=12, help="Longest chain searched, in steps.")]


def _names(kb: KnowledgeBase) -> dict[str, tuple[str, str]]:
    return {e["id"]: (e["name"], e["kind"]) for e in kb.catalog()}


def _arrow(hop: dict[str, Any]) -> str:
    label = hop["label"]
    label = label[3:] if label.startswith("is ") else label
    # A step that joins two entries without one causing the other says so on the arrow.
    return f" --{label} [{hop['mark']}]--> " if hop.get("mark") else f" --{label}--> "


def _entity(names: dict[str, tuple[str, str]], ident: str) -> tuple[str, str]:
    from hamknee.render import KIND_STYLE

    name, kind = names.get(ident, (ident, ""))
    return name, KIND_STYLE.get(kind, "bold")


def _chain_text(chain: list[dict[str, Any]], names: dict[str, tuple[str, str]]) -> Text:
    from rich.text import Text

    text = Text()
    text.append(*_entity(names, chain[0]["from"]))
    for hop in chain:
        text.append(_arrow(hop), style="italic dim")
        text.append(*_entity(names, hop["to"]))
    return text


def _hang(text: Text, indent: int, hanging: int = 0) -> Any:
    """Text indented by ``indent`` whose wrapped lines line up ``hanging`` columns further in."""
    from rich.text import Text

    from hamknee.render import Hanging

    return Hanging(Text(" " * indent) + text[:hanging], text[hanging:], indent + hanging)


@app.command(epilog="Examples:  hamknee path semitendinosus pes-anserine-bursitis  ·  "
                    "hamknee path 'biceps femoris' lateral-knee --json")
def path(
    ends: Annotated[list[str], typer.Argument(help="Where the chain starts and where it ends: ids, names or "
                                                   "aliases; names of several words need no quotes when the "
                                                   "words can be read only one way.",
                                              autocompletion=complete_term, show_default=False,
                                              metavar="FROM TO")],
    limit: MaxOpt = 5,
    depth: DepthOpt = 8,
    as_json: JsonOpt = False,
) -> None:
    """How two entries are connected: the shortest chains of relations, each step in words, links that are not
    causes marked."""
    from hamknee.chains import graph as chain
    from hamknee.errors import UsageProblem

    kb = get_kb()
    pair = ends if len(ends) == 2 else kb.split_terms(" ".join(ends).split(), count=2)
    if pair is None or len(pair) != 2:
        raise UsageProblem(
            "path needs two entries, FROM and TO." if len(ends) < 2 else
            f"Cannot tell where the first name ends in '{' '.join(ends)}'.",
            "Names of several words need quotes or hyphens here, e.g. hamknee path semimembranosus "
            "'bakers cyst' or hamknee path biceps-femoris common-fibular-nerve")
    start, goal = pair
    chains = chain.path(kb, start, goal, limit=limit, depth=depth)
    if as_json:
        emit_json(chains)
        return
    from rich.console import Group
    from rich.text import Text

    names = _names(kb)
    steps = len(chains[0])
    noun = "chain" if len(chains) == 1 else "equally short chains"
    parts: list[Any] = [Text(f"{len(chains)} {noun} of {steps} step{'s' if steps != 1 else ''}:", style="bold")]
    for i, c in enumerate(chains, 1):
        line = Text(f"{i}. " if len(chains) > 1 else "")
        line.append_text(_chain_text(c, names))
        parts.append(_hang(line, 0, 3 if len(chains) > 1 else 0))
    shown = {h["mark"] for c in chains for h in c if h["mark"]}
    marked = [m for m in chain.MARKS if m in shown]
    if marked:
        meanings = "; ".join(f"[{m}] {chain.MARKS[m]}" for m in marked)
        parts.append(_hang(Text(f"Steps marked [{'] or ['.join(marked)}] link the two entries but are not causes: "
                                f"{meanings}.", style="dim"), 0))
    goal_id = chains[0][-1]["to"]
    parts.append(Text(f"For the mechanism: hamknee why {goal_id}"
                      if names.get(goal_id, ("", ""))[1] == "condition"
                      else f"For each step in detail: hamknee explain {chains[0][0]['to']}", style="dim"))
    show(Group(*parts))


def _condition_parts(answer: dict[str, Any], names: dict[str, tuple[str, str]], explained: set[tuple[str, ...]],
                     indent: int = 0) -> list[Any]:
    """The chains of one condition, each step's explanation printed the first time it appears."""
    from rich.text import Text

    parts: list[Any] = []
    everywhere = {r["region"] for r in answer["felt_at"]}

    def ends_of(start: dict[str, Any]) -> list[str]:
        return list(dict.fromkeys(r for c in start["chains"] for r in c[-1].get("felt_at", ())))

    # Once one hamstring's form is felt somewhere narrower, every form says where it is felt, or a form
    # felt everywhere the condition is would read as felt nowhere.
    forms_differ = any(set(ends_of(start)) != everywhere for start in answer["from"] if ends_of(start))
    for start in answer["from"]:
        steps = start["steps"]
        head = Text(f"From {start['name']}", style="bold")
        if start["parts"]:
            short = [p["name"].removeprefix(f"{start['name']}, ") for p in start["parts"]]
            head.append(f", with its {' and '.join(short) if len(short) < 3 else ', '.join(short)}", style="bold")
        head.append(f" ({steps} step{'s' if steps != 1 else ''})", style="bold")
        # Where this hamstring's form of the condition is felt, when it is narrower than the condition's.
        ends = ends_of(start)
        if ends and forms_differ:
            head.append(", felt at: " + ", ".join(names.get(r, (r, ""))[0] for r in ends), style="bold")
        parts.append(_hang(head, indent))
        for c in start["chains"]:
            parts.append(_hang(_chain_text(c, names), indent + 2))
            for i, hop in enumerate(c, 1):
                key = (hop["from"], hop["relation"], hop["to"])
                step = Text(f"{i}. {_entity(names, hop['from'])[0]} {hop['label']} {_entity(names, hop['to'])[0]}")
                if key in explained:
                    step.append(" (explained above)", style="dim")
                elif hop["note"]:
                    step.append(f": {hop['note']}")
                else:
                    step.append(" (no mechanism recorded)", style="dim")
                explained.add(key)
                parts.append(_hang(step, indent + 4, 3))
    if not answer["from"]:
        parts.append(_hang(Text(f"No mechanism from a hamstring is recorded within {answer['depth']} steps. "
                                f"See: hamknee explain {answer['condition']}", style="dim"), indent))
    if answer["associations"]:
        parts.append(_hang(Text("Risk factors: associated with it, not steps of a mechanism", style="bold"), indent))
        for row in answer["associations"]:
            line = Text(f"- {row['name']} {row['label']} {answer['name']}")
            line.append(f": {row['note']}" if row["note"] else "")
            parts.append(_hang(line, indent + 2, 2))
    if answer["felt_at"]:
        felt = Text("Felt at: ", style="bold")
        felt.append(", ".join(r["name"] for r in answer["felt_at"]) + ".")
        parts.append(_hang(felt, indent))
        for row in answer["referred"]:
            line = Text(f"- {answer['name']} refers pain to {row['name']}")
            line.append(f": {row['note']}" if row["note"] else "")
            parts.append(_hang(line, indent + 2, 2))
    return parts


def _unreachable(answer: dict[str, Any], names: dict[str, tuple[str, str]]) -> Any:
    from rich.text import Text

    missing = "; ".join(_entity(names, i)[0] for i in answer["unreachable"])
    return _hang(Text(f"No mechanism within {answer['depth']} steps from: {missing}.", style="dim"), 0)


@app.command(epilog="Examples:  hamknee why pes-anserine-bursitis  ·  hamknee why medial knee pain --json  ·  "
                    "hamknee why behind the knee  ·  hamknee why semitendinosus")
def why(
    condition: Annotated[list[str] | None, typer.Argument(help="A condition (id, name or alias), a region or symptom "
                                                        "such as 'medial knee pain' or 'behind the knee', or a "
                                                        "hamstring; several words need no quotes.",
                                             autocompletion=complete_term, show_default=False,
                                             metavar="CONDITION_OR_REGION")] = None,
    limit: Annotated[int, typer.Option("--max", "-n", min=1, max=20,
                                       help="At most this many chains from each hamstring.")] = 3,
    depth: DepthOpt = 6,
    as_json: JsonOpt = False,
) -> None:
    """How the hamstrings lead to a condition or to pain in a region, step by step; for a muscle, what it leads to.

    A chain runs from a hamstring along its tendon to the structure it acts on and to the condition; it never
    passes through a contrast, a hub (a region, the knee joint, a group) or a risk factor, which is shown
    beside the chains as an association.
    """
    from hamknee.chains import mechanism
    from hamknee.chains.regions import region_for

    kb = get_kb()
    if not condition:
        _list_regions(kb, "why", "Why pain here? Choose a region (or name a condition):", as_json)
        return
    term = " ".join(condition)
    from hamknee.chains.regions import whole_knee_menu

    menu = whole_knee_menu(kb, term, "why")
    if menu is not None:
        raise menu
    # How a forgiving lookup was read is said on stderr once: for the entry, or for the region a complaint
    # names ('front of the knee pain' is the front of the knee, not a misspelling of it).
    said = kb.on_note
    with kb.held_notes() as notes:
        ident = kb.resolve(term)
    kind = kb.get(ident)["kind"] if ident is not None else None
    if ident is not None and kind not in ("condition", "region", "muscle") and _is_muscle_group(kb, ident):
        # 'why hamstrings' asks what the group leads to (the knee pain above all), not about the back of the
        # thigh where the muscles lie.
        kind = "muscle"
    region = None if kind in ("condition", "muscle") else region_for(kb, term)
    if region is None and said is not None:
        for note in notes:
            said(note)
    on_note, kb.on_note = kb.on_note, None
    try:
        if kind not in (None, "condition", "region") and region is None:
            _why_entry(kb, kb.get(ident or ""), depth, as_json)
            return
        answer = mechanism.why(kb, term, per_start=limit, depth=depth)
    finally:
        kb.on_note = on_note
    if as_json:
        emit_json(answer)
        return
    from rich.console import Group
    from rich.text import Text

    from hamknee import render

    names = _names(kb)
    explained: set[tuple[str, ...]] = set()
    parts: list[Any] = []
    if "conditions" in answer:
        parts.append(_hang(Text.assemble(("Why pain at the ", "bold"), (answer["name"].lower(), "bold blue"),
                                         ("? Hamstring-related conditions felt there", "bold")), 0))
        if not answer["conditions"]:
            parts.append(_hang(Text(f"No hamstring-related condition is felt at the {answer['name'].lower()} in "
                                    "the knowledge base.", style="dim"), 0))
        for item in answer["conditions"]:
            parts.append(Text(""))
            parts.append(_hang(Text.assemble((item["name"], "bold cyan"), (f" ({item['category']})", "dim")), 0))
            parts.extend(_condition_parts(item, names, explained, indent=2))
        if answer["associated"]:
            parts.append(Text(""))
            parts.append(_hang(Text("Felt here and associated with the hamstrings: risk factors, not steps of a "
                                    "mechanism", style="bold"), 0))
            for item in answer["associated"]:
                for row in item["associations"]:
                    line = Text(f"- {row['name']} {row['label']} {item['name']}")
                    line.append(f": {row['note']}" if row["note"] else "")
                    parts.append(_hang(line, 2, 2))
        if answer["also_felt_here"]:
            others = ", ".join(c["name"] for c in answer["also_felt_here"])
            parts.append(Text(""))
            parts.append(_hang(Text(f"Also felt here, to rule out: {others}. See: hamknee where {answer['region']}",
                                    style="dim"), 0, 0))
    else:
        parts.append(_hang(Text.assemble(("Why ", "bold"), (answer["name"], "bold cyan"),
                                         (f"? Mechanisms from the hamstrings ({answer['category']})", "bold")), 0))
        parts.append(Text(""))
        parts.extend(_condition_parts(answer, names, explained))
        if answer["unreachable"] and answer["from"]:
            parts.append(Text(""))
            parts.append(_unreachable(answer, names))
    parts.append(Text(""))
    parts.append(render.disclaimer())
    show(Group(*parts))


def _is_muscle_group(kb: KnowledgeBase, ident: str) -> bool:
    from hamknee.chains.leads import members

    return any(kb.get(part)["kind"] == "muscle" for part in members(kb, ident) - {ident})


def _list_regions(kb: KnowledgeBase, command: str, title: str, as_json: bool) -> None:
    """Every region with the command that opens it, for a student who does not know their names yet."""
    from rich.console import Group
    from rich.text import Text

    from hamknee.chains.regions import region_ids

    if as_json:
        emit_json([{"id": i, "name": kb.get(i)["name"], "command": f"hamknee {command} {i}"}
                   for i in region_ids(kb)])
        return

    parts: list[Any] = [Text(title, style="bold")]
    for ident in region_ids(kb):
        parts.append(_hang(Text(f"{kb.get(ident)['name']}: hamknee {command} {ident}"), 2, 2))
    show(Group(*parts))


def _why_entry(kb: KnowledgeBase, record: dict[str, Any], depth: int, as_json: bool) -> None:
    """`why` asked of a muscle or structure: the conditions it leads to, and how to see each chain."""
    from rich.console import Group
    from rich.text import Text

    from hamknee.chains.graph import NoChainError
    from hamknee.chains.leads import leads_to
    from hamknee.errors import safe_text

    answer = leads_to(kb, record, depth)
    if not answer["leads_to"]:
        raise NoChainError(
            f"{record['name']} is a {record['kind']}, and no mechanism recorded leads from it to a condition "
            f"within {depth} steps.",
            f"'hamknee why' explains a condition or a region, e.g. hamknee why pes-anserine-bursitis; "
            f"for this entry see: hamknee explain {safe_text(record['id'])}")
    if as_json:
        emit_json(answer)
        return
    from hamknee import render

    names = _names(kb)
    parts: list[Any] = [_hang(Text.assemble((f"What does {record['name']} lead to? ", "bold"),
                                            ("Conditions reached by a mechanism from it", "bold")), 0)]
    for item in answer["leads_to"]:
        parts.append(Text(""))
        steps = item["steps"]
        parts.append(_hang(Text.assemble((item["name"], "bold cyan"),
                                         (f" ({item['category']}, {steps} step{'s' if steps != 1 else ''})",
                                          "dim")), 0))
        parts.append(_hang(_chain_text(item["chain"], names), 2))
        parts.append(_hang(Text.assemble(("Each step explained: ", "dim"), (item["ask"], "green")), 2))
    parts.append(Text(""))
    parts.append(_hang(Text(f"Any chain between two entries: hamknee path {record['id']} CONDITION", style="dim"),
                       0))
    parts.append(render.disclaimer())
    show(Group(*parts))


@app.command(epilog="Examples:  hamknee where posterior  ·  hamknee where 'inner knee'  ·  "
                    "hamknee where 'sitting bone' --json")
def where(
    region: Annotated[list[str] | None, typer.Argument(help="A region: posterior/medial/lateral/anterior knee, back of "
                                                     "the thigh, buttock, or an alias such as 'behind the knee'; "
                                                     "several words need no quotes.",
                                          autocompletion=complete_region, show_default=False, metavar="REGION")] = None,
    as_json: JsonOpt = False,
) -> None:
    """What hurts here: the conditions felt in a region, with the sign and test that tell them apart."""
    from hamknee.chains.regions import where as find

    if not region:
        _list_regions(get_kb(), "where", "What hurts where? Choose a region:", as_json)
        return
    answer = find(get_kb(), " ".join(region))
    if as_json:
        emit_json(answer)
        return
    from hamknee.cli import err, show_lines, terminal

    if not terminal():
        # For grep and cut: one condition a line (region, group, condition, sign, test), as listings do.
        from hamknee import render
        from hamknee.layout import tsv_cell

        show_lines("\t".join(tsv_cell(cell) for cell in (answer["region"], group["group"], c["name"],
                                                         c["key_sign"] or "-", c["key_test"] or "-"))
                   for group in answer["groups"] for c in group["conditions"])
        err().print(render.DISCLAIMER, markup=False, highlight=False, soft_wrap=True)
        return
    from rich.console import Group
    from rich.text import Text

    from hamknee import render

    parts: list[Any] = [Text.assemble(("Pain felt at: ", "bold"), (answer["name"], "bold blue"))]
    for group in answer["groups"]:
        if not group["conditions"]:
            parts.append(Text(f"\n{group['title']}: none in the knowledge base.", style="dim"))
            continue
        rows = [[c["name"], c["key_sign"] or "–", c["key_test"] or "–"]
                for c in group["conditions"]]
        parts.append(Text(""))
        parts.append(render.table(["Condition", "Key distinguishing sign", "Key test"], rows, title=group["title"]))
    parts.append(Text("\nFor each: hamknee explain NAME  ·  hamknee why NAME", style="dim"))
    parts.append(render.disclaimer())
    show(Group(*parts))


@app.command(epilog="Examples:  hamknee diagram  ·  hamknee diagram biceps-femoris  ·  "
                    "hamknee diagram pes-anserine-bursitis --svg knee.svg")
def diagram(
    term: Annotated[list[str] | None, typer.Argument(help="Highlight this entry and what attaches to it; for a "
                                                          "condition, also mark where it is felt. Several words "
                                                          "need no quotes.",
                                               autocompletion=complete_term, show_default=False,
                                               metavar="[TERM...]")] = None,
    svg_file: Annotated[str | None, typer.Option("--svg", metavar="FILE",
                                                 help="Also write the picture as an SVG file.")] = None,
    force: Annotated[bool, typer.Option("--force", "-f", help="Replace the SVG file if it exists.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """A diagram of the posterior thigh and knee: the hamstrings from origin to insertion."""
    from hamknee import diagram_render
    from hamknee.diagram import build

    kb = get_kb()
    console = out()
    wanted = " ".join(term) if term else None
    if svg_file is not None:
        from typing import BinaryIO

        from hamknee.safe_write import write_file, write_stdout

        document = diagram_render.svg(build(kb, wanted, width=80)).encode("utf-8")
        if svg_file == "-":
            write_stdout(document)
            return

        def put(handle: BinaryIO) -> None:
            handle.write(document)

        target = write_file(svg_file, put, force=force, what="SVG file")
        console.print(f"Wrote {target}", markup=False, highlight=False, soft_wrap=True)
        return
    picture = build(kb, wanted, width=console.width)
    if as_json:
        emit_json({"width": picture.width, "lines": picture.lines, "focus": picture.focus,
                   "highlighted": picture.highlighted, "pain": picture.pain,
                   "rows": [vars(r) for r in picture.rows]})
        return
    unicode = diagram_render.can_encode_box(console.encoding)
    if console.color_system is None:
        console.print("\n".join(diagram_render.plain_lines(picture, unicode)), markup=False, highlight=False,
                      soft_wrap=True)
    else:
        console.print(diagram_render.rich_text(picture, unicode), soft_wrap=True)
