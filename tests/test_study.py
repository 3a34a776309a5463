"""Study mode: cards from the knowledge base, answers, FSRS scheduling, the progress database, sessions."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from fsrs import Rating

from hamknee.kb import open_kb
from hamknee.study.answers import judge, judge_text
from hamknee.study.cards import QTYPES, Card, generate, select
from hamknee.study.schedule import Spacer, plan
from hamknee.study.store import Store

STUDY_KB = Path(__file__).parent / "data" / "study_kb.yaml"
SRC = Path(__file__).resolve().parents[1] / "src"


@pytest.fixture
def cards() -> list[Card]:
    kb = open_kb(STUDY_KB, use_cache=False)
    return generate(kb.records())


def by_id(cards: list[Card]) -> dict[str, Card]:
    return {c.id: c for c in cards}


def session_order(cards: list[Card], chosen: list[Card], count: int, seed: int) -> list[Card]:
    """The cards a fresh session asks, in order: what `quiz --seed` promises to reproduce."""
    ids = sorted(c.id for c in chosen)
    lookup = by_id(cards)
    return [lookup[i] for i in plan([], ids, count, 20, random.Random(seed))]


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
    assert "pes-anserine-bursitis:vignette" in ids
    assert {c.qtype for c in cards} == set(QTYPES)
    assert len(ids) == len(cards), "card ids are unique"
    again = generate(open_kb(STUDY_KB, use_cache=False).records())
    assert [(c.id, c.front, c.back) for c in again] == [(c.id, c.front, c.back) for c in cards]


def test_reverse_question_names_the_hamstring_on_the_fibular_head(cards: list[Card]) -> None:
    card = by_id(cards)["fibular-head:insertion-of:reverse"]
    assert card.prompt == "Name a hamstring that inserts on the fibular head."
    assert judge(card, "biceps femoris short head").correct
    assert judge(card, "long head of biceps femoris").correct  # a listed alias
    assert not judge(card, "semitendinosus").correct


def test_choice_distractors_come_from_the_same_field_of_the_same_kind(cards: list[Card]) -> None:
    card = by_id(cards)["semitendinosus:innervation:choice"]
    assert card.answer == "Tibial division of the sciatic nerve"
    assert set(card.options) == {"Tibial division of the sciatic nerve", "Common fibular division of the sciatic nerve",
                                 "Obturator nerve"}
    # Muscles inserting on the same site are never offered as wrong answers: they would be right too.
    gracilis = by_id(cards)["gracilis:insertion:choice"]
    semitendinosus_detail = "Upper medial surface of the tibial shaft, behind sartorius and below gracilis."
    assert semitendinosus_detail not in gracilis.options


def test_vignette_is_built_from_location_population_and_signs(cards: list[Card]) -> None:
    card = by_id(cards)["pes-anserine-bursitis:vignette"]
    assert "5 cm below the medial joint line" in card.prompt
    assert "Runners" in card.prompt
    assert "Point tenderness over the" in card.prompt
    assert "Pes anserine bursitis" in card.options
    assert "Meniscal tear" in card.options  # its listed differential is the first distractor
    assert "anserine bursitis" not in card.prompt.lower()  # the name is not given away


def test_comparison_asks_which_of_two_has_the_nerve(cards: list[Card]) -> None:
    found = [c for c in cards if c.qtype == "compare" and c.entity == "biceps-femoris-short-head"
             and c.field == "innervation"]
    assert found
    card = found[0]
    assert card.prompt == "Which of these two is innervated by the common fibular division of the sciatic nerve?"
    assert card.options[card.correct[0]] == "Biceps femoris short head"
    assert len(card.options) == 2


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
    verdict = judge(by_id(cards)["semitendinosus:insertion:recall"], given)
    assert (verdict.correct, verdict.exact) == (correct, exact)


def test_a_typo_never_turns_one_muscle_into_another() -> None:
    assert judge_text("semitendinosis", ("Semitendinosus",), ("Semimembranosus",)).correct
    assert not judge_text("semimembranosus", ("Semitendinosus",), ("Semimembranosus",)).correct
    assert not judge_text("ACL", ("PCL",), ()).correct  # short answers must be exact


def test_possessives_and_plurals_do_not_count_as_typos() -> None:
    verdict = judge_text("bakers cyst", ("Baker's cyst",), ("Popliteus tendinopathy",))
    assert (verdict.correct, verdict.exact) == (True, True)


def test_shipped_knowledge_base_gives_unambiguous_cards() -> None:
    """On the real content: unique ids, every question type, and no option that is a copy of another."""
    from hamknee.paths import shipped_kb
    from hamknee.study.cards import _words

    shipped = generate(open_kb(shipped_kb(), use_cache=False).records())
    assert len({c.id for c in shipped}) == len(shipped)
    for card in shipped:
        assert card.answer and card.prompt and card.explanation, card.id
        if card.options:
            assert len(card.options) >= 2 and len(card.correct) == 1, card.id
            words = [_words(o) for o in card.options]
            for i, a in enumerate(words):
                for b in words[i + 1:]:
                    assert not (a <= b or b <= a), (card.id, card.options)


def test_choice_numbers(cards: list[Card]) -> None:
    card = by_id(cards)["pes-anserine-bursitis:vignette"]
    right = card.correct[0] + 1
    wrong = 1 if right != 1 else 2
    assert judge(card, str(right)).correct
    assert judge(card, f"{right}.").correct
    assert not judge(card, str(wrong)).correct
    assert judge(card, "9").note == "there is no option 9"
    assert judge(card, "pes anserine bursitis").correct  # typing the answer works too


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

ANSWERS = {  # card id -> (wrong, near miss, right)
    "semitendinosus:insertion:recall": ("fibular head", "pes anserinous", "pes anserinus"),
    "semitendinosus:origin:recall": ("linea aspera", "ischial tuberositty", "ischial tuberosity"),
    "semitendinosus:innervation:recall": ("obturator nerve", "tibial divison", "tibial nerve"),
}


def test_session_with_right_wrong_and_near_miss_answers(hk, cards: list[Card], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "p.sqlite3"
    chosen = select(cards, entity="semitendinosus", qtype="recall")
    order = session_order(cards, chosen, 3, seed=4)
    lines = [ANSWERS[c.id][i] for i, c in enumerate(order)]
    result = hk("--kb", str(STUDY_KB), "quiz", "--topic", "semitendinosus", "--type", "recall", "--count", "3",
                "--seed", "4", "--db", str(db), input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "Not this time (that is Linea aspera)." in out
    assert "Right (close enough:" in out
    assert "Right." in out
    assert "More: hamknee explain semitendinosus" in out
    assert "Session complete: 3 of 3 answers saved, 2 right (67%)." in out
    saved = reviews(db)
    assert [(cid, rating, ok) for cid, rating, ok in saved] == [
        (order[0].id, int(Rating.Again), 0), (order[1].id, int(Rating.Hard), 1), (order[2].id, int(Rating.Good), 1)]
    assert due_of(db, order[2].id) > due_of(db, order[0].id)  # right answer -> due later than the wrong one


def test_same_seed_same_session(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    runs = []
    for name in ("a", "b"):
        result = hk("--kb", str(STUDY_KB), "quiz", "--count", "4", "--seed", "11", "--db", str(tmp_path / name),
                    input="1\n1\n1\n1\n")
        assert result.exit_code == 0
        runs.append([line for line in result.stdout.splitlines() if not line.startswith("Rated")])
    assert runs[0] == runs[1]


def test_multiple_choice_session_by_number(hk, cards: list[Card], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    card = by_id(cards)["bakers-cyst:vignette"]
    result = hk("--kb", str(STUDY_KB), "quiz", "--topic", "bakers-cyst", "--type", "vignette", "--db",
                str(tmp_path / "p"), input=f"{card.correct[0] + 1}\n")
    assert result.exit_code == 0, result.stderr
    assert "Which condition is most likely?" in result.stdout
    assert f"Answer: {card.correct[0] + 1}. Baker's cyst" in result.stdout
    assert "1 of 1 answer saved, 1 right (100%)" in result.stdout


def test_end_of_input_ends_the_session_cleanly(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "p.sqlite3"
    result = hk("--kb", str(STUDY_KB), "quiz", "--count", "5", "--db", str(db), input="2\n")
    assert result.exit_code == 0
    assert "End of input: 1 of 5 answers saved" in result.stdout
    assert len(reviews(db)) == 1


def test_due_cards_come_back_before_new_ones(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "p.sqlite3"
    hk("--kb", str(STUDY_KB), "quiz", "--count", "2", "--seed", "1", "--db", str(db), input="x\nx\n")
    first = [cid for cid, _, _ in reviews(db)]
    with sqlite3.connect(db) as conn:  # pretend the learning step has passed
        conn.execute("UPDATE cards SET due = due - 3600 WHERE reps > 0")
    hk("--kb", str(STUDY_KB), "quiz", "--count", "2", "--seed", "2", "--db", str(db), input="x\nx\n")
    second = [cid for cid, _, _ in reviews(db)][2:]
    assert sorted(second) == sorted(first)


def test_daily_new_card_limit(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "p.sqlite3"
    result = hk("--kb", str(STUDY_KB), "quiz", "--count", "5", "--new", "2", "--db", str(db), input="1\n" * 5)
    assert "Session complete: 2 of 2 answers saved" in result.stdout
    again = hk("--kb", str(STUDY_KB), "quiz", "--count", "5", "--new", "2", "--db", str(db), input="1\n" * 5)
    assert again.exit_code == 0
    assert "Nothing to study now (new-card limit for today reached" in again.stdout


def test_unknown_type_and_topic(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = hk("--kb", str(STUDY_KB), "quiz", "--type", "essay", "--db", str(tmp_path / "p"))
    assert bad.exit_code == 2
    assert "Unknown question type 'essay'" in bad.stderr
    missing = hk("--kb", str(STUDY_KB), "quiz", "--topic", "spleen", "--db", str(tmp_path / "p"))
    assert missing.exit_code == 1


def test_region_topic_by_alias(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = hk("--kb", str(STUDY_KB), "quiz", "--topic", "outer knee", "--count", "3", "--seed", "5",
                "--db", str(tmp_path / "p"), input="1\n1\n1\n")
    assert result.exit_code == 0
    assert "Session complete: 3 of 3" in result.stdout


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
        [sys.executable, "-m", "hamknee", "--kb", str(STUDY_KB), "quiz", "--count", "5", "--db", str(db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(tmp_path))
    assert proc.stdin and proc.stdout
    proc.stdin.write("1\nx\n")
    proc.stdin.flush()
    seen = []
    for line in proc.stdout:  # wait until the third question is asked: two answers are committed
        seen.append(line)
        if line.startswith("Question 3/5"):
            break
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert stderr.strip().splitlines() == [stderr.strip()]  # one line
    assert stderr.startswith("Interrupted: 2 of 5 answers saved, ")
    assert len(reviews(db)) == 2


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs a Linux pseudo-terminal")
def test_closed_terminal_keeps_every_answer_and_exits_130(cards: list[Card], tmp_path: Path) -> None:
    """At a terminal: a wrong answer, then a right one; the terminal closes while the rating is asked."""
    import pty
    import select as io_select
    import time

    db = tmp_path / "p.sqlite3"
    order = session_order(cards, select(cards, entity="semitendinosus", qtype="recall"), 3, seed=4)
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "hamknee", "--kb", str(STUDY_KB), "quiz", "--topic", "semitendinosus", "--type",
         "recall", "--count", "3", "--seed", "4", "--db", str(db)],
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
    os.write(master, ANSWERS[order[0].id][0].encode() + b"\r")
    read_until(b"\n> ", times=2)
    os.write(master, ANSWERS[order[1].id][2].encode() + b"\r")
    read_until(b"Rate it: again / hard / good / easy")
    os.close(master)  # the terminal window is closed
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert b"Traceback" not in stderr
    saved = reviews(db)
    assert saved[0] == (order[0].id, int(Rating.Again), 0)
    # Kept with the suggested rating: 'easy' for a quick right answer, 'good' for a slower one.
    assert saved[1][0] == order[1].id and saved[1][2] == 1 and saved[1][1] in (int(Rating.Good), int(Rating.Easy))
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
    result = hk("--kb", str(STUDY_KB), "quiz", "--count", "5", "--db", str(db), input="1\n2\n3\n4\n5\n")
    assert result.exit_code == 130
    assert "Interrupted: 2 of 5 answers saved" in result.stderr
    assert len(reviews(db)) == 2


def test_two_sessions_at_once_lose_no_review(tmp_path: Path) -> None:
    db = tmp_path / "p.sqlite3"
    command = [sys.executable, "-m", "hamknee", "--kb", str(STUDY_KB), "quiz", "--count", "15", "--new", "100",
               "--db", str(db)]
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
    result = hk("--kb", str(STUDY_KB), "quiz", "--reset", "--db", str(db))
    assert result.exit_code == 0
    backup = Path(result.stdout.split("kept as ", 1)[1].strip().rstrip("."))
    assert backup.exists() and backup.parent == tmp_path
    assert len(reviews(backup)) == 3
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
    result = hk("--kb", str(STUDY_KB), "quiz", "--count", "1", input="1\n", env={"HAMKNEE_DB": str(db)})
    assert result.exit_code == 0
    assert len(reviews(db)) == 1


def test_default_database_lives_in_the_data_directory(hk, isolated_home: Path) -> None:  # type: ignore[no-untyped-def]
    result = hk("--kb", str(STUDY_KB), "quiz", "--count", "1", input="1\n")
    assert result.exit_code == 0
    assert len(reviews(isolated_home / "data" / "study.sqlite3")) == 1


# -- cards follow the knowledge base -------------------------------------------------------------------------

def test_removed_facts_retire_cards_and_keep_history(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "p.sqlite3"
    hk("--kb", str(STUDY_KB), "quiz", "--topic", "gracilis", "--type", "recall", "--count", "3", "--db", str(db),
       input="x\nx\nx\n")
    assert len(reviews(db)) == 2  # gracilis: insertion and innervation (its origin has no attachment entity)
    text = STUDY_KB.read_text(encoding="utf-8")
    start = text.index("  - id: gracilis")
    end = text.index("attachments:")
    smaller = tmp_path / "smaller.yaml"
    smaller.write_text(text[:start] + text[end:], encoding="utf-8")
    stats = json.loads(hk("--kb", str(smaller), "stats", "--json", "--db", str(db)).stdout)
    assert stats["cards"]["retired"] > 0
    assert stats["reviews"]["total"] == 2
    with sqlite3.connect(db) as conn:
        retired = {r[0] for r in conn.execute("SELECT id FROM cards WHERE retired_at IS NOT NULL")}
    assert "gracilis:insertion:recall" in retired
    # The fact comes back: so does the card, with its history.
    stats = json.loads(hk("--kb", str(STUDY_KB), "stats", "--json", "--db", str(db)).stdout)
    assert stats["cards"]["retired"] == 0
    assert stats["cards"]["learning"] == 2


# -- stats ---------------------------------------------------------------------------------------------------

def test_stats_after_a_session(hk, cards: list[Card], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "p.sqlite3"
    chosen = select(cards, entity="semitendinosus", qtype="recall")
    order = session_order(cards, chosen, 3, seed=4)
    lines = [ANSWERS[c.id][2] for c in order[:2]] + ["no idea"]
    hk("--kb", str(STUDY_KB), "quiz", "--topic", "semitendinosus", "--type", "recall", "--count", "3",
       "--seed", "4", "--db", str(db), input="\n".join(lines) + "\n")
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
    assert "Accuracy by kind" in text.stdout
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
