"""Cards on conditions: where the pain is felt (a set), which conditions hurt where, and the clinical tests.

A test is a key only when it is a test *for* the condition: tests described as normal or negative in it
(they rule something else out) and plain palpation are not asked. A distractor test is never one the
condition's record names anywhere.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from hamknee.study.cards.base import (
    MAX_OPTIONS,
    MIN_OPTIONS,
    Card,
    Facts,
    Record,
    any_of,
    first_sentence,
    ordered,
    plain,
    source_lines,
)
from hamknee.terms import normalize

_NOT_KEY = re.compile(r"\b(normal|negative|rules? out|exclude[sd]?|readiness|suspected)\b", re.IGNORECASE)
# Imaging is an investigation, not a clinical test: never the key of a "clinical test" card.
_IMAGING = re.compile(r"\b(ultrasound|ultrasonography|sonography|duplex|radiographs?|x-rays?|mri|ct|scans?|"
                      r"imaging)\b", re.IGNORECASE)


_OTHER_SIDE = {"medial": "lateral", "lateral": "medial", "anterior": "posterior", "posterior": "anterior"}


def clinical(test: dict[str, Any]) -> bool:
    return not _IMAGING.search(test["name"])


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# Words that make a phrase the name of a test or examination: "Posterolateral corner" alone is a structure.
_TEST_WORD = re.compile(r"\b(tests?|testing|signs?|squat|examination|palpation|block|studies|study|"
                        r"electromyography|resisted|assessment)\b", re.IGNORECASE)


def _halves(bare: str) -> list[str]:
    """The two tests a name joins with 'and', each as a test: 'Motor and sensory examination of the fibular
    nerve' is the motor and the sensory examination (never 'Motor' alone); 'Posterolateral corner and common
    fibular nerve examination' is the posterolateral corner examination; 'Palpation of the distal tendon and
    resisted knee flexion' is the palpation and the resisted knee flexion."""
    head, tail = bare.split(" and ", 1)
    found: list[str] = []
    if re.search(r"\d$", head) and re.match(r"\d", tail):
        return found  # "at 0 and 30 degrees" is one test at two angles, not a test "at 0"
    noun = _TEST_WORD.search(tail)
    if _TEST_WORD.search(head):
        found.append(head)
    elif noun:
        found.append(f"{head} {tail[noun.start():]}")
    if noun or (len(tail.split()) > 1 and tail.split()[-1].lower() in ("test", "sign", "squat")):
        found.append(tail)
    # "Motor examination of the fibular nerve" is also typed "motor examination"
    return found + [f.split(" of the ")[0] for f in found if " of the " in f and not f.lower().startswith("palpation")]


def _test_forms(name: str, facts: Facts | None = None, aliases: list[str] | None = None) -> list[str]:
    """A test's name as typed: whole, without its bracket, its head before 'at', 'with' or a slash, each test
    an 'and' joins, without a trailing 'palpation' ('figure of four'), and its other names."""
    bare = plain(name)
    found = [name, bare, *(aliases or [])]
    if bare.lower().endswith(" palpation"):
        found.append(bare[: -len(" palpation")])
    for mark in (" at ", " with "):
        if mark in bare and bare.split(mark)[0].lower() != "palpation":  # palpation alone names no site
            found.append(bare.split(mark)[0])
    if " and " in bare:
        found += _halves(bare)
    head = bare.split(" / ")[0]
    if " / " in bare and facts is not None and normalize(head) in facts.name_ids:
        found.append(head)  # "Ultrasound / venous duplex": an entry of its own; "Compression" alone is not
    return list(dict.fromkeys(f for f in found if f))


def _unhinted(name: str, answers: list[str]) -> str:
    """A condition's name for a test question, without its bracketed other name when that names a test
    ("fat pad impingement (Hoffa's syndrome)" gives away Hoffa's test)."""
    bracket = set(re.findall(r"[a-z]{4,}", " ".join(re.findall(r"\(([^)]*)\)", name)).lower()))
    said = {w for a in answers for w in re.findall(r"[a-z]{4,}", a.lower())}
    return plain(name) if bracket & said else name


_OPPOSITE = {"medial-knee": "lateral-knee", "lateral-knee": "medial-knee"}


def _muscles_named(facts: Facts, text: str) -> list[str]:
    """Muscles whose name or alias is part of the text ("biceps femoris tendinopathy" names biceps femoris)."""
    padded = f" {normalize(text).replace('-', ' ')} "
    return [ident for ident, spelt in _muscle_names(facts) if any(words in padded for words in spelt)]


def _muscle_names(facts: Facts) -> list[tuple[str, list[str]]]:
    """Each muscle with its names and aliases as spaced words (of more than three letters), worked out once
    per deck: every alias of every condition is checked against them."""
    found = facts.memo.get("muscle names")
    if found is None:
        found = []
        for m in facts.by_kind.get("muscle", []):
            spelt = [normalize(name).replace("-", " ") for name in (m["name"], *m.get("aliases", []))]
            found.append((m["id"], [f" {words} " for words in spelt if len(words) > 3]))
        facts.memo["muscle names"] = found
    return found  # type: ignore[no-any-return]


_FORM = re.compile(r"^[A-Z][a-z]+ (?:form|type|variant)s?:")


def _where(text: str) -> str:
    """Where the pain is felt, in one line: each form's site when the text gives one sentence per form
    ("Medial form: posteromedial knee ... Lateral form: lateral knee ..."), so that every region of the
    answer is explained; else the first sentence."""
    sentences = [x.strip() for x in re.split(r"(?<=\.)\s+(?=[A-Z])", " ".join(text.split())) if x.strip()]
    if len(sentences) > 1 and all(_FORM.match(x) for x in sentences):
        joined = "; ".join((x.split(", ")[0].rstrip(".") if i == 0 else
                            x[:1].lower() + x.split(", ")[0].rstrip(".")[1:]) for i, x in enumerate(sentences))
        return joined + "."
    return first_sentence(text)


def _ids(facts: Facts, texts: list[str]) -> set[str]:
    return {i for t in texts for i in facts.name_ids.get(normalize(t), ())}


def _sub_sites(facts: Facts, c: Record, felt: list[str]) -> dict[str, list[str]]:
    """The places inside each region a condition's record names, by region: an attachment it relates to
    ("ischial tuberosity", "sitting bone" in the buttock) and each of its pain sites that names such a place or
    holds the region's name ("lower buttock"). A site that spans several regions ("posterolateral knee")
    or none stays a whole answer."""
    found: dict[str, list[str]] = {}

    def put(region: str, texts: list[str]) -> None:
        found.setdefault(region, [])
        found[region] += [t for t in texts if t not in found[region]]

    for link in c.get("relations", []):
        target = facts.by_id.get(link["target"])
        if target is None or target["kind"] != "attachment":
            continue
        inside = [r for r in facts.regions(target["id"]) if r in felt]
        if len(inside) == 1:
            put(inside[0], facts.names(target["id"]))
    for site in [*c.get("pain_sites", []), *_narrowed(facts, c, felt)]:
        words = _spelled_sides(site)
        named = [r for r in felt if any(set(normalize(n).split("-")) <= words for n in facts.names(r))]
        for ident in facts.name_ids.get(normalize(site), ()):
            named += [r for r in facts.regions(ident) if r in felt and r not in named]
        if len(named) == 1:
            put(named[0], [site, *(n for i in facts.name_ids.get(normalize(site), ()) for n in facts.names(i))])
    # A space that fills a region is the region: the popliteal fossa is the back of the knee.
    for r in felt:
        for ident in _spaces(facts).get(r, []):
            put(r, facts.names(ident))
    return found


# Words that narrow a region to a part of it: "medial calf", "lower buttock", "inner back of the knee".
_NARROWER = ("medial", "lateral", "inner", "outer", "upper", "lower", "central", "posteromedial", "posterolateral",
             "anteromedial", "anterolateral", "inferomedial", "inferolateral", "superomedial", "superolateral")
_COMPOUND_KNEE = re.compile(r"\b(?:antero|postero|infero|supero)(?:medial|lateral) knee\b", re.IGNORECASE)
_SPLIT_SIDE = re.compile(r"\b(antero|postero|infero|supero)(medial|lateral)\b")
_FIRST_SIDE = {"antero": "anterior", "postero": "posterior", "infero": "inferior", "supero": "superior"}


def _spelled_sides(text: str) -> set[str]:
    """A place's words, a compound side as its two sides: 'posteromedial knee' is posterior, medial, knee."""
    spelt = _SPLIT_SIDE.sub(lambda m: f"{_FIRST_SIDE[m.group(1)]} {m.group(2)}", text.lower())
    return set(normalize(spelt).split("-"))


def _narrowed(facts: Facts, c: Record, felt: list[str]) -> list[str]:
    """The parts of its regions a condition's own pain text names ("medial calf", "the posteromedial knee"):
    each is right for its region, where the record says the pain is. A part the record does not name ("lateral
    calf" for tennis leg) is not, nor a phrase that is another entry's name."""
    text = " ".join([c.get("pain_location") or "", *c.get("pain_sites", [])])
    found = [m.group(0) for m in _COMPOUND_KNEE.finditer(text)]
    lowered = text.lower()
    for r in felt:
        for name in _narrowing_names(facts, r):
            if name.lower() in lowered:  # compiling only the names the text holds keeps a large deck fast
                found += [f"{m.group(1)}{name}" for m in _narrowing(name).finditer(text)]
    return [f for f in dict.fromkeys(" ".join(x.lower().split()) for x in found)
            if normalize(f) not in facts.name_ids]


def _narrowing_names(facts: Facts, region: str) -> list[str]:
    """A region's names that a side word can narrow ("calf", not the bare side "posterior"), once per deck."""
    cache = facts.memo.setdefault("narrowing", {})
    names = cache.get(region)
    if names is None:
        names = cache[region] = [name for name in dict.fromkeys(plain(n) for n in facts.names(region))
                                 if name and not all(w in _OTHER_SIDE for w in normalize(name).split("-"))]
    return names  # type: ignore[no-any-return]


@functools.cache
def _narrowing(name: str) -> re.Pattern[str]:
    """A part of a region named by side words before its name ("medial calf", "lower the buttock")."""
    sides = "|".join(_NARROWER)
    return re.compile(rf"\b((?:(?:{sides})\s+)+)(?:the\s+)?{re.escape(name)}\b", re.IGNORECASE)


_LAY = {"posterior": "back", "anterior": "front", "medial": "inner", "lateral": "outer"}


def _regions_said(facts: Facts, text: str) -> list[str]:
    """The regions a text names by a name that says which side ("back of the thigh", not "thigh", which is
    also the front), never after the other side's word ("anterior thigh")."""
    lowered = " ".join(text.lower().split())
    found = []
    for region_id, names in _region_patterns(facts):
        # The substring test is cheap and rules out nearly every region before a regex runs.
        if any(name in lowered and _side_pattern(name, other).search(lowered) for name, other in names):
            found.append(region_id)
    return found


@functools.cache
def _side_pattern(name: str, other: str) -> re.Pattern[str]:
    """A region's name not after the other side's word ("thigh" but not "anterior thigh")."""
    if not other:
        return re.compile(rf"\b{re.escape(name)}\b")
    return re.compile(rf"(?<!{other} )(?<!{_LAY.get(other, other)} of the )\b{re.escape(name)}\b")


def _region_patterns(facts: Facts) -> list[tuple[str, list[tuple[str, str]]]]:
    """Each region with the names that say its side and the other side's word, worked out once per deck:
    redoing it for every condition made the deck quadratic in the knowledge base."""
    built = facts.memo.get("region_patterns")
    if built is None:
        built = []
        for r in facts.by_kind.get("region", []):
            side = r.get("side") or ""
            sided = {side, _LAY.get(side, side)} - {""}
            names = []
            for name in dict.fromkeys(plain(n) for n in facts.names(r["id"])):
                words = normalize(name).split("-")
                if not name or all(w in _OTHER_SIDE for w in words):
                    continue
                if len(words) == 1 and name != plain(r["name"]):
                    continue  # a one-word other name is too loose in a sentence: "diffuse" is not the whole knee
                if side and side in normalize(r["name"]).split("-") and not sided & set(words):
                    continue  # "thigh" alone is no side of the thigh
                names.append((name.lower(), _OTHER_SIDE.get(side, "")))
            if names:
                built.append((r["id"], names))
        facts.memo["region_patterns"] = built
    return built  # type: ignore[no-any-return]


def _spaces(facts: Facts) -> dict[str, list[str]]:
    """Region -> the spaces located there (the popliteal fossa at the posterior knee), worked out once per deck."""
    found = facts.memo.get("spaces")
    if found is None:
        found = {}
        for record in facts.by_kind.get("structure", []):
            if record.get("structure_type") != "space":
                continue
            for link in _out(record):
                if link["type"] == "located-at" and link["target"] in facts.by_id:
                    found.setdefault(link["target"], []).append(record["id"])
        facts.memo["spaces"] = found
    return found  # type: ignore[no-any-return]


def _out(record: Record) -> list[dict[str, Any]]:
    return [link for link in record.get("relations", []) if link.get("direction", "out") == "out"]


def _referral(facts: Facts, c: Record) -> bool:
    """Somatic referred pain: an example of referred pain, itself or through what it exemplifies (knee pain from
    the hip). Radicular pain (a root or a nerve), though felt far from its source, is not referred pain."""
    seen: set[str] = set()
    todo = [c]
    while todo:
        record = todo.pop()
        for link in _out(record):
            if link["type"] != "example-of" or link["target"] in seen:
                continue
            if link["target"] == "referred-pain":
                return True
            seen.add(link["target"])
            if link["target"] in facts.by_id:
                todo.append(facts.by_id[link["target"]])
    return False


def _unplaced(facts: Facts, name: str, felt: list[str]) -> str:
    """A condition's name without the place it names when that place is in a region of the answer: "common
    fibular nerve injury at the fibular head" would give the lateral knee away."""
    m = re.match(r"^(.*?) at the (.+)$", name)
    if m and any(set(facts.regions(i)) & set(felt) for i in facts.mentioned(m.group(2))):
        return m.group(1)
    return name


def _felt_question(facts: Facts, c: Record, felt: list[str]) -> str:
    """Where a condition's pain is felt, asked so that each region the record gives is the answer.

    A condition felt first elsewhere (a hip disease in the groin, a root or a nerve along the limb) is asked
    "at the knee" when all its regions are at the knee, or "groin" would be a true answer marked wrong; the pain is
    called referred only when it is (not radicular pain, and not a joint that can itself be diseased: a septic
    knee hurts where it is)."""
    name = facts.lc(_unplaced(facts, c["name"], felt))
    links = _out(c)
    elsewhere = any(link["type"] == "refers-pain-to" for link in links) or _referral(facts, c)
    if not elsewhere:
        return f"Where is the pain of {name} felt?"
    at_knee = any(link["type"] == "affects" and (facts.by_id.get(link["target"]) or {}).get("level") == "knee"
                  for link in links)
    pain = "referred pain" if _referral(facts, c) and not at_knee else "pain"
    if all(facts.by_id[r].get("level") == "knee" for r in felt):
        return f"Where at the knee can the {pain} of {name} be felt?"
    return f"Where can the {pain} of {name} be felt?"


def region_cards(facts: Facts, add: list[Card]) -> None:
    sites: dict[str, list[str]] = {}
    for c in facts.by_kind.get("condition", []):
        felt = [r for r in c.get("felt_at", []) if r in facts.by_id]
        for r in felt:
            sites.setdefault(r, []).append(c["id"])
        # a region the record's own pain text names, beyond its regions at the knee (hip osteoarthritis is felt
        # in the buttock too): a true answer to "a condition felt at the buttock"
        for r in _regions_said(facts, c.get("pain_location") or ""):
            if r not in felt:
                sites.setdefault(r, []).append(c["id"])
        if not felt:
            continue
        lines = source_lines(c)
        where = _where(c.get("pain_location", "") or c["summary"])
        many = len(felt) > 1
        ask = _felt_question(facts, c, felt)
        sub = _sub_sites(facts, c, felt) if many else {}
        # of one region, the parts of it the record names and the space that is it ("popliteal fossa")
        within = [] if many else [*_narrowed(facts, c, felt),
                                  *(n for i in _spaces(facts).get(felt[0], []) for n in facts.names(i))]
        add.append(Card(
            id=f"{c['id']}:felt_at:recall", entity=c["id"], kind="condition", qtype="recall", field="felt_at",
            prompt=ask + ((" Name both regions." if len(felt) == 2 else f" Name all {len(felt)} regions.")
                          if many else ""),
            answer=_and([facts.name(r) for r in felt]),
            explanation=f"{plain(facts.name(c['id']))}: {where}",
            # The record's more precise names of the site ("behind the patella") are right too, for a set as a
            # whole ("anteromedial knee" is the medial and the anterior knee).
            # (of several regions, a site inside one of them counts as that region: "lower buttock" is the buttock)
            accepted=((_and([facts.name(r) for r in felt]),) if many else ()) + tuple(dict.fromkeys(
                p for p in [*c.get("pain_sites", []), *(w for w in within if not _ids(facts, [w]))]
                if not many or not any(p in names for names in sub.values()))),
            # a site that is an entry of its own ("tibial tuberosity") is right by all its names
            answer_ids=(() if many else (felt[0],)) + tuple(sorted(
                ({i for p in c.get("pain_sites", []) for i in facts.name_ids.get(normalize(p), ())}
                 | _ids(facts, within))
                - _ids(facts, [t for texts in sub.values() for t in texts]))),
            parts=tuple(tuple([*facts.names(r), *sub.get(r, [])]) for r in felt) if many else (),
            part_ids=tuple((r, *sorted(_ids(facts, sub.get(r, [])) & facts.by_id.keys()))
                           for r in felt) if many else (),
            entities=(c["id"], *felt), regions=tuple(felt), source=(lines or ("",))[0], sources=lines,
        ))
    for region, conditions in sorted(sites.items()):
        record = facts.by_id[region]
        names = [facts.name(x) for x in conditions]
        lines = source_lines(record)
        # A condition felt on both sides answers for each, but not by a name of the other side: "medial
        # meniscus tear" is no condition of the lateral knee.
        other = _OTHER_SIDE.get(record.get("side") or "")
        wrong_side = tuple(n for c in conditions for n in facts.names(c)
                           if other and other in normalize(n).split("-")
                           and record["side"] not in normalize(n).split("-"))
        # It also has aliases for each side ("biceps femoris tendinopathy" is lateral):
        # the other side's are wrong here.
        opposite = _OPPOSITE.get(region)
        other_side = [*wrong_side, *(alias for x in conditions for alias in facts.by_id[x].get("aliases", [])
                      if opposite and any(opposite in (regions := facts.regions(m)) and region not in regions
                                          for m in _muscles_named(facts, alias)))]
        add.append(Card(
            id=f"{region}:site-of:reverse", entity=region, kind="region", qtype="reverse", field="site-of",
            # Many conditions hurt at any one place: the question asks for one of those the knowledge base
            # covers, so that a true answer it does not hold is not marked as an error of fact.
            prompt=f"Name a condition covered in hamknee whose pain is felt at the {facts.lc(record['name'])}.",
            answer=any_of(names),
            explanation=f"Felt at the {facts.lc(record['name'])}: {_and(names)}.",
            answer_ids=tuple(conditions), rejected=tuple(other_side), entities=(region, *conditions),
            regions=(region,),
            source=(lines or ("",))[0], sources=lines,
        ))


def _key_test(c: Record) -> dict[str, Any] | None:
    for t in c.get("tests", [])[:1]:
        if "palpation" in t["name"].lower() or _NOT_KEY.search(t["description"]) or _NOT_KEY.search(t["name"]) \
                or not clinical(t):
            return None
        return t  # type: ignore[no-any-return]
    return None


def _named_inside(tests: list[Record], facts: Facts) -> tuple[tuple[str, str], ...]:
    """Tests that a test's detail names ("resisted knee flexion" in the loading provocation test): a student
    who names one has named the manoeuvre of the test, close to it."""
    own = {normalize(plain(t["name"])) for t in tests}
    found: list[tuple[str, str]] = []
    for t in tests:
        detail = "-" + normalize(t.get("description", "")) + "-"
        for name in facts.test_of:
            # an entry's name ("ultrasound" guiding a nerve block) is a tool, not the test
            if name not in own and name not in facts.name_ids and f"-{name}-" in detail:
                found.append((name.replace("-", " "), t["name"]))
    return tuple(dict.fromkeys(found))


def _scan_forms(facts: Facts, name: str) -> list[str]:
    """An investigation by each of its names: 'Compression / duplex ultrasound' is a compression ultrasound, a
    duplex ultrasound and an ultrasound by any name."""
    found = _test_forms(name, facts)
    if " / " in name:
        *heads, last = [p.strip() for p in name.split(" / ")]
        noun = last.split()[-1]
        found += [f"{h} {noun}" for h in heads] + [last]
    found += [n for i in facts.mentioned(name) for n in facts.names(i)]
    return list(dict.fromkeys(found))


def _kin(facts: Facts, c: Record) -> set[str]:
    """The conditions that are examples of the same thing as this one (SCFE, Perthes, transient synovitis, septic
    arthritis and hip osteoarthritis are all knee pain from the hip)."""
    members = facts.memo.get("example_of")
    if members is None:  # family -> its conditions, once per deck: scanning every condition for each is quadratic
        members = {}
        for o in facts.by_kind.get("condition", []):
            for link in _out(o):
                if link["type"] == "example-of":
                    members.setdefault(link["target"], set()).add(o["id"])
        facts.memo["example_of"] = members
    kin: set[str] = set()
    for link in _out(c):
        if link["type"] == "example-of":
            kin |= members.get(link["target"], set())
    return kin - {c["id"]}


# A test that is a set of criteria or a scoring rule: asked as what the diagnosis rests on, not as "a test".
_CRITERIA = re.compile(r"\b(criteria|criterion|score|rule|diagnosis)\b", re.IGNORECASE)


def test_cards(facts: Facts, add: list[Card]) -> None:
    conditions = facts.by_kind.get("condition", [])
    keys = {c["id"]: t for c in conditions if (t := _key_test(c))}
    for c in conditions:
        lines = source_lines(c)
        tests = [t for t in c.get("tests", []) if not _NOT_KEY.search(t["name"]) and clinical(t)]
        if tests:
            accepted = [f for t in tests for f in _test_forms(t["name"], facts, t.get("aliases"))]
            # an investigation the record lists (a duplex ultrasound for DVT) is no clinical test: say so
            scans = [(f, "that is an imaging investigation, not a clinical (bedside) test", False)
                     for t in c.get("tests", []) if not clinical(t) for f in _scan_forms(facts, t["name"])]
            named = sorted({i for f in accepted for i in facts.name_ids.get(normalize(f).removesuffix("-test"), ())})
            what = "clinical test or decision aid" if any(_CRITERIA.search(t["name"]) for t in tests) else \
                "clinical test"
            add.append(Card(
                id=f"{c['id']}:test:recall", entity=c["id"], kind="condition", qtype="recall", field="test",
                prompt=f"Name a {what} used in assessing {facts.lc(_unhinted(c['name'], accepted))}.",
                answer=any_of([t["name"] for t in tests]),
                explanation=first_sentence(f"{tests[0]['name']}: {tests[0]['description']}"),
                accepted=tuple(dict.fromkeys(accepted)), answer_ids=tuple(named), entities=(c["id"],),
                source=(lines or ("",))[0],
                sources=lines, close=_named_inside(tests, facts), hints=tuple(scans),
            ))
        key = keys.get(c["id"])
        if key is None:
            continue
        card_id = f"{c['id']}:key-test:choice"
        text = facts.text_of(c)
        own = {normalize(f) for t in c.get("tests", []) for f in _test_forms(t["name"], aliases=t.get("aliases"))}
        kin = _kin(facts, c)
        picked: list[tuple[str, str]] = []
        for other in facts.candidates("condition", card_id, c.get("differentials", [])):
            t = keys.get(other["id"])
            # a test of a condition of the same family (knee pain from the hip) assesses this one too: the hip
            # examination of a child with knee pain is as right for transient synovitis as for SCFE
            if other["id"] == c["id"] or t is None or other["id"] in kin:
                continue
            forms = {normalize(f) for f in _test_forms(t["name"], aliases=t.get("aliases"))}
            if forms & own or any(f"-{f}-" in text for f in forms) or \
                    any(p == t["name"] for p, _ in picked):
                continue
            picked.append((t["name"], other["id"]))
            if len(picked) == MAX_OPTIONS - 1:
                break
        if len(picked) + 1 < MIN_OPTIONS:
            continue
        options = ordered([key["name"], *(p for p, _ in picked)], card_id)
        owner = dict(picked)
        subject = facts.lc(_unhinted(c["name"], _test_forms(key["name"])))
        notes = tuple(first_sentence(f"{key['name']}: {key['description']}") if o == key["name"] else
                      f"{o}: a test used in assessing {facts.lc(facts.name(owner[o]))}, not {facts.lc(c['name'])}."
                      for o in options)
        add.append(Card(
            id=card_id, entity=c["id"], kind="condition", qtype="choice", field="key-test",
            prompt=(f"Which of these is key to the clinical diagnosis of {subject}?" if _CRITERIA.search(key["name"])
                    else f"Which is the key clinical test for {subject}?"),
            answer=key["name"],
            explanation=first_sentence(f"{key['name']}: {key['description']}"),
            accepted=tuple(_test_forms(key["name"], aliases=key.get("aliases"))), options=tuple(options),
            answer_ids=tuple(sorted({i for f in _test_forms(key["name"])
                                   for i in facts.name_ids.get(normalize(f).removesuffix("-test"), ())})),
            correct=(options.index(key["name"]),), option_notes=notes, entities=(c["id"],),
            source=(lines or ("",))[0], sources=lines,
        ))
