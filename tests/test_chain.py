"""path, why, where and diagram as a student uses them: chains, regions, the picture and its SVG."""

from __future__ import annotations

import itertools
import json
import os
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml

from hamknee.vocab import INVERSE
from tests.conftest import MINIMAL, write_kb

REPO = Path(__file__).resolve().parent.parent
SHIPPED = Path(os.environ.get("HAMKNEE_TEST_FULL_KB", REPO / "data" / "conditions.yaml"))
_SRC = [{"id": "src-a", "title": "A source", "publisher": "A publisher", "year": 2020, "url": "https://example.org"}]


def _entity(ident: str, name: str, relations: list[dict[str, str]] | None = None, **fields: Any) -> dict[str, Any]:
    return {"id": ident, "name": name, "summary": f"{name}.", "explanation": f"{name}.",
            "relations": relations or [], "sources": ["src-a"], **fields}


def _muscle(ident: str, name: str, origin: str, insertion: str, side: str, crosses: list[str],
            group: str = "hamstring", relations: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return _entity(ident, name, relations, group=group, origin={"site": origin, "detail": "x"},
                   insertion={"site": insertion, "side": side, "detail": "y"},
                   innervation={"nerve": "Sciatic nerve"}, actions={"knee": "Flexion"}, crosses=crosses)


def _place(ident: str, name: str, relations: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return _entity(ident, name, relations, attachment_type="bony landmark", bone="b", location="l")


def _region(ident: str, name: str, aliases: list[str], side: str | None, level: str) -> dict[str, Any]:
    region = _entity(ident, name, aliases=aliases, location="l", level=level)
    if side:
        region["side"] = side
    return region


def _condition(ident: str, name: str, category: str, felt_at: list[str], sign: str, test: str,
               relations: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return _entity(ident, name, relations, category=category, felt_at=felt_at, pain_location="p",
                   mechanism="m", population="p", signs=[sign, "another sign"],
                   tests=[{"name": test, "description": "d"}, {"name": "Other test", "description": "d"}],
                   imaging="i", treatment=["t"])


def chain_kb(extra_muscles: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A small knowledge base with the anatomy the chain commands need."""
    return {
        "version": 1,
        "sources": _SRC,
        "muscles": [
            _muscle("semitendinosus", "Semitendinosus", "ischial-tuberosity", "pes-anserinus", "medial",
                    ["hip", "knee"], relations=[
                        {"type": "forms", "target": "pes-anserinus", "note": "Its tendon joins the pes anserinus."},
                        {"type": "overlies", "target": "medial-collateral-ligament", "note": "It crosses the MCL."}]),
            _muscle("semimembranosus", "Semimembranosus", "ischial-tuberosity", "medial-tibial-condyle", "medial",
                    ["hip", "knee"], relations=[{"type": "stabilizes", "target": "knee-joint",
                                                 "note": "It tightens the posterior capsule."}]),
            _muscle("biceps-femoris-long-head", "Biceps femoris, long head", "ischial-tuberosity", "fibular-head",
                    "lateral", ["hip", "knee"], relations=[{"type": "part-of", "target": "biceps-femoris"}]),
            _muscle("biceps-femoris-short-head", "Biceps femoris, short head", "linea-aspera", "fibular-head",
                    "lateral", ["knee"], relations=[{"type": "part-of", "target": "biceps-femoris"}]),
            _muscle("biceps-femoris", "Biceps femoris", "ischial-tuberosity", "fibular-head", "lateral",
                    ["hip", "knee"]),
            _muscle("sartorius", "Sartorius", "anterior-superior-iliac-spine", "pes-anserinus", "medial",
                    ["hip", "knee"], group="related"),
            _muscle("gracilis", "Gracilis", "ischiopubic-ramus", "pes-anserinus", "medial", ["hip", "knee"],
                    group="related"),
            _muscle("adductor-magnus", "Adductor magnus", "ischial-tuberosity", "adductor-tubercle", "medial",
                    ["hip"], group="related"),
            *(extra_muscles or []),
        ],
        "attachments": [
            _place("ischial-tuberosity", "Ischial tuberosity"),
            _place("pes-anserinus", "Pes anserinus", [
                {"type": "overlies", "target": "pes-anserine-bursa",
                 "note": "The bursa lies deep to the conjoined tendons."},
                {"type": "irritates", "target": "pes-anserine-bursa",
                 "note": "Friction of the tendons irritates it."}]),
            _place("medial-tibial-condyle", "Medial tibial condyle"),
            _place("fibular-head", "Fibular head"),
            _place("linea-aspera", "Linea aspera"),
            _place("anterior-superior-iliac-spine", "Anterior superior iliac spine"),
            _place("ischiopubic-ramus", "Ischiopubic ramus"),
            _place("adductor-tubercle", "Adductor tubercle"),
        ],
        "structures": [
            _entity("pes-anserine-bursa", "Pes anserine bursa", [
                {"type": "inflamed-in", "target": "pes-anserine-bursitis", "note": "Friction inflames the bursa."}],
                structure_type="bursa", location="l"),
            # A hub: true steps through it ("stabilizes the knee joint, which is affected in OA") explain nothing.
            _entity("knee-joint", "Knee joint", [
                {"type": "affected-in", "target": "knee-osteoarthritis", "note": "Degeneration of the joint."},
                {"type": "located-at", "target": "medial-knee", "note": "The joint line."}],
                structure_type="joint", location="l"),
            # A neighbour: semitendinosus lies over it, which does not make it ill.
            _entity("medial-collateral-ligament", "Medial collateral ligament", [
                {"type": "affected-in", "target": "mcl-injury", "note": "Torn by valgus force."}],
                structure_type="ligament", location="l"),
        ],
        "regions": [
            _region("posterior-knee", "Posterior knee", ["posterior", "behind the knee", "back of the knee"],
                    "posterior", "knee"),
            _region("medial-knee", "Medial knee", ["medial", "inner knee", "inside of the knee"], "medial", "knee"),
            _region("lateral-knee", "Lateral knee", ["lateral", "outer knee"], "lateral", "knee"),
            _region("anterior-knee", "Anterior knee", ["anterior", "front of the knee"], "anterior", "knee"),
            _region("posterior-thigh", "Posterior thigh", ["back of the thigh", "thigh"], "posterior", "thigh"),
            _region("buttock", "Buttock", ["sitting bone", "sit bone", "gluteal region"], "posterior", "pelvis"),
        ],
        "conditions": [
            _condition("pes-anserine-bursitis", "Pes anserine bursitis", "hamstring-related", ["medial-knee"],
                       "Point tenderness over the pes anserinus", "Palpation", [
                           {"type": "located-at", "target": "medial-tibial-condyle", "note": "Upper medial tibia."},
                           {"type": "has-risk-factor", "target": "knee-osteoarthritis", "note": "Often coexists."},
                           {"type": "differential-of", "target": "distal-hamstring-tendinopathy",
                            "note": "Both hurt at the medial knee."}]),
            _condition("distal-hamstring-tendinopathy", "Distal hamstring tendinopathy", "hamstring-related",
                       ["posterior-knee", "lateral-knee"], "Tender distal tendon", "Resisted knee flexion",
                       [{"type": "affects", "target": "biceps-femoris",
                         "note": "Repeated strong contraction overloads the distal tendon."}]),
            _condition("meniscal-tear", "Meniscal tear", "knee", ["medial-knee", "posterior-knee"],
                       "Joint line tenderness", "McMurray test"),
            _condition("deep-vein-thrombosis", "Deep vein thrombosis", "red-flag", ["posterior-knee"],
                       "Calf swelling", "Wells score"),
            _condition("proximal-hamstring-tendinopathy", "Proximal hamstring tendinopathy", "hamstring-related",
                       ["buttock"], "Pain on sitting", "Bent-knee stretch test",
                       [{"type": "affects", "target": "semimembranosus", "note": "Compression at the origin."},
                        {"type": "affects", "target": "ischial-tuberosity", "note": "The common origin."}]),
            _condition("hamstring-strain", "Hamstring strain", "hamstring-related", ["posterior-thigh"],
                       "Pain on stretch", "Palpation",
                       [{"type": "affects", "target": "biceps-femoris-long-head", "note": "Late swing overload."}]),
            _condition("patellofemoral-pain", "Patellofemoral pain", "knee", ["anterior-knee"],
                       "Pain on squatting", "Squat test"),
            _condition("knee-osteoarthritis", "Knee osteoarthritis", "knee", ["medial-knee"],
                       "Crepitus", "Radiograph"),
            _condition("mcl-injury", "MCL injury", "knee", ["medial-knee"], "Valgus laxity", "Valgus stress test"),
        ],
        "concepts": [
            _entity("lonely-idea", "Lonely idea", category="anatomy"),
            _entity("tight-hamstrings", "Tight hamstrings", [
                {"type": "risk-factor-for", "target": "hamstring-strain", "note": "Limited flexibility."}],
                category="pathology"),
            # A catalogue hub: a test that diagnoses everything must not become a "mechanism".
            _entity("mri", "MRI", [{"type": "diagnoses", "target": c, "note": "Shows it."}
                                   for c in ("hamstring-strain", "meniscal-tear", "pes-anserine-bursitis")],
                    category="assessment"),
        ],
    }


@pytest.fixture
def kb(tmp_path: Path) -> str:
    path = tmp_path / "chain.yaml"
    path.write_text(yaml.safe_dump(chain_kb(), sort_keys=False), encoding="utf-8")
    return str(path)


def names(chain: list[dict[str, Any]]) -> list[str]:
    return [chain[0]["from"], *(hop["to"] for hop in chain)]


# -- path ------------------------------------------------------------------------------------------------


def test_path_follows_typed_relations_in_words(hk, kb):
    r = hk("--kb", kb, "path", "semitendinosus", "pes-anserine-bursitis")
    assert r.exit_code == 0, r.stderr
    assert ("Semitendinosus --forms--> Pes anserinus --irritates--> Pes anserine bursa --inflamed in--> "
            "Pes anserine bursitis") in " ".join(r.stdout.split())
    assert "1 chain of 3 steps" in r.stdout


def test_path_json_gives_the_hops(hk, kb):
    r = hk("--kb", kb, "path", "SEMITENDINOSUS", "Pes anserine bursitis", "--json")
    assert r.exit_code == 0, r.stderr
    chains = json.loads(r.stdout)
    assert names(chains[0]) == ["semitendinosus", "pes-anserinus", "pes-anserine-bursa", "pes-anserine-bursitis"]
    assert [h["relation"] for h in chains[0]] == ["forms", "irritates", "inflamed-in"]
    assert [h["role"] for h in chains[0]] == ["anatomical", "mechanical", "clinical"]
    assert chains[0][0] == {"from": "semitendinosus", "relation": "forms", "label": "forms", "role": "anatomical",
                            "to": "pes-anserinus", "note": "Its tendon joins the pes anserinus.", "mark": None}


def test_path_marks_an_association_as_not_a_cause(hk, kb):
    chains = json.loads(hk("--kb", kb, "path", "tight-hamstrings", "hamstring-strain", "--json").stdout)
    assert [(h["relation"], h["role"]) for h in chains[0]] == [("risk-factor-for", "association")]
    text = " ".join(hk("--kb", kb, "path", "tight-hamstrings", "hamstring-strain").stdout.split())
    assert "Tight hamstrings --a risk factor for [association]--> Hamstring strain" in text
    assert "Steps marked [association] link the two entries but are not causes: [association] is a risk factor." in text


def test_path_shows_every_equally_short_chain_up_to_max(hk, kb):
    r = hk("--kb", kb, "path", "semitendinosus", "fibular-head", "--json")
    chains = json.loads(r.stdout)
    assert len(chains) >= 2 and len({len(c) for c in chains}) == 1
    assert len({tuple(names(c)) for c in chains}) == len(chains)  # no chain twice
    r = hk("--kb", kb, "path", "semitendinosus", "fibular-head", "--max", "1", "--json")
    assert len(json.loads(r.stdout)) == 1
    r = hk("--kb", kb, "path", "semitendinosus", "fibular-head")
    assert "equally short chains" in r.stdout and "1. " in r.stdout and "2. " in r.stdout


def test_path_is_deterministic(hk, kb):
    first = hk("--kb", kb, "path", "sartorius", "hamstring-strain", "--json").stdout
    assert first and all(hk("--kb", kb, "path", "sartorius", "hamstring-strain", "--json").stdout == first
                         for _ in range(3))


def test_no_chain_is_a_clear_error(hk, kb):
    r = hk("--kb", kb, "path", "semitendinosus", "lonely-idea")
    assert r.exit_code == 1
    assert r.stdout == ""
    assert "No chain of relations links semitendinosus to lonely-idea" in r.stderr
    assert "Traceback" not in r.stderr


def test_a_close_misspelling_opens_its_entry(hk, kb):
    r = hk("--kb", kb, "path", "semitendinosis", "pes-anserine-bursitis")
    assert r.exit_code == 0, r.stderr
    assert r.stderr.strip() == "Showing semitendinosus for 'semitendinosis' (the closest spelling)."


def test_unknown_term_offers_what_it_may_mean(hk, kb):
    r = hk("--kb", kb, "path", "zzzqqq", "pes-anserine-bursitis")
    assert r.exit_code == 1
    assert "No entry for 'zzzqqq'." in r.stderr and "hamknee list" in r.stderr


def test_same_entry_twice_is_a_usage_error(hk, kb):
    r = hk("--kb", kb, "path", "semitendinosus", "Semitendinosus")
    assert r.exit_code == 2 and "same entry" in r.stderr


def test_unknown_relation_type_is_a_validation_error(hk, tmp_path):
    text = MINIMAL.replace("type: forms", "type: pokes")
    r = hk("validate", str(write_kb(tmp_path / "bad.yaml", text)))
    assert r.exit_code == 3
    assert "relations" in r.stderr and "type" in r.stderr


def test_every_relation_type_has_an_inverse_both_ways():
    assert all(INVERSE[INVERSE[t]] == t for t in INVERSE)


# -- why -------------------------------------------------------------------------------------------------


def test_why_gives_each_hamstring_chain_with_mechanisms(hk, kb):
    r = hk("--kb", kb, "why", "pes-anserine-bursitis")
    assert r.exit_code == 0, r.stderr
    text = " ".join(r.stdout.split())
    assert "From Semitendinosus (3 steps)" in text
    assert ("Semitendinosus --forms--> Pes anserinus --irritates--> Pes anserine bursa --inflamed in--> "
            "Pes anserine bursitis") in text
    assert "Pes anserinus irritates Pes anserine bursa: Friction of the tendons irritates it." in text
    assert "Educational reference" in text


def test_why_follows_mechanisms_not_catalogue_links(hk, kb):
    answer = json.loads(hk("--kb", kb, "why", "pes-anserine-bursitis", "--json").stdout)
    for start in answer["from"]:
        for chain in start["chains"]:
            assert "mri" not in names(chain)  # "diagnosed with MRI, which diagnoses X" is not a mechanism
    r = hk("--kb", kb, "why", "hamstring-strain", "--json")
    starts = {s["start"]: s for s in json.loads(r.stdout)["from"]}
    assert names(starts["biceps-femoris-long-head"]["chains"][0]) == ["biceps-femoris-long-head", "hamstring-strain"]


def test_why_shows_a_risk_factor_as_an_association_not_a_link(hk, kb):
    answer = json.loads(hk("--kb", kb, "why", "hamstring-strain", "--json").stdout)
    assert "tight-hamstrings" not in {s["start"] for s in answer["from"]}
    assert [(a["factor"], a["role"], a["from_hamstrings"]) for a in answer["associations"]] == [
        ("tight-hamstrings", "association", True)]
    text = " ".join(hk("--kb", kb, "why", "hamstring-strain").stdout.split())
    assert ("Risk factors: associated with it, not steps of a mechanism - Tight hamstrings is a risk factor for "
            "Hamstring strain: Limited flexibility.") in text
    assert "--a risk factor for-->" not in text


def test_why_never_passes_through_a_hub(hk, kb):
    # Semimembranosus stabilizes the knee joint, which is affected in OA, a risk factor for the bursitis:
    # three true statements, and no mechanism.
    answer = json.loads(hk("--kb", kb, "why", "pes-anserine-bursitis", "--json").stdout)
    assert {s["start"] for s in answer["from"]} == {"semitendinosus"}
    assert "semimembranosus" in answer["unreachable"]
    r = hk("--kb", kb, "why", "knee-osteoarthritis", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["from"] == []


def test_why_never_follows_a_contrast_or_a_neighbour(hk, kb):
    # Distal tendinopathy "is confused with" pes anserine bursitis: biceps femoris reaches the first, not the second.
    answer = json.loads(hk("--kb", kb, "why", "pes-anserine-bursitis", "--json").stdout)
    assert "biceps-femoris" in answer["unreachable"]
    # Semitendinosus lies over the MCL: lying next to a ligament does not tear it.
    r = hk("--kb", kb, "why", "mcl-injury", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["from"] == []


def test_why_a_condition_at_a_shared_bone_is_not_every_muscle_there(hk, kb):
    # Adductor magnus arises from the ischial tuberosity too; the tendinopathy is of the hamstring origin.
    answer = json.loads(hk("--kb", kb, "why", "proximal-hamstring-tendinopathy", "--json").stdout)
    chains = {s["start"]: [names(c) for c in s["chains"]] for s in answer["from"]}
    # The chain through the origin holds every entry of the direct one, so only the direct one is shown.
    assert chains["semimembranosus"] == [["semimembranosus", "proximal-hamstring-tendinopathy"]]
    assert "semitendinosus" not in chains  # it arises there too, but the condition does not involve it here
    r = hk("--kb", kb, "diagram", "proximal-hamstring-tendinopathy", "--json")
    assert set(json.loads(r.stdout)["highlighted"]) == {"semimembranosus", "ischial-tuberosity"}


def test_why_needs_a_condition_region_or_entry(hk, kb):
    r = hk("--kb", kb, "why", "zzzqqq")
    assert r.exit_code == 1 and "No condition or region for 'zzzqqq'" in r.stderr


def test_why_with_no_chain_answers_that_no_mechanism_is_recorded(hk, kb):
    # "No hamstring mechanism" is an answer for a student, the same whether or not risk factors are recorded.
    for condition in ("patellofemoral-pain", "mcl-injury"):
        r = hk("--kb", kb, "why", condition)
        assert r.exit_code == 0 and r.stderr == "", r.stderr
        text = " ".join(r.stdout.split())
        assert "No mechanism from a hamstring is recorded within 6 steps." in text
        assert f"See: hamknee explain {condition}" in text


@pytest.mark.parametrize("term", ["medial knee pain", "Medial knee", "pain in the inner knee", "inner knee ache"])
def test_why_a_symptom_lists_the_hamstring_conditions_felt_there(hk, kb, term):
    r = hk("--kb", kb, "why", term, "--json")
    assert r.exit_code == 0, r.stderr
    answer = json.loads(r.stdout)
    assert answer["region"] == "medial-knee"
    assert [c["condition"] for c in answer["conditions"]] == ["pes-anserine-bursitis"]
    assert names(answer["conditions"][0]["from"][0]["chains"][0])[0] == "semitendinosus"
    assert {c["condition"] for c in answer["also_felt_here"]} == {"meniscal-tear", "knee-osteoarthritis", "mcl-injury"}


def test_why_behind_the_knee_in_words(hk, kb):
    r = hk("--kb", kb, "why", "behind the knee")
    assert r.exit_code == 0, r.stderr
    text = " ".join(r.stdout.split())
    assert text.startswith("Why pain at the posterior knee? Hamstring-related conditions felt there")
    assert "Distal hamstring tendinopathy (hamstring-related) From Biceps femoris" in text
    assert "Biceps femoris --affected in--> Distal hamstring tendinopathy" in text
    assert "Also felt here, to rule out: Meniscal tear, Deep vein thrombosis." in text
    assert "Educational reference" in text


def test_why_a_region_with_no_hamstring_condition_says_so_and_lists_what_is_felt_there(hk, kb):
    r = hk("--kb", kb, "why", "front of the knee pain")
    assert r.exit_code == 0 and r.stderr == "", r.stderr
    text = " ".join(r.stdout.split())
    assert "No hamstring-related condition is felt at the anterior knee" in text
    assert "hamknee where anterior-knee" in text
    answer = json.loads(hk("--kb", kb, "why", "front of the knee pain", "--json").stdout)
    assert answer["conditions"] == []


def test_why_prints_each_explanation_once(hk, kb):
    text = " ".join(hk("--kb", kb, "why", "distal-hamstring-tendinopathy").stdout.split())
    # Both heads reach the condition through the whole muscle: one chain, shown once, with the heads named.
    assert "From Biceps femoris, with its long head and short head (1 step)" in text
    assert text.count("Repeated strong contraction overloads the distal tendon.") == 1


# -- where -----------------------------------------------------------------------------------------------

REGIONS = {
    "posterior": "posterior-knee", "behind the knee": "posterior-knee", "medial": "medial-knee",
    "inner knee": "medial-knee", "lateral": "lateral-knee", "outer knee": "lateral-knee",
    "anterior": "anterior-knee", "front of the knee": "anterior-knee", "back of the thigh": "posterior-thigh",
    "buttock": "buttock", "sitting bone": "buttock",
}


@pytest.mark.parametrize(("term", "region"), sorted(REGIONS.items()))
def test_where_resolves_every_region_and_alias(hk, kb, term, region):
    r = hk("--kb", kb, "where", term, "--json")
    assert r.exit_code == 0, r.stderr
    answer = json.loads(r.stdout)
    assert answer["region"] == region
    felt = [c["id"] for g in answer["groups"] for c in g["conditions"]]
    expected = {c["id"] for c in chain_kb()["conditions"] if region in c["felt_at"]}
    assert set(felt) == expected


def test_where_groups_with_sign_and_test(hk, kb):
    r = hk("--kb", kb, "where", "behind the knee", env={"FORCE_COLOR": "1", "COLUMNS": "200"})
    assert r.exit_code == 0
    text = r.stdout
    assert text.index("Hamstring-related") < text.index("Knee and other problems to rule out") < text.index(
        "Red flags")
    assert "Distal hamstring tendinopathy" in text and "Tender distal tendon" in text
    assert "Resisted knee flexion" in text and "McMurray test" in text and "Wells score" in text
    assert "Other test" not in text  # only the key test
    assert "Educational reference" in text
    groups = {g["group"]: [c["id"] for c in g["conditions"]]
              for g in json.loads(hk("--kb", kb, "where", "posterior", "--json").stdout)["groups"]}
    assert groups == {"hamstring-related": ["distal-hamstring-tendinopathy"], "rule-out": ["meniscal-tear"],
                      "red-flag": ["deep-vein-thrombosis"]}


def test_where_unknown_region(hk, kb):
    r = hk("--kb", kb, "where", "semitendinosus")
    assert r.exit_code == 1 and "No region for 'semitendinosus'" in r.stderr


# -- diagram ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("columns", ["80", "60"])
def test_diagram_fits_and_draws_from_the_records(hk, kb, columns):
    r = hk("--kb", kb, "diagram", env={"COLUMNS": columns})
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert max(len(line) for line in lines) <= int(columns)
    text = r.stdout
    for name in ("Semitendinosus", "Semimembranosus", "Biceps femoris, long head", "Biceps femoris, short head",
                 "Sartorius", "Gracilis", "Ischial tuberosity", "Pes anserinus", "Fibular head", "Linea aspera",
                 "Medial tibial condyle", "knee"):
        assert name in text
    assert "┼" in text and "●" in text and ">>" not in text
    # The whole biceps is drawn as its two heads, not as a third row.
    assert not any("Biceps femoris " in line and "head" not in line for line in lines)
    # The short head starts below the hip (it does not cross it): its row has no crossing before the knee.
    short = next(line for line in lines if "short head" in line or "Linea aspera" in line)
    assert short.count("┼") == 1 or "Linea aspera" not in short


def test_diagram_highlights_a_muscle_in_plain_text(hk, kb):
    r = hk("--kb", kb, "diagram", "biceps-femoris", env={"COLUMNS": "80"})
    assert r.exit_code == 0
    marked = [line for line in r.stdout.splitlines() if line.startswith(">>")]
    assert len(marked) == 2
    assert any("*Biceps femoris, long head*" in line for line in marked)
    assert any("*Linea aspera*" in line for line in marked)
    assert "*Fibular head*" in r.stdout
    assert not any("Semitendinosus" in line for line in marked)


def test_diagram_marks_an_attachment_and_what_attaches(hk, kb):
    r = hk("--kb", kb, "diagram", "pes-anserinus", env={"COLUMNS": "80"})
    marked = [line for line in r.stdout.splitlines() if line.startswith(">>")]
    assert {m for m in ("Semitendinosus", "Sartorius", "Gracilis") if any(m in line for line in marked)} == {
        "Semitendinosus", "Sartorius", "Gracilis"}
    assert "*Pes anserinus*" in r.stdout
    assert not any("Semimembranosus" in line for line in marked)


def test_diagram_marks_a_conditions_pain_region(hk, kb):
    r = hk("--kb", kb, "diagram", "pes-anserine-bursitis", env={"COLUMNS": "80"})
    assert r.exit_code == 0
    assert "▲" in r.stdout and "pain felt at: Medial knee" in r.stdout
    assert "*Pes anserinus*" in r.stdout


def test_diagram_shows_an_added_muscle(hk, tmp_path):
    extra = _muscle("semitendinosus-minor", "Testmuscle", "ischial-tuberosity", "fibular-head", "lateral", ["knee"])
    path = tmp_path / "more.yaml"
    path.write_text(yaml.safe_dump(chain_kb([extra]), sort_keys=False), encoding="utf-8")
    r = hk("--kb", str(path), "diagram", "Testmuscle", env={"COLUMNS": "80"})
    assert r.exit_code == 0, r.stderr
    row = next(line for line in r.stdout.splitlines() if "Testmuscle" in line)
    assert row.startswith(">>") and "*Fibular head*" in r.stdout


@pytest.mark.parametrize("columns", ["80", "60"])
def test_diagram_falls_back_to_ascii(kb, columns, tmp_path):
    env = dict(os.environ, PYTHONIOENCODING="ascii", COLUMNS=columns, HAMKNEE_HOME=str(tmp_path / "home"))
    env.pop("NO_COLOR", None)
    done = subprocess.run([sys.executable, "-m", "hamknee", "--kb", kb, "diagram", "biceps-femoris"],
                          capture_output=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    text = done.stdout.decode("ascii")  # raises if anything is not ASCII
    assert "+" in text and "|" in text and "?" not in text
    assert ">>" in text and "*Fibular head*" in text
    assert max(len(line) for line in text.splitlines()) <= int(columns)


def test_diagram_svg_is_xml(hk, kb, tmp_path):
    target = tmp_path / "knee.svg"
    r = hk("--kb", kb, "diagram", "pes-anserinus", "--svg", str(target))
    assert r.exit_code == 0, r.stderr
    root = ET.parse(target).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    text = "".join(root.itertext())
    assert "Semitendinosus" in text and "Pes anserinus" in text and "Gracilis" in text
    assert root.find("{http://www.w3.org/2000/svg}rect[@fill='#ffe066']") is not None  # the highlight


def test_diagram_svg_unwritable_path(hk, kb, tmp_path):
    r = hk("--kb", kb, "diagram", "--svg", str(tmp_path / "missing" / "dir" / "knee.svg"))
    assert r.exit_code == 4
    assert r.stderr.startswith("Error: Cannot write") and len(r.stderr.strip().splitlines()) == 1


def test_diagram_unknown_term(hk, kb):
    r = hk("--kb", kb, "diagram", "zzzqqq")
    assert r.exit_code == 1 and "No entry for 'zzzqqq'" in r.stderr and "hamknee list" in r.stderr
    assert hk("--kb", kb, "diagram", "semitendinosis").exit_code == 0  # the one close spelling


# -- the shipped knowledge base ---------------------------------------------------------------------------


def _full() -> bool:
    try:
        text = SHIPPED.read_text(encoding="utf-8")
    except OSError:
        return False
    return all(f"id: {ident}" in text for ident in ("biceps-femoris-short-head", "bakers-cyst", "buttock"))


full_kb = pytest.mark.skipif(not _full(), reason="the full knowledge base is not in data/conditions.yaml yet")

PAIRS = [
    ("semitendinosus", "pes-anserine-bursitis"),
    ("semimembranosus", "bakers-cyst"),
    ("biceps-femoris-long-head", "hamstring-strain"),
    ("biceps-femoris", "sciatic-nerve-irritation"),
    ("semimembranosus", "proximal-hamstring-tendinopathy"),
    ("biceps-femoris", "distal-hamstring-tendinopathy"),
]


@full_kb
@pytest.mark.parametrize(("start", "goal"), PAIRS)
def test_shipped_paths_from_muscle_to_condition(hk, start, goal):
    r = hk("--kb", str(SHIPPED), "path", start, goal, "--json")
    assert r.exit_code == 0, r.stderr
    chains = json.loads(r.stdout)
    assert chains and len({len(c) for c in chains}) == 1
    for chain in chains:
        assert chain[0]["from"] == start and chain[-1]["to"] == goal
        assert all(a["to"] == b["from"] for a, b in itertools.pairwise(chain))
        assert all(hop["relation"] in INVERSE for hop in chain)
    text = hk("--kb", str(SHIPPED), "path", start, goal).stdout
    assert "-->" in text


@full_kb
def test_shipped_why_pes_anserine_bursitis_starts_at_semitendinosus(hk):
    answer = json.loads(hk("--kb", str(SHIPPED), "why", "pes-anserine-bursitis", "--json").stdout)
    assert answer["from"][0]["start"] == "semitendinosus"
    assert all(hop["note"] for s in answer["from"] for c in s["chains"] for hop in c)


@full_kb
@pytest.mark.parametrize("term", ["posterior", "medial", "lateral", "anterior", "back of the thigh", "sitting bone"])
def test_shipped_where(hk, term):
    r = hk("--kb", str(SHIPPED), "where", term, env={"FORCE_COLOR": "1"})
    assert r.exit_code == 0, r.stderr
    assert "Pain felt at:" in r.stdout
    piped = hk("--kb", str(SHIPPED), "where", term)  # for grep: one condition a line, every field on it
    assert piped.stdout and all(len(line.split("\t")) == 5 for line in piped.stdout.splitlines())
    assert "Educational reference" in piped.stderr


@full_kb
def test_shipped_diagram_at_80_columns(hk):
    r = hk("--kb", str(SHIPPED), "diagram", "biceps-femoris", env={"COLUMNS": "80"})
    assert r.exit_code == 0
    assert max(len(line) for line in r.stdout.splitlines()) <= 80
    assert "Pes anserinus" in r.stdout and "Fibular head" in r.stdout


def _shipped() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    return data


def _hubs(data: dict[str, Any]) -> set[str]:
    """Regions, joints and spaces, and wholes of three or more parts, read from the YAML itself."""
    found = {e["id"] for e in data["regions"]}
    found |= {e["id"] for e in data["structures"] if e["structure_type"] in ("joint", "space")}
    parts: dict[str, int] = {}
    for section in ("muscles", "attachments", "structures", "concepts"):
        for entity in data[section]:
            for rel in entity.get("relations", []):
                whole = {"part-of": rel["target"], "has-part": entity["id"]}.get(rel["type"])
                if whole:
                    parts[whole] = parts.get(whole, 0) + 1
    return found | {whole for whole, count in parts.items() if count >= 3}


CONTRAST = {"differential-of", "mimics", "mimicked-by"}


@full_kb
def test_shipped_no_why_chain_crosses_a_contrast_an_association_or_a_hub(hk):
    data = _shipped()
    hubs = _hubs(data)
    assert {"knee-joint", "popliteal-fossa", "medial-knee", "hamstrings"} <= hubs
    read = 0
    for condition in data["conditions"]:
        r = hk("--kb", str(SHIPPED), "why", condition["id"], "--max", "20", "--json")
        if r.exit_code == 1:
            assert "No mechanism leads from a hamstring" in r.stderr
            continue
        assert r.exit_code == 0, r.stderr
        answer = json.loads(r.stdout)
        conditions = {c["id"] for c in data["conditions"]}
        for start in answer["from"]:
            entries = [{h["to"] for h in chain} for chain in start["chains"]]
            # Each says something new: only another condition on the way makes a second mechanism of the same steps.
            assert not any(a <= b and not (b - a) & conditions
                           for a, b in itertools.permutations(entries, 2)), start
            for chain in start["chains"]:
                read += 1
                assert chain[-1]["to"] == condition["id"]
                for hop in chain:
                    assert hop["relation"] not in CONTRAST, chain
                    assert hop["role"] in ("anatomical", "mechanical", "clinical"), chain
                    assert hop["relation"] not in ("overlies", "lies-deep-to", "crosses", "crossed-by"), chain
                for hop in chain[:-1]:
                    assert hop["to"] not in hubs, chain
        for row in answer["associations"]:
            assert row["role"] == "association" and row["relation"] == "risk-factor-for"
    assert read >= 12


@full_kb
def test_shipped_why_medial_knee_pain_lists_pes_anserine_bursitis(hk):
    r = hk("--kb", str(SHIPPED), "why", "medial knee pain", "--json")
    assert r.exit_code == 0, r.stderr
    answer = json.loads(r.stdout)
    listed = {c["condition"]: c for c in answer["conditions"]}
    assert "pes-anserine-bursitis" in listed
    chain = listed["pes-anserine-bursitis"]["from"][0]["chains"][0]
    assert names(chain) == ["semitendinosus", "pes-anserinus", "pes-anserine-bursa", "pes-anserine-bursitis"]
    assert all(c["category"] == "hamstring-related" for c in answer["conditions"])
    text = " ".join(hk("--kb", str(SHIPPED), "why", "medial knee pain").stdout.split())
    assert "Pes anserine bursitis (hamstring-related) From Semitendinosus (3 steps)" in text


@full_kb
def test_shipped_why_behind_the_knee_lists_distal_hamstring_tendinopathy(hk):
    r = hk("--kb", str(SHIPPED), "why", "behind the knee")
    assert r.exit_code == 0, r.stderr
    text = " ".join(r.stdout.split())
    assert "Distal hamstring tendinopathy (hamstring-related)" in text
    assert "Semimembranosus --affected in--> Distal hamstring tendinopathy" in text
    answer = json.loads(hk("--kb", str(SHIPPED), "why", "behind the knee", "--json").stdout)
    assert answer["region"] == "posterior-knee"
    assert "distal-hamstring-tendinopathy" in [c["condition"] for c in answer["conditions"]]


@full_kb
def test_shipped_why_help_examples_work(hk):
    block = hk("why", "--help").stdout.split("Examples:", 1)[1]  # one example a line
    examples = [line.strip()[len("hamknee "):] for line in block.splitlines() if line.strip().startswith("hamknee why")]
    assert len(examples) >= 2 and any("medial knee pain" in e for e in examples)
    for example in examples:
        r = hk("--kb", str(SHIPPED), *shlex.split(example))
        assert r.exit_code == 0, (example, r.stderr)


@full_kb
def test_shipped_why_prints_each_explanation_once(hk):
    r = hk("--kb", str(SHIPPED), "why", "sciatic-nerve-irritation", "--max", "5")
    answer = json.loads(hk("--kb", str(SHIPPED), "why", "sciatic-nerve-irritation", "--max", "5", "--json").stdout)
    hops = [h for s in answer["from"] for c in s["chains"] for h in c]
    repeated = [h for h in hops if sum(1 for o in hops if (o["from"], o["relation"], o["to"]) ==
                                       (h["from"], h["relation"], h["to"])) > 1]
    assert repeated  # several hamstrings share the tendinopathy's step onto the nerve
    text = " ".join(r.stdout.split())
    for h in repeated:
        assert text.count(" ".join(h["note"].split())) == 1
    assert "(explained above)" in text


@full_kb
def test_shipped_diagram_pes_anserine_bursitis_leaves_out_its_neighbours(hk):
    answer = json.loads(hk("--kb", str(SHIPPED), "diagram", "pes-anserine-bursitis", "--json").stdout)
    assert {"semitendinosus", "pes-anserinus"} <= set(answer["highlighted"])
    assert not {"semimembranosus", "biceps-femoris", "biceps-femoris-long-head",
                "biceps-femoris-short-head"} & set(answer["highlighted"])
    lines = hk("--kb", str(SHIPPED), "diagram", "pes-anserine-bursitis", env={"COLUMNS": "80"}).stdout.splitlines()
    for line in lines:
        if "Semimembranosus" in line or "Biceps femoris" in line:
            assert not line.startswith(">>") and "*Semimembranosus*" not in line and "*Biceps" not in line, line
    assert any(line.startswith(">>") and "*Semitendinosus*" in line for line in lines)


def _diagram(hk, term: str) -> tuple[dict, list[str]]:
    answer = json.loads(hk("--kb", str(SHIPPED), "diagram", term, "--json").stdout)
    lines = hk("--kb", str(SHIPPED), "diagram", term, env={"COLUMNS": "80"}).stdout.splitlines()
    return answer, lines


@full_kb
def test_shipped_diagram_bakers_cyst_does_not_light_the_muscle_it_lies_beside(hk):
    answer, lines = _diagram(hk, "bakers-cyst")
    assert "semimembranosus" not in answer["highlighted"]
    assert not any(line.startswith(">>") for line in lines)
    caption = " ".join(" ".join(lines).split())
    assert "Baker's cyst: not drawn here" in caption and "marked >>" not in caption


@full_kb
def test_shipped_diagram_plc_injury_lights_the_fibular_head(hk):
    answer, _lines = _diagram(hk, "posterolateral-corner-injury")
    assert {"fibular-head", "biceps-femoris-long-head", "biceps-femoris-short-head"} <= set(answer["highlighted"])


@full_kb
@pytest.mark.parametrize(("term", "unlit"), [("distal-hamstring-tear", "Gracilis"),
                                             ("lcl-injury", "Biceps femoris, short head")])
def test_shipped_diagram_row_marker_only_on_a_highlighted_muscle(hk, term, unlit):
    _answer, lines = _diagram(hk, term)
    row = next(line for line in lines if unlit in line)
    assert not row.startswith(">>") and f"*{unlit}*" not in row
    assert all(line.count("*") >= 2 for line in lines if line.startswith(">>"))


@full_kb
def test_shipped_path_semitendinosus_to_pes_anserine_bursitis_passes_the_bursa(hk):
    chains = json.loads(hk("--kb", str(SHIPPED), "path", "semitendinosus", "pes-anserine-bursitis",
                           "--json").stdout)
    assert "pes-anserine-bursa" in names(chains[0])
    assert all("pes-anserine-bursa" in names(c) for c in chains
               if all(h["role"] not in ("contrast", "association") for h in c))
    text = " ".join(hk("--kb", str(SHIPPED), "path", "semitendinosus", "pes-anserine-bursitis").stdout.split())
    assert "1. Semitendinosus --forms--> Pes anserinus --irritates--> Pes anserine bursa --inflamed in-->" in text


@full_kb
def test_shipped_path_marks_contrast_steps(hk):
    chains = json.loads(hk("--kb", str(SHIPPED), "path", "biceps-femoris", "bakers-cyst", "--json").stdout)
    assert any(h["role"] == "contrast" for c in chains for h in c)
    text = " ".join(hk("--kb", str(SHIPPED), "path", "biceps-femoris", "bakers-cyst").stdout.split())
    assert "--confused with [contrast]-->" in text and "--confused with-->" not in text
    assert "Steps marked [contrast] link the two entries but are not causes: [contrast] tells two things apart." in text


def test_every_relation_type_has_a_role():
    from hamknee.vocab import ROLE, ROLES

    assert set(ROLE) == set(INVERSE)
    assert set(ROLE.values()) <= set(ROLES)
    assert ROLE["differential-of"] == "contrast" and ROLE["has-risk-factor"] == "association"


# -- why, asked of a muscle ---------------------------------------------------------------------------------

def test_why_a_muscle_lists_the_conditions_it_leads_to(hk):
    r = hk("why", "semitendinosus")
    assert r.exit_code == 0, r.stderr
    assert "Pes anserine bursitis" in r.stdout and "hamknee why pes-anserine-bursitis" in r.stdout
    assert "hamknee path semitendinosus" in r.stdout
    data = json.loads(hk("why", "semitendinosus", "--json").stdout)
    reached = [item["condition"] for item in data["leads_to"]]
    assert "pes-anserine-bursitis" in reached and "hamstring-strain" in reached
    # The same chains `why CONDITION` shows: each condition listed has one from semitendinosus.
    for ident in reached[:3]:
        answer = json.loads(hk("why", ident, "--json").stdout)
        assert "semitendinosus" in {g["start"] for g in answer["from"]}, ident


def test_why_a_muscle_counts_its_parts(hk):
    data = json.loads(hk("why", "biceps", "femoris", "--json").stdout)
    assert "hamstring-strain" in [item["condition"] for item in data["leads_to"]]  # through its long head


def test_why_an_entry_with_no_mechanism_says_what_why_takes(hk):
    r = hk("why", "gracilis")
    assert r.exit_code == 1
    assert "hamknee why pes-anserine-bursitis" in r.stderr and "hamknee explain gracilis" in r.stderr


@full_kb
def test_shipped_why_anterior_knee_shows_the_hamstring_association_it_has(hk):
    r = hk("--kb", str(SHIPPED), "why", "anterior-knee")
    assert r.exit_code == 0, r.stderr
    text = " ".join(r.stdout.split())
    assert "Felt here and associated with the hamstrings: risk factors, not steps of a mechanism" in text
    assert "Tight hamstrings (reduced hamstring flexibility) is a risk factor for Patellofemoral pain" in text
    answer = json.loads(hk("--kb", str(SHIPPED), "why", "anterior-knee", "--json").stdout)
    assert [a["condition"] for a in answer["associated"]] == ["patellofemoral-pain"]


def test_a_complaint_about_a_place_is_not_read_as_a_misspelling(hk):
    # 'front of the knee pain' names the front of the knee: no "closest spelling" note on stderr.
    r = hk("why", "front", "of", "the", "knee", "pain")
    assert r.exit_code == 0, r.stderr
    assert "closest spelling" not in r.stderr
    assert "anterior knee" in " ".join(r.stdout.split())


@pytest.mark.parametrize("command", ["where", "why"])
def test_where_and_why_alone_list_the_regions_with_their_commands(hk, command):
    r = hk(command)
    assert r.exit_code == 0, r.stderr
    assert f"  Medial knee: hamknee {command} medial-knee" in r.stdout.splitlines()
    assert f"  Buttock: hamknee {command} buttock" in r.stdout.splitlines()
    data = hk(command, "--json")
    assert data.exit_code == 0 and {"id": "medial-knee", "name": "Medial knee",
                                    "command": f"hamknee {command} medial-knee"} in json.loads(data.stdout)


@pytest.mark.parametrize(("args", "command"), [(["why", "knee", "pain"], "why"), (["where", "knee"], "where")])
def test_knee_pain_anywhere_offers_the_knee_regions(hk, args, command):
    r = hk(*args)
    assert r.exit_code == 1 and "Showing" not in r.stderr
    for region in ("medial-knee", "lateral-knee", "anterior-knee", "posterior-knee"):
        assert f": hamknee {command} {region}" in r.stderr
    assert "knee-pain-from-the-hip" not in r.stderr


def test_why_hamstrings_is_what_the_group_leads_to_knee_included(hk):
    r = hk("why", "hamstrings", env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith("What does Hamstrings")
    assert "Why pain at the posterior thigh" not in r.stdout
    for name in ("Distal hamstring tendinopathy", "Pes anserine bursitis", "Distal hamstring tear"):
        assert name in r.stdout


@pytest.mark.parametrize(("words", "ends"), [
    (["semimembranosus", "bakers", "cyst"], ("semimembranosus", "bakers-cyst")),
    (["biceps", "femoris", "common", "fibular", "nerve"], ("biceps-femoris", "common-fibular-nerve")),
])
def test_path_takes_unquoted_names_of_several_words(hk, words, ends):
    r = hk("path", *words, "--json")
    assert r.exit_code == 0, r.stderr
    chain = json.loads(r.stdout)[0]
    assert (chain[0]["from"], chain[-1]["to"]) == ends


def test_path_that_cannot_be_split_says_to_quote(hk):
    r = hk("path", "zzq", "yyq", "xxq")
    assert r.exit_code == 2
    assert "need quotes or hyphens" in r.stderr


def test_compare_takes_unquoted_names_of_several_words(hk):
    r = hk("compare", "pes", "anserine", "bursitis", "bakers", "cyst", "--json")
    assert r.exit_code == 0, r.stderr
    assert [e["id"] for e in json.loads(r.stdout)] == ["pes-anserine-bursitis", "bakers-cyst"]
    three = hk("compare", "semitendinosus", "semimembranosus", "biceps", "femoris", "--json")
    assert [e["id"] for e in json.loads(three.stdout)] == ["semitendinosus", "semimembranosus", "biceps-femoris"]


def test_compare_that_fails_says_to_quote(hk):
    r = hk("compare", "pes", "anserne", "bursitis", "bakers", "cyst")
    assert r.exit_code == 1
    assert "need quotes or hyphens" in r.stderr


@full_kb
def test_diagram_of_the_knee_lights_both_heads_of_biceps_femoris(hk):
    r = hk("--kb", str(SHIPPED), "diagram", "knee", "--json")
    assert r.exit_code == 0, r.stderr
    lit = set(json.loads(r.stdout)["highlighted"])
    assert {"biceps-femoris-long-head", "biceps-femoris-short-head", "semitendinosus", "semimembranosus"} <= lit
