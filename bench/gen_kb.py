"""Write a large, valid knowledge base built from the shipped one, for load and lookup benchmarks.

    python bench/gen_kb.py 5000 bench/large.yaml            # about 10 MB
    python bench/gen_kb.py 500 /tmp/kb.yaml --size-mb 1

The shipped entities are cloned in rounds: round 0 keeps the original ids (so ``explain pes-anserine``
works on the large file too), round k renames every id to ``<id>-c<k>``, every name and alias to
``<name> copy <k>``, and points every reference of the clone (relations, attachment sites, nerves, regions,
differentials, conditions treated) at the clones of the same round. Sources are shared. All kinds keep
their proportions; a last partial round refers to the originals for entities it has no clone of.

Real entries vary in length; so that N entities make a file of about ``--size-mb`` megabytes, each
entity's explanation is cut at a sentence boundary or extended with its own paragraphs until the entity
has its share of the target size (never below one sentence).
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "data" / "conditions.yaml"
SECTIONS = ("muscles", "attachments", "structures", "regions", "conditions", "phases", "concepts")

# Fields holding ids of other entities (besides relations[].target), by section, as dotted paths.
REFERENCES: dict[str, tuple[str, ...]] = {
    "muscles": ("origin.site", "insertion.site", "innervation.nerve_id"),
    "conditions": ("felt_at", "differentials"),
    "phases": ("applies_to",),
}

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")

Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _BlockDumper(Dumper):  # type: ignore[misc,valid-type]
    """Multi-line text as block scalars, as people write it."""


def _str(dumper: Any, value: str) -> Any:
    style = "|" if "\n" in value and not value.endswith((" ", "\t")) and "\t" not in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _str)


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_BlockDumper, sort_keys=False, allow_unicode=True, width=110)


def _fit(text: str, length: int) -> str:
    """The text cut at a sentence end, or extended with its own paragraphs, to about ``length`` characters."""
    text = text.strip()
    if len(text) > length:
        sentences = _SENTENCE_END.split(text)
        kept = sentences[0]
        for sentence in sentences[1:]:
            if len(kept) + 1 + len(sentence) > length:
                break
            kept += " " + sentence
        return kept + "\n"
    paragraphs = [text]
    while sum(len(p) + 2 for p in paragraphs) < length:
        paragraphs.append(text)
    return "\n\n".join(paragraphs) + "\n"


# Fields never shortened: identity, references and citations shape the graph and the checks.
_KEEP = frozenset({"id", "name", "aliases", "summary", "explanation", "relations", "sources", "felt_at",
                   "differentials", "applies_to", "origin", "insertion", "innervation", "actions", "views"})

# Lists the schema requires to be non-empty.
_REQUIRED = frozenset({"signs", "tests", "treatment", "goals", "interventions"})


def _shrink(item: dict[str, Any], share: float) -> dict[str, Any]:
    """Without its explanation, an entity longer than its share loses list items (keeping one where the schema
    requires it) and sentences of long text fields (keeping the first), longest field first."""
    item = copy.deepcopy(item)
    while len(_dump([dict(item, explanation="")])) > share * 0.8:
        sizes = {key: len(_dump(value)) for key, value in item.items() if key not in _KEEP
                 and ((isinstance(value, list) and len(value) > (1 if key in _REQUIRED else 0))
                      or (isinstance(value, str) and len(_SENTENCE_END.split(value.strip())) > 1))}
        if not sizes:
            break
        key = max(sizes, key=lambda k: sizes[k])
        value = item[key]
        item[key] = value[:-1] if isinstance(value, list) else _fit(value, len(value) // 2).strip()
    return item


def _set(item: dict[str, Any], dotted: str, rename: dict[str, str]) -> None:
    *parents, last = dotted.split(".")
    node: Any = item
    for key in parents:
        node = node.get(key) if isinstance(node, dict) else None
    if not isinstance(node, dict) or last not in node:
        return
    value = node[last]
    if isinstance(value, list):
        node[last] = [rename.get(v, v) for v in value]
    elif isinstance(value, str):
        node[last] = rename.get(value, value)


def _clone(item: dict[str, Any], section: str, round_: int, rename: dict[str, str]) -> dict[str, Any]:
    clone = copy.deepcopy(item)
    if round_:
        clone["id"] = rename[item["id"]]
        clone["name"] = f"{item['name']} copy {round_}"
        clone["aliases"] = [f"{alias} copy {round_}" for alias in item.get("aliases", [])]
        for relation in clone.get("relations", []):
            cloned_target = relation["target"] in rename
            relation["target"] = rename.get(relation["target"], relation["target"])
            if "felt_at" in relation and cloned_target:
                # Where this form of the condition is felt: the regions of the condition it points at, so
                # the clone's own regions only when the condition is cloned in this round too.
                relation["felt_at"] = [rename.get(r, r) for r in relation["felt_at"]]
        for dotted in REFERENCES.get(section, ()):
            _set(clone, dotted, rename)
    return clone


def generate(count: int, source: Path, size_mb: float) -> str:
    base = yaml.safe_load(source.read_text(encoding="utf-8"))
    entities = [(section, item) for section in SECTIONS for item in base.get(section) or []]
    if not entities:
        raise SystemExit(f"{source} has no entities")

    # Give every entity its share of the target size through the length of its explanation.
    share = size_mb * 1_000_000 / count - len(_dump({"sources": base["sources"]})) / count
    sized: list[tuple[str, dict[str, Any]]] = []
    for section, item in entities:
        item = _shrink(item, share)
        other = len(_dump([dict(item, explanation="")]))
        sized.append((section, dict(item, explanation=_fit(item["explanation"], int(share - other)))))

    out: dict[str, Any] = {"version": base.get("version", 1),
                           "title": f"Benchmark knowledge base: {count} entities cloned from {source.name}",
                           "sources": base["sources"]}
    for section in SECTIONS:
        out[section] = []
    made = 0
    round_ = 0
    while made < count:
        this_round = sized[: count - made]
        ids = {item["id"] for _, item in this_round}
        rename = {ident: f"{ident}-c{round_}" for ident in ids} if round_ else {}
        for section, item in this_round:
            out[section].append(_clone(item, section, round_, rename))
        made += len(this_round)
        round_ += 1
    for section in SECTIONS:
        if not out[section]:
            del out[section]
    return "# Generated by bench/gen_kb.py; not a study reference.\n" + _dump(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int, help="number of entities (all kinds, in the shipped proportions)")
    parser.add_argument("out", type=Path, help="YAML file to write")
    parser.add_argument("--source", type=Path, default=SHIPPED, help="knowledge base to clone (default: shipped)")
    parser.add_argument("--size-mb", type=float, default=None,
                        help="approximate file size (default: 2 kB per entity, i.e. 10 MB for 5,000)")
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("count must be at least 1")
    size_mb = args.size_mb if args.size_mb is not None else args.count * 0.002
    started = time.perf_counter()
    text = generate(args.count, args.source, size_mb)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}: {args.count} entities, {len(text.encode()) / 1e6:.1f} MB "
          f"in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
