"""Where each chain ends, and path steps that link without causing: what a student sees of both."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from hamknee.vocab import INVERSE
from tests.test_chain import SHIPPED, _hubs, _shipped, chain_kb, full_kb, names

INTO_CONDITION = {"affected-in", "inflamed-in", "location-of", "site-of"}
OUT_OF_CONDITION = {"affects", "inflammation-of", "located-at", "felt-at"}
HAMSTRINGS = ["semitendinosus", "semimembranosus", "biceps-femoris", "biceps-femoris-long-head",
              "biceps-femoris-short-head"]


def _condition(data: dict[str, Any], ident: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in data["conditions"] if c["id"] == ident)
    return found


def _forms_kb() -> dict[str, Any]:
    """The small knowledge base with distal tendinopathy felt medially from one muscle, laterally from the other."""
    data = chain_kb()
    tendinopathy = _condition(data, "distal-hamstring-tendinopathy")
    tendinopathy["felt_at"] = ["medial-knee", "posterior-knee", "lateral-knee"]
    tendinopathy["relations"] = [
        {"type": "affects", "target": "semimembranosus", "note": "Medial form.",
         "felt_at": ["medial-knee", "posterior-knee"]},
        {"type": "affects", "target": "biceps-femoris", "note": "Lateral form.", "felt_at": ["lateral-knee"]},
        {"type": "located-at", "target": "medial-tibial-condyle", "note": "Where the medial form hurts."},
        {"type": "located-at", "target": "fibular-head", "note": "Where the lateral form hurts."},
    ]
    at_fibula = [{"type": "located-at", "target": "fibular-head", "note": "Its insertion."}]
    data["conditions"].append({**_condition(data, "mcl-injury"), "id": "lcl-injury", "name": "LCL injury",
                               "felt_at": ["lateral-knee"], "relations": at_fibula})
    copied: dict[str, Any] = json.loads(json.dumps(data))  # no shared objects, so no YAML aliases
    return copied


@pytest.fixture
def forms_kb(tmp_path: Path) -> str:
    path = tmp_path / "forms.yaml"
    path.write_text(yaml.safe_dump(_forms_kb(), sort_keys=False), encoding="utf-8")
    return str(path)


def _starts(answer: dict[str, Any], condition: str) -> list[str]:
    listed = {c["condition"]: c for c in answer["conditions"]}
    return [g["start"] for g in listed[condition]["from"]] if condition in listed else []


# -- where a chain ends ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("region", "shown", "hidden"), [
    ("medial knee pain", "semimembranosus", "biceps-femoris"),
    ("lateral knee", "biceps-femoris", "semimembranosus"),
    ("behind the knee", "semimembranosus", "biceps-femoris"),
])
def test_a_region_lists_a_chain_only_where_its_own_end_is_felt(hk, forms_kb, region, shown, hidden):
    r = hk("--kb", forms_kb, "why", region, "--json")
    assert r.exit_code == 0, r.stderr
    answer = json.loads(r.stdout)
    assert _starts(answer, "distal-hamstring-tendinopathy") == [shown]
    for condition in answer["conditions"]:
        for group in condition["from"]:
            assert all(answer["region"] in chain[-1]["felt_at"] for chain in group["chains"])
    text = " ".join(hk("--kb", forms_kb, "why", region).stdout.split())
    other = {"semimembranosus": "Semimembranosus", "biceps-femoris": "Biceps femoris"}[hidden]
    assert f"{other} --affected in--> Distal hamstring tendinopathy" not in text


def test_why_a_condition_says_where_each_form_is_felt(hk, forms_kb):
    text = " ".join(hk("--kb", forms_kb, "why", "distal-hamstring-tendinopathy").stdout.split())
    assert "From Semimembranosus (1 step), felt at: Medial knee, Posterior knee" in text
    assert "Felt at: Medial knee, Posterior knee, Lateral knee." in text


def test_a_region_of_a_step_must_be_where_its_condition_is_felt(hk, tmp_path):
    data = _forms_kb()
    _condition(data, "distal-hamstring-tendinopathy")["relations"][1]["felt_at"] = ["anterior-knee"]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    r = hk("validate", str(path))
    assert r.exit_code == 3
    assert "'anterior-knee' is not in the felt_at of 'distal-hamstring-tendinopathy'" in r.stderr


def test_a_region_of_a_step_needs_a_condition_at_one_end(hk, tmp_path):
    data = _forms_kb()
    data["muscles"][0]["relations"][0]["felt_at"] = ["medial-knee"]  # semitendinosus forms the pes anserinus
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    r = hk("validate", str(path))
    assert r.exit_code == 3
    assert "felt_at on a relation needs a condition at one end of it" in r.stderr


# -- path: steps that link without causing -------------------------------------------------------------------


def test_path_never_uses_a_condition_as_a_bridge_between_its_places(hk, forms_kb):
    r = hk("--kb", forms_kb, "path", "semimembranosus", "lcl-injury", "--max", "20", "--json")
    for chain in json.loads(r.stdout) if r.exit_code == 0 else []:
        for a, b in itertools.pairwise(chain):
            assert not (a["relation"] in INTO_CONDITION and b["relation"] in OUT_OF_CONDITION
                        and a["to"] == "distal-hamstring-tendinopathy"), chain
    assert "Distal hamstring tendinopathy --located at--> Fibular head" not in hk(
        "--kb", forms_kb, "path", "semimembranosus", "lcl-injury").stdout


def test_path_marks_a_hub_and_explains_the_mark(hk, forms_kb):
    r = hk("--kb", forms_kb, "path", "semimembranosus", "knee-osteoarthritis")
    text = " ".join(r.stdout.split())
    assert "Semimembranosus --stabilizes--> Knee joint --affected in [hub]--> Knee osteoarthritis" in text
    assert ("Steps marked [hub] link the two entries but are not causes: [hub] passes through an entry that "
            "joins many unrelated things.") in text
    chains = json.loads(hk("--kb", forms_kb, "path", "semimembranosus", "knee-osteoarthritis", "--json").stdout)
    assert [h["mark"] for h in chains[0]] == [None, "hub"]


def test_path_marks_a_step_from_a_neighbour(hk, forms_kb):
    text = " ".join(hk("--kb", forms_kb, "path", "semitendinosus", "mcl-injury").stdout.split())
    assert "Semitendinosus --overlies--> Medial collateral ligament --affected in [neighbour]--> MCL injury" in text
    assert "[neighbour] joins two things that only lie at or next to the same structure" in text


# -- the shipped knowledge base ---------------------------------------------------------------------------


def _why(hk: Any, term: str, *extra: str) -> dict[str, Any]:
    r = hk("--kb", str(SHIPPED), "why", term, "--json", *extra)
    assert r.exit_code == 0, r.stderr
    answer: dict[str, Any] = json.loads(r.stdout)
    return answer


def _text(hk: Any, *args: str) -> str:
    return " ".join(hk("--kb", str(SHIPPED), *args).stdout.split())


@full_kb
def test_shipped_semitendinosus_is_affected_in_hamstring_strain(hk):
    answer = _why(hk, "hamstring-strain")
    assert "semitendinosus" in [g["start"] for g in answer["from"]]
    assert "Semitendinosus --affected in--> Hamstring strain" in _text(hk, "why", "hamstring-strain")


@full_kb
@pytest.mark.parametrize(("cause", "shown"), [
    ("hamstring-strain", "Hamstring strain --irritates--> Sciatic nerve --affected in--> Sciatic nerve irritation"),
    ("proximal-hamstring-avulsion",
     "Proximal hamstring avulsion --irritates--> Sciatic nerve --affected in--> Sciatic nerve irritation"),
])
def test_shipped_strains_and_avulsions_reach_the_sciatic_nerve(hk, cause, shown):
    answer = _why(hk, "sciatic-nerve-irritation")
    chains = [c for g in answer["from"] for c in g["chains"] if cause in names(c)]
    assert {c[0]["from"] for c in chains} >= {"semitendinosus", "semimembranosus", "biceps-femoris-long-head"}
    assert all(names(c)[-2:] == ["sciatic-nerve", "sciatic-nerve-irritation"] for c in chains)
    assert shown in _text(hk, "why", "sciatic-nerve-irritation")


@full_kb
def test_shipped_medial_hamstring_trigger_points_refer_to_the_gluteal_fold_thigh_knee_and_calf(hk):
    # Travell and Simons: the medial hamstrings refer to the gluteal fold and down the posteromedial thigh to
    # the knee, sometimes the medial calf; biceps femoris to the back of the knee.
    answer = _why(hk, "myofascial-trigger-points")
    groups = {g["start"]: g for g in answer["from"]}
    for muscle in ("semitendinosus", "semimembranosus"):
        assert set(groups[muscle]["chains"][0][-1]["felt_at"]) == {"buttock", "posterior-thigh", "posterior-knee",
                                                                    "calf"}
    assert groups["biceps-femoris"]["chains"][0][-1]["felt_at"] == ["posterior-knee", "posterior-thigh"]
    assert "From Semitendinosus (1 step)" in _text(hk, "why", "myofascial-trigger-points")


@full_kb
@pytest.mark.parametrize(("condition", "name"), [("pes-anserine-bursitis", "Pes anserine bursitis"),
                                                 ("patellofemoral-pain", "Patellofemoral pain")])
def test_shipped_tight_hamstrings_are_an_association_not_a_step(hk, condition, name):
    answer = _why(hk, condition)
    rows = {row["factor"]: row for row in answer["associations"]}
    assert rows["tight-hamstrings"]["role"] == "association" and rows["tight-hamstrings"]["from_hamstrings"]
    assert not any("tight-hamstrings" in names(c) for g in answer["from"] for c in g["chains"])
    text = _text(hk, "why", condition)
    assert f"Tight hamstrings (reduced hamstring flexibility) is a risk factor for {name}:" in text
    assert "Risk factors: associated with it, not steps of a mechanism" in text


@full_kb
@pytest.mark.parametrize(("region", "condition", "allowed"), [
    ("medial knee pain", "distal-hamstring-tendinopathy", {"semimembranosus"}),
    ("lateral knee pain", "distal-hamstring-tendinopathy", {"biceps-femoris"}),
    # Travell and Simons map the medial hamstrings' referral down to the back and inner side of the knee too.
    ("behind the knee", "myofascial-trigger-points", {"biceps-femoris", "semimembranosus", "semitendinosus"}),
])
def test_shipped_regions_list_only_chains_that_end_there(hk, region, condition, allowed):
    answer = _why(hk, region)
    assert set(_starts(answer, condition)) == allowed
    text = _text(hk, "why", region)
    for muscle in {"semimembranosus": "Semimembranosus", "biceps-femoris": "Biceps femoris",
                   "semitendinosus": "Semitendinosus"}.items():
        if muscle[0] not in allowed:
            assert f"{muscle[1]} --affected in--> {answer_name(answer, condition)}" not in text


def answer_name(answer: dict[str, Any], condition: str) -> str:
    return str(next(c["name"] for c in answer["conditions"] if c["condition"] == condition))


@full_kb
def test_shipped_behind_the_knee_lists_the_sciatic_chains_not_as_a_rule_out(hk):
    answer = _why(hk, "behind the knee")
    assert "sciatic-nerve-irritation" in [c["condition"] for c in answer["conditions"]]
    assert "sciatic-nerve-irritation" not in [c["condition"] for c in answer["also_felt_here"]]
    assert "Sciatic nerve irritation (neural mechanosensitivity) (other)" in _text(hk, "why", "behind the knee")


@full_kb
def test_shipped_no_region_chain_crosses_a_contrast_an_association_or_a_hub(hk):
    data = _shipped()
    hubs = _hubs(data)
    read = 0
    for region in data["regions"]:
        r = hk("--kb", str(SHIPPED), "why", region["id"], "--json")
        if r.exit_code == 1:
            continue
        answer = json.loads(r.stdout)
        for condition in answer["conditions"]:
            for chain in (c for g in condition["from"] for c in g["chains"]):
                read += 1
                assert region["id"] in chain[-1]["felt_at"], chain
                assert all(h["role"] in ("anatomical", "mechanical", "clinical") for h in chain), chain
                assert not any(h["to"] in hubs for h in chain[:-1]), chain
    assert read >= 10


@full_kb
def test_shipped_shared_steps_are_true_for_the_muscle_of_each_chain(hk):
    data = _shipped()
    muscles = {m["id"]: m["name"].lower() for m in data["muscles"] if m["group"] == "hamstring"}
    for condition in data["conditions"]:
        r = hk("--kb", str(SHIPPED), "why", condition["id"], "--max", "20", "--json")
        if r.exit_code != 0:
            continue
        for chain in (c for g in json.loads(r.stdout)["from"] for c in g["chains"]):
            own = {chain[0]["from"], *(h["to"] for h in chain if h["relation"] == "part-of")}
            for step in chain[1:]:
                note = (step["note"] or "").lower()
                for ident, name in muscles.items():
                    if ident not in own and "," not in name and name in note:
                        raise AssertionError(f"{chain[0]['from']}: step {step['from']} -> {step['to']} names {name}")


def _non_causes_unmarked(chain: list[dict[str, Any]], hubs: set[str]) -> list[str]:
    """Steps a student could take for a cause: unmarked hubs or shared entries, conditions used as bridges."""
    problems = []
    for before, step in itertools.pairwise(chain):
        after = INVERSE[step["relation"]]
        if before["relation"] in INTO_CONDITION and step["relation"] in OUT_OF_CONDITION:
            problems.append(f"bridge through {step['from']}")
        if step["mark"]:
            continue
        if step["from"] in hubs:
            problems.append(f"unmarked hub {step['from']}")
        if before["relation"] == after and before["relation"] in (
                "innervated-by", "performs", "located-at", "inserts-on", "originates-from", "overlies"):
            problems.append(f"unmarked shared {step['from']} ({before['relation']})")
    return problems


@full_kb
@pytest.mark.parametrize(("start", "goal", "shown"), [
    ("semitendinosus", "knee-osteoarthritis", "Semitendinosus --stabilizes--> Knee joint --affected in [hub]--> "
                                              "Knee osteoarthritis"),
    ("tight-hamstrings", "patellofemoral-pain", "--a risk factor for [association]--> Patellofemoral pain"),
    ("biceps-femoris", "deep-vein-thrombosis", "Biceps femoris --forms--> Popliteal fossa --the location of "
                                               "[region]--> Deep vein thrombosis"),
    ("semitendinosus", "popliteus-tendinopathy", "--innervated by--> Tibial nerve --innervates [shared nerve]--> "
                                                 "Popliteus"),
    ("semimembranosus", "lcl-injury", "Lateral collateral ligament injury"),
    ("semitendinosus", "lcl-injury", "Lateral collateral ligament injury"),
])
def test_shipped_review_paths_mark_what_is_not_a_mechanism(hk, start, goal, shown):
    hubs = _hubs(_shipped())
    r = hk("--kb", str(SHIPPED), "path", start, goal, "--max", "10", "--json")
    assert r.exit_code == 0, r.stderr
    chains = json.loads(r.stdout)
    for chain in chains:
        assert not _non_causes_unmarked(chain, hubs), chain
    text = _text(hk, "path", start, goal, "--max", "10")
    assert shown in text
    assert "Distal hamstring tendinopathy --located at--> Fibular head" not in text
    if any(h["mark"] for c in chains for h in c):
        assert "link the two entries but are not causes:" in text


@full_kb
def test_shipped_shared_action_is_marked(hk):
    chains = json.loads(hk("--kb", str(SHIPPED), "path", "biceps-femoris-short-head", "gastrocnemius-strain",
                           "--max", "30", "--json").stdout)
    shared = [h for c in chains for a, h in itertools.pairwise(c)
              if a["relation"] == "performs" and h["relation"] == "performed-by"]
    assert shared and all(h["mark"] in ("shared action", "hub") for h in shared)


@full_kb
def test_shipped_no_path_from_a_hamstring_leaves_a_non_cause_unmarked(hk):
    data = _shipped()
    hubs = _hubs(data)
    checked = 0
    for start, condition in itertools.product(HAMSTRINGS, data["conditions"]):
        r = hk("--kb", str(SHIPPED), "path", start, condition["id"], "--json")
        if r.exit_code != 0:
            continue
        for chain in json.loads(r.stdout):
            checked += 1
            assert not _non_causes_unmarked(chain, hubs), chain
    assert checked >= 100


# Steps that say where something is, what it goes with, or how it is tested or treated: true, never a cause.
ALONE_NOT_A_CAUSE = {
    "located-at", "location-of", "felt-at", "site-of", "related-to",
    "diagnosed-with", "diagnoses", "treated-with", "treats", "prevents", "prevented-by", "measures", "measured-by",
    "example-of", "has-example", "precedes", "follows", "performs", "performed-by", "antagonist-of",
}
# Two steps that only say both ends share something: one cause, one effect, one structure acted on, one nerve.
SHARED_FAMILIES = [
    {"caused-by", "contributed-to-by"}, {"causes", "contributes-to"},
    {"irritates", "compresses", "pulls-on", "stabilizes", "refers-pain-to"},
    {"innervated-by", "supplied-by", "branch-of"}, {"treated-with", "prevented-by"}, {"diagnosed-with", "measured-by"},
    {"located-at", "inserts-on", "originates-from", "felt-at", "forms", "part-of", "overlies", "lies-deep-to",
     "crosses", "crossed-by"},
]


def _unmarked_non_causes(chain: list[dict[str, Any]], hubs: set[str], places: set[str]) -> list[str]:
    """Every step of a path that is not a mechanism yet carries no mark."""
    problems = []
    for i, step in enumerate(chain):
        if step["mark"]:
            continue
        what = f"{step['from']} {step['relation']} {step['to']}"
        if step["role"] in ("contrast", "association", "catalogue") or step["relation"] in ALONE_NOT_A_CAUSE:
            problems.append(f"unmarked {step['role']} step: {what}")
        if i == 0:
            continue
        before, after = chain[i - 1]["relation"], INVERSE[step["relation"]]
        if step["from"] in hubs or step["from"] in places:
            problems.append(f"unmarked step out of the hub {what}")
        if any(before in family and after in family for family in SHARED_FAMILIES):
            problems.append(f"unmarked shared {step['from']}: {what}")
        if before in INTO_CONDITION and step["relation"] in OUT_OF_CONDITION:
            problems.append(f"bridge through {step['from']}")
    return problems


def _places(data: dict[str, Any]) -> set[str]:
    return {r["id"] for r in data["regions"]} | {s["id"] for s in data["structures"]
                                                  if s.get("structure_type") == "space"}


@full_kb
def test_shipped_every_path_from_a_muscle_to_a_condition_marks_every_step_that_is_not_a_cause(hk):
    data = _shipped()
    hubs, places = _hubs(data), _places(data)
    checked, problems = 0, []
    for muscle, condition in itertools.product(data["muscles"], data["conditions"]):
        r = hk("--kb", str(SHIPPED), "path", muscle["id"], condition["id"], "--json")
        assert r.exit_code in (0, 1), r.stderr
        for chain in json.loads(r.stdout) if r.exit_code == 0 else []:
            checked += 1
            problems += [f"{muscle['id']} -> {condition['id']}: {p}" for p in _unmarked_non_causes(chain, hubs, places)]
    assert not problems, "\n".join(problems[:30])
    assert checked >= 12 * 30


@full_kb
@pytest.mark.parametrize(("start", "goal", "shown", "legend"), [
    ("semimembranosus", "bakers-cyst", "Semimembranosus --the location of [location]--> Baker's cyst",
     "[location] says where something is, not what causes it"),
    ("hamstring-strain", "gastrocnemius-strain",
     "Eccentric contraction --causes [shared cause]--> Gastrocnemius strain (tennis leg)",
     "[shared cause] joins two things that have the same cause"),
    ("peace-and-love", "askling-l-protocol", "PEACE & LOVE --treats [catalogue]--> Hamstring strain",
     "[catalogue] names a test, treatment, action, example or sequence, not a cause"),
])
def test_shipped_path_marks_places_shared_causes_and_catalogue_steps(hk, start, goal, shown, legend):
    text = _text(hk, "path", start, goal)
    assert shown in text
    assert "link the two entries but are not causes:" in text and legend in text


@full_kb
def test_shipped_path_marks_injuries_that_only_happen_together(hk):
    chains = json.loads(hk("--kb", str(SHIPPED), "path", "semitendinosus", "acl-injury", "--max", "10",
                           "--json").stdout)
    together = [h for c in chains for h in c if h["from"] == "mcl-injury" and h["to"] == "acl-injury"]
    assert together and all(h["mark"] == "co-occurrence" for h in together)


@full_kb
@pytest.mark.parametrize(("region", "condition", "starts"), [
    ("lateral knee pain", "distal-hamstring-tear", {"biceps-femoris"}),
    # The rare distal semimembranosus avulsion is felt at the back and inner side of the knee.
    ("behind the knee", "distal-hamstring-tear", {"biceps-femoris", "semimembranosus"}),
    ("medial knee pain", "distal-hamstring-tear", {"semitendinosus", "semimembranosus"}),
    ("lateral knee pain", "posterolateral-corner-injury", {"biceps-femoris"}),
    ("lateral knee pain", "common-fibular-neuropathy", {"biceps-femoris"}),
    ("buttock", "myofascial-trigger-points", {"semitendinosus", "semimembranosus"}),
    ("buttock", "hamstring-strain", {"semimembranosus"}),  # the stretch type, ~2 cm from the tuberosity
    ("back of the thigh", "hamstring-strain", {"semitendinosus", "semimembranosus", "biceps-femoris-long-head"}),
    ("calf", "myofascial-trigger-points", {"semitendinosus", "semimembranosus"}),
    ("back of the thigh", "proximal-hamstring-tendinopathy",
     {"semitendinosus", "semimembranosus", "biceps-femoris-long-head"}),
])
def test_shipped_region_lists_each_hamstring_condition_felt_there(hk, region, condition, starts):
    answer = _why(hk, region)
    assert set(_starts(answer, condition)) == starts


@full_kb
def test_shipped_biceps_femoris_reaches_the_lateral_knee_by_its_own_tendon_and_its_nerve(hk):
    text = _text(hk, "why", "lateral knee pain")
    assert "Biceps femoris --affected in--> Distal hamstring tear" in text
    assert "Biceps femoris --affected in--> Posterolateral corner injury" in text
    assert ("Biceps femoris --compresses--> Common fibular nerve --affected in--> Common fibular (peroneal) nerve "
            "injury at the fibular head") in text
    # The nerve is stretched by a torn corner, not the other way round: no ligament chain runs through the nerve.
    for condition in ("posterolateral-corner-injury", "lcl-injury"):
        r = hk("--kb", str(SHIPPED), "why", condition, "--json")
        chains = [c for g in json.loads(r.stdout)["from"] for c in g["chains"]] if r.exit_code == 0 else []
        assert not any("common-fibular-nerve" in names(c) for c in chains), condition
    rows = hk("--kb", str(SHIPPED), "where", "lateral knee").stdout.splitlines()
    assert [row.split("\t")[1] for row in rows if "Common fibular" in row] == ["red-flag"]


@full_kb
def test_shipped_a_torn_corner_stretches_the_common_fibular_nerve(hk):
    text = _text(hk, "why", "common-fibular-neuropathy")
    assert ("Biceps femoris --affected in--> Posterolateral corner injury --stretches--> Common fibular nerve "
            "--affected in--> Common fibular (peroneal) nerve injury at the fibular head") in text
    assert "bound to the biceps tendon by deep fascia" in text
    # The squatting compression is still there, as a second mechanism.
    assert "Biceps femoris --compresses--> Common fibular nerve" in text
    # In a path the corner's link to the nerve injury is no longer two injuries that merely happen together.
    path = _text(hk, "path", "biceps-femoris", "common-fibular-neuropathy", "--max", "10")
    assert "[co-occurrence]" not in path and "Posterolateral corner injury --related to" not in path


@full_kb
def test_shipped_the_rare_distal_semimembranosus_avulsion_has_its_chain(hk):
    text = _text(hk, "why", "distal-hamstring-tear")
    assert "Semimembranosus --affected in--> Distal hamstring tear" in text
    assert "Rare:" in text and "Blakeney 2017" in text


@full_kb
def test_shipped_the_calf_lists_a_ruptured_bakers_cyst_and_sciatic_pain_to_rule_out(hk):
    r = hk("--kb", str(SHIPPED), "where", "calf", "--json")
    groups = {g["group"]: [c["id"] for c in g["conditions"]] for g in json.loads(r.stdout)["groups"]}
    assert "bakers-cyst" in groups["rule-out"]
    assert "sciatic-nerve-irritation" in [i for ids in groups.values() for i in ids]


@full_kb
@pytest.mark.parametrize("region", ["buttock", "posterior-thigh", "calf", "posterior-knee"])
def test_shipped_trigger_point_sign_fits_every_region_it_is_listed_in(hk, region):
    r = hk("--kb", str(SHIPPED), "where", region, "--json")
    rows = [c for g in json.loads(r.stdout)["groups"] for c in g["conditions"]
            if c["id"] == "myofascial-trigger-points"]
    assert rows
    assert "biceps femoris" not in rows[0]["key_sign"] and "posterior knee" not in rows[0]["key_sign"]


@full_kb
def test_shipped_path_marks_a_nerve_supply_step_as_no_cause(hk):
    chains = json.loads(hk("--kb", str(SHIPPED), "path", "biceps-femoris-short-head", "common-fibular-neuropathy",
                           "--json").stdout)
    supply = [h for c in chains for h in c if h["relation"] == "innervated-by"]
    assert supply and all(h["mark"] == "supply" for h in supply)
    text = _text(hk, "path", "biceps-femoris-short-head", "common-fibular-neuropathy")
    assert "--innervated by [supply]--> Common fibular nerve" in text
    assert "[supply] says which nerve or vessel supplies something, not what injures it" in text
    # Where the nerve is shared, the shared-nerve mark alone says it.
    assert "Semitendinosus --innervated by--> Tibial nerve --innervates [shared nerve]--> Popliteus" in _text(
        hk, "path", "semitendinosus", "popliteus-tendinopathy")


@full_kb
def test_shipped_every_form_says_where_it_is_felt_once_one_form_is_narrower(hk):
    text = _text(hk, "why", "hamstring-strain")
    assert "From Semitendinosus (1 step), felt at: Posterior thigh" in text
    # Semimembranosus is felt everywhere the strain is, and says so rather than nothing.
    assert "From Semimembranosus (1 step), felt at: Posterior thigh, Buttock" in text
    # A condition whose every form is felt alike keeps one line for it.
    assert "From Semitendinosus (3 steps) " in _text(hk, "why", "pes-anserine-bursitis")


@full_kb
def test_shipped_a_strain_reaches_the_sciatic_nerve_only_after_recurrent_tears(hk):
    text = _text(hk, "why", "sciatic-nerve-irritation")
    assert "Hamstring strain irritates Sciatic nerve: After recurrent proximal tears, not a single strain" in text
    assert "Puranen 1988" in text


@full_kb
def test_shipped_the_usual_distal_tear_comes_before_the_rare_one(hk):
    answer = _why(hk, "distal-hamstring-tear")
    starts = [g["start"] for g in answer["from"]]
    assert starts.index("biceps-femoris") < starts.index("semimembranosus")
    assert starts.index("semitendinosus") < starts.index("semimembranosus")
