"""No judged answer is ever lost: signals, another program's lock, a reset during a session, hostile input."""

from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests import rss
from tests.ptyrun import HAMKNEE, Session
from tests.test_study import ANSWERS, STUDY_KB, reviews, session_order

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs Linux signals and a pty")


def _order(count: int = 3, seed: int = 4) -> list:  # type: ignore[type-arg]
    from hamknee.kb import open_kb
    from hamknee.study.cards import generate, select

    cards = generate(open_kb(STUDY_KB, use_cache=False).records())
    return session_order(cards, select(cards, entity="semitendinosus", qtype="recall"), count, seed=seed)


def _quiz(db: Path, count: int = 3) -> list[str]:
    return ["--kb", str(STUDY_KB), "quiz", "--topic", "semitendinosus", "--type", "recall", "--count", str(count),
            "--seed", "4", "--db", str(db)]


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGQUIT", "SIGUSR1", "SIGHUP", "SIGINT", "SIGUSR2", "SIGALRM"])
def test_a_signal_at_the_rating_prompt_keeps_the_answer(tmp_path, signame):
    db = tmp_path / "p.sqlite3"
    order = _order()
    session = Session(_quiz(db), {"HAMKNEE_HOME": str(tmp_path / "home")})
    session.expect("\n> ")
    session.type(ANSWERS[order[0].id][0] + "\r")  # wrong: saved once the verdict is read
    session.expect("if you were right")
    session.type("\r")
    session.expect("Question 2/")
    session.expect(lambda text: text.count("\n> ") >= 2)
    session.type(ANSWERS[order[1].id][2] + "\r")  # right: the rating is asked
    session.expect(RATE_PROMPT)
    session.signal(getattr(signal, signame))
    code, output = session.finish(timeout=20)
    assert code == 130, output
    assert "Traceback" not in output
    assert "Interrupted" in output and re.search(r"\b2 answers saved", output), output
    if signame != "SIGINT":
        assert f"Interrupted by {signame}" in output
    saved = reviews(db)
    assert [row[0] for row in saved] == [order[0].id, order[1].id]
    assert saved[1][2] == 1


RATE_PROMPT = "Rate it: again / hard / good / easy [1-4, Enter = good]: "


@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace to hold the process in its prompt")
def test_a_signal_after_the_prompt_but_before_the_read_blocks_keeps_the_answer(tmp_path):
    # strace holds every ioctl (the terminal checks) on its way back from the kernel, so the signal lands
    # in the short stretch between the prompt being shown and the read of the reply: a read that only then
    # starts to block would wait for a line that never comes.
    db = tmp_path / "p.sqlite3"
    order = _order()
    session = Session(_quiz(db), {"HAMKNEE_HOME": str(tmp_path / "home")})
    session.expect("\n> ")
    session.type(ANSWERS[order[0].id][0] + "\r")
    session.expect("if you were right")
    session.type("\r")
    session.expect(lambda text: text.count("\n> ") >= 2)
    tracer = subprocess.Popen(["strace", "-p", str(session.proc.pid), "-o", os.devnull, "-e", "trace=ioctl",
                               "-e", "inject=ioctl:delay_exit=400000"], stderr=subprocess.PIPE, text=True)
    try:
        assert tracer.stderr is not None
        if "attached" not in tracer.stderr.readline():
            session.proc.kill()
            pytest.skip("strace cannot attach here (ptrace is restricted)")
        session.type(ANSWERS[order[1].id][2] + "\r")
        session.expect(RATE_PROMPT)
        time.sleep(0.2)  # inside the held call that follows the prompt
        session.signal(signal.SIGTERM)
        code, output = session.finish(timeout=30)
    finally:
        tracer.terminate()
        tracer.communicate(timeout=30)
    assert code == 130, output
    assert "Interrupted" in output and re.search(r"\b2 answers saved", output), output
    assert [row[0] for row in reviews(db)] == [order[0].id, order[1].id]


def test_a_lock_held_by_another_program_is_waited_for_and_the_answer_kept(tmp_path):
    db = tmp_path / "p.sqlite3"
    order = _order()
    with subprocess.Popen([*HAMKNEE, *_quiz(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True,
                          env=dict(os.environ, HAMKNEE_HOME=str(tmp_path / "h"))) as proc:
        _locked_session(proc, db, order)
    assert [row[0] for row in reviews(db)] == [c.id for c in order]


def _locked_session(proc: subprocess.Popen[str], db: Path, order: list) -> None:  # type: ignore[type-arg]
    assert proc.stdin and proc.stdout and proc.stderr
    proc.stdin.write(ANSWERS[order[0].id][0] + "\n")
    proc.stdin.flush()
    for line in proc.stdout:
        if line.startswith("Question 2/"):
            break
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    proc.stdin.write(ANSWERS[order[1].id][2] + "\n")
    proc.stdin.flush()
    waited = proc.stderr.readline()
    assert waited.startswith(f"Waiting for the study database {db}: another program holds it locked."), waited
    assert len(reviews_while_locked(db)) == 1
    time.sleep(1)  # hamknee is still waiting, not failing
    assert proc.poll() is None
    other.execute("COMMIT")
    other.close()
    proc.stdin.write(ANSWERS[order[2].id][2] + "\n")
    proc.stdin.close()
    out = proc.stdout.read()
    rest = proc.stderr.read()
    assert proc.wait(timeout=60) == 0, rest
    assert re.search(r"(Session complete|End of input): 3 cards, 3 answers saved", out), out


def reviews_while_locked(db: Path) -> list[tuple[str, int, int]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return list(conn.execute("SELECT card_id, rating, correct FROM reviews"))
    finally:
        conn.close()


def test_reset_refuses_while_a_session_holds_the_database(tmp_path):
    db = tmp_path / "p.sqlite3"
    order = _order()
    env = dict(os.environ, HAMKNEE_HOME=str(tmp_path / "h"))
    with subprocess.Popen([*HAMKNEE, *_quiz(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, env=env) as proc:
        assert proc.stdin and proc.stdout
        proc.stdin.write(ANSWERS[order[0].id][0] + "\n")
        proc.stdin.flush()
        for line in proc.stdout:
            if line.startswith("Question 2/"):
                break
        reset = subprocess.run([*HAMKNEE, "quiz", "--reset", "--db", str(db)], capture_output=True, text=True,
                               env=env, timeout=60)
        assert reset.returncode == 5, reset.stderr
        assert "is in use by a quiz or stats right now; it was left untouched" in reset.stderr
        proc.stdin.write(ANSWERS[order[1].id][2] + "\n" + ANSWERS[order[2].id][2] + "\n")
        proc.stdin.close()
        out = proc.stdout.read()
        assert proc.wait(timeout=60) == 0
    assert re.search(r"3 cards, 3 answers saved", out), out
    assert len(reviews(db)) == 3  # in the database a later session opens, not in an unlinked file
    after = subprocess.run([*HAMKNEE, "quiz", "--reset", "--db", str(db)], capture_output=True, text=True, env=env,
                           timeout=60)
    assert after.returncode == 0 and "Progress reset" in after.stdout


def test_undecodable_input_is_replaced_not_a_traceback(tmp_path):
    db = tmp_path / "p.sqlite3"
    r = subprocess.run([*HAMKNEE, *_quiz(db, count=1)], input=b"pes ans\xe9rinus\n", capture_output=True,
                       env=dict(os.environ, HAMKNEE_HOME=str(tmp_path / "h")), timeout=60)
    assert r.returncode == 0, r.stderr
    assert b"Traceback" not in r.stderr
    assert len(reviews(db)) == 1
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT answer FROM reviews").fetchone()[0] == "pes ans\ufffdrinus"


def _max_rss_kb(command: list[str], stdin: object, env: dict[str, str]) -> tuple[int, bytes, bytes, int]:
    launched, report = rss.popen(command, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    with launched as proc:
        out, errs = proc.communicate()
    returncode, peak_kb = rss.outcome(report)
    return returncode, out, errs, peak_kb


def test_an_endless_input_line_ends_the_input_within_bounded_memory(tmp_path):
    env = dict(os.environ, HAMKNEE_HOME=str(tmp_path / "h"))
    with open("/dev/zero", "rb") as zero:
        code, out, errors, rss = _max_rss_kb([*HAMKNEE, *_quiz(tmp_path / "p.sqlite3", count=2)], zero, env)
    assert code == 0, errors
    assert b"End of input: 0 of 2 cards asked, 0 answers saved" in out
    assert rss < 300 * 1024


def test_a_ten_megabyte_answer_is_cut_and_saved(tmp_path):
    db = tmp_path / "p.sqlite3"
    env = dict(os.environ, HAMKNEE_HOME=str(tmp_path / "h"))
    answer = tmp_path / "answer.txt"
    answer.write_bytes(b"pes anserinus " * 750_000 + b"\n")
    with answer.open("rb") as handle:
        code, out, errors, rss = _max_rss_kb([*HAMKNEE, *_quiz(db, count=1)], handle, env)
    assert code == 0, errors
    assert re.search(rb"1 card, 1 answer saved", out), out
    assert rss < 300 * 1024
    with sqlite3.connect(db) as conn:
        assert len(conn.execute("SELECT answer FROM reviews").fetchone()[0]) <= 1000


def test_closed_standard_input_ends_the_session_quietly(tmp_path):
    r = subprocess.run([*HAMKNEE, *_quiz(tmp_path / "p.sqlite3", count=1)], capture_output=True, text=True,
                       env=dict(os.environ, HAMKNEE_HOME=str(tmp_path / "h")), timeout=60,
                       preexec_fn=lambda: os.close(0))
    assert r.returncode == 0, r.stderr
    assert "End of input: 0 of 1 card asked, 0 answers saved" in r.stdout
    assert r.stderr == ""


@pytest.mark.parametrize("answer", ["pes anserinus", "?"])
def test_a_signal_while_the_answer_is_judged_keeps_it(hk, tmp_path, monkeypatch, answer):
    # The signal lands while the typed answer is being judged (or shown, for ?): it waits until the
    # answer is saved, then ends the session.
    import hamknee.commands_study as study
    import hamknee.study.answers as answers

    judge = answers.judge

    def judged_as_the_signal_lands(*args, **kwargs):  # type: ignore[no-untyped-def]
        os.kill(os.getpid(), signal.SIGTERM)
        return judge(*args, **kwargs)

    monkeypatch.setattr(answers, "judge", judged_as_the_signal_lands)
    shown = study._show_answer

    def shown_as_the_signal_lands(*args, **kwargs):  # type: ignore[no-untyped-def]
        os.kill(os.getpid(), signal.SIGTERM)
        return shown(*args, **kwargs)

    monkeypatch.setattr(study, "_show_answer", shown_as_the_signal_lands)
    db = tmp_path / "p.sqlite3"
    order = _order(count=1)
    result = hk(*_quiz(db, count=1), input=answer + "\n")
    assert result.exit_code == 130, result.stdout + result.stderr
    assert "Interrupted by SIGTERM: 1 card, 1 answer saved" in result.stderr, result.stderr
    assert [row[0] for row in reviews(db)] == [order[0].id]


def test_ctrl_c_at_the_prompt_says_so_on_a_line_of_its_own(tmp_path: Path) -> None:
    session = Session(["quiz", "--count", "2", "--db", str(tmp_path / "p.sqlite3")],
                      {"HAMKNEE_HOME": str(tmp_path / "home")})
    # The first card is typed ("> ") or graded by the student ("press Enter"), as the day's order has it.
    session.expect(lambda text: "\n> " in text or "press Enter to see it:" in text)
    session.type("\x03")  # Ctrl-C, as the terminal driver turns it into SIGINT
    code, output = session.finish()
    assert code == 130, output
    line = next(line for line in output.replace("\r\n", "\n").split("\n") if "Interrupted" in line)
    assert line.startswith("Interrupted: 0 of 2 cards asked"), repr(line)


def test_reset_at_a_terminal_asks_first(tmp_path: Path) -> None:
    db = tmp_path / "p.sqlite3"
    env = {"HAMKNEE_HOME": str(tmp_path / "home")}
    # Two lines: a self-graded card takes one to show the answer and one for the grade.
    subprocess.run([*HAMKNEE, "quiz", "--count", "1", "--db", str(db)], input="1\n1\n", capture_output=True,
                   text=True, env=dict(os.environ, **env), timeout=120)
    assert db.exists()
    kept = reviews(db)
    assert kept
    session = Session(["quiz", "--reset", "--db", str(db)], env)
    session.expect("[y/N]")
    session.type("\r")  # Enter: the default, no
    code, output = session.finish()
    assert code == 0 and "Nothing changed." in output
    assert reviews(db) == kept
    session = Session(["quiz", "--reset", "--db", str(db)], env)
    session.expect("[y/N]")
    session.type("y\r")
    code, output = session.finish()
    assert code == 0 and "Progress reset." in output
    backups = [p for p in tmp_path.iterdir() if p.name.startswith("p.sqlite3.") and p.name.endswith(".bak")]
    assert backups and reviews(backups[0]) == kept  # the old progress, kept as a backup


@pytest.mark.parametrize("prompt, which", [("if you were right", 0), (RATE_PROMPT, 2)])
def test_sigkill_at_the_follow_up_prompt_keeps_the_judged_answer(tmp_path: Path, prompt: str, which: int) -> None:
    # SIGKILL cannot be caught: only an answer committed before the follow-up prompt survives it.
    db = tmp_path / "p.sqlite3"
    order = _order()
    session = Session(_quiz(db), {"HAMKNEE_HOME": str(tmp_path / "home")})
    session.expect("\n> ")
    session.type(ANSWERS[order[0].id][which] + "\r")
    session.expect(prompt)
    session.signal(signal.SIGKILL)
    code, _ = session.finish(timeout=20)
    assert code == -signal.SIGKILL
    assert reviews(db) == [(order[0].id, 1 if which == 0 else 3, 0 if which == 0 else 1)]


def test_i_was_right_and_a_new_rating_replace_the_saved_review(tmp_path: Path) -> None:
    db = tmp_path / "p.sqlite3"
    order = _order(count=2)
    session = Session(_quiz(db, count=2), {"HAMKNEE_HOME": str(tmp_path / "home")})
    session.expect("\n> ")
    session.type(ANSWERS[order[0].id][0] + "\r")
    session.expect("if you were right")
    session.type("r\r")
    session.expect("Counted as right")
    session.expect(lambda text: text.count("\n> ") >= 2)
    session.type(ANSWERS[order[1].id][2] + "\r")
    session.expect(RATE_PROMPT)
    session.type("4\r")
    session.expect("Rated easy")
    with sqlite3.connect(db) as conn:
        reps = dict(conn.execute("SELECT id, reps FROM cards WHERE reps > 0"))
    # One review per answer, carrying the rating the student settled on, and the card scheduled from it.
    assert reviews(db) == [(order[0].id, 2, 1), (order[1].id, 4, 1)]
    assert reps == {order[0].id: 1, order[1].id: 1}
    session.expect(lambda text: text.count("\n> ") >= 3)  # the first card, rated hard, comes back
    session.type(ANSWERS[order[0].id][2] + "\r")
    session.expect(lambda text: text.count(RATE_PROMPT) >= 2)
    session.type("4\r")  # easy: out of its learning steps
    code, output = session.finish(timeout=30)
    assert code == 0, output
    assert "3 answers saved, 3 right (100%)" in output


def test_forty_thousand_blank_lines_end_the_input_after_a_few_prompts_and_keep_the_answer(tmp_path):
    db = tmp_path / "p.sqlite3"
    order = _order(count=2)
    typed = ANSWERS[order[0].id][2] + "\n" + "\n" * 40_000
    r = subprocess.run([*HAMKNEE, *_quiz(db, count=2)], input=typed, capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, HAMKNEE_HOME=str(tmp_path / "h")))
    assert r.returncode == 0, r.stderr
    prompts = [line for line in r.stdout.splitlines() if line.startswith(">")]
    assert 2 <= len(prompts) <= 30, len(prompts)
    assert "in a row" in r.stdout and "End of input: 1 of 2 cards asked, 1 answer saved" in r.stdout, r.stdout[-600:]
    assert [row[0] for row in reviews(db)] == [order[0].id]
    assert "Traceback" not in r.stderr


def test_unusable_ratings_piped_in_end_the_input_after_a_few_prompts(tmp_path):
    db = tmp_path / "p.sqlite3"
    r = subprocess.run([*HAMKNEE, *_quiz(db, count=1), "--self"], input="\n" + "zzz\n" * 40_000, capture_output=True,
                       text=True, timeout=120, env=dict(os.environ, HAMKNEE_HOME=str(tmp_path / "h")))
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("How well did you know it?") <= 30
    assert "End of input" in r.stdout and reviews(db) == []
