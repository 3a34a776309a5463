"""A schematic of the posterior thigh and knee, laid out from the knowledge base's muscle records.

Each drawn muscle is one row running proximal (left) to distal (right): its origin, the hip line if it
crosses the hip, its name along the thigh, the knee joint line if it crosses the knee, and its insertion.
Rows that share an insertion converge on one label (the pes anserinus). Nothing here is specific to a
muscle: the rows come from ``origin.site``, ``insertion.site``, ``insertion.side``, ``group`` and
``crosses``, so a muscle added to the knowledge base appears. The result is a plain text model (lines plus
styled spans); ``diagram_render`` turns it into rich text, plain text or SVG.
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from hamknee.kb import KnowledgeBase

MIN_WIDTH = 60
MAX_WIDTH = 100
MARGIN = 2  # room for the ">>" marker of a highlighted row
_SIDE_RANK = {"medial": 0, "lateral": 2}
_HIGHLIGHT_DEPTH = 3


# Plain classes, not dataclasses: making the three dataclasses cost more than the rest of this module's
# import, on every run of the diagram.
class Span(NamedTuple):
    """A stretch of one line drawn in a role: muscle, site, joint, dim, title, highlight or pain."""

    line: int
    start: int
    end: int
    role: str


class Row:
    """One drawn muscle: its name and group, where it arises and inserts, and the joints it crosses."""

    def __init__(self, muscle: str, name: str, group: str, origin: str | None, origin_label: str,
                 insertion: str | None, insertion_label: str, side: str | None, hip: bool, knee: bool) -> None:
        self.muscle = muscle
        self.name = name
        self.group = group
        self.origin = origin
        self.origin_label = origin_label
        self.insertion = insertion
        self.insertion_label = insertion_label
        self.side = side
        self.hip = hip
        self.knee = knee


class Diagram:
    """The laid-out picture: its lines and styled spans, the rows drawn and what is highlighted."""

    def __init__(self, lines: list[str], spans: list[Span], width: int, rows: list[Row],
                 marked: set[int] | None = None, focus: str | None = None, focus_name: str | None = None,
                 highlighted: list[str] | None = None, pain: list[str] | None = None,
                 pain_names: list[str] | None = None) -> None:
        self.lines = lines
        self.spans = spans
        self.width = width
        self.rows = rows
        self.marked = marked if marked is not None else set()
        self.focus = focus
        self.focus_name = focus_name
        self.highlighted = highlighted if highlighted is not None else []
        self.pain = pain if pain is not None else []
        self.pain_names = pain_names if pain_names is not None else []


class _Canvas:
    def __init__(self, width: int) -> None:
        self.width = width
        self.lines: list[list[str]] = []
        self.spans: list[Span] = []

    def new_line(self) -> int:
        self.lines.append([" "] * self.width)
        return len(self.lines) - 1

    def put(self, line: int, col: int, text: str, role: str | None = None) -> None:
        text = text[: max(0, self.width - col)]
        for i, ch in enumerate(text):
            self.lines[line][col + i] = ch
        if role and text:
            self.spans.append(Span(line, col, col + len(text), role))

    def text(self) -> list[str]:
        return ["".join(chars).rstrip() for chars in self.lines]


def _fit(name: str, aliases: Callable[[], list[str]], room: int) -> str:
    """The name if it fits, else the shortest alias that does, else the name cut with an ellipsis.

    ``aliases`` is asked only for a name too long: reading an entry for each label would read hundreds.
    """
    if len(name) <= room:
        return name
    fitting = sorted((a for a in aliases() if 2 <= len(a) <= room), key=len)
    if fitting:
        alias = fitting[-1]  # the most descriptive alias that still fits
        return alias[0].upper() + alias[1:]
    return name[: max(1, room - 1)] + "…"


def _detail_label(detail: str) -> str:
    for stop in (",", ";", ".", " ("):
        detail = detail.split(stop, 1)[0]
    return detail.strip() or "?"


def drawn_muscles(kb: KnowledgeBase) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """The muscles drawn (hamstrings, and related muscles sharing their attachments) and composite -> parts.

    A muscle with muscles as parts (biceps femoris and its heads) is drawn as its parts.
    """
    muscles = kb.records("muscle")
    ids = {m["id"] for m in muscles}
    # A record's relations are its links in the graph: the graph section (every link of the knowledge base)
    # is not needed for the muscles' parts.
    parts = {
        m["id"]: sorted(link["target"] for link in m.get("relations", ())
                        if link["type"] == "has-part" and link["target"] in ids)
        for m in muscles
    }
    parts = {k: v for k, v in parts.items() if v}
    simple = [m for m in muscles if m["id"] not in parts]
    hamstrings = [m for m in simple if m.get("group") == "hamstring"]
    sites = {m[end].get("site") for m in hamstrings for end in ("origin", "insertion")} - {None}
    related = [m for m in simple if m.get("group") != "hamstring"
               and {m["origin"].get("site"), m["insertion"].get("site")} & sites]
    return hamstrings + related, parts


def _rows(kb: KnowledgeBase, muscles: list[dict[str, Any]]) -> list[Row]:
    rows = []
    for m in muscles:
        # Its attachment sites are among its relations, with their names: no catalog of every entry needed.
        names = {link["target"]: link["name"] for link in m.get("relations", ())}
        origin, insertion = m["origin"], m["insertion"]
        o_site, i_site = origin.get("site"), insertion.get("site")
        crosses = m.get("crosses") or []
        rows.append(Row(
            muscle=m["id"], name=m["name"], group=m.get("group", ""),
            origin=o_site, origin_label=names.get(o_site, "") if o_site else _detail_label(origin["detail"]),
            insertion=i_site,
            insertion_label=names.get(i_site, "") if i_site else _detail_label(insertion["detail"]),
            side=insertion.get("side"), hip="hip" in crosses, knee="knee" in crosses,
        ))
    # Medial insertions first, lateral last; rows sharing an insertion stay together, hamstrings first.
    rows.sort(key=lambda r: (_SIDE_RANK.get(r.side or "", 1), r.insertion_label.lower(),
                             r.group != "hamstring", r.name.lower()))
    return rows


def _aliases(kb: KnowledgeBase, ident: str | None) -> list[str]:
    if not ident:
        return []
    return list(kb.get(ident).get("aliases", []))


def _focus(kb: KnowledgeBase, record: dict[str, Any], rows: list[Row],
           parts: dict[str, list[str]]) -> list[str]:
    """The drawn muscles and attachments that stand for the term: itself, its parts, or the nearest."""
    ident = record["id"]
    muscles = {r.muscle for r in rows}
    sites = {s for r in rows for s in (r.origin, r.insertion) if s}
    drawn = muscles | sites
    if ident in drawn:
        return [ident]
    if ident in parts:
        found = [p for p in parts[ident] if p in muscles]
        if found:
            return found
    if record["kind"] == "region":
        return []
    if record["kind"] == "condition":
        return _condition_focus(kb, record, drawn, parts)
    kinds = {e["id"]: e["kind"] for e in kb.catalog()}
    graph = kb.section("graph")
    dist = {ident: 0}
    queue = deque([ident])
    hits: list[str] = []
    limit = _HIGHLIGHT_DEPTH
    while queue:
        node = queue.popleft()
        if dist[node] >= limit:
            continue
        # A region joins everything felt there: passing through it would highlight the unrelated.
        if node != ident and kinds.get(node) == "region":
            continue
        for _rtype, target, _note in graph.get(node, ()):
            if target in dist:
                continue
            dist[target] = dist[node] + 1
            # A whole that is not drawn stands for its drawn parts: the knee is stabilised by biceps femoris,
            # so both heads are lit, not only the short head that also crosses it.
            drawn_parts = [p for p in parts.get(target, ()) if p in drawn] if target not in drawn else []
            if target in drawn or drawn_parts:
                hits.extend([target] if target in drawn else drawn_parts)
                limit = dist[target]  # only the nearest drawn entities
            queue.append(target)
    return sorted(set(hits))


# Relations from a condition to what it involves.
_INVOLVES = frozenset({"located-at", "affects", "inflammation-of"})


def _condition_focus(kb: KnowledgeBase, record: dict[str, Any], drawn: set[str],
                     parts: dict[str, list[str]]) -> list[str]:
    """What a condition involves: the structures it is located at or affects, and the muscles (with the
    attachments on the way) whose mechanism chain reaches it. A muscle that only shares a bone with those
    is not part of it, so nothing is reached by proximity."""
    from hamknee.chains.mechanism import mechanism_chains

    muscles = [m["id"] for m in kb.catalog("muscle")]
    # A muscle the condition is only located at is a place, not part of it: Baker's cyst lies between
    # semimembranosus and gastrocnemius, and semimembranosus does not cause it.
    involved = {target for rtype, target, _ in kb.section("graph").get(record["id"], ())
                if rtype in _INVOLVES and not (rtype == "located-at" and target in muscles)}
    for chains in mechanism_chains(kb, record["id"], muscles).values():
        for chain in chains:
            involved.update(h["from"] for h in chain)
    for whole, members in parts.items():
        if whole in involved:
            involved.update(members)
    return sorted(involved & drawn)


def build(kb: KnowledgeBase, term: str | None = None, width: int = 80) -> Diagram:
    """Lay the diagram out for ``width`` columns (clamped to 60-100), highlighting ``term`` if given."""
    width = max(MIN_WIDTH, min(MAX_WIDTH, width))
    muscles, parts = drawn_muscles(kb)
    rows = _rows(kb, muscles)
    record = kb.lookup(term) if term else None
    highlighted = _focus(kb, record, rows, parts) if record else []
    pain: list[str] = []
    if record and record["kind"] == "condition":
        pain = list(record.get("felt_at", []))
    elif record and record["kind"] == "region":
        pain = [record["id"]]

    # Columns: margin | origin label | dot, dash | hip | thigh with the name | knee | dash, dot | bracket | label
    longest = max((len(r.name) for r in rows), default=10)
    need_o = max((len(r.origin_label) for r in rows), default=8) + 2
    need_i = max((len(r.insertion_label) for r in rows), default=8) + 2
    fixed = MARGIN + 6
    thigh = longest + 3
    stacked = width - fixed - thigh < 26
    if stacked:
        thigh = 8
    room = width - fixed - thigh
    o_width = min(need_o, max(12, room - need_i))
    i_width = min(need_i, room - o_width)
    # A small knowledge base would give a cramped picture: the thigh takes the spare room up to 80 columns.
    thigh += max(0, min(width, 80) - (fixed + thigh + o_width + i_width))
    hip = MARGIN + o_width + 2
    knee = hip + 1 + thigh
    bracket = knee + 2
    label_at = bracket + 1
    total = min(width, label_at + i_width)

    canvas = _Canvas(total)
    title = ("Hamstrings: posterior thigh and knee (schematic, seen from behind)" if total >= 70
             else "Posterior thigh and knee (schematic)")
    canvas.put(canvas.new_line(), 0, title, "title")
    line = canvas.new_line()
    canvas.put(line, MARGIN + 1, "origin", "dim")
    canvas.put(line, hip - 1, "hip", "joint")
    knee_label = "knee joint line" if not stacked else "knee"
    knee_at = knee - len(knee_label) // 2
    canvas.put(line, knee_at, knee_label, "joint")
    if label_at + 1 > knee_at + len(knee_label) and total - label_at > len("insertion") + 1:
        canvas.put(line, label_at + 1, "insertion", "dim")

    def joint_line() -> int:
        n = canvas.new_line()
        canvas.put(n, hip, "│", "joint")
        canvas.put(n, knee, "│", "joint")
        return n

    joint_line()
    # Rows sharing an insertion site converge on one label, written on the group's middle row.
    groups: list[list[int]] = []
    for i, row in enumerate(rows):
        if i and row.insertion and row.insertion == rows[i - 1].insertion:
            groups[-1].append(i)
        else:
            groups.append([i])
    in_bracket: dict[int, str] = {}
    label_row: dict[int, int] = {}
    for members in groups:
        middle = members[len(members) // 2]
        for i in members:
            label_row[i] = middle
        if len(members) > 1:
            for i in members:
                first, last = i == members[0], i == members[-1]
                labelled = i == middle
                in_bracket[i] = ("┬" if labelled else "┐") if first else (
                    ("┴" if labelled else "┘") if last else ("┼" if labelled else "┤"))

    focus = set(highlighted)
    # For a muscle, its own attachments are part of what is shown; for anything else, only what it touches.
    whole = record is not None and record["kind"] == "muscle"
    # For a condition a row is lit only for a muscle it involves; a muscle that merely inserts on a
    # highlighted bone stays unlit (semimembranosus is not part of pes anserine bursitis).
    by_site = record is None or record["kind"] != "condition"
    marked: set[int] = set()
    row_lines: list[int] = []
    for i, row in enumerate(rows):
        lit = row.muscle in focus or (by_site and (row.origin in focus or row.insertion in focus))
        if stacked:
            n = joint_line()
            if i in in_bracket and i != _first(groups, i):
                canvas.put(n, bracket, "│", "dim")
            canvas.put(n, hip + 1, f" {row.name} ", "highlight" if lit else "muscle")
            if lit:
                marked.add(n)
        n = canvas.new_line()
        row_lines.append(n)
        if lit:
            marked.add(n)
        label = _fit(row.origin_label, functools.partial(_aliases, kb, row.origin), o_width - 2)
        canvas.put(n, hip - 4 - len(label), f" {label} ",
                   "highlight" if row.origin in focus or (whole and row.muscle in focus) else "site")
        if row.hip:
            canvas.put(n, hip - 2, "●", "site")
            canvas.put(n, hip - 1, "─")
            canvas.put(n, hip, "┼", "joint")
            canvas.put(n, hip + 1, "─" * (knee - hip - 1))
        else:
            canvas.put(n, hip - 2, "··", "dim")
            canvas.put(n, hip, "│", "joint")
            canvas.put(n, hip + 1, "●" + "─" * (knee - hip - 2))
            canvas.spans.append(Span(n, hip + 1, hip + 2, "site"))
        if not stacked:
            canvas.put(n, hip + 2, f" {row.name} ", "highlight" if lit else "muscle")
        if row.knee:
            canvas.put(n, knee, "┼", "joint")
            canvas.put(n, knee + 1, "●", "site")
            canvas.put(n, bracket, in_bracket.get(i, "─"))
        else:
            canvas.put(n, knee - 1, "●", "site")
            canvas.put(n, knee, "│", "joint")
            canvas.put(n, knee + 1, "·" + ("·" if i not in in_bracket else ""), "dim")
            if i in in_bracket:
                canvas.put(n, bracket, in_bracket[i])
        if label_row[i] == i:
            members = next(g for g in groups if i in g)
            site_lit = row.insertion in focus or (whole and any(rows[j].muscle in focus for j in members))
            text = _fit(row.insertion_label, functools.partial(_aliases, kb, row.insertion), total - label_at - 2)
            canvas.put(n, label_at, f" {text} ", "highlight" if site_lit else "site")
            # The ">>" marker says "this muscle": a lit insertion label on an unlit muscle's row is starred only.
            if site_lit and (lit or by_site):
                marked.add(n)
    joint_line()

    pain_names: list[str] = []
    if pain:
        regions = {e["id"]: e for e in kb.catalog("region")}
        n = canvas.new_line()
        zones = {"pelvis": (MARGIN, hip - 1), "hip": (hip - 2, hip + 3), "thigh": (hip + 2, knee - 1),
                 "knee": (knee - 2, knee + 3), "leg": (knee + 2, total)}
        for ident in pain:
            region = kb.get(ident) if ident in regions else None
            if region is None:
                continue
            pain_names.append(region["name"])
            lo, hi = zones.get(region.get("level") or "knee", zones["knee"])
            canvas.put(n, lo, "▲" * max(1, hi - lo), "pain")
            side = region.get("side")
            for i, row in enumerate(rows):
                if side in (None, "posterior", "central", "anterior") or row.side == side:
                    canvas.spans.append(Span(row_lines[i], lo, hi, "pain-zone"))
        canvas.put(canvas.new_line(), MARGIN, "pain felt at: " + ", ".join(pain_names), "pain")
    legend = "● attachment  ┼ crosses the joint  rows: medial (top) to lateral (bottom)"
    canvas.put(canvas.new_line(), MARGIN, legend if total >= len(legend) + MARGIN else
               "● attachment  ┼ crosses the joint", "dim")
    if len(legend) + MARGIN > total:
        canvas.put(canvas.new_line(), MARGIN, "rows: medial (top) to lateral (bottom)", "dim")

    return Diagram(lines=canvas.text(), spans=canvas.spans, width=total, rows=rows, marked=marked,
                   focus=record["id"] if record else None, focus_name=record["name"] if record else None,
                   highlighted=highlighted, pain=pain, pain_names=pain_names)


def _first(groups: list[list[int]], i: int) -> int:
    return next(g[0] for g in groups if i in g)
