"""Study mode: cards from the knowledge base, answers, FSRS scheduling, the progress database, sessions."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

import pytest
from fsrs import Rating

from hamknee.kb import open_kb
from hamknee.study.answers import NameIndex, judge, judge_text
from hamknee.study.cards import QTYPES, Card, generate, select
from hamknee.study.schedule import Spacer, plan
from hamknee.study.store import Store

STUDY_KB = Path(__file__).parent / "data" / "study_kb.yaml"
SRC = Path(__file__).resolve().parents[1] / "src"


@pytest.fixture
def cards() -> list[Card]:
    kb = open_kb(STUDY_KB, use_cache=False)
    return generate(kb.records())


@lru_cache(maxsize=1)
def study_names() -> NameIndex:
    return NameIndex(open_kb(STUDY_KB, use_cache=False).records())


def check(card: Card, given: str):  # type: ignore[no-untyped-def]
    """The verdict a session gives: judged against every name in the knowledge base."""
    return judge(card, given, study_names())


def by_id(cards: list[Card]) -> dict[str, Card]:
    return {c.id: c for c in cards}


def session_order(cards: list[Card], chosen: list[Card], count: int, seed: int) -> list[Card]:
    """The cards a fresh session asks, in order: what `quiz --seed` promises to reproduce."""
    ids = sorted(c.id for c in chosen)
    lookup = by_id(cards)
    return [lookup[i] for i in plan([], ids, count, 20, random.Random(seed))]


ANSWERS = {  # card id -> (wrong, near miss, right)
    "semitendinosus:insertion:recall": ("fibular head", "pes anserinous", "pes anserinus"),
    "semitendinosus:origin:recall": ("linea aspera", "ischial tuberositty", "ischial tuberosity"),
    "semitendinosus:innervation:recall": ("obturator nerve", "tibial divison", "tibial division"),
    "semitendinosus:card:only-hamstring-in-pes": ("biceps femoris", "semitendinosis", "semitendinosus"),
}


def reviews(db: Path) -> list[tuple[str, int, int]]:
    with sqlite3.connect(db) as conn:
        return list(conn.execute("SELECT card_id, rating, correct FROM reviews ORDER BY id"))


def due_of(db: Path, card_id: str) -> float:
    with sqlite3.connect(db) as conn:
        return float(conn.execute("SELECT due FROM cards WHERE id = ?", (card_id,)).fetchone()[0])


# -- cards ---------------------------------------------------------------------------------------------------

def test_cards_have_stable_ids_and_every_question_type(cards: list[Card]) -> None:
    ids = by_id(cards)
    assert "semitendinosus:insertion:recall" in ids
    assert "fibular-head:insertion-of:reverse" in ids
    assert "pes-anserine-bursitis:card:vignette" in ids
    assert {c.qtype for c in cards} == set(QTYPES)
    assert len(ids) == len(cards), "card ids are unique"
    again = generate(open_kb(STUDY_KB, use_cache=False).records())
    assert [(c.id, c.front, c.back) for c in again] == [(c.id, c.front, c.back) for c in cards]


def test_reverse_question_takes_every_muscle_the_records_attach_there(cards: list[Card]) -> None:
    card = by_id(cards)["fibular-head:insertion-of:reverse"]
    assert card.prompt == "Name a muscle that inserts on the fibular head."
    assert check(card, "biceps femoris short head").correct
    assert check(card, "long head of biceps femoris").correct  # a listed alias of the other head
    assert not check(card, "semitendinosus").correct


def test_choice_options_are_names_that_the_records_make_wrong(cards: list[Card]) -> None:
    card = by_id(cards)["semitendinosus:insertion:choice"]
    assert card.options[card.correct[0]] == "Pes anserinus"
    # Short complete names, never a sentence cut off; never a site the muscle's own record names.
    assert all(len(o) < 40 and not o.endswith(("…", "...")) for o in card.options)
    assert "Ischial tuberosity" not in card.options
    # The explanation of a wrong option says whose fact it is.
    notes = dict(zip(card.options, card.option_notes, strict=True))
    assert any("is the insertion of" in n or "is not where" in n for o, n in notes.items() if o != "Pes anserinus")


def test_authored_cards_are_in_the_deck_with_their_sources(cards: list[Card]) -> None:
    vignette = by_id(cards)["pes-anserine-bursitis:card:vignette"]
    assert vignette.qtype == "vignette" and vignette.authored
    assert set(vignette.options) == {"Pes anserine bursitis", "Meniscal tear", "Baker's cyst", "Hamstring strain"}
    assert "Pes Anserine Bursitis. StatPearls Publishing" in vignette.sources[0]
    assert "anserine" not in vignette.prompt.lower()
    assert by_id(cards)["nordic-hamstring-exercise:card:how"].self_graded


def test_comparison_asks_which_of_two_has_the_site(cards: list[Card]) -> None:
    card = by_id(cards)["semitendinosus:insertion:compare:biceps-femoris-short-head"]
    assert card.prompt == "Which of these two inserts on the pes anserinus?"
    assert card.options[card.correct[0]] == "Semitendinosus"
    assert len(card.options) == 2


def test_felt_at_with_several_regions_is_graded_as_a_set() -> None:
    from hamknee.paths import shipped_kb
    from hamknee.study.cards import Deck

    deck = Deck(open_kb(shipped_kb(), use_cache=False).records())
    card = {c.id: c for c in deck.cards}["distal-hamstring-tendinopathy:felt_at:recall"]
    assert judge(card, "medial knee, posterior knee and lateral knee", deck.names).correct
    partial = judge(card, "lateral", deck.names)
    assert not partial.correct and partial.partial and "missing Medial knee, Posterior knee" in partial.note


def test_topic_selects_by_kind_entity_and_region(cards: list[Card]) -> None:
    assert {c.kind for c in select(cards, kinds={"condition"})} == {"condition"}
    about = select(cards, entity="semitendinosus")
    assert all("semitendinosus" in c.entities for c in about)
    lateral = select(cards, region="lateral-knee")
    assert "biceps-femoris-short-head:insertion:recall" in {c.id for c in lateral}
    assert "semitendinosus:insertion:recall" not in {c.id for c in lateral}


# -- answers -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("given", "correct", "exact"), [
    ("Pes anserinus", True, True),
    ("  pes-anserinus!! ", True, True),      # case and punctuation
    ("the goose foot", True, True),          # a listed alias, with an article
    ("pes anserinous", True, False),         # a small typo
    ("fibular head", False, True),           # exactly another attachment: wrong, no doubt
    ("", False, False),
])
def test_typed_answers(cards: list[Card], given: str, correct: bool, exact: bool) -> None:
    verdict = check(by_id(cards)["semitendinosus:insertion:recall"], given)
    assert (verdict.correct, verdict.exact) == (correct, exact)


def test_a_typo_never_turns_one_muscle_into_another() -> None:
    assert judge_text("semitendinosis", ("Semitendinosus",), ("Semimembranosus",)).correct
    assert not judge_text("semimembranosus", ("Semitendinosus",), ("Semimembranosus",)).correct
    assert not judge_text("ACL", ("PCL",), ()).correct  # short answers must be exact


def test_possessives_and_plurals_do_not_count_as_typos() -> None:
    verdict = judge_text("bakers cyst", ("Baker's cyst",), ("Popliteus tendinopathy",))
    assert (verdict.correct, verdict.exact) == (True, True)


def test_choice_numbers(cards: list[Card]) -> None:
    card = by_id(cards)["pes-anserine-bursitis:card:vignette"]
    right = card.correct[0] + 1
    wrong = 1 if right != 1 else 2
    assert check(card, str(right)).correct
    assert check(card, f"{right}.").correct
    assert not check(card, str(wrong)).correct
    assert check(card, "9").note == "there is no option 9" and check(card, "9").unanswerable
    assert check(card, "pes anserine bursitis").correct  # typing the answer works too


# -- scheduling ----------------------------------------------------------------------------------------------

def test_fsrs_puts_a_right_answer_later_than_a_wrong_one() -> None:
    spacer = Spacer(fuzz=False)
    when = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
    good = spacer.review("a:b:recall", None, Rating.Good, when)
    again = spacer.review("a:b:recall", None, Rating.Again, when)
    easy = spacer.review("a:b:recall", None, Rating.Easy, when)
    assert again.due < good.due < easy.due
    # A second right answer, the next day, moves the card days ahead.
    later = spacer.review("a:b:recall", good.fsrs, Rating.Good, when + timedelta(days=1))
    assert later.state == "review"
    assert later.due - (when + timedelta(days=1)) > timedelta(days=1)


def test_plan_takes_due_cards_first_then_new_ones_up_to_the_limit() -> None:
    chosen = plan(["d1", "d2"], ["n1", "n2", "n3"], count=10, new_allowed=2, rng=random.Random(1))
    assert chosen[:2] == ["d1", "d2"]
    assert sorted(chosen[2:]) in (["n1", "n2"], ["n1", "n3"], ["n2", "n3"])
    assert plan(["d1", "d2"], ["n1"], count=1, new_allowed=5, rng=random.Random(1)) == ["d1"]


# -- whole sessions through stdin ----------------------------------------------------------------------------

RECALL = "semitendinosus:insertion:recall"
CHOICE = "semitendinosus:insertion:choice"


def quiz(hk, tmp_path: Path, *args: str, input: str, db: str = "p.sqlite3"):  # type: ignore[no-untyped-def]
    return hk("--kb", str(STUDY_KB), "quiz", "--db", str(tmp_path / db), *args, input=input)


def test_session_with_right_wrong_and_near_miss_answers(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ids = ("semitendinosus:origin:recall", "semitendinosus:insertion:recall", "semitendinosus:innervation:recall")
    args = [a for i in ids for a in ("--card", i)]
    result = quiz(hk, tmp_path, *args, input="linea aspera\npes anserinous\ntibial nerve\n")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "Not this time (Linea aspera is not right here)." in out
    assert "Right (close enough: Pes anserinus)." in out
    assert "Right." in out
    assert "More: hamknee explain semitendinosus" in out
    saved = reviews(tmp_path / "p.sqlite3")
    assert [(cid, rating, ok) for cid, rating, ok in saved] == [
        (ids[0], int(Rating.Again), 0), (ids[1], int(Rating.Hard), 1), (ids[2], int(Rating.Good), 1)]
    # all three cards asked once; the missed card (and the new ones still learning) were coming back
    assert "End of input: 3 cards, 3 answers saved, 2 right (67%)." in out


def test_a_failed_card_comes_back_in_the_same_session(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = quiz(hk, tmp_path, "--card", RECALL, input="fibular head\npes anserinus\npes anserinus\n")
    assert result.exit_code == 0, result.stderr
    assert "Rated again; it comes back later in this session." in result.stdout
    assert result.stdout.count("Where does Semitendinosus insert?") == 3
    saved = reviews(tmp_path / "p.sqlite3")
    assert [(cid, rating) for cid, rating, _ in saved] == [
        (RECALL, int(Rating.Again)), (RECALL, int(Rating.Good)), (RECALL, int(Rating.Good))]
    assert "Session complete: 1 card, 3 answers saved, 2 right (67%)." in result.stdout


def test_an_empty_line_or_an_impossible_number_asks_again(hk, cards: list[Card], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = quiz(hk, tmp_path, "--card", RECALL, input="\n  \npes anserinus\n")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("No answer. Type your answer, or ? to see it.") == 2
    assert [r[:2] for r in reviews(tmp_path / "p.sqlite3")][:1] == [(RECALL, int(Rating.Good))]
    again = quiz(hk, tmp_path, "--card", CHOICE, "--seed", "3", input="9\n0\npes anserinus\n", db="q.sqlite3")
    assert "There is no option 9. Type a number from 1 to 4, the answer, or ?." in again.stdout
    assert "There is no option 0." in again.stdout
    assert [r[:2] for r in reviews(tmp_path / "q.sqlite3")][:1] == [(CHOICE, int(Rating.Good))]


def _at_a_terminal(init):  # type: ignore[no-untyped-def]
    def at_a_terminal(self, *args):  # type: ignore[no-untyped-def]
        init(self, *args)
        self.interactive = True
    return at_a_terminal


def test_the_default_rating_of_a_right_answer_is_good(hk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import hamknee.commands_study as study

    monkeypatch.setattr(study._Input, "__init__", _at_a_terminal(study._Input.__init__))
    result = quiz(hk, tmp_path, "--card", RECALL, input="pes anserinus\n\n")
    assert "Rate it: again / hard / good / easy [1-4, Enter = good]" in result.stdout
    assert reviews(tmp_path / "p.sqlite3")[0] == (RECALL, int(Rating.Good), 1)


def test_i_was_right_overrides_a_strict_verdict_as_hard(hk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import hamknee.commands_study as study

    monkeypatch.setattr(study._Input, "__init__", _at_a_terminal(study._Input.__init__))
    result = quiz(hk, tmp_path, "--card", RECALL, input="the conjoined tendons on the tibia\nr\n")
    assert "Not this time" in result.stdout and "Counted as right (hard)." in result.stdout
    assert reviews(tmp_path / "p.sqlite3")[0] == (RECALL, int(Rating.Hard), 1)


def test_question_mark_reveals_the_answer_rated_again(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = quiz(hk, tmp_path, "--card", RECALL, input="?\n")
    assert "Shown: counted as again." in result.stdout and "Answer: Pes anserinus" in result.stdout
    assert reviews(tmp_path / "p.sqlite3")[0] == (RECALL, int(Rating.Again), 0)


def test_self_graded_mode(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = quiz(hk, tmp_path, "--self", "--card", RECALL, input="\n4\n")
    assert "press Enter to see it" in result.stdout and "Answer: Pes anserinus" in result.stdout
    assert reviews(tmp_path / "p.sqlite3")[0] == (RECALL, int(Rating.Easy), 1)
    # A card whose answer is a sentence is always self-graded; Enter rates it good.
    sentence = quiz(hk, tmp_path, "--card", "nordic-hamstring-exercise:card:how", input="\n\n", db="q.sqlite3")
    assert "the athlete lowers the trunk forwards" in sentence.stdout
    assert reviews(tmp_path / "q.sqlite3")[0] == ("nordic-hamstring-exercise:card:how", int(Rating.Good), 1)


def test_card_asks_exactly_the_cards_named(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    wanted = ["gracilis:insertion:recall", "meniscal-tear:felt_at:recall"]
    result = quiz(hk, tmp_path, "--card", wanted[1], "--card", wanted[0], input="?\n?\n")
    assert result.exit_code == 0, result.stderr
    assert [r[0] for r in reviews(tmp_path / "p.sqlite3")] == [wanted[1], wanted[0]]
    bad = quiz(hk, tmp_path, "--card", "gracilis:insertion:recal", input="")
    assert bad.exit_code == 2
    assert "No card 'gracilis:insertion:recal'" in bad.stderr and "gracilis:insertion:recall" in bad.stderr


def test_options_are_reshuffled_on_every_review(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = quiz(hk, tmp_path, "--card", CHOICE, "--seed", "1", input="?\n" * 5)
    blocks = result.stdout.split("Where does Semitendinosus insert?")[1:]
    orders = [tuple(line.strip() for line in b.splitlines() if line.strip()[:2] in ("1.", "2.", "3.", "4."))
              for b in blocks]
    assert len(orders) == 5 and len(set(orders)) > 1


def test_same_seed_same_questions_in_the_same_order(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    runs = []
    for name in ("a", "b"):
        result = quiz(hk, tmp_path, "--count", "4", "--seed", "11", input="1\n1\n1\n1\n", db=name)
        assert result.exit_code == 0
        runs.append([line for line in result.stdout.splitlines() if not line.startswith(("Rated", "Next card"))])
    assert runs[0] == runs[1]


def test_every_line_wraps_at_word_boundaries_to_60_columns(hk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COLUMNS", "60")
    result = quiz(hk, tmp_path, "--card", "pes-anserine-bursitis:card:vignette", input="1\n2\n3\n4\n")
    lines = result.stdout.splitlines()
    assert lines and max(len(line) for line in lines) <= 60, max(lines, key=len)
    assert not any(line.endswith("-") and not line.endswith(" -") for line in lines)  # no word split
    stats = hk("--kb", str(STUDY_KB), "stats", "--db", str(tmp_path / "p.sqlite3"))
    assert max(len(line) for line in stats.stdout.splitlines()) <= 60


def test_multiple_choice_session_by_number(hk, cards: list[Card], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = quiz(hk, tmp_path, "--topic", "pes-anserine-bursitis", "--type", "vignette", "--seed", "2",
                  input="pes anserine bursitis\n")
    assert result.exit_code == 0, result.stderr
    words = " ".join(result.stdout.split())  # the question is wrapped to the width
    assert "Which condition is most likely?" in words
    assert "Answer: " in words and "Pes anserine bursitis" in words
    assert reviews(tmp_path / "p.sqlite3")[0][1:] == (int(Rating.Good), 1)


def test_end_of_input_ends_the_session_cleanly(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "p.sqlite3"
    result = quiz(hk, tmp_path, "--count", "5", "--type", "recall", input="2\n")
    assert result.exit_code == 0
    assert "End of input: 1 of 5 cards asked, 1 answer saved, " in result.stdout
    assert len(reviews(db)) == 1


def headers(out: str) -> list[str]:
    """Each question's number, and ' - again' when a card comes back ('Question 2/3 · again · muscle · recall')."""
    found = [re.match(r"(Question \d+/\d+)(?: [·-] (again))?", line) for line in out.splitlines()]
    return [m.group(1) + (" - again" if m.group(2) else "") for m in found if m]


def test_count_is_the_number_of_cards_however_often_they_come_back(hk, cards, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """--count 3: three cards, each known; each comes back once (its learning step) after the three."""
    order = session_order(cards, select(cards, entity="semitendinosus", qtype="recall"), 3, seed=4)
    right = [ANSWERS[c.id][2] for c in order]
    result = quiz(hk, tmp_path, "--topic", "semitendinosus", "--type", "recall", "--count", "3", "--seed", "4",
                  input="".join(a + "\n" for a in right * 2))
    assert result.exit_code == 0, result.stderr
    assert headers(result.stdout) == ["Question 1/3", "Question 2/3", "Question 3/3", "Question 1/3 - again",
                                      "Question 2/3 - again", "Question 3/3 - again"]
    assert "Session complete: 3 cards, 6 answers saved, 6 right (100%)." in result.stdout
    assert [cid for cid, _, _ in reviews(tmp_path / "p.sqlite3")] == [c.id for c in order] * 2


def test_missed_cards_never_crowd_out_the_planned_ones(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Every answer wrong: all five planned cards are asked within ten questions, none numbered past 5."""
    result = quiz(hk, tmp_path, "--type", "recall", "--count", "5", "--seed", "4", input="no idea\n" * 40)
    assert result.exit_code == 0, result.stderr
    numbers = headers(result.stdout)
    assert all(re.fullmatch(r"Question [1-5]/5( - again)?", n) for n in numbers), numbers
    assert [n for n in numbers if not n.endswith("again")] == [f"Question {i}/5" for i in range(1, 6)]
    assert numbers.index("Question 5/5") < 10, numbers
    assert f"Session complete: 5 cards, {len(numbers)} answers saved, 0 right (0%)." in result.stdout


def test_due_cards_come_back_before_new_ones(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "p.sqlite3"
    quiz(hk, tmp_path, "--count", "2", "--seed", "1", input="?\n?\n")
    first = sorted({cid for cid, _, _ in reviews(db)})
    with sqlite3.connect(db) as conn:  # pretend the learning step has passed
        conn.execute("UPDATE cards SET due = due - 3600 WHERE reps > 0")
    before = len(reviews(db))
    quiz(hk, tmp_path, "--count", "2", "--seed", "2", input="?\n?\n")
    second = [cid for cid, _, _ in reviews(db)][before:]
    assert sorted(set(second)) == first


def test_daily_new_card_limit(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = quiz(hk, tmp_path, "--count", "5", "--new", "2", input="?\n\n" * 20)
    assert "Session complete:" in result.stdout
    assert len({cid for cid, _, _ in reviews(tmp_path / "p.sqlite3")}) == 2
    again = quiz(hk, tmp_path, "--count", "5", "--new", "2", input="1\n" * 5)
    assert again.exit_code == 0
    assert "Nothing to study now" in again.stdout


def test_unknown_type_and_topic(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = hk("--kb", str(STUDY_KB), "quiz", "--type", "essay", "--db", str(tmp_path / "p"))
    assert bad.exit_code == 2
    assert "Unknown question type 'essay'" in bad.stderr
    missing = hk("--kb", str(STUDY_KB), "quiz", "--topic", "spleen", "--db", str(tmp_path / "p"))
    assert missing.exit_code == 1


def test_region_topic_by_alias(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = quiz(hk, tmp_path, "--topic", "outer knee", "--count", "3", "--seed", "5", input="?\n" * 30)
    assert result.exit_code == 0
    assert "Session complete:" in result.stdout
    assert {cid for cid, _, _ in reviews(tmp_path / "p.sqlite3")} <= {
        c.id for c in select(generate(open_kb(STUDY_KB, use_cache=False).records()), region="lateral-knee")}


# -- nothing lost --------------------------------------------------------------------------------------------

def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    env["HAMKNEE_HOME"] = str(tmp_path / "home")
    env.pop("HAMKNEE_DB", None)
    return env


def test_ctrl_c_keeps_every_answer_and_exits_130(tmp_path: Path) -> None:
    db = tmp_path / "p.sqlite3"
    proc = subprocess.Popen(
        [sys.executable, "-m", "hamknee", "--kb", str(STUDY_KB), "quiz", "--count", "5", "--type", "recall",
         "--db", str(db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(tmp_path))
    assert proc.stdin and proc.stdout
    proc.stdin.write("1\nx\n")
    proc.stdin.flush()
    seen = []
    for line in proc.stdout:  # wait until the third question is asked: two answers are committed
        seen.append(line)
        if line.startswith("Question 3/"):
            break
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert stderr.strip().splitlines() == [stderr.strip()]  # one line
    assert re.match(r"Interrupted: 2 of 5 cards asked, 2 answers saved, ", stderr)
    assert len(reviews(db)) == 2


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs a Linux pseudo-terminal")
def test_closed_terminal_keeps_every_answer_and_exits_130(cards: list[Card], tmp_path: Path) -> None:
    """At a terminal: a wrong answer, then a right one; the terminal closes while the rating is asked."""
    import pty
    import select as io_select
    import time

    db = tmp_path / "p.sqlite3"
    first, second = "semitendinosus:origin:recall", "semitendinosus:insertion:recall"
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "hamknee", "--kb", str(STUDY_KB), "quiz", "--card", first, "--card", second,
         "--db", str(db)],
        stdin=slave, stdout=slave, stderr=subprocess.PIPE, env=dict(_env(tmp_path), NO_COLOR="1"),
        start_new_session=True)
    os.close(slave)
    seen = b""

    def read_until(marker: bytes, times: int = 1) -> None:
        nonlocal seen
        deadline = time.monotonic() + 60
        while seen.count(marker) < times and time.monotonic() < deadline:
            if io_select.select([master], [], [], 0.5)[0]:
                seen += os.read(master, 4096)

    read_until(b"\n> ")
    os.write(master, b"linea aspera\r")
    read_until(b"you were right")
    os.write(master, b"\r")
    read_until(b"\n> ", times=2)
    os.write(master, b"pes anserinus\r")
    read_until(b"Rate it: again / hard / good / easy")
    os.close(master)  # the terminal window is closed
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert b"Traceback" not in stderr
    saved = reviews(db)
    assert saved[0] == (first, int(Rating.Again), 0)
    assert saved[1] == (second, int(Rating.Good), 1)  # kept with the suggested rating
    assert len(saved) == 2


def test_interrupt_in_process_keeps_answers(hk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import hamknee.study.answers as answers

    real = answers.judge
    calls = []

    def judge_then_interrupt(card: Card, given: str, names: object = None) -> object:
        calls.append(card.id)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(card, given, names)  # type: ignore[arg-type]

    monkeypatch.setattr(answers, "judge", judge_then_interrupt)
    db = tmp_path / "p.sqlite3"
    # Typed cards only, in a fixed order: every answer goes through the checker, so the third one is the
    # one interrupted whatever the shuffle.
    result = hk("--kb", str(STUDY_KB), "quiz", "--count", "5", "--type", "recall", "--seed", "1", "--db", str(db),
                input="1\n2\n3\n4\n5\n")
    assert result.exit_code == 130
    assert re.search(r"Interrupted: 2 of 5 cards asked, 2 answers saved", result.stderr)
    assert len(reviews(db)) == 2


def test_two_sessions_at_once_lose_no_review(tmp_path: Path) -> None:
    db = tmp_path / "p.sqlite3"
    command = [sys.executable, "-m", "hamknee", "--kb", str(STUDY_KB), "quiz", "--count", "15", "--new", "100",
               "--type", "recall", "--db", str(db)]  # typed cards: one line is one answer
    procs = [subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=_env(tmp_path)) for _ in range(2)]
    results = [p.communicate("1\n" * 15, timeout=120) for p in procs]
    for proc, (_, stderr) in zip(procs, results, strict=True):
        assert proc.returncode == 0, stderr
    assert len(reviews(db)) == 30


def test_concurrent_writers_on_one_card_count_every_review(cards: list[Card], tmp_path: Path) -> None:
    db = tmp_path / "p.sqlite3"
    card = by_id(cards)["semitendinosus:insertion:recall"]
    with Store(db) as store:
        store.sync(cards, datetime.now(timezone.utc))
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            with Store(db) as store:
                spacer = Spacer(fuzz=False)
                for _ in range(25):
                    store.record(card, Rating.Good, correct=True, answer="pes anserinus",
                                 when=datetime.now(timezone.utc), spacer=spacer, session="t")
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(reviews(db)) == 100
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT reps FROM cards WHERE id = ?", (card.id,)).fetchone()[0] == 100


def test_corrupt_database_is_reported_and_left_alone(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "p.sqlite3"
    db.write_bytes(b"this is not a database, it is a shopping list\n" * 100)
    before = db.read_bytes()
    for args in (("quiz",), ("stats",), ("quiz", "--stats")):
        result = hk("--kb", str(STUDY_KB), *args, "--db", str(db), input="1\n")
        assert result.exit_code == 5
        assert len(result.stderr.strip().splitlines()) == 1
        assert "is damaged or is not a hamknee study database" in result.stderr
        assert "--reset" in result.stderr
    assert db.read_bytes() == before


def test_unwritable_database_location(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    result = hk("--kb", str(STUDY_KB), "quiz", "--db", str(blocker / "p.sqlite3"), input="1\n")
    assert result.exit_code == 5
    assert result.stderr.startswith("Error: Study database")
    assert "cannot be opened or created" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_database_from_a_newer_version_is_refused(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "p.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA user_version = 99")
    result = hk("--kb", str(STUDY_KB), "stats", "--db", str(db))
    assert result.exit_code == 5
    assert "newer hamknee" in result.stderr


def test_other_programs_sqlite_file_is_refused(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "p.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER)")
    result = hk("--kb", str(STUDY_KB), "stats", "--db", str(db))
    assert result.exit_code == 5
    assert "another program" in result.stderr


def test_reset_keeps_a_backup_and_says_where(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "p.sqlite3"
    hk("--kb", str(STUDY_KB), "quiz", "--count", "3", "--db", str(db), input="1\n1\n1\n")
    saved = reviews(db)
    assert len(saved) >= 2
    result = hk("--kb", str(STUDY_KB), "quiz", "--reset", "--db", str(db))
    assert result.exit_code == 0
    backup = Path(result.stdout.split("kept as ", 1)[1].strip().rstrip("."))
    assert backup.exists() and backup.parent == tmp_path
    assert reviews(backup) == saved
    assert not db.exists()
    stats = json.loads(hk("--kb", str(STUDY_KB), "stats", "--json", "--db", str(db)).stdout)
    assert stats["reviews"]["total"] == 0


def test_reset_of_a_corrupt_database_backs_it_up(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "p.sqlite3"
    db.write_bytes(b"garbage" * 100)
    result = hk("--kb", str(STUDY_KB), "quiz", "--reset", "--db", str(db))
    assert result.exit_code == 0
    backups = list(tmp_path.glob("p.sqlite3.*.bak"))
    assert len(backups) == 1 and backups[0].read_bytes() == b"garbage" * 100


def test_hamknee_db_environment_variable(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "env.sqlite3"
    # A typed card: "1" is an answer (a self-graded card would take it as Enter and wait for a rating).
    result = hk("--kb", str(STUDY_KB), "quiz", "--count", "1", "--type", "recall", input="1\n",
                env={"HAMKNEE_DB": str(db)})
    assert result.exit_code == 0
    assert len(reviews(db)) == 1


def test_default_database_lives_in_the_data_directory(hk, isolated_home: Path) -> None:  # type: ignore[no-untyped-def]
    result = hk("--kb", str(STUDY_KB), "quiz", "--count", "1", "--type", "recall", input="1\n")
    assert result.exit_code == 0
    assert len(reviews(isolated_home / "data" / "study.sqlite3")) == 1


# -- cards follow the knowledge base -------------------------------------------------------------------------

def test_removed_facts_retire_cards_and_keep_history(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "p.sqlite3"
    hk("--kb", str(STUDY_KB), "quiz", "--topic", "gracilis", "--type", "recall", "--count", "3", "--db", str(db),
       input="x\nx\nx\n")
    # gracilis has one recall card (its origin has no attachment entity, its nerve no entry): missed, it returns.
    assert [r[0] for r in reviews(db)] == ["gracilis:insertion:recall"] * 3
    text = STUDY_KB.read_text(encoding="utf-8")
    start = text.index("  - id: gracilis")
    end = text.index("attachments:")
    smaller = tmp_path / "smaller.yaml"
    smaller.write_text(text[:start] + text[end:], encoding="utf-8")
    stats = json.loads(hk("--kb", str(smaller), "stats", "--json", "--db", str(db)).stdout)
    assert stats["cards"]["retired"] > 0
    assert stats["reviews"]["total"] == 3
    with sqlite3.connect(db) as conn:
        retired = {r[0] for r in conn.execute("SELECT id FROM cards WHERE retired_at IS NOT NULL")}
    assert "gracilis:insertion:recall" in retired
    # The fact comes back: so does the card, with its history.
    stats = json.loads(hk("--kb", str(STUDY_KB), "stats", "--json", "--db", str(db)).stdout)
    assert stats["cards"]["learning"] == 1
    with sqlite3.connect(db) as conn:
        back = conn.execute("SELECT retired_at, reps FROM cards WHERE id = 'gracilis:insertion:recall'").fetchone()
    assert back == (None, 3)


# -- stats ---------------------------------------------------------------------------------------------------

def test_stats_after_a_session(hk, cards: list[Card], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "p.sqlite3"
    ids = ("semitendinosus:origin:recall", "semitendinosus:insertion:recall", "semitendinosus:innervation:recall")
    hk("--kb", str(STUDY_KB), "quiz", *(a for i in ids for a in ("--card", i)), "--db", str(db),
       input="ischial tuberosity\npes anserinus\nno idea\n")
    data = json.loads(hk("--kb", str(STUDY_KB), "stats", "--json", "--db", str(db)).stdout)
    assert data["cards"]["total"] == len(cards)
    assert data["cards"]["new"] == len(cards) - 3
    assert data["cards"]["learning"] == 3
    assert data["reviews"] == {"total": 3, "correct": 2, "today": 3, "ratings": {"again": 1, "good": 2}}
    assert data["by_kind"] == [{"kind": "muscle", "reviews": 3, "correct": 2, "accuracy": 0.667}]
    assert data["by_entity"] == [{"entity": "semitendinosus", "reviews": 3, "correct": 2, "accuracy": 0.667}]
    assert len(data["forecast"]) == 7
    assert sum(day["due"] for day in data["forecast"][:2]) == 3  # learning steps: due again within minutes
    text = hk("--kb", str(STUDY_KB), "stats", "--db", str(db))
    assert text.exit_code == 0
    assert f"Cards: {len(cards)} · {len(cards) - 3} new · 3 learning" in text.stdout
    assert "Right answers by kind of entry" in text.stdout
    assert "semitendinosus" in text.stdout
    assert "█" in text.stdout
    same = hk("--kb", str(STUDY_KB), "quiz", "--stats", "--db", str(db))
    assert same.stdout == text.stdout


def test_stats_chart_is_ascii_when_output_is_not_utf8(hk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import hamknee.commands_study as study

    db = tmp_path / "p.sqlite3"
    hk("--kb", str(STUDY_KB), "quiz", "--count", "2", "--db", str(db), input="1\n1\n")
    monkeypatch.setattr(study, "_fancy", lambda: False)
    result = hk("--kb", str(STUDY_KB), "stats", "--db", str(db))
    assert "#" in result.stdout
    assert "█" not in result.stdout and "·" not in result.stdout


def test_study_modules_stay_off_the_lookup_path() -> None:
    code = ("import sys; import hamknee.cli; heavy = {'fsrs', 'genanki', 'sqlite3', 'rapidfuzz', "
            "'hamknee.study.cards', 'hamknee.study.store'}; print(sorted(heavy & set(sys.modules)))")
    env = dict(os.environ, PYTHONPATH=str(SRC))
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert found.stdout.strip() == "[]"
    assert "quiz" in subprocess.run([sys.executable, "-m", "hamknee", "--help"], capture_output=True, text=True,
                                    env=env, check=True).stdout


def test_a_session_cut_short_by_the_new_card_limit_says_so(hk, tmp_path: Path) -> None:
    db = tmp_path / "p.sqlite3"
    r = hk("--kb", str(STUDY_KB), "quiz", "--count", "3", "--new", "2", "--db", str(db), input="?\n" * 10)
    assert r.exit_code == 0, r.stdout
    assert "Asking 2 of 3 cards: at most 2 new cards a day (change it with --new N)." in " ".join(r.stdout.split())
    r = hk("--kb", str(STUDY_KB), "quiz", "--count", "3", "--new", "3", "--db", str(db), input="?\n" * 10)
    assert "Asking 1 of 3 cards: at most 3 new cards a day, 2 already started today" in " ".join(r.stdout.split())
