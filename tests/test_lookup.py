"""The lookup commands as a student uses them: output, --json, exit codes."""

from __future__ import annotations

import json

import pytest


def test_explain_pes_anserine_teaches_the_pes_anserinus(hk):
    r = hk("explain", "pes-anserine")
    assert r.exit_code == 0, r.stderr
    text = r.stdout
    assert "Pes anserinus" in text
    for member in ("Sartorius", "Gracilis", "Semitendinosus"):
        assert member.lower() in text.lower()
    assert "tibia" in text.lower()
    assert "pes anserine bursitis" in text.lower()
    assert "Sources" in text and "[1]" in text
    assert "\x1b[" not in text  # not a terminal: no escape codes


@pytest.mark.parametrize("term", ["Pes Anserinus", "pes_anserinus", "GOOSE FOOT", "  pes   anserinus "])
def test_explain_accepts_names_and_aliases_in_any_form(hk, term):
    r = hk("explain", term)
    assert r.exit_code == 0
    assert r.stdout.startswith("Pes anserinus")


def test_explain_json_has_the_entity(hk):
    r = hk("explain", "semitendinosus", "--json")
    assert r.exit_code == 0
    data = json.loads(r.stdout)
    assert data["id"] == "semitendinosus" and data["kind"] == "muscle"
    assert data["name"] == "Semitendinosus"
    assert data["summary"]
    assert data["sources"] and all("title" in s for s in data["sources"])
    assert data["insertion"]["site"] == "pes-anserinus"
    assert any(rel["target"] == "pes-anserinus" for rel in data["relations"])


def test_a_single_close_misspelling_opens_its_entry(hk):
    r = hk("explain", "semitendinosis")
    assert r.exit_code == 0
    assert r.stdout.startswith("Semitendinosus")
    assert r.stderr.strip() == "Showing semitendinosus for 'semitendinosis' (the closest spelling)."


def test_unknown_term_suggests_the_nearest(hk):
    r = hk("explain", "semimembranosis", "tendon")
    assert r.exit_code == 1
    assert r.stdout == ""
    assert "No entry for 'semimembranosis tendon'. Did you mean:" in r.stderr
    assert "Traceback" not in r.stderr


def test_unknown_term_with_nothing_close_points_to_search(hk):
    r = hk("explain", "zzzzqqqq")
    assert r.exit_code == 1
    assert "hamknee search" in r.stderr


def test_control_characters_are_not_echoed(hk):
    r = hk("explain", "\x1b[31mred\x07")
    assert r.exit_code == 1
    assert "\x1b" not in r.stderr and "\x07" not in r.stderr


def test_muscles_lists_hamstrings_first(hk):
    r = hk("muscles")
    assert r.exit_code == 0
    assert "semitendinosus" in r.stdout


def test_muscles_attachments_shows_proximal_and_distal(hk):
    r = hk("muscles", "--attachments", env={"TTY_COMPATIBLE": "1", "NO_COLOR": "1"})
    assert r.exit_code == 0
    assert "Proximal" in r.stdout and "Distal" in r.stdout and "At the knee" in r.stdout
    assert "Pes anserinus" in r.stdout
    piped = hk("muscles", "--attachments").stdout.splitlines()
    row = next(line for line in piped if line.startswith("Semitendinosus"))
    assert row.split("\t")[:3] == ["Semitendinosus (hamstring)", "Ischial tuberosity", "Pes anserinus (medial)"]
    data = json.loads(hk("muscles", "--attachments", "--json").stdout)
    st = next(m for m in data if m["id"] == "semitendinosus")
    assert st["distal"]["site"] == "pes-anserinus" and st["distal"]["side"] == "medial"


def test_muscles_json(hk):
    data = json.loads(hk("muscles", "--json").stdout)
    assert {"id", "name", "group"} <= set(data[0])
    groups = [m["group"] for m in data]
    assert groups == sorted(groups, key=lambda g: g != "hamstring")


def test_list_json_is_objects_with_id_kind_name(hk):
    r = hk("list", "--json")
    data = json.loads(r.stdout)
    assert all({"id", "kind", "name"} <= set(e) for e in data)
    ids = {e["id"] for e in data}
    assert {"pes-anserinus", "semitendinosus", "pes-anserine-bursitis"} <= ids


def test_list_by_kind_and_bad_kind(hk):
    data = json.loads(hk("list", "condition", "--json").stdout)
    assert data and {e["kind"] for e in data} == {"condition"}
    plural = json.loads(hk("list", "conditions", "--json").stdout)
    assert plural == data
    r = hk("list", "bones")
    assert r.exit_code == 2
    assert "Unknown kind 'bones'" in r.stderr


def test_conditions_by_region(hk):
    r = hk("conditions", "--region", "inner knee", "--json")
    assert r.exit_code == 0
    ids = [c["id"] for c in json.loads(r.stdout)]
    assert "pes-anserine-bursitis" in ids
    listing = hk("conditions")
    assert "not medical advice" in listing.stderr  # beside the records when piped
    assert "not medical advice" in hk("conditions", env={"TTY_COMPATIBLE": "1", "NO_COLOR": "1"}).stdout


def test_conditions_unknown_region(hk):
    r = hk("conditions", "--region", "elbow")
    assert r.exit_code == 1
    assert "No region for 'elbow'" in r.stderr


def test_compare_side_by_side_and_mixed_kinds(hk):
    r = hk("compare", "semitendinosus", "semimembranosus")
    assert r.exit_code == 0
    assert "Semitendinosus" in r.stdout and "Semimembranosus" in r.stdout
    assert "Insertion" in r.stdout
    data = json.loads(hk("compare", "semitendinosus", "semimembranosus", "--json").stdout)
    assert [d["id"] for d in data] == ["semitendinosus", "semimembranosus"]
    mixed = hk("compare", "semitendinosus", "pes-anserinus")
    assert mixed.exit_code == 2
    assert "different kinds" in mixed.stderr
    one = hk("compare", "semitendinosus")
    assert one.exit_code == 2


def test_search_ranks_and_tolerates_typos(hk):
    r = hk("search", "bursa", "--json")
    hits = json.loads(r.stdout)
    assert "pes-anserine-bursa" in [h["id"] for h in hits[:2]]
    assert all(h["kind"] == "structure" for h in hits[:2])  # names beat passing mentions
    typo = json.loads(hk("search", "bursae anserne", "--json").stdout)
    assert any(h["id"].startswith("pes-anserine") for h in typo)
    none = hk("search", "qqqqzzzz")
    assert none.exit_code == 1 and "No results" in none.stderr


def test_phases_for_a_condition(hk):
    r = hk("phases", "hamstring-strain", "--json")
    assert r.exit_code == 0
    data = json.loads(r.stdout)
    assert data and all("hamstring-strain" in p["applies_to"] for p in data)
    assert [p["order"] for p in data] == sorted(p["order"] for p in data)


def test_sources_lists_references_with_citing_entries(hk):
    data = json.loads(hk("sources", "--json").stdout)
    assert data and all(s["cited_by"] for s in data)
    assert "cited by:" in hk("sources", env={"TTY_COMPATIBLE": "1", "NO_COLOR": "1"}).stdout
    records = hk("sources").stdout.splitlines()
    assert len(records) == len(data) and all(len(line.split("\t")) == 4 for line in records)


def test_version(hk):
    r = hk("--version")
    assert r.exit_code == 0 and r.stdout.startswith("hamknee ")


def test_every_command_has_help_with_an_example(hk):
    from hamknee.cli import COMMANDS

    names = list(COMMANDS)
    assert len(names) >= 10
    for name in names:
        r = hk(name, "--help")
        assert r.exit_code == 0, name
        assert "Example" in r.stdout, name
    assert hk("-h").exit_code == 0


def test_usage_error_exits_2(hk):
    r = hk("explain")
    assert r.exit_code == 2
    assert "Missing argument" in r.stderr or "Missing" in r.stderr


def test_schema_is_json_schema(hk):
    data = json.loads(hk("schema").stdout)
    assert data["type"] == "object" and "muscles" in data["properties"]


def test_kb_option_and_env_select_another_file(hk, minimal_kb):
    r = hk("--kb", str(minimal_kb), "list", "--json")
    assert {e["id"] for e in json.loads(r.stdout)} == {"semitendinosus", "pes-anserinus"}
    r = hk("list", "--json", env={"HAMKNEE_KB": str(minimal_kb)})
    assert len(json.loads(r.stdout)) == 2


@pytest.mark.parametrize("kind", ["muscle", "attachment", "condition", "region", "concept"])
def test_go_further_commands_all_work(hk, kind):
    import shlex

    ids = [e["id"] for e in json.loads(hk("list", kind, "--json").stdout)]
    for ident in ids:
        page = hk("explain", ident).stdout
        block = page.split("Go further", 1)[1].split("Sources", 1)[0]
        commands = [line.strip() for line in block.splitlines() if line.strip().startswith("hamknee ")]
        assert commands, ident
        for command in commands:
            r = hk(*shlex.split(command)[1:])
            assert r.exit_code == 0, (ident, command, r.stderr)


def _offered(stderr: str) -> list[str]:
    import re

    return re.findall(r"^  .+: hamknee \w+ (\S+)$", stderr, flags=re.MULTILINE)


@pytest.mark.parametrize(("words", "wrong", "first"), [
    (["knee", "arthritis"], "septic-arthritis", "knee-osteoarthritis"),
    (["knee", "cap"], "joint-capsule", "patellar-tendon"),
    (["kneecap"], "joint-capsule", "patellar-tendon"),
    (["patella"], "joint-capsule", "patellar-tendon"),
])
def test_everyday_words_offer_a_choice_not_another_thing(hk, words, wrong, first):
    r = hk("explain", *words)
    assert r.exit_code == 1 and r.stdout == ""
    assert "Showing" not in r.stderr
    offers = _offered(r.stderr)
    assert offers[0] == first and wrong not in offers[:1], r.stderr
    if words != ["knee", "arthritis"]:  # the kneecap: what is named from the patella, pain included
        assert "patellofemoral-pain" in offers[:3], r.stderr


def test_a_muscles_tendon_opens_the_muscle_not_a_tendinopathy(hk):
    r = hk("explain", "biceps", "femoris", "tendon", "--json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["id"] == "biceps-femoris"


@pytest.mark.parametrize("words", [["hamstring", "tendinopathy"], ["hamstring", "tendonitis"],
                                   ["hamstring", "tendonopathy"], ["hamstring", "tendinitis"]])
def test_a_term_two_entries_fit_lists_both(hk, words):
    r = hk("explain", *words)
    assert r.exit_code == 1 and "Showing" not in r.stderr
    assert set(_offered(r.stderr)[:2]) == {"proximal-hamstring-tendinopathy", "distal-hamstring-tendinopathy"}


def test_where_a_non_region_says_no_region_without_opening_another_entry(hk):
    r = hk("where", "knee", "cap")
    assert r.exit_code == 1
    assert "Showing" not in r.stderr and "No region for 'knee cap'" in r.stderr


@pytest.mark.parametrize(("words", "region"), [
    (["outside", "of", "knee"], "lateral-knee"), (["inside", "of", "the", "knee"], "medial-knee"),
    (["inner", "knee"], "medial-knee"), (["outside", "knee"], "lateral-knee"),
])
def test_where_reads_everyday_side_words(hk, words, region):
    r = hk("where", *words, "--json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["region"] == region


def test_a_failed_where_offers_where_commands(hk):
    r = hk("where", "sideways", "knee")
    assert r.exit_code == 1
    assert "  Medial knee: hamknee where medial-knee" in r.stderr.splitlines()
    assert ": hamknee explain " not in r.stderr


def test_a_lookup_note_is_one_line_when_piped(hk):
    r = hk("explain", "biceps", "femoris", "tendon", env={"COLUMNS": "40"})
    assert r.exit_code == 0
    assert r.stderr == "Showing biceps-femoris for 'biceps femoris tendon' (its tendon is described there).\n"
