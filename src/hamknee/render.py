"""Turn query answers (plain records) into rich renderables.

The same renderables serve a terminal and a pipe: the console decides whether styles become escape codes
(see ``console.make_console``), so plain output is the same text without colour.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from hamknee.layout import Grid, Wrapped
from hamknee.terms import normalize

DISCLAIMER = (
    "Educational reference for study, not medical advice: see a qualified clinician for diagnosis and treatment."
)

# Kind colours that read as categories, not as warnings or errors (red and yellow are kept for those).
KIND_STYLE = {
    "muscle": "bold orchid",
    "attachment": "bold dark_sea_green",
    "structure": "bold medium_purple",
    "region": "bold steel_blue1",
    "condition": "bold cyan",
    "phase": "bold green",
    "concept": "bold sky_blue2",
}
HEADING = "bold underline"
WARNING = "bold yellow"

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


def field_text(record: dict[str, Any], key: str, with_side: bool = True) -> str | list[str] | None:
    """A field's value as reading text: a string, or a list of items."""
    value = record.get(key)
    if value in (None, [], ""):
        return None
    names = names_of(record)
    if key in _ID_FIELDS:
        return [names.get(v, v) for v in value]
    if key in ("origin", "insertion"):
        text = str(value["detail"]).strip()
        if value.get("side") and with_side:
            text = f"{value['side'].capitalize()}: {text}"
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
        from hamknee.sourcing import MARK, value_is_weak

        return [f"{v['label']}: {v['value']}" + (f" {MARK}" if value_is_weak(record, v["sources"]) else "")
                for v in value]
    if key == "crosses":
        return ", ".join(value)
    if isinstance(value, list):
        return [str(v) for v in value]
    return str(value).strip()  # type: ignore[no-any-return]


# Text after a prefix, wrapped at words under the text (the name other modules use).
Hanging = Wrapped

# Sections of a study page, by the names ``--section`` accepts.
PAGE_SECTIONS: dict[str, str] = {
    "summary": "Summary",
    "key-points": "Key points",
    "facts": "Facts",
    "explanation": "Explanation",
    "disagreements": "Where references disagree",
    "corrections": "Common simplifications, corrected",
    "related": "Related",
    "further": "Go further",
    "sources": "Sources",
}
_SECTION_ALIASES = {"keypoints": "key-points", "key": "key-points", "points": "key-points",
                    "go-further": "further", "references": "sources", "refs": "sources",
                    "disagree": "disagreements", "simplifications": "corrections", "links": "related"}


def section_names(kind: str) -> list[str]:
    """Every name ``--section`` accepts for an entry of this kind: page sections, then its fields."""
    return [*PAGE_SECTIONS, *(key.replace("_", "-") for key, _ in FIELDS.get(kind, []))]


def section_key(name: str, kind: str) -> str | None:
    """The section a student named ('signs', 'Clinical tests', 'red flags', 'key points'), or None."""
    key = normalize(name)
    key = _SECTION_ALIASES.get(key, key)
    if key in PAGE_SECTIONS:
        return key
    for field, label in FIELDS.get(kind, []):
        if key in (field.replace("_", "-"), normalize(label)) or key.rstrip("s") == field.replace("_", "-").rstrip("s"):
            return field
    return None


class Field:
    """One fact of a page: short values on one line after the label, long ones indented below it."""

    __plain_children__ = True  # its parts depend on the width alone (see console._plain)

    def __init__(self, label: str, value: str | list[str], warn: bool = False) -> None:
        self.label = label
        self.value = value
        self.warn = warn

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        label_style = WARNING if self.warn else "bold"
        label = ("⚠ " if self.warn else "") + self.label
        item_style = "yellow" if self.warn else ""
        if isinstance(self.value, str):
            one = Text.assemble("  ", (f"{label}: ", label_style), self.value)
            if len(one.plain) <= width:
                yield one
                return
            yield Text.assemble("  ", (label, label_style))
            yield Wrapped("    ", Text(self.value, style=item_style))
            return
        yield Text.assemble("  ", (label, label_style))
        for item in self.value:
            yield Wrapped(Text("    • ", style="dim"), Text(item, style=item_style))


def _heading(title: str, style: str = HEADING) -> list[RenderableType]:
    return [Text(""), Text(title, style=style)]


def _bullets(items: Iterable[str], style: str = "") -> list[RenderableType]:
    return [Wrapped(Text("  • ", style="dim"), Text(item, style=style)) for item in items]


def link(url: str) -> Text:
    """A URL as one unbreakable word, and a clickable OSC 8 link on a terminal."""
    return Text(url, style=Style(color="blue", link=url) if url.startswith(("http://", "https://")) else "blue")


def _end(text: str) -> str:
    """A citation part ending in one full stop ('et al.' and 'n.d.' already have theirs)."""
    text = text.strip()
    return text if text.endswith((".", "?", "!")) else text + "."


def _citation(source: dict[str, Any]) -> str:
    who = source.get("authors") or source.get("publisher") or ""
    parts = [_end(str(source["title"]))]
    if who:
        parts.append(_end(str(who)))
    if source.get("publisher") and source.get("authors"):
        parts.append(_end(str(source["publisher"])))
    parts.append(_end(str(source["year"])))
    return " ".join(parts)


def source_text(source: dict[str, Any]) -> Text:
    """A citation without its link: title, authors or publisher, publisher, year."""
    return Text(_citation(source))


def source_plain(source: dict[str, Any]) -> str:
    """``source_line(source, with_type=True, with_url=False).plain``, without building styled text: a
    listing of every source of a large knowledge base writes thousands."""
    from rich.control import strip_control_codes

    return strip_control_codes(_citation(source)) + " " + strip_control_codes(f"[{_kind_of_source(source)}]")


def source_url(source: dict[str, Any]) -> str:
    return f"https://doi.org/{source['doi']}" if source.get("doi") else str(source.get("url", ""))


def source_type(source: dict[str, Any]) -> Text:
    """The kind of reference, e.g. "[review]"; secondary web pages stand out."""
    kind = _kind_of_source(source)
    return Text(f"[{kind}]", style="yellow" if kind == "secondary web" else "dim")


def _kind_of_source(source: dict[str, Any]) -> str:
    return source.get("type") or "type not given"


def source_line(source: dict[str, Any], with_type: bool = False, with_url: bool = True) -> Text:
    """A citation on one line, link last (for the Anki source field and other one-line uses)."""
    line = source_text(source)
    if with_type:
        line.append(" ")
        line.append_text(source_type(source))
    url = source_url(source) if with_url else ""
    if url:
        line.append(" ")
        line.append_text(link(url))
    return line


class Citation:
    """A numbered reference: the citation wrapped under its number, the link on a line of its own."""

    def __init__(self, number: str, source: dict[str, Any], indent: int = 0) -> None:
        self.number = number
        self.source = source
        self.indent = indent

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        prefix = Text(" " * self.indent + self.number + " ")
        yield Wrapped(prefix, Text.assemble(source_text(self.source), " ", source_type(self.source)))
        url = source_url(self.source)
        if url:  # segments, not Text: a URL wider than the terminal runs on rather than folding
            yield Segment(" " * len(prefix.plain))
            yield Segment(url, console.get_style(link(url).style))
            yield Segment.line()


def _title(record: dict[str, Any]) -> list[RenderableType]:
    kind = record["kind"]
    out: list[RenderableType] = [
        Wrapped("", Text(record["name"], style="bold")),
        Text.assemble((kind, KIND_STYLE.get(kind, "bold")), " · ", (record["id"], "dim")),
    ]
    if record.get("aliases"):
        out.append(Wrapped("", Text("Also: " + "; ".join(record["aliases"]), style="italic dim")))
    return out


# A region may carry a bare direction as an alias ('posterior' for the posterior knee); such a word begins
# the names of unrelated conditions ('posterior cruciate ligament injury'), so it never names a condition.
_DIRECTION_WORDS = frozenset({"anterior", "posterior", "medial", "lateral", "proximal", "distal", "superior",
                              "inferior", "front", "back", "inner", "outer"})


def named_like(record: dict[str, Any], conditions: list[dict[str, Any]]) -> str | None:
    """A condition named after this anatomy entry ('pes anserine' -> pes anserine bursitis), if any.

    ``conditions`` are catalog entries (id and name) of the knowledge base's conditions.
    """
    # A region is where pain is felt, not a structure a condition is named after: its short aliases
    # ('anterior', 'medial') would otherwise point the anterior knee at ACL injury.
    if record["kind"] in ("condition", "region"):
        return None
    names = [n for n in (normalize(x) for x in (record["name"], *record.get("aliases", [])))
             if n and n not in _DIRECTION_WORDS]
    for condition in conditions:
        target = normalize(condition["name"])
        if any(target.startswith(n + "-") for n in names):
            return str(condition["id"])
    return None


def _facts(record: dict[str, Any], keys: Iterable[str] | None = None) -> list[RenderableType]:
    kind = record["kind"]
    wanted = set(keys) if keys is not None else None
    out: list[RenderableType] = []
    for key, label in FIELDS.get(kind, []):
        if wanted is not None and key not in wanted:
            continue
        value = field_text(record, key, with_side=False)
        if not value:
            continue
        if key in ("origin", "insertion") and record[key].get("side"):
            label = f"{label} ({record[key]['side']})"
        out.append(Field(label, value, warn=key == "red_flags"))
    return out


def _section(record: dict[str, Any], key: str) -> list[RenderableType]:
    """One named section of the study page (empty when the entry has nothing for it)."""
    if key == "summary":
        return [Text(""), Wrapped("", Text(record["summary"], style="bold"))]
    if key == "key-points":
        return [*_heading("Key points"), *_bullets(record["key_points"])] if record.get("key_points") else []
    if key == "facts":
        facts = _facts(record)
        return [*_heading("Facts"), *facts] if facts else []
    if key == "explanation":
        out = _heading("Explanation")
        paragraphs = [" ".join(p.split()) for p in record["explanation"].strip().split("\n\n") if p.strip()]
        for i, paragraph in enumerate(paragraphs):
            if i:
                out.append(Text(""))
            out.append(Wrapped("", Text(paragraph)))
        return out
    if key in ("disagreements", "corrections"):
        from hamknee.sourcing import MARK, value_is_weak

        numbers = {s["id"]: i for i, s in enumerate(record["sources"], 1)}

        def cited(ids: list[str]) -> str:
            return "".join(f"[{numbers.get(s, s)}]" for s in ids) + (f" {MARK}" if value_is_weak(record, ids) else "")

    if key == "disagreements":
        if not record.get("disagreements"):
            return []
        out = _heading("Where references disagree")
        for item in record["disagreements"]:
            out.append(Wrapped("  ", Text(item["topic"], style="bold")))
            out += [Wrapped(Text("    • ", style="dim"), Text(f"{v['value']} " + cited(v["sources"])))
                    for v in item["views"]]
        return out
    if key == "corrections":
        if not record.get("corrections"):
            return []
        out = _heading("Common simplifications, corrected")
        for item in record["corrections"]:
            out.append(Wrapped(Text("  ✗ ", style="red"), Text.assemble(("Often said: ", "bold"), item["claim"])))
            out.append(Wrapped(Text("  ✓ ", style="green"),
                               Text.assemble(("References: ", "bold"), item["correction"], " ",
                                             (cited(item["sources"]), "dim"))))
        return out
    if key == "related":
        links = _unique_links(record)
        if not links:
            return []
        out = _heading("Related")
        for rel in links:
            line = Text.assemble(
                (rel["label"], "italic"), " ", (rel["name"], KIND_STYLE.get(rel["kind"], "bold")),
                (f" ({rel['kind']}, {rel['target']})", "dim"),
            )
            if rel.get("note"):
                line.append(f": {rel['note']}")
            out.append(Wrapped(Text("  → ", style="dim"), line))
        return out
    if key == "further":
        return [*_heading("Go further"), *[Text("  " + command, style="green") for command in further(record)]]
    if key == "sources":
        from hamknee.sourcing import MARK, weak_facts

        warn: list[RenderableType] = []
        if "the whole entry" in weak_facts(record):
            warn.append(Wrapped("  ", Text(f"{MARK} Every source of this entry is a secondary web page: check its "
                                           "facts against a primary source.", style="yellow")))
        return [*_heading("Sources"), *warn,
                *[Citation(f"[{i}]", s, indent=2) for i, s in enumerate(record["sources"], 1)]]
    facts = _facts(record, [key])
    return [Text(""), *facts] if facts else []


def has_section(record: dict[str, Any], key: str) -> bool:
    """Whether the entry has anything to show under a section (the summary and 'go further' always do)."""
    return bool(_section(record, key))


def phase_card(record: dict[str, Any]) -> RenderableType:
    """One rehabilitation phase: number and name, timeframe, goals, what to do, exercises, criteria to progress."""
    title = Text.assemble((f"{record['order']}. {record['name']}", "bold"))
    if record.get("timeframe"):
        title.append(f"  {record['timeframe']}", style="dim")
    parts: list[RenderableType] = [Text(""), Wrapped("", title)]
    parts += _facts(record, ["goals", "interventions", "exercises", "criteria", "avoid"])
    if not record.get("criteria"):
        parts.append(Text("  Criteria to progress: none given in the protocol", style="dim"))
    return Group(*parts)


def _unique_links(record: dict[str, Any]) -> list[dict[str, Any]]:
    """Relations without repeats: the same link both ways, or to the same entry, is listed once."""
    seen: set[tuple[str, str]] = set()
    out = []
    for rel in record.get("relations", []):
        key = (rel["label"], rel["target"])
        if key in seen:
            continue
        seen.add(key)
        out.append(rel)
    return out


def explain(record: dict[str, Any], sections: list[str] | None = None, see_also: str | None = None
            ) -> RenderableType:
    """The study page of one entity, or only the named sections of it (keys from ``section_key``).

    ``see_also`` is a condition named like this entry, which the page points to under its summary.
    """
    out: list[RenderableType] = _title(record)
    if sections is None:
        out += _section(record, "summary")
        if see_also:
            out.append(Text(f"Looking for the condition? hamknee explain {see_also}", style="dim"))
        for key in list(PAGE_SECTIONS)[1:]:
            out += _section(record, key)
    else:
        for key in sections:
            out += _section(record, key)
    if record["kind"] in ("condition", "phase"):
        out += [Text(""), Wrapped("", Text(DISCLAIMER, style="dim italic"))]
    return Group(*out)


# The facts a brief page keeps, by kind: the ones an exam asks about.
BRIEF_FACTS: dict[str, list[str]] = {
    "muscle": ["origin", "insertion", "innervation", "actions", "crosses"],
    "attachment": ["bone", "location", "palpation", "clinical"],
    "structure": ["structure_type", "location", "function", "clinical"],
    "region": ["location", "landmarks", "side", "level"],
    "condition": ["pain_location", "mechanism", "signs", "tests", "treatment", "red_flags"],
    "phase": ["timeframe", "goals", "criteria", "avoid"],
    "concept": ["category", "values"],
}
# Which facts a brief page keeps first when not all fit (shown in the order above all the same): what
# tells a condition apart and what must not be missed come before how it is treated.
BRIEF_PRIORITY: dict[str, list[str]] = {
    "condition": ["pain_location", "red_flags", "signs", "tests", "mechanism", "treatment"],
}
BRIEF_LINES = 25
# A full stop after these is not the end of a sentence.
_ABBREVIATIONS = ("e.g", "i.e", "approx", "vs", "cf", "etc", "al", "ca", "st", "no", "fig", "dr")


def _first_sentence(text: str) -> str:
    """The first whole clause of a long value: up to its first '; ' or sentence end outside brackets."""
    text = " ".join(text.split())
    depth = 0
    for i, char in enumerate(text):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(0, depth - 1)
        elif depth == 0 and text.startswith("; ", i):
            return text[:i]
        elif depth == 0 and text.startswith(". ", i):
            word = text[:i].rsplit(" ", 1)[-1].lower().strip("(")
            after = text[i + 2:i + 3]
            if word not in _ABBREVIATIONS and (after.isupper() or after.isdigit()):
                return text[:i]
    return text.rstrip(".")


def _first(value: str | list[str], key: str) -> str:
    """The lead of a fact: the first item of a list, the first clause of a long sentence."""
    if isinstance(value, list):
        if key in ("actions", "values"):
            return "; ".join(value)
        text = " ".join(value[0].split())
        if key == "tests":
            text = text.split(":", 1)[0]
        if len(value) > 1:
            text += f" (+{len(value) - 1} more)"
        return text
    return _first_sentence(value)


class Brief:
    """The page to read before an exam: summary, every key point, the key facts that fit, where to go next.

    Never longer than ``BRIEF_LINES`` lines at the width it is drawn (when the key points alone allow it):
    nothing is cut short; the page is kept brief by choosing which facts to show.
    """

    def __init__(self, record: dict[str, Any]) -> None:
        self.record = record

    def _count(self, console: Console, width: int, parts: list[RenderableType]) -> int:
        options = console.options.update(width=width)
        return sum(len(console.render_lines(p, options, pad=False)) for p in parts)

    def _facts(self) -> dict[str, RenderableType]:
        record = self.record
        facts: dict[str, RenderableType] = {}
        for key in BRIEF_FACTS.get(record["kind"], []):
            value = field_text(record, key, with_side=False)
            if not value:
                continue
            label = dict(FIELDS[record["kind"]])[key]
            if key == "red_flags":  # a warning reads as one
                first = value[0] if isinstance(value, list) else value
                more = f" (+{len(value) - 1} more)" if isinstance(value, list) and len(value) > 1 else ""
                # The label rides in the text, so every line wraps at the same width under it.
                facts[key] = Wrapped("  ", Text.assemble(("⚠ Red flag: ", WARNING), (first, "yellow"), (more, "dim")),
                                     indent=4)
            else:
                facts[key] = Wrapped("  ", Text.assemble((label + ": ", "bold"), _first(value, key)), indent=4)
        return facts

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        record = self.record
        width = options.max_width
        kind, ident = record["kind"], record["id"]
        title = Text.assemble((record["name"], "bold"), "  ", (kind, KIND_STYLE.get(kind, "bold")), (" · ", "dim"),
                              (ident, "dim"))
        head: list[RenderableType] = [Wrapped("", title), Wrapped("", Text(record["summary"], style="bold"))]
        points = [Wrapped(Text("  • ", style="dim"), Text(point)) for point in record.get("key_points", [])]
        body: list[RenderableType] = [Text(""), Text("Key points", style=HEADING), *points] if points else []
        tail: list[RenderableType] = [Text(""), Text.assemble(("Full page: ", "dim"), (f"hamknee explain {ident}",
                                                                                       "green"))]
        if kind in ("condition", "phase"):
            tail.append(Wrapped("", Text(DISCLAIMER, style="dim italic")))
        room = BRIEF_LINES - self._count(console, width, [*head, *body, *tail])
        facts = self._facts()
        room -= 2  # the blank line and the heading of the facts
        chosen: set[str] = set()
        for key in BRIEF_PRIORITY.get(kind, list(facts)):
            if key not in facts:
                continue
            lines = self._count(console, width, [facts[key]])
            if lines <= room:
                chosen.add(key)
                room -= lines
        if chosen:
            body += [Text(""), Text("Key facts", style=HEADING), *(f for k, f in facts.items() if k in chosen)]
        else:
            room += 2
        nexts = further(record)
        if nexts and room >= 1:  # a second way on, when there is a line for it
            tail.insert(2, Text.assemble(("Go further: ", "dim"), (nexts[0], "green")))
        yield from (*head, *body, *tail)


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


def disclaimer() -> RenderableType:
    return Wrapped("", Text(DISCLAIMER, style="dim italic"))


def table(headers: list[str], rows: Iterable[Iterable[str]], title: str | None = None,
          ratios: list[int] | None = None, ids: Iterable[int] = ()) -> RenderableType:
    """A table of plain strings (never read as markup) that fits, or becomes stacked records when narrow."""
    return Grid(headers, [list(r) for r in rows], title=title, ids=ids)


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
