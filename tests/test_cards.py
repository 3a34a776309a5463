"""Authored cards (validated with located errors), the card lint, and the deck as JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
STUDY_KB = DATA / "study_kb.yaml"
LINT_KB = DATA / "lint_kb.yaml"


def test_shipped_deck_passes_the_card_lint(hk) -> None:  # type: ignore[no-untyped-def]
    result = hk("validate", "--cards")
    assert result.exit_code == 0, result.stderr
    assert "authored), no defects." in result.stdout


@pytest.mark.parametrize(("card", "check"), [
    ("pes-anserine-bursitis:card:confused-with", "distractor-is-right"),  # a differential of its own record
    ("semitendinosus:card:alias-as-distractor", "distractor-is-right"),  # another name of the answer
    ("semitendinosus:card:insertion-given-away", "answer-in-stem"),
    ("pes-anserine-bursitis:card:cut-option", "cut-option"),
    ("semitendinosus:card:same-option-twice", "duplicate-options"),
    ("semitendinosus:card:accepted-elsewhere", "accepted-owned-elsewhere"),
    ("semitendinosus:card:unexplained-options", "unexplained-option"),  # 'Not Medial tibial condyle.' says no why
])
def test_the_lint_catches_each_defect(hk, card: str, check: str) -> None:  # type: ignore[no-untyped-def]
    result = hk("validate", "--cards", "--json", str(LINT_KB))
    assert result.exit_code == 3
    defects = json.loads(result.stdout)["cards"]["defects"]
    assert {"card": card, "check": check} in [{"card": d["card"], "check": d["check"]} for d in defects]


def test_the_lint_reports_one_line_each_and_exit_3(hk) -> None:  # type: ignore[no-untyped-def]
    result = hk("validate", "--cards", str(LINT_KB))
    assert result.exit_code == 3
    assert "Error: 7 card defects" in result.stderr
    assert "Traceback" not in result.stderr
    clean = hk("validate", "--cards", str(STUDY_KB))
    assert clean.exit_code == 0 and "(3 authored), no defects." in clean.stdout


def _with_card(tmp_path: Path, card: str) -> Path:
    text = STUDY_KB.read_text(encoding="utf-8")
    marker = "    cards:\n      - id: how\n"
    assert marker in text
    target = tmp_path / "kb.yaml"
    target.write_text(text.replace(marker, "    cards:\n" + card + "      - id: how\n"), encoding="utf-8")
    return target


@pytest.mark.parametrize(("card", "message"), [
    ("      - {id: a, question: Q?, answer: A}\n", "cards[0].sources: missing required field"),
    ("      - {id: a, question: Q?, answer: A, sources: [nowhere]}\n", "cites 'nowhere', which is not in"),
    ("      - {id: a, question: Q?, answer: A, answer_ids: [spleen], sources: [grays-1918-posterior-femoral]}\n",
     "refers to 'spleen', which is not an id"),
    ("      - {id: a, question: Q?, answer: A, distractors: [B, a], sources: [grays-1918-posterior-femoral]}\n",
     "distractor 'a' is also an accepted answer"),
    ("      - {id: how, question: Q?, answer: A, sources: [grays-1918-posterior-femoral]}\n",
     "duplicate card id 'how'"),
    ("      - {id: a, question: Q?, answer: A, colour: red, sources: [grays-1918-posterior-femoral]}\n",
     "cards[0].colour: unknown field 'colour'"),
    ("      - {id: a, question: Q?, answer: A, distractors: [B, C], why_not: {D: x},"
     " sources: [grays-1918-posterior-femoral]}\n", "why_not explains 'D', which is not a distractor"),
])
def test_authored_cards_are_validated_with_line_and_column(hk, tmp_path: Path, card: str, message: str) -> None:  # type: ignore[no-untyped-def]
    path = _with_card(tmp_path, card)
    result = hk("validate", str(path))
    assert result.exit_code == 3
    line = next(x for x in result.stderr.splitlines() if message in x)
    where = line[len(str(path)) + 1:].split(":")
    assert where[0].isdigit() and where[1].isdigit(), line
    assert "concepts[1].cards[" in line


def test_export_cards_writes_the_deck_with_exactly_the_listed_keys(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "deck.json"
    result = hk("--kb", str(STUDY_KB), "export", "cards", str(target), "--db", str(tmp_path / "none.sqlite3"))
    assert result.exit_code == 0, result.stderr
    deck = json.loads(target.read_text(encoding="utf-8"))
    assert f"Wrote {len(deck)} cards to {target}." in result.stdout
    keys = {"id", "entity", "type", "prompt", "options", "correct", "answer", "accepted", "sources", "retired"}
    assert all(set(c) == keys for c in deck)
    by_id = {c["id"]: c for c in deck}
    typed = by_id["semitendinosus:insertion:recall"]
    assert typed["options"] == [] and typed["correct"] == [] and not typed["retired"]
    assert {"Pes anserinus", "goose foot", "pes anserine"} <= set(typed["accepted"])
    choice = by_id["pes-anserine-bursitis:card:vignette"]
    assert choice["type"] == "vignette" and choice["options"][choice["correct"][0]] == "Pes anserine bursitis"
    assert choice["sources"] and "StatPearls" in choice["sources"][0]


def test_export_cards_lists_retired_cards_from_the_progress_database(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "p.sqlite3"
    hk("--kb", str(STUDY_KB), "quiz", "--card", "gracilis:insertion:recall", "--db", str(db), input="?\n")
    smaller = tmp_path / "kb.yaml"
    smaller.write_text(STUDY_KB.read_text(encoding="utf-8").replace(
        "    insertion: {site: pes-anserinus, side: medial, detail: \"Upper medial surface of the tibial shaft, "
        "between sartorius and semitendinosus.\"}",
        "    insertion: {side: medial, detail: \"Upper medial surface of the tibial shaft.\"}"), encoding="utf-8")
    result = hk("--kb", str(smaller), "export", "cards", "-", "--db", str(db))
    assert result.exit_code == 0, result.stderr
    retired = [c for c in json.loads(result.stdout) if c["retired"]]
    assert [c["id"] for c in retired] == ["gracilis:insertion:recall"]
    assert retired[0]["prompt"] == "Where does Gracilis insert?"


def test_a_summary_card_explains_with_a_key_point_not_only_the_answer(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = hk("quiz", "--card", "anterior-cruciate-ligament:summary:reverse", "--db", str(tmp_path / "p.sqlite3"),
                input="?\n")
    assert result.exit_code == 0, result.stderr
    assert "That describes the anterior cruciate ligament: tibia (anterior intercondylar area) to the lateral " \
        "femoral condyle" in " ".join(result.stdout.split())


def test_a_test_question_does_not_name_the_test_in_the_condition_s_brackets(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = hk("quiz", "--card", "fat-pad-impingement:test:recall", "--db", str(tmp_path / "p.sqlite3"),
                input="?\n")
    assert result.exit_code == 0, result.stderr
    question = next(line for line in result.stdout.splitlines() if line.startswith("Name a clinical test"))
    assert question == "Name a clinical test used in assessing infrapatellar fat pad impingement."


def _revealed(hk, tmp_path: Path, card: str) -> str:  # type: ignore[no-untyped-def]
    """The quiz screen of one card answered with '?': the question, the answer and its explanation."""
    result = hk("quiz", "--card", card, "--db", str(tmp_path / "p.sqlite3"), input="?\n")
    assert result.exit_code == 0, result.stderr
    return " ".join(result.stdout.split())


def _deck(hk) -> dict[str, dict]:  # type: ignore[no-untyped-def,type-arg]
    result = hk("export", "cards", "-")
    assert result.exit_code == 0, result.stderr
    return {c["id"]: c for c in json.loads(result.stdout)}


def test_a_site_question_asks_within_the_deck_and_lists_every_condition(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    screen = _revealed(hk, tmp_path, "posterior-knee:site-of:reverse")
    assert "Name a condition covered in hamknee whose pain is felt at the posterior knee." in screen
    listed = screen.split("Felt at the posterior knee:", 1)[1]
    for name in ("Meniscal tear", "Posterior cruciate ligament injury", "Popliteus tendinopathy",
                 "Posterolateral corner injury", "Sciatic nerve irritation"):
        assert name in listed


def test_next_phase_options_do_not_give_the_answer_away_by_number(hk) -> None:  # type: ignore[no-untyped-def]
    deck = _deck(hk)
    card = deck["tendinopathy-isometric-phase:next:choice"]
    assert "comes next, straight after" in card["prompt"]
    assert card["options"][card["correct"][0]] == "Isotonic loading"
    # a staging hamknee made of general advice is no order to learn: only published schemes are asked
    assert [i for i in deck if i.endswith(":next:choice")] == [
        "remodelling-phase:next:choice", "tendinopathy-isometric-phase:next:choice",
        "tendinopathy-isotonic-phase:next:choice"]
    for ident in [i for i in deck if i.endswith(":next:choice")]:
        options = deck[ident]["options"]
        assert not any(re.search(r"\b(phase|stages?) [IVX0-9]", o, re.IGNORECASE) for o in options), options


def test_a_reverse_site_answer_names_the_head_that_attaches_not_the_whole_muscle(hk) -> None:  # type: ignore[no-untyped-def]
    answer = _deck(hk)["linea-aspera:origin-of:reverse"]["answer"]
    assert answer == "Any one of: Biceps femoris, short head, Vastus lateralis or Vastus medialis"


def test_a_two_headed_origin_is_explained_by_both_heads(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    screen = _revealed(hk, tmp_path, "gastrocnemius:origin:choice")
    assert "Medial head: posterior non-articular surface of the medial femoral condyle; lateral head: lateral " \
           "surface of the lateral femoral condyle." in screen


def test_set_cards_explain_every_region_and_say_both(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    screen = _revealed(hk, tmp_path, "distal-hamstring-tear:felt_at:recall")
    assert "semitendinosus: the inner back of the knee" in screen
    screen = _revealed(hk, tmp_path, "slipped-capital-femoral-epiphysis:felt_at:recall")
    assert "Name both regions." in screen
    assert "to the front and inner (medial) knee" in screen


def test_an_open_site_question_does_not_call_a_condition_outside_the_deck_false(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = hk("quiz", "--card", "buttock:site-of:reverse", "--db", str(tmp_path / "p.sqlite3"),
                input="piriformis syndrome\n\n")
    assert result.exit_code == 0, result.stderr
    assert "(not one of the conditions hamknee covers there)" in " ".join(result.stdout.split())


def test_hamstring_nerve_choices_name_the_divisions_of_the_sciatic_nerve(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # The hamstring branches leave the tibial and common fibular divisions in the thigh; the tibial nerve
    # proper begins at the popliteal fossa.
    out = tmp_path / "deck.json"
    assert hk("export", "cards", str(out)).exit_code == 0
    cards = {c["id"]: c for c in json.loads(out.read_text(encoding="utf-8"))}
    for muscle in ("semimembranosus", "semitendinosus", "biceps-femoris-long-head"):
        card = cards[f"{muscle}:innervation:choice"]
        assert [card["options"][i] for i in card["correct"]] == ["Tibial division of the sciatic nerve"]
        assert "Tibial nerve" not in card["options"]
    short = cards["biceps-femoris-short-head:innervation:choice"]
    assert [short["options"][i] for i in short["correct"]] == ["Common fibular division of the sciatic nerve"]
    # Below the knee the tibial nerve is the nerve itself.
    calf = cards["gastrocnemius:innervation:choice"]
    assert [calf["options"][i] for i in calf["correct"]] == ["Tibial nerve"]


def test_the_quadriceps_origin_is_asked_per_head_never_as_the_linea_aspera(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # Rectus femoris arises from the ilium (AIIS, supra-acetabular groove), the vasti from the femur, vastus
    # intermedius from the femoral shaft: no one site, nor any set of the deck's sites, is the group's origin.
    deck = _deck(hk)
    assert not [i for i in deck if i.startswith("quadriceps-femoris:origin:")]
    rectus = deck["rectus-femoris:origin:recall"]
    assert rectus["prompt"] == "Where does Rectus femoris arise (its origin)? Name the site of each head."
    assert rectus["answer"] == ("Anterior inferior iliac spine (straight head) and Supra-acetabular groove "
                                "(reflected head)")
    screen = _revealed(hk, tmp_path, "rectus-femoris:origin:choice")
    assert "Straight head: anterior inferior iliac spine; reflected head: supra-acetabular groove" in screen
    # no site of the quadriceps' heads is ever a wrong option on a card about the quadriceps or its rectus femoris
    own = {"Anterior inferior iliac spine", "Supra-acetabular groove", "Linea aspera", "Tibial tuberosity"}
    for ident, card in deck.items():
        if ident.split(":")[0] in ("quadriceps-femoris", "rectus-femoris") and card["options"]:
            wrong = {o for i, o in enumerate(card["options"]) if i not in card["correct"]}
            assert not wrong & own, (ident, wrong & own)


def test_a_muscle_whose_parts_attach_apart_is_asked_for_each_site(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    deck = _deck(hk)
    card = deck["adductor-magnus:insertion:recall"]
    assert card["prompt"] == "Where does Adductor magnus insert? Name the site of each part."
    assert card["answer"] == "Adductor tubercle (hamstring part) and Linea aspera (adductor part)"
    result = hk("quiz", "--card", "adductor-magnus:insertion:recall", "--db", str(tmp_path / "p.sqlite3"),
                input="adductor tubercle\n")
    assert result.exit_code == 0, result.stderr
    assert "½ Partly right" in result.stdout and "missing Linea aspera" in " ".join(result.stdout.split())
    screen = _revealed(hk, tmp_path / "b", "biceps-femoris:origin:recall")
    assert "Long head: ischial tuberosity" in screen and "short head: lateral lip of the linea aspera" in screen


def test_wrong_option_notes_tell_the_whole_truth(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # a landmark named only to say where another lies is no attachment of its own
    deck = _deck(hk)
    assert "medial-femoral-condyle:insertion-of:reverse" not in deck
    assert "medial-femoral-condyle:origin-of:reverse" in deck  # the medial head of gastrocnemius
    # a nerve's note names every muscle it supplies, through its divisions too
    result = hk("quiz", "--card", "sartorius:innervation:choice", "--db", str(tmp_path / "b.sqlite3"),
                input="sciatic nerve\n")
    assert result.exit_code == 0, result.stderr
    words = " ".join(result.stdout.split())
    assert "The sciatic nerve supplies" in words and "Semimembranosus and Semitendinosus, not Sartorius" in words
    # a proper name keeps its capital inside a sentence
    assert "referred pain of Perthes disease" in deck["perthes-disease:felt_at:recall"]["prompt"]


def test_a_wrong_option_says_why_it_is_wrong(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # in a NOT question the wrong options are the ones that do arise there: the note says so, never 'Not X.'
    result = hk("quiz", "--card", "ischial-tuberosity:card:not-from-here", "--db", str(tmp_path / "p.sqlite3"),
                input="semitendinosus\n")
    assert result.exit_code == 0, result.stderr
    words = " ".join(result.stdout.split())
    assert "Semitendinosus does arise from the ischial tuberosity" in words
    assert "Not Semitendinosus." not in words


def test_a_part_of_a_muscle_that_arises_elsewhere_is_told_where(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = hk("quiz", "--card", "ischiopubic-ramus:origin-of:reverse", "--db", str(tmp_path / "p.sqlite3"),
                input="hamstring part of adductor magnus\n")
    assert result.exit_code == 0, result.stderr
    words = " ".join(result.stdout.split())
    assert "the hamstring part of adductor magnus arises from the ischial tuberosity" in words
    assert "Adductor magnus (adductor part), Gracilis, Adductor brevis or Obturator externus" in words


def test_key_test_cards_never_offer_a_test_that_is_right_for_the_subject(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    deck = _deck(hk)
    # the ACR publishes criteria for hip osteoarthritis too: the knee set is no wrong option for the hip
    hip = deck["hip-osteoarthritis:key-test:choice"]
    assert "ACR clinical classification criteria" not in hip["options"]
    # a hip examination assesses every child's knee pain from the hip: no hip condition offers another's
    for ident in ("slipped-capital-femoral-epiphysis:key-test:choice", "septic-arthritis:key-test:choice",
                  "hip-osteoarthritis:key-test:choice"):
        wrong = [o for i, o in enumerate(deck[ident]["options"]) if i not in deck[ident]["correct"]]
        assert not any(w.startswith(("Hip examination", "Drehmann", "Kocher", "Joint aspiration")) for w in wrong), \
            (ident, wrong)
    # the Kocher criteria predict septic arthritis: no "key test for transient synovitis" card
    assert "transient-synovitis:key-test:choice" not in deck
    screen = _revealed(hk, tmp_path, "transient-synovitis:test:recall")
    assert "helps exclude septic arthritis" in screen and "ESR > 40 mm/h" in screen
    # criteria are asked as what the diagnosis rests on, not as a test
    assert deck["knee-osteoarthritis:key-test:choice"]["prompt"] == \
        "Which of these is key to the clinical diagnosis of knee osteoarthritis?"
    scfe = deck["slipped-capital-femoral-epiphysis:key-test:choice"]
    assert scfe["options"][scfe["correct"][0]] == "Drehmann sign (obligate external rotation on hip flexion)"


def test_an_investigation_named_for_a_clinical_test_is_told_why_not(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = hk("quiz", "--card", "deep-vein-thrombosis:test:recall", "--db", str(tmp_path / "p.sqlite3"),
                input="compression ultrasound\n")
    assert result.exit_code == 0, result.stderr
    assert "an imaging investigation, not a clinical (bedside) test" in " ".join(result.stdout.split())


def test_a_nerve_that_divides_is_asked_for_the_thigh_and_names_each_muscle_once(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    deck = _deck(hk)
    card = deck["sciatic-nerve:innervates:reverse"]
    assert card["prompt"] == "Name a muscle supplied by the sciatic nerve in the thigh."
    assert card["answer"] == ("Any one of: Biceps femoris (both heads), Adductor magnus, Semimembranosus or "
                              "Semitendinosus")
    result = hk("quiz", "--card", "sciatic-nerve:innervates:reverse", "--db", str(tmp_path / "p.sqlite3"),
                input="gastrocnemius\n")
    words = " ".join(result.stdout.split())
    assert "Gastrocnemius is supplied by the tibial nerve, a terminal branch of the sciatic nerve" in words


def test_a_lesser_attachment_is_half_an_answer(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for card, answer, main in (
            ("biceps-femoris:insertion:recall", "lateral tibial condyle", "which inserts mainly on the fibular head"),
            ("popliteus:origin:recall", "lateral meniscus", "which arises mainly from the lateral femoral condyle")):
        result = hk("quiz", "--card", card, "--db", str(tmp_path / f"{card}.sqlite3"), input=f"{answer}\n")
        words = " ".join(result.stdout.split())
        assert "½ Partly right: a lesser attachment of" in words and main in words, words
        assert "not right here" not in words


def test_a_multi_headed_muscle_is_asked_for_one_of_its_sites_and_every_head_explained(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    deck = _deck(hk)
    assert deck["biceps-femoris:origin:choice"]["prompt"] == "Which of these is an origin of Biceps femoris?"
    screen = _revealed(hk, tmp_path, "biceps-femoris:origin:choice")
    assert "Long head: ischial tuberosity" in screen and "short head: lateral lip of the linea aspera" in screen
    # the place in a condition's name is no giveaway of where it hurts
    assert deck["common-fibular-neuropathy:felt_at:recall"]["prompt"] == \
        "Where is the pain of common fibular (peroneal) nerve injury felt?"


def test_an_explanation_is_never_cut_inside_brackets_or_a_list(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # a long clause ends at a clause; a list of items is cut visibly, never as if it were the whole list
    screen = _revealed(hk, tmp_path, "remodelling-phase:next:choice")
    assert "pain-free sprinting and confidence are met." in screen
    long = ("Pain or a click on rotating the flexed knee (the examiner holds the heel, flexes the knee fully, rotates "
            "the tibia inwards and outwards, and extends the knee while palpating both joint lines for a click or pain "
            "that the patient recognises as the familiar pain of the knee).")
    kb = tmp_path / "kb.yaml"
    kb.write_text(STUDY_KB.read_text(encoding="utf-8").replace(
        "description: Pain or a click on rotating the flexed knee.}", f"description: '{long}'}}"), encoding="utf-8")
    result = hk("--kb", str(kb), "quiz", "--card", "meniscal-tear:test:recall", "--db", str(tmp_path / "p.sqlite3"),
                input="?\n")
    assert result.exit_code == 0, result.stderr
    words = " ".join(result.stdout.split())
    assert "McMurray test: Pain or a click on rotating the flexed knee." in words, words
    assert "(the examiner" not in words
    items = ("1 point each: active cancer; paralysis of the leg; bed rest for three days or more; tenderness along "
             "the deep veins; an entire leg swollen; calf swelling of more than three centimetres compared with the "
             "other side; pitting oedema in the symptomatic leg; collateral superficial veins that are not varicose")
    kb.write_text(STUDY_KB.read_text(encoding="utf-8").replace(
        "description: Pain or a click on rotating the flexed knee.}", f"description: '{items}'}}"), encoding="utf-8")
    result = hk("--kb", str(kb), "quiz", "--card", "meniscal-tear:test:recall", "--db", str(tmp_path / "q.sqlite3"),
                input="?\n")
    words = " ".join(result.stdout.split())
    assert "; …" in words, words
