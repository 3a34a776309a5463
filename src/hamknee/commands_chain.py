"""Commands that follow the chain: path, why, where, and the diagram of the posterior thigh and knee."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from hamknee.cli import JsonOpt, TermArg, complete_term, emit_json, get_kb, out, show

if TYPE_CHECKING:
    from rich.text import Text

    from hamknee.kb import KnowledgeBase

app = typer.Typer(rich_markup_mode=None)

MaxOpt = Annotated[int, typer.Option("--max", "-n", min=1, max=50, help="At most this many chains.")]
DepthOpt = Annotated[int, typer.Option("--depth", min=1, max=12, help="Longest chain searched, in steps.")]


def _arrow(label: str) -> str:
    return label[3:] if label.startswith("is ") else label


def _names(kb: KnowledgeBase) -> dict[str, tuple[str, str]]:
    return {e["id"]: (e["name"], e["kind"]) for e in kb.catalog()}


def _chain_text(chain: list[dict[str, Any]], names: dict[str, tuple[str, str]]) -> Text:
    from rich.text import Text

    from hamknee.render import KIND_STYLE

    def entity(ident: str) -> tuple[str, str]:
        name, kind = names.get(ident, (ident, ""))
        return name, KIND_STYLE.get(kind, "bold")

    text = Text()
    text.append(*entity(chain[0]["from"]))
    for hop in chain:
        text.append(f" --{_arrow(hop['label'])}--> ", style="italic dim")
        text.append(*entity(hop["to"]))
    return text


def _hang(text: Text, indent: int, hanging: int = 0) -> Any:
    """Text indented by ``indent`` whose wrapped lines line up ``hanging`` columns further in."""
    from rich.padding import Padding
    from rich.text import Text

    if not hanging:
        return Padding(text, (0, 0, 0, indent))
    from rich.table import Table

    grid = Table.grid(padding=0)
    grid.add_column(width=indent + hanging, no_wrap=True)
    grid.add_column()
    head = text[:hanging]
    grid.add_row(Text(" " * indent) + head, text[hanging:])
    return grid


@app.command(epilog="Examples:  hamknee path semitendinosus pes-anserine-bursitis  ·  "
                    "hamknee path 'biceps femoris' lateral-knee --json")
def path(
    start: TermArg,
    goal: Annotated[str, typer.Argument(help="Where the chain should end: an id, name or alias.",
                                        autocompletion=complete_term, show_default=False, metavar="TO")],
    limit: MaxOpt = 5,
    depth: DepthOpt = 8,
    as_json: JsonOpt = False,
) -> None:
    """The shortest chain of typed relations from one entry to another (all equally short ones)."""
    from hamknee import chain

    kb = get_kb()
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
        parts.append(line if len(chains) == 1 else _hang(line, 0, 3))
    parts.append(Text(f"For the mechanism of each step: hamknee why {chains[0][-1]['to']}"
                      if names.get(chains[0][-1]["to"], ("", ""))[1] == "condition"
                      else f"For each step in detail: hamknee explain {chains[0][0]['to']}", style="dim"))
    show(Group(*parts))


@app.command(epilog="Examples:  hamknee why pes-anserine-bursitis  ·  hamknee why 'medial knee pain' --json")
def why(
    condition: Annotated[str, typer.Argument(help="A condition: id, name or alias.", autocompletion=complete_term,
                                             show_default=False, metavar="CONDITION")],
    limit: Annotated[int, typer.Option("--max", "-n", min=1, max=20,
                                       help="At most this many chains from each hamstring.")] = 3,
    depth: DepthOpt = 6,
    as_json: JsonOpt = False,
) -> None:
    """How the hamstrings lead to a condition: every shortest chain, with the mechanism of each step."""
    from hamknee import chain

    kb = get_kb()
    answer = chain.why(kb, condition, per_start=limit, depth=depth)
    if as_json:
        emit_json(answer)
        return
    from rich.console import Group
    from rich.text import Text

    from hamknee import render

    names = _names(kb)
    parts: list[Any] = [Text.assemble(("Why ", "bold"), (answer["name"], "bold cyan"),
                                      (f"? Chains from the hamstrings ({answer['category']})", "bold"))]
    for start in answer["from"]:
        steps = start["steps"]
        parts.append(Text(f"\nFrom {start['name']} ({steps} step{'s' if steps != 1 else ''})", style="bold"))
        for c in start["chains"]:
            parts.append(_hang(_chain_text(c, names), 2))
            for i, hop in enumerate(c, 1):
                step = Text(f"{i}. {names.get(hop['from'], (hop['from'], ''))[0]} {hop['label']} "
                            f"{names.get(hop['to'], (hop['to'], ''))[0]}")
                step.append(f": {hop['note']}" if hop["note"] else " (no mechanism recorded)",
                            style="" if hop["note"] else "dim")
                parts.append(_hang(step, 4, 3))
    if answer["unreachable"]:
        missing = ", ".join(names.get(i, (i, ""))[0] for i in answer["unreachable"])
        parts.append(Text(f"\nNo chain within {answer['depth']} steps from: {missing}.", style="dim"))
    parts.append(Text(""))
    parts.append(render.disclaimer())
    show(Group(*parts))


@app.command(epilog="Examples:  hamknee where posterior  ·  hamknee where 'inner knee'  ·  "
                    "hamknee where 'sitting bone' --json")
def where(
    region: Annotated[str, typer.Argument(help="A region: posterior/medial/lateral/anterior knee, back of the "
                                               "thigh, buttock, or an alias such as 'behind the knee'.",
                                          show_default=False, metavar="REGION")],
    as_json: JsonOpt = False,
) -> None:
    """What hurts here: the conditions felt in a region, with the sign and test that tell them apart."""
    from hamknee.where import where as find

    answer = find(get_kb(), region)
    if as_json:
        emit_json(answer)
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
    term: Annotated[str | None, typer.Argument(help="Highlight this entry and what attaches to it; for a "
                                                    "condition, also mark where it is felt.",
                                               autocompletion=complete_term, show_default=False,
                                               metavar="[TERM]")] = None,
    svg_file: Annotated[str | None, typer.Option("--svg", metavar="FILE",
                                                 help="Also write the picture as an SVG file.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """A diagram of the posterior thigh and knee: the hamstrings from origin to insertion."""
    from hamknee import diagram_render
    from hamknee.diagram import build

    kb = get_kb()
    console = out()
    if svg_file is not None:
        from pathlib import Path

        from hamknee.errors import CannotWriteError, safe_text

        target = Path(svg_file).expanduser()
        picture = build(kb, term, width=80)
        try:
            target.write_text(diagram_render.svg(picture), encoding="utf-8")
        except OSError as exc:
            raise CannotWriteError(f"Cannot write {safe_text(svg_file)!r}: {exc.strerror or exc}.") from None
        console.print(f"Wrote {target}", markup=False, highlight=False, soft_wrap=True)
        return
    picture = build(kb, term, width=console.width)
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
