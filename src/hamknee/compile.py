"""Turn a validated knowledge base into plain, indexed data for fast lookups.

The compiled form is made only of dicts, lists, strings, numbers and None, so it can be written with
marshal and read back by a lookup without importing yaml or pydantic.
"""

from __future__ import annotations

from typing import Any

from hamknee.find import canonical
from hamknee.model import REFERENCE_FIELDS, KnowledgeBaseFile
from hamknee.sourcing import warnings as source_warnings
from hamknee.terms import normalize
from hamknee.vocab import INVERSE, LABEL, SECTIONS


def _get(item: dict[str, Any], dotted: str) -> Any:
    value: Any = item
    for key in dotted.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def compile_kb(kb: KnowledgeBaseFile) -> dict[str, Any]:
    """Sections of the compiled knowledge base; ``records`` maps id to a self-contained entity record."""
    return compile_dumped(dump(kb))


def dump(kb: KnowledgeBaseFile) -> dict[str, Any]:
    """The validated knowledge base as plain data, all that compiling it needs: once dumped, the model (as
    large again) can be let go before the compiled sections are built."""
    raw: dict[str, dict[str, Any]] = {}
    sections: dict[str, list[str]] = {}
    for section, kind in SECTIONS.items():
        sections[section] = []
        for entity in getattr(kb, section):
            data = entity.model_dump(mode="json", exclude_none=True)
            data["kind"] = kind
            raw[entity.id] = data
            sections[section].append(entity.id)
    return {"raw": raw, "sections": sections, "title": kb.title, "version": kb.version,
            "sources": {s.id: s.model_dump(mode="json", exclude_none=True) for s in kb.sources}}


def compile_dumped(dumped: dict[str, Any]) -> dict[str, Any]:
    """``compile_kb`` of the plain data ``dump`` gives."""
    raw: dict[str, dict[str, Any]] = dumped["raw"]
    order: list[str] = [ident for ids in dumped["sections"].values() for ident in ids]
    sources: dict[str, dict[str, Any]] = dumped["sources"]
    cited_by: dict[str, list[str]] = {sid: [] for sid in sources}

    # Relations as written plus those derived from reference fields, then each one's inverse.
    outgoing: dict[str, list[dict[str, Any]]] = {ident: [] for ident in order}
    for section in SECTIONS:
        for ident in dumped["sections"][section]:
            data = raw[ident]
            edges = [(r["type"], r["target"], r.get("note"), r.get("felt_at")) for r in data.get("relations", [])]
            for dotted, rtype in REFERENCE_FIELDS.get(section, ()):
                value = _get(data, dotted)
                for target in value if isinstance(value, list) else [value]:
                    if isinstance(target, str):
                        edges.append((rtype, target, None, None))
            for rtype, target, note, felt in edges:
                outgoing[ident].append({"type": rtype, "target": target, "note": note, "felt_at": felt})

    links: dict[str, list[dict[str, Any]]] = {ident: [] for ident in order}
    seen: dict[tuple[str, str, str], dict[str, Any]] = {}
    # A relation written on both ends (A forms B, B formed-by A) is one link, and it is "out" for both writers.
    written = {(ident, edge["type"], edge["target"]) for ident in order for edge in outgoing[ident]}
    for ident in order:
        for edge in outgoing[ident]:
            rtype, target, note = edge["type"], edge["target"], edge["note"]
            inverse = INVERSE[rtype]
            for a, t, b in ((ident, rtype, target), (target, inverse, ident)):
                if (a, t, b) in seen:
                    # The same link written on both ends: where it is felt may be on either.
                    if edge["felt_at"] and "felt_at" not in seen[(a, t, b)]:
                        seen[(a, t, b)]["felt_at"] = edge["felt_at"]
                    continue
                link = {
                    "type": t,
                    "label": LABEL[t],
                    "target": b,
                    "name": raw[b]["name"],
                    "kind": raw[b]["kind"],
                    "note": note,
                    "direction": "out" if (a, t, b) in written else "in",
                }
                if edge["felt_at"]:
                    link["felt_at"] = edge["felt_at"]
                seen[(a, t, b)] = link
                links[a].append(link)

    records: dict[str, dict[str, Any]] = {}
    index: dict[str, str] = {}
    catalog: list[dict[str, Any]] = []
    for ident in order:
        data = raw[ident]
        # the sources of the muscles named without an entry of their own are cited by the entry that names them
        other = (data.get("other_muscles") or {}).get("sources", [])
        for sid in dict.fromkeys([*data["sources"], *other]):
            cited_by[sid].append(ident)
        record = dict(data)
        record["relations"] = links[ident]
        # Source ids here, resolved from the "source_table" section when read: the same few hundred sources
        # are cited by thousands of records, and one copy of each keeps every record small to read.
        record["sources"] = list(data["sources"])
        if record.get("cards"):
            record["cards"] = [{**card, "sources": [sources[sid] for sid in card["sources"]]}
                               for card in record["cards"]]
        else:
            record.pop("cards", None)
        records[ident] = record
        for name in (ident, data["name"], *data.get("aliases", [])):
            key = normalize(name)
            index.setdefault(key, ident)
        entry = {"id": ident, "kind": data["kind"], "name": data["name"], "summary": data["summary"]}
        for extra in ("group", "category", "structure_type"):
            if extra in data:
                entry[extra] = data[extra]
        catalog.append(entry)
    graph = {
        ident: [(link["type"], link["target"], link["note"]) for link in links[ident]] for ident in order
    }
    bibliography = [dict(source, cited_by=cited_by[sid]) for sid, source in sources.items()]
    # Which records a filtered listing shows, so that it reads only those.
    felt_in: dict[str, list[str]] = {}
    phases_for: dict[str, list[str]] = {}
    for ident in order:
        data = raw[ident]
        if data["kind"] == "condition":
            for region in data.get("felt_at", []):
                felt_in.setdefault(region, []).append(ident)
        elif data["kind"] == "phase":
            for condition in data.get("applies_to", []):
                phases_for.setdefault(condition, []).append(ident)
    return {
        "meta": {"title": dumped["title"], "count": len(order), "version": dumped["version"]},
        "index": index,
        # Forgiving lookups compare a term with every key's canonical form, and which keys are an entry's own
        # id or name (not an alias): both worked out once here, not on every lookup of 25,000 keys.
        "lookup": {"canonical": {key: canonical(key) for key in index},
                   "primary": sorted({normalize(raw[i]["name"]) for i in order} | set(order))},
        "catalog": catalog,
        "kinds": {kind: [e["id"] for e in catalog if e["kind"] == kind] for kind in SECTIONS.values()},
        "felt_in": felt_in,
        # The conditions listing, row by row, without reading a record: (id, name, category, felt_at ids,
        # felt_at names, summary).
        "condition_rows": [(i, raw[i]["name"], raw[i].get("category"), list(raw[i].get("felt_at", [])),
                            [raw[r]["name"] if r in raw else r for r in raw[i].get("felt_at", [])],
                            raw[i]["summary"]) for i in order if raw[i]["kind"] == "condition"],
        "phases_for": phases_for,
        "source_table": sources,
        # What validate reports, so that it can be answered from the cache.
        "summary": {"entities": len(order), "sources": len(sources),
                    "relations": sum(len(v) for v in graph.values()) // 2,
                    "by_kind": {kind: sum(1 for e in catalog if e["kind"] == kind) for kind in SECTIONS.values()},
                    "warnings": source_warnings(({**r, "sources": [sources[sid] for sid in r["sources"]]}
                                                 for r in records.values()), bibliography)},
        # Every name an answer may use, without reading the records: (id, name, aliases).
        "names": [(ident, raw[ident]["name"], list(raw[ident].get("aliases", []))) for ident in order],
        "graph": graph,
        "sources": bibliography,
        "records": records,
    }
