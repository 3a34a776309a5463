"""Turn query answers (plain records) into rich renderables.

The same renderables serve a terminal and a pipe: the console decides whether styles become escape codes
(see ``console.make_console``), so plain output is the same text without colour.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.segment import Segment
from rich.text import Text

DISCLAIMER = (
    "Educational reference for study, not medical advice: see a qualified clinician for diagnosis and treatment."
)

KIND_STYLE = {
    "muscle": "bold red",
    "attachment": "bold yellow",
    "structure": "bold magenta",
    "region": "bold blue",
    "condition": "bold cyan",
    "phase": "bold green",
    "concept": "bold white",
}

# The kind-specific fields of a study page, in reading order, with their labels.
FIELDS: dict[str, list[tuple[str, str]]] = {
    "muscle": [
        ("group", "Group"), ("compartment", "Compartment"), ("origin", "Origin"), ("insertion", "Insertion"),
        ("innervation", "Innervation"), ("actions", "Actions"), ("crosses", "Crosses"),
        ("blood_supply", "Blood supply"), ("etymology", "Name"),
    ],
    "attachment": [
        ("attachment_type", "Type"), ("bone", "Bone"), ("location", "Location"), ("side", "Side"),
        ("palpation", "Palpation"), ("clinical", "Clinical relevance"),
    ],
    "structure": [
        ("structure_type", "Type"), ("location", "Location"), ("side", "Side"), ("function", "Function"),
        ("clinical", "Clinical relevance"),
    ],
    "region": [("location", "Location"), ("landmarks", "Landmarks"), ("side", "Side"), ("level", "Level")],
    "condition": [
        ("category", "Category"), ("pain_location", "Where it hurts"), ("felt_at", "Region"),
        ("mechanism", "Mechanism"), ("population", "Who gets it"), ("risk_factors", "Risk factors"),
        ("symptoms", "Symptoms"), ("signs", "Signs"), ("tests", "Clinical tests"), ("imaging", "Imaging"),
        ("grading", "Grading"), ("treatment", "Treatment"), ("differentials", "Rule out"),
        ("red_flags", "Red flags"), ("prognosis", "Prognosis"),
    ],
    "phase": [
        ("protocol", "Protocol"), ("order", "Phase"), ("timeframe", "Timeframe"), ("applies_to", "For"),
        ("goals", "Goals"), ("interventions", "Interventions"), ("exercises", "Exercises"),
        ("criteria", "Criteria to progress"), ("avoid", "Avoid"),
    ],
    "concept": [("category", "Category"), ("values", "Values")],
}
_ID_FIELDS = frozenset({"felt_at", "differentials", "applies_to"})


def names_of(record: dict[str, Any]) -> dict[str, str]:
    """Names of every entity a record mentions (its relations carry them)."""
    return {link["target"]: link["name"] for link in record.get("relations", [])}


def field_text(record: dict[str, Any], key: str) -> str | list[str] | None:
    """A field's value as reading text: a string, or a list of items."""
    value = record.get(key)
    if value in (None, [], ""):
        return None
    names = names_of(record)
    if key in _ID_FIELDS:
        return [names.get(v, v) for v in value]
    if key in ("origin", "insertion"):
        parts = [value["detail"]]
        if value.get("side"):
            parts.append(f"({value['side']})")
        text = " ".join(parts)
        if value.get("at_knee"):
            text += f" At the knee: {value['at_knee']}"
        return text
    if key == "innervation":
        return str(value["nerve"]) + (f" ({value['roots']})" if value.get("roots") else "")
    if key == "actions":
        return [f"{joint.capitalize()}: {value[joint]}" for joint in ("hip", "knee", "other") if value.get(joint)]
    if key == "tests":
        return [
            f"{t['name']}: {t['description']}" + (f" [{t['accuracy']}]" if t.get("accuracy") else "")
            for t in value
        ]
    if key == "grading":
        return [f"{g['grade']}: {g['description']}" for g in value]
    if key == "values":
        return [f"{v['label']}: {v['value']}" for v in value]
    if key == "crosses":
        return ", ".join(value)
    if isinstance(value, list):
        return [str(v) for v in value]
    return str(value).strip()  # type: ignore[no-any-return]


class Hanging:
    """Text after a prefix whose wrapped lines align under the text, not under the prefix."""

    def __init__(self, prefix: Text, body: Text, indent: int | None = None) -> None:
        self.prefix = prefix
        self.body = body
        self.indent = len(prefix) if indent is None else indent

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(options.max_width - max(self.indent, len(self.prefix)), 10)
        for i, line in enumerate(self.body.wrap(console, width)):
            line.rstrip()
            head = self.prefix if i == 0 else Text(" " * self.indent)
            yield from head.render(console)
            yield from line.render(console)
            yield Segment.line()


def _heading(title: str) -> Text:
    return Text(f"\n{title}", style="bold underline")


def _bullets(items: Iterable[str], style: str = "") -> list[RenderableType]:
    return [Hanging(Text("  • ", style="dim"), Text(item, style=style)) for item in items]


def _field_block(label: str, value: str | list[str]) -> list[RenderableType]:
    if isinstance(value, str):
        return [Hanging(Text(""), Text.assemble((f"{label}: ", "bold"), value), indent=2)]
    return [Text(f"{label}:", style="bold"), *_bullets(value)]


def source_line(source: dict[str, Any]) -> Text:
    who = source.get("authors") or source.get("publisher") or ""
    parts = [f"{source['title']}.", f" {who}."]
    if source.get("publisher") and source.get("authors"):
        parts.append(f" {source['publisher']}.")
    year = str(source["year"])
    parts.append(f" {year}" if year.endswith(".") else f" {year}.")
    link = f"https://doi.org/{source['doi']}" if source.get("doi") else source.get("url", "")
    return Text.assemble(*parts, (f" {link}", "blue"))


def explain(record: dict[str, Any]) -> RenderableType:
    """The study page of one entity."""
    kind = record["kind"]
    out: list[RenderableType] = [
        Text.assemble((record["name"], "bold"), "  ", (kind, KIND_STYLE.get(kind, "bold")),
                      ("  " + record["id"], "dim")),
    ]
    if record.get("aliases"):
        out.append(Hanging(Text(""), Text("Also: " + "; ".join(record["aliases"]), style="italic dim"), indent=0))
    out.append(Hanging(Text(""), Text(record["summary"]), indent=0))
    if record.get("key_points"):
        out.append(_heading("Key points"))
        out += _bullets(record["key_points"])
    facts: list[RenderableType] = []
    for key, label in FIELDS.get(kind, []):
        value = field_text(record, key)
        if value:
            facts += _field_block(label, value)
    if facts:
        out.append(_heading("Facts"))
        out += facts
    out.append(_heading("Explanation"))
    paragraphs = [" ".join(p.split()) for p in record["explanation"].strip().split("\n\n") if p.strip()]
    for i, paragraph in enumerate(paragraphs):
        if i:
            out.append(Text(""))
        out.append(Hanging(Text(""), Text(paragraph), indent=0))
    if record.get("disagreements"):
        out.append(_heading("Where references disagree"))
        numbers = {s["id"]: i for i, s in enumerate(record["sources"], 1)}
        for item in record["disagreements"]:
            out.append(Text(item["topic"], style="bold"))
            out += _bullets(
                f"{v['value']} " + "".join(f"[{numbers.get(s, s)}]" for s in v["sources"]) for v in item["views"]
            )
    if record.get("corrections"):
        out.append(_heading("Common simplifications, corrected"))
        for item in record["corrections"]:
            out.append(Hanging(Text("  ✗ ", style="red"), Text.assemble(("Often said: ", "bold"), item["claim"])))
            out.append(Hanging(Text("  ✓ ", style="green"),
                               Text.assemble(("References: ", "bold"), item["correction"])))
    if record.get("relations"):
        out.append(_heading("Related"))
        for link in record["relations"]:
            line = Text.assemble(
                (link["label"], "italic"), " ", (link["name"], KIND_STYLE.get(link["kind"], "bold")),
                (f" ({link['kind']}, {link['target']})", "dim"),
            )
            if link.get("note"):
                line.append(f": {link['note']}")
            out.append(Hanging(Text("  → ", style="dim"), line))
    out.append(_heading("Go further"))
    out += [Text("  " + command, style="green") for command in further(record)]
    out.append(_heading("Sources"))
    out += [Hanging(Text(f"[{i}] "), source_line(s)) for i, s in enumerate(record["sources"], 1)]
    if kind in ("condition", "phase"):
        out.append(Text("\n" + DISCLAIMER, style="dim italic"))
    return Group(*out)


def further(record: dict[str, Any]) -> list[str]:
    """Commands that take a student one step further from this entry."""
    ident, kind = record["id"], record["kind"]
    links = record.get("relations", [])
    conditions = [link["target"] for link in links if link["kind"] == "condition"]
    commands: list[str] = []
    if kind == "condition":
        if record.get("category") == "hamstring-related":
            commands.append(f"hamknee why {ident}")
        if any(link["type"] == "treated-with" and link["kind"] == "phase" for link in links):
            commands.append(f"hamknee phases {ident}")
        if record.get("felt_at"):
            commands.append(f"hamknee where {record['felt_at'][0]}")
        if record.get("differentials"):
            commands.append(f"hamknee compare {ident} {record['differentials'][0]}")
    elif kind == "region":
        commands += [f"hamknee where {ident}", f"hamknee conditions --region {ident}"]
    else:
        if conditions:
            commands.append(f"hamknee explain {conditions[0]}")
        if kind in ("muscle", "attachment", "structure"):
            commands.append(f"hamknee diagram {ident}")
        if kind == "muscle":
            commands.append("hamknee muscles --attachments")
            if conditions:
                commands.append(f"hamknee path {ident} {conditions[0]}")
    others = [link["target"] for link in links if link["target"] not in conditions and link["kind"] != "region"]
    if others:
        commands.append(f"hamknee explain {others[0]}")
    return commands


def disclaimer() -> Text:
    return Text(DISCLAIMER, style="dim italic")


def table(headers: list[str], rows: Iterable[Iterable[str]], title: str | None = None,
          ratios: list[int] | None = None) -> RenderableType:
    """A table of plain strings (never read as markup); rich.table is imported only by commands that list."""
    from rich import box
    from rich.table import Table

    grid = Table(title=title, box=box.SIMPLE_HEAD, show_lines=False, title_justify="left",
                 header_style="bold", expand=ratios is not None, pad_edge=False)
    for i, header in enumerate(headers):
        grid.add_column(header, ratio=ratios[i] if ratios else None)
    for row in rows:
        grid.add_row(*(Text(cell) for cell in row))
    return grid


def compare(records: list[dict[str, Any]]) -> RenderableType:
    """Entities of one kind side by side: fields as rows, one column each."""
    kind = records[0]["kind"]
    headers = ["", *[r["name"] for r in records]]
    rows = [["Summary", *[r["summary"] for r in records]]]
    for key, label in FIELDS.get(kind, []):
        values = [field_text(r, key) for r in records]
        if not any(values):
            continue
        rows.append([label, *["\n".join(f"• {x}" for x in v) if isinstance(v, list) else (v or "–")
                              for v in values]])
    rows.append(["Key points", *["\n".join(f"• {x}" for x in r.get("key_points", [])) or "–" for r in records]])
    parts: list[RenderableType] = [table(headers, rows, title=f"Comparing {len(records)} {kind}s")]
    if kind in ("condition", "phase"):
        parts.append(disclaimer())
    return Group(*parts)
