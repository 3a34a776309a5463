"""Cards on muscles: where they arise and insert, which nerve supplies them; typed, reversed and by choice.

Keys are the attachment and nerve entities the muscle's record names (its site, and any other named in
the detail: adductor magnus arises from the ischial tuberosity and the ischiopubic ramus), so every site
a record gives is a right answer and none is ever a distractor.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from hamknee.study.cards.base import (
    MAX_OPTIONS,
    MIN_OPTIONS,
    Card,
    Facts,
    Record,
    any_of,
    first_sentence,
    one_line,
    ordered,
    plain,
    source_line,
    source_lines,
    window,
)
from hamknee.terms import normalize

_VERB = {"origin": "arises from", "insertion": "inserts on"}
_QUESTION = {"origin": "Where does {name} arise (its origin)?", "insertion": "Where does {name} insert?"}
_REVERSE = {"origin": "origin-of", "insertion": "insertion-of"}


def _is(name: str) -> str:
    """'is' or 'are' for a landmark's name: the posterior femoral condyles are, the pes anserinus is."""
    last = name.split()[-1].lower() if name.split() else ""
    return "are" if last.endswith("s") and not last.endswith(("us", "ss", "is")) else "is"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _sources(r: Record) -> tuple[str, tuple[str, ...]]:
    lines = source_lines(r)
    return (lines[0] if lines else "", lines)


_PART_OF = re.compile(r"\b((?:[A-Za-z-]+,? ){1,3}(?:lip|part|border|surface|aspect|margin|impression|facet|half|"
                      r"third|end|apex|tip|edge) of (?:the )?)$", re.IGNORECASE)
_NOT_A_MODIFIER = frozenset({"into", "to", "on", "at", "by", "from", "forming", "via", "with", "and", "the", "of",
                             "in", "mainly", "a", "its"})


@lru_cache(maxsize=8192)
def _name_pattern(name: str) -> re.Pattern[str]:
    # Compiled once per name: the re module's own cache holds far fewer patterns than a large deck has names.
    return re.compile(rf"\b{re.escape(name)}\b", re.IGNORECASE)


def _precise(facts: Facts, detail: str, sites: list[str]) -> tuple[str, ...]:
    """The record's own more precise words for a site: "lateral lip of the linea aspera" for the linea aspera.

    Only a phrase that ends in the site's name and names a part of it ("lip", "surface", "impression" ...)
    with a word that says which ("lateral lip", not "part"), within one clause of the detail."""
    found: list[str] = []
    names = [name for site in sites for name in facts.names(site)]
    for clause in re.split(r"[;:.()]", one_line(detail)):
        lower = clause.lower() if clause.isascii() else None
        for name in names:
            if lower is not None and name.isascii() and name.lower() not in lower:
                continue  # plain text without the name cannot match it (most clauses name no site)
            hit = _name_pattern(name).search(clause)
            if not hit:
                continue
            m = _PART_OF.search(clause[:hit.start()])
            if not m:
                continue
            words = m.group(1).split()
            while words and words[0].lower().strip(",") in _NOT_A_MODIFIER:
                words = words[1:]
            # a modifier, the part's noun, "of"; each modifier may be left out but the last
            # ("medial impression" for "lower, medial impression")
            tail = 3 if words[-1].lower() == "the" else 2  # the part's noun, "of", "the"
            while len(words) > tail:
                found.append(" ".join([*words, hit.group(0)]).replace(",", "").strip())
                words = words[1:]
    return tuple(dict.fromkeys(found))


def _site_groups(facts: Facts, m: Record, part: str) -> tuple[list[tuple[str, str, list[str]]], str | None] | None:
    """A muscle's sites for this part as the heads that have them, and the site that is all of them at once.

    The heads are those its detail gives one sentence each ("Long head: ischial tuberosity. Short head: linea
    aspera"), heads with the same sites counted once; the whole site is the record's own site when no head's
    sentence names it (gastrocnemius: the posterior femoral condyles, the medial head on one and the lateral head
    on the other). None when the part cannot be asked fairly: a head arises from no site of the knowledge base,
    and no site is the whole (the quadriceps: vastus intermedius from the femoral shaft), so any answer the deck
    could key would leave a head out."""
    heads = facts.heads_of(m, part)
    main = (m.get(part) or {}).get("site")
    main = main if main in facts.by_id else None
    named = {site for _, _, sites in heads for site in sites}
    whole = main if main and main not in named else None
    if heads and not all(sites for _, _, sites in heads):
        return ([], whole) if whole else None
    groups: list[tuple[str, str, list[str]]] = []
    for label, text, sites in heads:
        label = plain(label)  # "hamstring (ischiocondylar) part" is the hamstring part
        same = next((i for i, g in enumerate(groups) if g[2] == sites), None)
        if same is None:
            groups.append((label, text, sites))
        else:
            g = groups[same]
            groups[same] = (f"{g[0]} and {facts.lc(label)}", f"{g[1]} {text}", sites)
    return groups, whole


def _each(labels: list[str]) -> str:
    """What the heads of a set are called: 'head' (long head, short head), 'part', or nothing common."""
    nouns = {label.split()[-1].lower() for label in labels}
    return f" Name the site of each {nouns.pop()}." if len(nouns) == 1 and nouns <= {"head", "part"} else \
        " Name each site."


# A clause that names a lesser attachment: "a small slip to", "its anterior arm ... to", "adds attachments to".
_LESSER = re.compile(r"\b(slips?|arms?|expansions?|attachments?|fibres)\b", re.IGNORECASE)


def _lesser(facts: Facts, m: Record, part: str, sites: list[str]) -> list[Hint]:
    """What else the record attaches the muscle to, by a slip, an arm or an expansion (biceps femoris' slip to the
    lateral tibial condyle, popliteus' fibres to the lateral meniscus): half an answer, never 'not right here'.
    Not a landmark an expansion only runs toward ('toward the lateral femoral condyle')."""
    hints: list[Hint] = []
    verb = "arises mainly from" if part == "origin" else "inserts mainly on"
    main = _and([facts.lc(facts.name(s)) for s in sites])
    for clause in re.split(r"[;.]", one_line((m.get(part) or {}).get("detail", ""))):
        if not _LESSER.search(clause):
            continue
        # only what the slip or arm reaches, not what it passes ("medial to the LCL") or runs toward
        reached = re.sub(r"\b(?:towards?|(?:medial|lateral|deep|superficial|anterior|posterior|close|next) to)"
                         r" (?:the )?[\w\s()-]+?(?=,|$| with| and| to)", "", clause)
        for ident in facts.mentioned(reached, ("attachment", "structure")):
            if ident in sites or facts.by_id[ident].get("structure_type") == "nerve":
                continue
            why = f"a lesser attachment of {facts.lc(m['name'])}, which {verb} the {main}"
            hints += [(n, why, True) for n in facts.names(ident)]
    return hints


def site_cards(facts: Facts, add: list[Card]) -> None:
    for m in facts.by_kind.get("muscle", []):
        for part in ("origin", "insertion"):
            sites = facts.sites[(m["id"], part)]
            found = _site_groups(facts, m, part)
            if not sites or found is None:
                continue
            groups, whole = found
            if not groups and whole:
                sites = [whole]
            detail = first_sentence(m[part]["detail"])
            source, sources = _sources(m)
            # Heads or parts at different sites are asked as a set: all of them is right, some of them partly.
            every = ""
            if len(groups) > 1:
                names = [facts.name(g[2][0]) for g in groups]
                # every head's site, so that each part of the answer is explained
                every = f"{m['name']} {_VERB[part]}: " + "; ".join(
                    f"{facts.lc(g[0]) if i else g[0]}: {first_sentence(plain(g[1]), 110).rstrip('.')}"
                    for i, g in enumerate(groups)) + "."
                add.append(Card(
                    id=f"{m['id']}:{part}:recall", entity=m["id"], kind="muscle", qtype="recall", field=part,
                    prompt=_QUESTION[part].format(name=m["name"]) + _each([g[0] for g in groups]),
                    answer=_and([f"{n} ({facts.lc(g[0])})" for n, g in zip(names, groups, strict=True)]),
                    explanation=every,
                    accepted=(_and(names),), answer_ids=(whole,) if whole else (),
                    parts=tuple(tuple(dict.fromkeys([*(n for site in g[2] for n in facts.names(site)),
                                                     *_precise(facts, g[1], g[2])])) for g in groups),
                    part_ids=tuple(tuple(g[2]) for g in groups), hints=tuple(_lesser(facts, m, part, sites)),
                    entities=(m["id"], *sites), source=source, sources=sources,
                ))
            else:
                site_names = [facts.name(s) for s in sites]
                add.append(Card(
                    id=f"{m['id']}:{part}:recall", entity=m["id"], kind="muscle", qtype="recall", field=part,
                    prompt=_QUESTION[part].format(name=m["name"]),
                    answer=site_names[0] + (f" (also right: {_and(site_names[1:])})" if len(sites) > 1 else ""),
                    explanation=f"{m['name']} {_VERB[part]}: {detail}",
                    accepted=_precise(facts, m[part]["detail"], sites), answer_ids=tuple(sites),
                    hints=tuple(_lesser(facts, m, part, sites)),
                    entities=(m["id"], *sites), source=source, sources=sources,
                ))
            _site_choice(facts, m, part, sites, add, every if not whole else "")


_HEAD = re.compile(r"^[A-Z][A-Za-z ]*\b(heads?|parts?|portions?|fibres)\b[^:]*:")


def _heads(detail: str, site: str) -> str:
    """A site detail as one sentence: every head when it gives one sentence per head ('Medial head: ...
    Lateral head: ...'), so that the plural 'condyles' is explained by both; else the heads that attach at the
    site asked about ('Vastus lateralis: ... linea aspera'), never only a head that does not; else its first
    sentence."""
    sentences = [x.strip() for x in re.split(r"(?<=\.)\s+(?=[A-Z])", plain(one_line(detail))) if x.strip()]
    chosen = sentences if len(sentences) > 1 and all(_HEAD.match(x) for x in sentences) else \
        [x for x in sentences if site.lower() in x.lower()]
    if chosen and chosen != sentences[:1]:
        joined = "; ".join(x.rstrip(".")[:1].lower() + x.rstrip(".")[1:] if i else x.rstrip(".")
                           for i, x in enumerate(chosen)) + "."
        if len(joined) <= 200:
            return joined
        return first_sentence(chosen[0])
    return first_sentence(detail)


def _site_choice(facts: Facts, m: Record, part: str, sites: list[str], add: list[Card],
                 every: str = "") -> None:
    """A choice of the muscle's site among others. A muscle whose heads attach apart (``every``: all of them
    explained) is asked for one of its sites, never as if that one were the whole origin."""
    card_id = f"{m['id']}:{part}:choice"
    key = sites[0]
    says = facts.says(m)
    picked: list[str] = []
    for cand in facts.candidates("attachment", card_id, window(facts.all_sites[part], card_id)):
        c = cand["id"]
        # Never a site the muscle's record names anywhere (a head, a part, a slip), nor its parent's sites.
        if c in sites or c in says or any(c in facts.sites.get((p, part), []) for p in facts.with_parents([m["id"]])):
            continue
        picked.append(c)
        if len(picked) == MAX_OPTIONS - 1:
            break
    if len(picked) + 1 < MIN_OPTIONS:
        return
    options = ordered([facts.name(key), *(facts.name(p) for p in picked)], card_id)
    notes = []
    for o in options:
        ident = next(i for i in [key, *picked] if facts.name(i) == o)
        owners = _shown(facts, facts.at_site.get((part, ident), []), _others(facts.by_id[ident], part), part)
        if ident == key:
            notes.append(f"{o} {_is(o)} where {m['name']} {'arises' if part == 'origin' else 'inserts'}.")
        elif owners:
            notes.append(f"{o} {_is(o)} the {part} of {_and(owners)}, not of {m['name']}.")
        else:
            notes.append(f"{o} {_is(o)} not where {m['name']} {'arises' if part == 'origin' else 'inserts'}.")
    source, sources = _sources(m)
    add.append(Card(
        id=card_id, entity=m["id"], kind="muscle", qtype="choice", field=part,
        prompt=(f"Which of these is {'an origin' if part == 'origin' else 'an insertion'} of {m['name']}?" if every
                else _QUESTION[part].format(name=m["name"]).replace(" (its origin)", "")), answer=facts.name(key),
        explanation=every or f"{m['name']} {_VERB[part]}: {_heads(m[part]['detail'], facts.name(key))}",
        accepted=_precise(facts, m[part]["detail"], sites),
        answer_ids=tuple(sites), options=tuple(options), correct=(options.index(facts.name(key)),),
        option_notes=tuple(notes), entities=(m["id"], key), source=source, sources=sources,
    ))


def _nerve_key(facts: Facts, m: Record) -> str:
    supply = m["innervation"]
    text = plain(one_line(supply["nerve"]))
    return text.split(":")[0] if ":" in text else text


def _division_labels(facts: Facts, nerve: str, key: str) -> Callable[[str], str]:
    """How a choice card names each nerve. In the thigh the hamstrings are supplied by the tibial and common
    fibular divisions of the sciatic nerve, not by the tibial nerve proper (which starts at the popliteal
    fossa): when the record says "division", both divisions are offered as divisions."""
    parent = facts.parent.get(nerve)
    division = " division of the "
    if parent is None or division not in key.lower():
        return facts.name
    whole = facts.name(parent)

    def label(ident: str) -> str:
        name = facts.name(ident)
        if facts.parent.get(ident) == parent and name.lower().endswith(" nerve"):
            return f"{name[:-len(' nerve')]}{division}{whole[:1].lower()}{whole[1:]}"
        return name

    return label


def _division_forms(key: str) -> tuple[str, ...]:
    """"Common fibular division of the sciatic nerve" is also said without its nerve: "common fibular division"."""
    head, sep, _ = key.lower().partition(" of the sciatic nerve")
    if not sep or not head.endswith("division"):
        return ()
    short = head.removeprefix("common ")
    forms = [head, short, f"{short} of the sciatic nerve"]
    return tuple(dict.fromkeys([*forms, *(f.replace("fibular", "peroneal") for f in forms)]))


def nerve_cards(facts: Facts, add: list[Card]) -> None:
    for m in facts.by_kind.get("muscle", []):
        nerves = facts.nerves[m["id"]]
        supply = m.get("innervation") or {}
        if not nerves or not supply.get("nerve"):
            continue
        text = one_line(supply["nerve"])
        key = _nerve_key(facts, m)
        roots = f" Roots: {plain(supply['roots'])}." if supply.get("roots") else ""
        text = text if text.endswith(".") else text + "."
        source, sources = _sources(m)
        dual = text.lower().startswith("dual")
        # A division of a nerve is also supplied by the nerve it divides from: "sciatic nerve" is right for
        # the tibial division, as Gray's writes it; the card still shows the division.
        said = normalize(text)
        parents = {n: facts.parent[n] for n in nerves if n in facts.parent
                   and normalize(facts.name(facts.parent[n])) in said}
        if dual:
            parents = {n: p for n, p in parents.items() if p not in nerves}
        parts = tuple(tuple([*facts.names(n), *facts.names(parents.get(n, ""))]) for n in nerves) if dual else ()
        add.append(Card(
            id=f"{m['id']}:innervation:recall", entity=m["id"], kind="muscle", qtype="recall", field="innervation",
            prompt=f"Which nerve supplies {m['name']}?" + (" Name both." if dual else ""),
            answer=key if not dual else _and([facts.name(n) for n in nerves]),
            explanation=f"{m['name']}: {first_sentence(text)}{roots}",
            # The bracket may say which branch ("Obturator nerve (anterior branch)"): that is right too.
            accepted=tuple(dict.fromkeys((key, plain(text).rstrip("."), one_line(supply["nerve"]).rstrip("."),
                                          *_division_forms(key))))
            if not dual else
            (_and([facts.name(n) for n in nerves]),),
            answer_ids=() if dual else (nerves[0],),
            broader_ids=() if dual or nerves[0] not in parents else (parents[nerves[0]],),
            parts=parts, part_ids=tuple((n, *([parents[n]] if n in parents else [])) for n in nerves) if dual else (),
            entities=(m["id"], *nerves), source=source, sources=sources,
        ))
        if dual:
            continue
        card_id = f"{m['id']}:innervation:choice"
        says = facts.says(m)
        picked = []
        prefer = window(facts.all_nerves, card_id)
        for cand in facts.candidates("structure", card_id, prefer):
            c = cand["id"]
            if cand.get("structure_type") != "nerve" or c in nerves or c in says:
                continue
            # A nerve that is a branch or division of the key (or the key of it) is not wrong.
            if facts.parent.get(c) in nerves or facts.parent.get(nerves[0]) == c:
                continue
            picked.append(c)
            if len(picked) == MAX_OPTIONS - 1:
                break
        if len(picked) + 1 < MIN_OPTIONS:
            continue
        label = _division_labels(facts, nerves[0], key)
        shown = label(nerves[0])
        options = ordered([shown, *(label(p) for p in picked)], card_id)
        notes = []
        for o in options:
            ident = next(i for i in [nerves[0], *picked] if label(i) == o)
            # every muscle the nerve supplies, also through a division it names ("tibial division of the sciatic
            # nerve"), so that the note does not read as the whole list
            owners = _whole_names(facts, list(dict.fromkeys([*facts.supplied_by.get(ident, []),
                                                              *_divisions(facts).get(ident, [])])))
            if _others(facts.by_id[ident], "supplies"):
                owners.append("others")
            if ident == nerves[0]:
                notes.append(f"{m['name']}: {first_sentence(text)}")
            elif owners:
                notes.append(f"The {facts.lc(o)} supplies {_and(owners)}, not {m['name']}.")
            else:
                notes.append(f"The {facts.lc(o)} does not supply {m['name']}.")
        add.append(Card(
            id=card_id, entity=m["id"], kind="muscle", qtype="choice", field="innervation",
            prompt=f"Which nerve supplies {m['name']}?", answer=shown,
            explanation=f"{m['name']}: {first_sentence(text)}{roots}", accepted=(key,),
            answer_ids=tuple(nerves), options=tuple(options), correct=(options.index(shown),),
            option_notes=tuple(notes), entities=(m["id"], nerves[0]), source=source, sources=sources,
        ))


def _others(record: Record, field: str) -> list[str]:
    """Muscles without an entry that the record names for this field (``other_muscles``), as written."""
    return list((record.get("other_muscles") or {}).get(field) or [])


def _other_forms(names: list[str]) -> tuple[str, ...]:
    """Each muscle by its name and by each other name its bracket gives: 'Tensor fasciae latae (TFL)'."""
    found: list[str] = []
    for name in names:
        found.append(plain(name))
        for gloss in re.findall(r"\(([^)]*)\)", name):
            found += [g.strip() for g in gloss.split(",") if g.strip()]
    return tuple(dict.fromkeys(found))


def _through_division(facts: Facts) -> dict[str, list[str]]:
    """Nerve -> the muscles supplied by one of its divisions in words that name it: "tibial division of the
    sciatic nerve" supplies semitendinosus, so the sciatic nerve does; "tibial nerve" alone (gastrocnemius)
    does not say so."""
    found: dict[str, list[str]] = {}
    for m in facts.by_kind.get("muscle", []):
        said = normalize(plain(one_line((m.get("innervation") or {}).get("nerve", ""))))
        for n in facts.nerves[m["id"]]:
            parent = facts.parent.get(n)
            if parent and parent not in facts.nerves[m["id"]] and normalize(facts.name(parent)) in said:
                found.setdefault(parent, []).append(m["id"])
    return found


def _whole_names(facts: Facts, muscles: list[str]) -> list[str]:
    """Muscles by name, a muscle named once with its heads: 'Biceps femoris (both heads)', not biceps femoris,
    its long head and its short head; a head alone keeps its own name ('Biceps femoris, long head')."""
    heads = {m: [h for h, parent in facts.parent.items() if parent == m and h in facts.by_id
                 and facts.by_id[h]["kind"] == "muscle"] for m in muscles}
    found = []
    for m in muscles:
        if facts.parent.get(m) in muscles and all(h in muscles for h in heads[facts.parent[m]]):
            continue
        parts = heads.get(m, [])
        found.append(f"{facts.name(m)} (both heads)" if len(parts) == 2 and all(h in muscles for h in parts)
                     else facts.name(m))
    return list(dict.fromkeys(found))


def _divisions(facts: Facts) -> dict[str, list[str]]:
    found = facts.memo.get("through division")
    if found is None:
        found = facts.memo["through division"] = _through_division(facts)
    return found  # type: ignore[no-any-return]


def _shown(facts: Facts, muscles: list[str], others: list[str], part: str) -> list[str]:
    """The muscles a reverse card names: a muscle whose part is named instead is left out, so that the answer
    never says the whole biceps femoris (or quadriceps) arises where only its short head (or a vastus) does.
    It stays right when typed (``answer_ids``)."""
    parents = {facts.parent.get(m) for m in muscles}
    # a head the muscle's own record describes as a part of it ("Vastus medialis: medial lip of the linea aspera")
    heads = [f"{plain(o).lower()}:" for o in others]

    def said(m: str) -> str:
        key = f"said {m} {part}"
        if key not in facts.memo:
            facts.memo[key] = one_line(str(facts.by_id[m].get(part) or "")).lower()
        return str(facts.memo[key])

    kept = [m for m in muscles if m not in parents and not any(h in said(m) for h in heads)]
    return [facts.name(x) for x in kept] + [plain(o) for o in others]


def _part_names(label: str, muscle: str) -> list[str]:
    """A part of a muscle by each name its label gives: 'Hamstring (ischiocondylar) part' of adductor magnus is
    the hamstring part and the ischiocondylar part of adductor magnus."""
    words = plain(label).lower().split()
    found = [" ".join(words)]
    for gloss in re.findall(r"\(([^)]*)\)", label):
        found.append(" ".join([gloss.strip().lower(), *words[1:]]))
    return [f"{n} of {muscle[:1].lower()}{muscle[1:]}" for n in dict.fromkeys(found)]


def _parts_at(facts: Facts, muscles: list[str], site: str,
              part: str) -> tuple[tuple[str, ...], list[Hint], dict[str, str]]:
    """For a site that only some parts of a muscle attach to: the parts that do, by name ('adductor part of
    adductor magnus' arises from the ischiopubic ramus), and the parts that do not, wrong with where they attach
    ('the hamstring part arises from the ischial tuberosity'); and the muscle shown with the part that does."""
    right: list[str] = []
    hints: list[Hint] = []
    labels: dict[str, str] = {}
    for m in muscles:
        # only parts named as parts or heads ("adductor part"); the quadriceps' heads are muscles of their own
        heads = [h for h in facts.heads_of(facts.by_id[m], part)
                 if plain(h[0]).lower().split()[-1] in ("part", "head", "portion")]
        if not heads or all(site in sites for _, _, sites in heads):
            continue
        name = facts.name(m)
        here = [label for label, _, sites in heads if site in sites]
        if not here and (facts.by_id[m].get(part) or {}).get("site") == site:
            # the muscle's own site that no head names is all of them: the posterior femoral condyles are both
            # heads' origin
            right += [f for label, _, _ in heads for f in _part_names(label, name)]
            continue
        for label, _, sites in heads:
            forms = _part_names(label, name)
            if site in sites:
                right += forms
            elif sites:
                where = _and([facts.lc(facts.name(x)) for x in sites])
                verb = "arises from" if part == "origin" else "inserts on"
                hints += [(f, f"the {plain(label).lower()} of {name[:1].lower()}{name[1:]} {verb} the {where}",
                           False) for f in forms]
        if here:
            labels[name] = f"{name} ({_and([plain(x).lower() for x in here])})"
    return tuple(dict.fromkeys(right)), hints, labels


_PART_SUPPLY = re.compile(r"([^;:]+?)\s*\(([^()]*\bpart)\)")


Hint = tuple[str, str, bool]


def _parts_supplied(facts: Facts, nerve: str, muscles: list[str]) -> tuple[tuple[str, ...], list[Hint]]:
    """The parts of a muscle with two nerves, as its record gives them ("Dual: tibial division of the sciatic
    nerve (hamstring part); posterior branch of the obturator nerve (adductor part)"): the part this nerve
    supplies is right by name ("adductor part of adductor magnus"), the other part is wrong, saying which
    nerve supplies it."""
    right: list[str] = []
    hints: list[Hint] = []
    for m in muscles:
        said = one_line((facts.by_id[m].get("innervation") or {}).get("nerve", ""))
        for clause, part in _PART_SUPPLY.findall(said.split(":", 1)[-1]):
            clause = clause.strip().removeprefix("and ").strip()
            supplies = set(facts.mentioned(clause, ("structure",)))
            name = f"{part} of {facts.name(m)}"
            if nerve in supplies:
                right.append(name)
            else:
                hints.append((name, f"that part is supplied by the {clause}", False))
    return tuple(right), hints


def reverse_cards(facts: Facts, add: list[Card]) -> None:
    """'Name a muscle that arises from X': every muscle the records attach there (and its parent) is right,
    and so is every muscle without an entry that the site's record names (``other_muscles``)."""
    for (part, site), muscles in sorted(facts.at_site.items()):
        record = facts.by_id[site]
        right = facts.with_parents(muscles)
        others = _others(record, part)
        names = _shown(facts, muscles, others, part)
        parts_right, hints, labels = _parts_at(facts, muscles, site, part)
        names = [labels.get(n, n) for n in names]
        src = record.get("sources") or []
        add.append(Card(
            id=f"{site}:{_REVERSE[part]}:reverse", entity=site, kind=record["kind"], qtype="reverse",
            field=_REVERSE[part],
            prompt=f"Name a muscle that {_VERB[part]} the {facts.lc(record['name'])}.",
            answer=any_of(names),
            explanation=f"The {facts.lc(record['name'])} {_is(record['name'])} "
                        f"{'an origin' if part == 'origin' else 'an insertion'} "
                        f"of {_and(names)}.",
            accepted=_other_forms(others) + parts_right, answer_ids=tuple(right), hints=tuple(hints),
            entities=(site, *muscles), source=source_line(src[0]) if src else "", sources=source_lines(record),
        ))
    divisions = _through_division(facts)
    for nerve in sorted(set(facts.supplied_by) | set(divisions)):
        muscles = list(dict.fromkeys([*facts.supplied_by.get(nerve, []), *divisions.get(nerve, [])]))
        record = facts.by_id[nerve]
        others = _others(record, "supplies")
        names = _whole_names(facts, muscles) + [plain(o) for o in others]
        parts, hints = _parts_supplied(facts, nerve, muscles)
        # A nerve that divides (the sciatic nerve) supplies in the thigh; what its branches supply further down
        # (gastrocnemius, by the tibial nerve) is no answer "by the sciatic nerve", only half of one.
        branches = [b for b, parent in facts.parent.items() if parent == nerve]
        below = [m for b in branches for m in facts.supplied_by.get(b, []) if m not in muscles
                 and m not in facts.with_parents(muscles)]
        for m in dict.fromkeys(below):
            via = next(b for b in branches if m in facts.supplied_by.get(b, []))
            why = (f"{facts.name(m)} is supplied by the {facts.lc(facts.name(via))}, a terminal branch of the "
                   f"{facts.lc(record['name'])}, not by the {facts.lc(record['name'])} in the thigh")
            hints += [(n, why, True) for n in facts.names(m)]
        for b in branches if below else []:
            for other in _other_forms(_others(facts.by_id[b], "supplies")):
                hints.append((other, f"{other} is supplied by the {facts.lc(facts.name(b))}, a terminal branch of "
                                     f"the {facts.lc(record['name'])}, not by the {facts.lc(record['name'])} in the "
                                     "thigh", True))
        where = " in the thigh" if branches and below else ""
        # A muscle only one of whose heads the nerve supplies is half an answer: "biceps femoris" for the
        # tibial nerve, which supplies its long head (the short head is the common fibular division's).
        whole = [m for m in facts.with_parents(muscles) if m in muscles or
                 all(h in muscles for h in facts.by_id if facts.parent.get(h) == m)]
        for m in facts.with_parents(muscles):
            if m not in whole:
                heads = [facts.name(h) for h in muscles if facts.parent.get(h) == m]
                why = f"the {facts.lc(record['name'])} supplies only {facts.lc(_and(heads))}, not the whole muscle"
                hints += [(n, why, True) for n in facts.names(m)]
        add.append(Card(
            id=f"{nerve}:innervates:reverse", entity=nerve, kind=record["kind"], qtype="reverse", field="innervates",
            prompt=f"Name a muscle supplied by the {facts.lc(record['name'])}{where}.",
            answer=any_of(names),
            explanation=f"The {facts.lc(record['name'])} supplies{where} {_and(names)}.",
            accepted=_other_forms(others) + parts, answer_ids=tuple(whole), hints=tuple(hints),
            entities=(nerve, *muscles),
            source=(source_lines(record) or ("",))[0], sources=source_lines(record),
        ))


def _has(facts: Facts, muscle: str, field: str, value: str) -> bool:
    """Whether a muscle, or any head or part of it, has the site or nerve: biceps femoris is supplied by the tibial
    nerve through its long head, and by the sciatic nerve through its divisions."""
    whole = [muscle, *(m for m, parent in facts.parent.items() if parent == muscle)]
    for m in whole:
        found = facts.nerves.get(m, []) if field == "innervation" else facts.sites.get((m, field), [])
        if value in found or (field == "innervation" and m in _divisions(facts).get(value, [])):
            return True
    return False


def compare_cards(facts: Facts, add: list[Card]) -> None:
    """Which of two muscles has a given site or nerve: the other's record must not name it at all."""
    muscles = facts.by_kind.get("muscle", [])
    if len(muscles) < 2:
        return
    for field in ("insertion", "origin", "innervation"):
        for a in muscles:
            mine = facts.nerves[a["id"]] if field == "innervation" else facts.sites[(a["id"], field)]
            if len(mine) != 1:
                continue
            value = mine[0]
            card_id_base = f"{a['id']}:{field}:compare"
            for b in facts.candidates("muscle", card_id_base):
                if b["id"] == a["id"] or value in facts.says(b) or _has(facts, b["id"], field, value):
                    continue
                theirs = facts.nerves[b["id"]] if field == "innervation" else facts.sites[(b["id"], field)]
                if not theirs or facts.parent.get(a["id"]) == b["id"] or facts.parent.get(b["id"]) == a["id"]:
                    continue
                break
            else:
                continue
            card_id = f"{card_id_base}:{b['id']}"
            verb = "is supplied by" if field == "innervation" else _VERB[field]
            options = ordered([a["name"], b["name"]], card_id)
            # The other muscle in its own record's words, not a list of sites drawn from them.
            said = one_line((b["innervation"] or {}).get("nerve", "")) if field == "innervation" else \
                one_line((b.get(field) or {}).get("detail", ""))
            theirs_text = facts.lc(first_sentence(plain(said), 140).rstrip("."))
            notes = tuple(f"{a['name']} {verb} the {facts.lc(facts.name(value))}." if o == a["name"] else
                          f"{b['name']}: {theirs_text}; not the {facts.lc(facts.name(value))}." for o in options)
            source, sources = _sources(a)
            add.append(Card(
                id=card_id, entity=a["id"], kind="muscle", qtype="compare", field=field,
                prompt=f"Which of these two {verb} the {facts.lc(facts.name(value))}?", answer=a["name"],
                explanation=f"{a['name']} {verb} the {facts.lc(facts.name(value))}. {b['name']}: {theirs_text}.",
                answer_ids=(a["id"],), options=tuple(options), correct=(options.index(a["name"]),),
                option_notes=notes, entities=(a["id"], b["id"]), source=source, sources=sources,
            ))
