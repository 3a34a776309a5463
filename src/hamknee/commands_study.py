"""Study commands: ``quiz`` (spaced-repetition flashcards), ``stats`` and ``export anki|csv|json``.

The study modules (card generation, answer matching, FSRS, SQLite, genanki) are imported inside the
commands, so that registering these commands costs a lookup nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from hamknee.cli import complete_qtype, complete_topic, emit_json, err, get_kb, out

if TYPE_CHECKING:
    from datetime import datetime

    from fsrs import Rating

    from hamknee.kb import KnowledgeBase
    from hamknee.study.answers import NameIndex
    from hamknee.study.cards import Card
    from hamknee.study.deck import Deck
    from hamknee.study.schedule import Outcome, Spacer
    from hamknee.study.session_guard import Guard
    from hamknee.study.store import Store

app = typer.Typer(rich_markup_mode=None)

DbOpt = Annotated[
    str | None,
    typer.Option("--db", metavar="PATH", envvar="HAMKNEE_DB", show_envvar=True,
                 help="Progress database (default: study.sqlite3 in the user data directory)."),
]
TopicOpt = Annotated[
    str | None,
    typer.Option("--topic", "-t", metavar="TOPIC", autocompletion=complete_topic,
                 help="Only cards about a kind ('muscle'), an entry ('semitendinosus'; a group such as 'hamstrings' "
                      "with its members) or a region ('medial knee')."),
]
TypeOpt = Annotated[
    str | None,
    typer.Option("--type", metavar="TYPE", autocompletion=complete_qtype,
                 help="Only one question type: recall (type the answer), reverse (name it from its description), "
                      "choice (multiple choice), vignette (a patient's story), compare (tell two apart)."),
]
DaysOpt = Annotated[int, typer.Option("--days", min=1, max=60, help="Days in the due forecast.")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of formatted text.")]
ForceOpt = Annotated[bool, typer.Option("--force", "-f", help="Replace FILE if it exists (at a terminal you are "
                                                              "asked instead).")]


# -- shared helpers --------------------------------------------------------------------------------------

def _fancy() -> bool:
    """Unicode symbols and bars only when stdout can encode them."""
    import sys

    encoding = (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "").replace("_", "")
    return encoding.startswith("utf")


def _say(text: str = "", style: str | None = None, path: bool = False) -> None:
    """A line wrapped at word boundaries to the terminal width (80 columns when piped), no trailing spaces.

    ``path``: the text ends in a file path, which is folded at the width rather than moved to a line of its own.
    """
    from rich.text import Text

    from hamknee.layout import Wrapped

    if path:
        out().print(text, style=style, markup=False, highlight=False)
    else:
        out().print(Wrapped("", Text(text, style=style or "")), crop=False)


# What each question type asks, in the words of the question header.
QTYPE_LABELS = {"recall": "type the answer", "reverse": "name it", "choice": "multiple choice",
                "vignette": "patient case", "compare": "tell apart", "self": "grade yourself"}


def _db_path(db: str | None) -> Any:

    from hamknee.paths import user_path
    from hamknee.study.store import default_path

    return user_path(db, "database") if db else default_path()


def _deck() -> Deck:
    """The knowledge base's deck, from the deck cache unless the knowledge base or the generator changed."""
    from hamknee.study.deck import load

    return load(get_kb())


def _chosen(deck: Deck, topic: str | None, qtype: str | None) -> list[str]:
    """Ids of the deck's cards about the topic and of the question type, in deck order."""
    ids = _topic_ids(deck, topic, qtype)
    return deck.ids() if ids is None else ids


def _topic_ids(deck: Deck, topic: str | None, qtype: str | None) -> list[str] | None:
    """As ``_chosen``, but None for the whole deck (no topic, no type), which needs no head read."""
    from hamknee.errors import UsageProblem, safe_text
    from hamknee.study.cards import QTYPES
    from hamknee.vocab import KINDS, SECTIONS

    if qtype is not None and qtype.strip().lower() not in QTYPES:
        raise UsageProblem(f"Unknown question type {safe_text(qtype)!r}.", f"Use one of: {', '.join(QTYPES)}.")
    kind_filter = qtype.strip().lower() if qtype else None
    if topic is None:
        return deck.choose(qtype=kind_filter) if kind_filter else None
    key = topic.strip().lower()
    if key in KINDS or key in SECTIONS:
        return deck.choose(kinds={SECTIONS.get(key, key)}, qtype=kind_filter)
    kb = get_kb()
    record = kb.lookup(topic)
    if record["kind"] == "region":
        return deck.choose(region=record["id"], qtype=kind_filter)
    return deck.choose(entities=_members(kb, record), qtype=kind_filter)


# A group is studied through its members: the hamstrings are semitendinosus, semimembranosus and biceps
# femoris with its heads; the knee joint, its ligaments and menisci; a nerve, its branches.
_MEMBER_LINKS = frozenset({"has-part", "has-branch"})


def _members(kb: KnowledgeBase, record: dict[str, Any]) -> set[str]:
    """The entry and every entry it has as a part or branch, at any depth."""
    found = {record["id"]}
    todo = [record]
    while todo:
        current = todo.pop()
        for link in current.get("relations", []):
            target = link.get("target")
            if link.get("type") in _MEMBER_LINKS and target not in found:
                try:
                    todo.append(kb.get(target))
                except KeyError:
                    continue
                found.add(target)
    return found


def _sync(store: Store, deck: Deck, now: datetime) -> None:
    """Bring the progress database in line with the deck, unless it already is (a large deck takes a while)."""
    if store.synced_deck() != deck.fingerprint:
        store.sync(deck.stream(), now, deck.fingerprint)


def _tell(text: str) -> None:
    import contextlib

    with contextlib.suppress(OSError, ValueError):
        err().print(text, markup=False, highlight=False, soft_wrap=True)


def _open_store(db: str | None) -> Store:
    from hamknee.study.session_guard import lock_waiter
    from hamknee.study.store import Store

    path = _db_path(db)
    return Store(path, on_wait=lock_waiter(_tell, str(path)))


# -- quiz -------------------------------------------------------------------------------------------------

MAX_RETRIES = 20  # unusable piped replies in a row before the input counts as ended


class _Input:
    """Answers from the keyboard, or line by line from a pipe; ``None`` means the input has ended."""

    def __init__(self, guard: Guard | None = None) -> None:
        import contextlib
        import sys

        from hamknee.study.session_guard import LineReader

        try:
            self.interactive = sys.stdin.isatty()
        except (AttributeError, ValueError):
            self.interactive = False
        with contextlib.suppress(AttributeError, ValueError):
            sys.stdin.reconfigure(errors="replace")  # type: ignore[union-attr]  # a bad byte is not a crash
        self.lines = LineReader.for_stdin(guard)
        self.guard = guard

    def holding(self) -> Any:
        """No signal ends the session inside this block (one that arrives is raised at its end)."""
        import contextlib

        guard = getattr(self, "guard", None)
        return guard.held() if guard is not None else contextlib.nullcontext()

    def _line(self) -> str | None:
        from hamknee.study.session_guard import read_line

        return self.lines.readline() if self.lines is not None else read_line()

    def again(self, tries: int) -> bool:
        """Whether to ask once more after ``tries`` unusable replies in a row (blank, or no option there is).

        A person at a terminal is always asked again; piped input that sends nothing usable this many times
        running has nothing more to say (40,000 blank lines were 40,000 prompts), and ends like input that ends.
        """
        if self.interactive or tries < MAX_RETRIES:
            return True
        _say(f"{MAX_RETRIES} unusable answers in a row: taken as the end of the input.", "dim")
        return False

    def ask(self, prompt: str) -> str | None:
        import contextlib
        import sys

        from hamknee.sanitize import typed_text
        from hamknee.study.session_guard import MAX_ANSWER

        # Piped, the prompt's trailing space goes out only with an answer after it: no line of a transcript
        # ends in one.
        out().print(prompt if self.interactive else prompt.rstrip(), end="", markup=False, highlight=False)
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.flush()
        line = self._line()
        if self.interactive:
            if line is None and _terminal_gone():
                raise KeyboardInterrupt from None  # a closed terminal ends the session like Ctrl-C
            return None if line is None else typed_text(line)[:MAX_ANSWER]
        if line is None:
            out().print("")
            return None
        answer = typed_text(line)
        # The piped answer, so the transcript reads whole.
        out().print(prompt[len(prompt.rstrip()):] + answer if answer else "", markup=False, highlight=False)
        return answer


def _output_full(exc: OSError) -> bool:
    """Whether output failed for want of space, not because a terminal went away (which is a hangup)."""
    import errno
    import sys

    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG):
        return True
    if exc.errno == errno.EIO:
        try:
            return not sys.stdout.isatty()
        except (AttributeError, ValueError):
            return False
    return False


def _terminal_gone() -> bool:
    import sys

    try:
        sys.stdout.write("\n")
        sys.stdout.flush()
    except (OSError, ValueError):
        return True
    return False


def _quiet_dead_streams() -> None:
    """After a hangup, point stdout and stderr at /dev/null so that the final flush cannot fail."""
    import os
    import sys

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, stream.fileno())
            except (OSError, ValueError, AttributeError):
                pass


_RATING_KEYS = {"a": "again", "1": "again", "h": "hard", "2": "hard", "g": "good", "3": "good", "e": "easy",
                "4": "easy"}


def _rate(reader: _Input, suggested: str, prompt: str | None = None) -> str | None:
    from hamknee.study.schedule import RATING_WORDS

    tries = 0
    while True:
        reply = reader.ask(prompt or f"Rate it: again / hard / good / easy [1-4, Enter = {suggested}]: ")
        if reply is None:
            return None
        choice = reply.strip().lower()
        if not choice:
            return suggested
        choice = _RATING_KEYS.get(choice, choice)
        if choice in RATING_WORDS:
            return choice
        tries += 1
        if not reader.again(tries):
            return None
        _say("Type 1-4, a/h/g/e, or press Enter.", "dim")


def _show_question(card: Card, number: int, total: int, again: bool = False) -> None:
    """The card's number among the session's cards: a card asked again keeps its number."""
    _say("")
    sep = " · " if _fancy() else " - "
    label = QTYPE_LABELS.get(card.qtype, card.qtype)
    _say(f"Question {number}/{total}{sep}{'again' + sep if again else ''}{card.kind}{sep}{label}", "dim")
    _say(card.prompt, "bold")
    for i, option in enumerate(card.options, 1):
        _say(f"  {i}. {option}")
    if card.options:
        _say("Type the number of your choice (or the answer); ? shows the answer.", "dim")
    elif not card.self_graded:
        _say("Type your answer; ? shows it.", "dim")


def _show_answer(card: Card, chosen: int | None = None) -> None:
    answer = card.answer
    if card.options:
        answer = ", ".join(f"{i + 1}. {card.options[i]}" for i in card.correct)
    _say(f"Answer: {answer}")
    if chosen is not None and chosen not in card.correct and chosen < len(card.option_notes):
        _say(f"Why not {chosen + 1}: {card.option_notes[chosen]}", "italic")
    _say(card.explanation, "italic")
    _say(f"More: hamknee explain {card.entity}", "dim")


def _show_verdict(card: Card, verdict: Any) -> None:
    fancy = _fancy()
    if verdict.correct and verdict.exact:
        more = f" ({verdict.note})" if verdict.note.startswith("more precisely") else ""
        _say(("✓ " if fancy else "") + f"Right{more}.", "bold green")
    elif verdict.correct:
        _say(("≈ " if fancy else "") + f"Right (close enough: {verdict.matched}).", "bold yellow")
    elif verdict.partial:
        _say(("½ " if fancy else "") + f"Partly right: {verdict.note.split('; ', 1)[-1]}.", "bold yellow")
    else:
        note = f" ({verdict.note})" if verdict.note else ""
        _say(("✗ " if fancy else "") + f"Not this time{note}.", "bold red")
    _show_answer(card, verdict.chosen)


class _Tally:
    """A session's count: the cards planned and asked (each once however often it comes back), the answers."""

    def __init__(self, planned: int) -> None:
        self.planned = planned
        self.asked = 0
        self.answered = 0
        self.right = 0

    def line(self) -> str:
        share = f" ({round(100 * self.right / self.answered)}%)" if self.answered else ""
        cards = "card" if self.planned == 1 else "cards"
        answers = "answer" if self.answered == 1 else "answers"
        done = f"{self.planned} {cards}" if self.asked >= self.planned else \
            f"{self.asked} of {self.planned} {cards} asked"
        return f"{done}, {self.answered} {answers} saved, {self.right} right{share}"


class _Reply:
    """One answered card: what was typed, whether it was right, and the rating to save."""

    def __init__(self, given: str, correct: bool, rating: str, seconds: float) -> None:
        self.given, self.correct, self.rating, self.seconds = given, correct, rating, seconds
        self.confirm = False  # the student may still change the rating (at a terminal)
        self.verdict: Any = None


def _shuffled(card: Card, rng: Any) -> Card:
    """The card with its options in a new order: position is never a cue from one review to the next."""
    from dataclasses import replace

    if len(card.options) < 2:
        return card
    order = list(range(len(card.options)))
    rng.shuffle(order)
    notes = card.option_notes
    return replace(card, options=tuple(card.options[i] for i in order),
                   correct=tuple(sorted(order.index(i) for i in card.correct)),
                   option_notes=tuple(notes[i] for i in order) if len(notes) == len(order) else notes)


def _self_graded(reader: _Input, card: Card, kept: list[_Reply]) -> _Reply | None:
    """The card answered and rated by the student; the reply goes into ``kept`` the moment it exists."""
    import time

    started = time.monotonic()
    given = reader.ask("Think of the answer, then press Enter to see it: ")
    if given is None:
        return None
    seconds = time.monotonic() - started
    _show_answer(card)
    tries = 0
    while True:
        rated = reader.ask("How well did you know it? 1 again, 2 hard, 3 good, 4 easy [Enter = good]: ")
        if rated is None:
            return None
        with reader.holding():
            choice = rated.strip().lower()
            choice = _RATING_KEYS.get(choice, choice) if choice else "good"
            if choice in ("again", "hard", "good", "easy"):
                kept.append(_Reply(given, choice != "again", choice, seconds))
                return kept[-1]
        tries += 1
        if not reader.again(tries):
            return None
        _say("Type 1-4, or press Enter for good.", "dim")


def _typed(reader: _Input, card: Card, names: Any, kept: list[_Reply]) -> _Reply | None:
    """The card answered and judged; the reply goes into ``kept`` the moment it is judged, so that a signal
    while judging (held until then) still finds it to save."""
    import time

    from hamknee.study.answers import judge

    started = time.monotonic()
    tries = 0
    while True:
        given = reader.ask("> ")
        if given is None:
            return None
        with reader.holding():
            if given.strip() == "?":
                kept.append(_Reply(given, False, "again", time.monotonic() - started))
                _say("Shown: counted as again.", "dim")
                _show_answer(card)
                return kept[-1]
            verdict = judge(card, given, names)
            if not verdict.unanswerable:
                rating = "good" if verdict.correct and verdict.exact else "hard" if verdict.correct else "again"
                reply = _Reply(given, verdict.correct, rating, time.monotonic() - started)
                reply.confirm = reader.interactive
                reply.verdict = verdict  # shown by the caller, which saves the reply whatever happens next
                kept.append(reply)
                return reply
        # Nothing to grade: an empty line or an option that does not exist asks again.
        tries += 1
        if not reader.again(tries):
            return None
        hint = f"Type a number from 1 to {len(card.options)}, the answer, or ?." if card.options else \
            "Type your answer, or ? to see it."
        _say(f"{verdict.note[:1].upper()}{verdict.note[1:]}. {hint}", "dim")


def _confirm(reader: _Input, reply: _Reply) -> None:
    """At a terminal: change the rating of a right answer, or say a strict verdict was wrong (rated hard)."""
    if reply.correct:
        chosen = _rate(reader, reply.rating)
        if chosen is not None:
            reply.rating = chosen
        return
    answer = reader.ask("Enter to go on, or r if you were right (counted as hard): ")
    if answer is not None and answer.strip().lower() in ("r", "right", "i was right"):
        reply.correct, reply.rating = True, "hard"
        _say("Counted as right (hard).", "dim")


def _session(store: Store, queue: list[Card], tally: _Tally, rng: Any, guard: Guard, names: NameIndex,
             self_grade: bool = False) -> bool:
    """Ask the cards in turn, committing each answer; cards still learning come back; False if input ended."""
    import uuid

    from hamknee.study.schedule import Spacer, humanize, now_utc
    from hamknee.study.session_queue import SessionQueue

    reader = _Input(guard)
    spacer = Spacer(fuzz=True)
    session = uuid.uuid4().hex[:12]
    pending = SessionQueue(queue)
    while pending:
        turn = pending.next()
        card = turn.card
        shown = _shuffled(card, rng)
        _show_question(shown, turn.number, pending.total, turn.again)
        kept: list[_Reply] = []
        saved = False
        try:
            reply = _self_graded(reader, shown, kept) if self_grade or card.self_graded else \
                _typed(reader, shown, names, kept)
            if reply is None:
                return False
            # The answer is committed as judged before anything else is shown or asked: a session ended at
            # the follow-up prompt (a signal, a closed terminal, even SIGKILL) has already kept it.
            with guard.held():
                outcome = _save(store, card, reply, reader, spacer, session, tally)
                saved = True
                tally.asked += 0 if turn.again else 1
            if reply.verdict is not None:
                with guard.held():
                    _show_verdict(shown, reply.verdict)
            if reply.confirm and not card.self_graded:
                judged = (reply.rating, reply.correct)
                _confirm(reader, reply)
                if (reply.rating, reply.correct) != judged:
                    with guard.held():
                        outcome = _revise(store, card, reply, judged[1], spacer, tally)
        finally:
            # Whatever ends the session once the answer is judged (a signal, a closed terminal), it is kept.
            if kept and not saved:
                with guard.held():
                    outcome = _save(store, card, kept[0], reader, spacer, session, tally)
                    tally.asked += 0 if turn.again else 1
        reply = kept[0]
        if outcome.state in ("learning", "relearning") and pending.again(turn, missed=not reply.correct):
            _say(f"Rated {reply.rating}; it comes back later in this session.", "dim")
        else:
            _say(f"Rated {reply.rating}; next review {humanize(outcome.due - now_utc())}.", "dim")
    return True


def _save(store: Store, card: Card, reply: _Reply, reader: _Input, spacer: Spacer, session: str,
          tally: _Tally) -> Outcome:
    from hamknee.study.schedule import ratings

    answer = _Answer(card, reply.given, reply.correct, int(reply.seconds * 1000) if reader.interactive else None)
    return answer.save(store, ratings()[reply.rating], spacer, session, tally)


def _revise(store: Store, card: Card, reply: _Reply, was_correct: bool, spacer: Spacer,
            tally: _Tally) -> Outcome:
    """The answer already saved, rated again as the student chose; the tally follows the new verdict."""
    from hamknee.study.schedule import ratings

    outcome = store.revise(card, ratings()[reply.rating], correct=reply.correct, spacer=spacer)
    tally.right += int(reply.correct) - int(was_correct)
    return outcome


class _Answer:
    def __init__(self, card: Card, given: str, correct: bool, duration_ms: int | None) -> None:
        self.card, self.given, self.correct, self.duration_ms = card, given, correct, duration_ms

    def save(self, store: Store, rating: Rating, spacer: Spacer, session: str, tally: _Tally) -> Outcome:
        from hamknee.study.schedule import now_utc

        outcome = store.record(self.card, rating, correct=self.correct, answer=self.given, when=now_utc(),
                               spacer=spacer, session=session, duration_ms=self.duration_ms)
        tally.answered += 1
        tally.right += int(self.correct)
        return outcome


CardOpt = Annotated[
    list[str] | None,
    typer.Option("--card", "-c", metavar="ID", help="Ask exactly this card (repeatable); ids as in "
                                                     "'hamknee export cards'."),
]


@app.command(epilog="Examples:  hamknee quiz  ·  hamknee quiz --topic muscle --count 5  ·  "
                    "hamknee quiz --type choice --seed 7  ·  hamknee quiz --card gracilis:origin:recall  ·  "
                    "hamknee quiz --self  ·  printf '2\\n' | hamknee quiz --count 1  ·  hamknee quiz --stats")
def quiz(
    count: Annotated[int, typer.Option("--count", "-n", min=1, max=500,
                                       help="Distinct cards in this session; a missed card, or a new one in its "
                                            "learning steps, is asked again, so it takes more answers than N.")] = 10,
    topic: TopicOpt = None,
    qtype: TypeOpt = None,
    card: CardOpt = None,
    self_grade: Annotated[bool, typer.Option("--self", help="Grade yourself: see the question, press Enter for "
                                                            "the answer, rate 1-4 (as in Anki).")] = False,
    new: Annotated[int, typer.Option("--new", min=0, max=1000, help="New cards allowed per day.")] = 20,
    seed: Annotated[int | None, typer.Option("--seed", help="Same cards in the same order (intervals keep "
                                                            "their random spread).")] = None,
    db: DbOpt = None,
    stats_only: Annotated[bool, typer.Option("--stats", help="Show progress instead of quizzing.")] = False,
    reset: Annotated[bool, typer.Option("--reset", help="Start over: back up the progress database, then "
                                                        "empty it.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Flashcards, each asked again just before you would forget it: due cards first, then new ones.

    Type the answer or the number of a choice; ? shows the answer (rated again). An empty line or an
    option that does not exist asks again. A right answer is rated good (hard when only close enough);
    at a terminal you may change it, or say you were right after a strict verdict (rated hard). A card
    you miss comes back a few questions later, and a new card you know comes back once more after the
    others (its learning steps), as in Anki: --count 10 asks 10 cards and may take 20 answers or more.
    A card asked again keeps its number ("Question 3/10 · again"), and the closing line says how many
    cards and answers the session took. With answers piped on stdin the session runs to the end of the
    input. Every answer is saved as it is given; Ctrl-C stops with exit code 130 and keeps them all.
    """
    from hamknee.study.schedule import now_utc

    if reset:
        _reset(db)
        return
    if stats_only:
        _stats(db, 7, as_json)
        return
    if as_json:
        from hamknee.errors import UsageProblem

        raise UsageProblem("--json goes with --stats: a quiz is a conversation.", "Try: hamknee quiz --stats --json")
    import random

    from hamknee.study.schedule import humanize, plan, start_of_day

    rng = random.Random(seed)
    now = now_utc()
    with _deck() as deck:
        if card:
            queue = _named_cards(deck, card)
            with _open_store(db) as store:
                _sync(store, deck, now)
                _run(store, queue, deck.names(), rng, self_grade)
            return
        topic_ids = _topic_ids(deck, topic, qtype)
        # The whole deck: the database's cards (in line with the deck once synced) checked against the
        # deck cache's table of contents, without reading a head.
        chosen: Deck | set[str] = deck if topic_ids is None else set(topic_ids)
        with _open_store(db) as store:
            _sync(store, deck, now)
            due = [i for i in store.due(now) if i in chosen]
            unseen = [i for i in store.unseen() if i in chosen]
            allowed = max(0, new - store.introduced_since(start_of_day(now)))
            queue = deck.cards(plan(due, unseen, count, allowed, rng))
            if not queue:
                upcoming = store.next_due()
                why = "new-card limit for today reached" if unseen else "no new cards left"
                when = f" Next card due {humanize(upcoming - now)}." if upcoming else ""
                _say(f"Nothing to study now ({why}; change it with --new N).{when}")
                return
            if len(queue) < count and len(unseen) > allowed:
                started = f", {new - allowed} already started today" if allowed < new else ""
                _say(f"Asking {len(queue)} of {count} cards: at most {new} new cards a day{started} "
                     "(change it with --new N).", "dim")
            _run(store, queue, deck.names(), rng, self_grade)


def _named_cards(deck: Deck, ids: list[str]) -> list[Card]:
    import difflib

    from hamknee.errors import UsageProblem, safe_text

    queue: list[Card] = []
    for ident in ids:
        key = ident.strip()
        if key not in deck:
            close = difflib.get_close_matches(key, deck.ids(), n=3, cutoff=0.6)
            hint = f"Did you mean: {', '.join(close)}?" if close else \
                "List the ids with: hamknee export cards - | grep '\"id\"'"
            raise UsageProblem(f"No card {safe_text(key)!r}.", hint)
        if deck.card(key) not in queue:
            queue.append(deck.card(key))
    return queue


def _run(store: Store, queue: list[Card], names: NameIndex, rng: Any, self_grade: bool = False) -> None:
    from hamknee.errors import ExitCode, StudyDatabaseError
    from hamknee.study.session_guard import SessionEnded, guarded

    tally = _Tally(len(queue))
    try:
        # Every signal that ends the session (Ctrl-C, a closed terminal, kill, timeout) ends it between
        # answers: the answers given so far, the last one included, are committed.
        with guarded() as guard:
            from hamknee.study.session_guard import lock_waiter

            store.on_wait = lock_waiter(_tell, str(store.path), guard)
            try:
                finished = _session(store, queue, tally, rng, guard, names, self_grade)
            except StudyDatabaseError as exc:
                if not tally.answered:
                    raise
                # One line still, but saying what this session kept before it had to stop.
                raise StudyDatabaseError(f"Stopped after {tally.line()}. {exc.message}", exc.hint) from None
    except (KeyboardInterrupt, OSError) as exc:
        import contextlib
        import sys

        if isinstance(exc, BrokenPipeError) and not out().is_terminal:
            # The reader of a pipe went away (`| head`): as for every command, a quiet end; the answers
            # given so far are saved.
            _quiet_dead_streams()
            raise typer.Exit(0) from None
        if isinstance(exc, OSError) and _output_full(exc):
            # Output cannot be written (a full disk, /dev/full): every answer judged so far is saved.
            from hamknee.cli import output_failed

            saved = f" Stopped after {tally.line()}." if tally.answered else ""
            with contextlib.suppress(OSError, ValueError):
                sys.stderr.write(f"Error: cannot write output: {exc.strerror or exc}.{saved}\n")
                sys.stderr.flush()
            code = output_failed(exc, quiet=True)
            raise typer.Exit(int(ExitCode.CANNOT_WRITE) if code is None else code) from None
        if isinstance(exc, OSError) and not _terminal_gone():
            raise
        why = f" by {exc.name}" if isinstance(exc, SessionEnded) and exc.name != "SIGINT" else ""
        from hamknee.cli import state

        state.interrupted = True
        with contextlib.suppress(OSError, ValueError):
            # At a terminal the cursor is still on the prompt line, after the '^C' the terminal echoed.
            start = "\n" if err().is_terminal else ""
            err().print(f"{start}Interrupted{why}: {tally.line()}.", markup=False, highlight=False, soft_wrap=True)
        _quiet_dead_streams()
        raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
    _say("")
    if finished:
        _say(f"Session complete: {tally.line()}.", "bold")
    else:
        _say(f"End of input: {tally.line()}.", "bold")
    upcoming = store.next_due()
    if upcoming is not None:
        from hamknee.study.schedule import humanize, now_utc

        _say(f"Next card due {humanize(upcoming - now_utc())}. See 'hamknee stats'.", "dim")


def _reset(db: str | None) -> None:
    from hamknee.study.schedule import now_utc
    from hamknee.study.store import reset

    path = _db_path(db)
    reader = _Input()
    if reader.interactive and out().is_terminal and path.exists():
        # A person at a terminal confirms; a script that passes --reset has decided already.
        answer = reader.ask("Start over? Every card becomes new again (the old database is kept as a backup) "
                            "[y/N]: ")
        if answer is None or answer.strip().lower() not in ("y", "yes"):
            _say("Nothing changed.")
            return
    backup = reset(path, now_utc())
    if backup is None:
        _say(f"No progress to reset at {path}.", path=True)
    else:
        _say(f"Progress reset. The old database was kept as {backup}.", path=True)
        if path.is_symlink():
            import os

            _say(f"{path} is still a link to {os.path.realpath(path)}, where the next quiz starts afresh.",
                 path=True)


# -- stats ------------------------------------------------------------------------------------------------

def _percent(value: float | None) -> str:
    return "–" if value is None else f"{round(100 * value)}%"


def _bar(value: int, top: int, width: int = 30) -> str:
    if value <= 0 or top <= 0:
        return ""
    cells = value / top * width
    if not _fancy():
        return "#" * max(1, round(cells))
    eighths = max(1, round(cells * 8))
    full, part = divmod(eighths, 8)
    return "█" * full + ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")[part]


def _mastered_after() -> str:
    """The stability from which a card counts as mastered, in words ('3 weeks')."""
    from hamknee.study.schedule import MASTERED_STABILITY_DAYS

    days = round(MASTERED_STABILITY_DAYS)
    return f"{days // 7} weeks" if days % 7 == 0 and days > 7 else f"{days} days"


def _stats(db: str | None, days: int, as_json: bool) -> None:
    from datetime import date

    from hamknee import render
    from hamknee.study.schedule import now_utc
    from hamknee.study.store import Store, writable

    now = now_utc()
    path = _db_path(db)
    with _deck() as deck:
        # A database that cannot be written (read-only file, folder or disk) is read into memory: the
        # statistics are the same, and nothing is written.
        store = _open_store(db) if not path.exists() or writable(path) else Store.snapshot(path)
        with store:
            _sync(store, deck, now)
            data = store.stats(now, days)
    if as_json:
        emit_json(data)
        return
    c, r = data["cards"], data["reviews"]
    sep = " · " if _fancy() else ", "
    _say("Study progress", "bold")
    _say(sep.join([f"Cards: {c['total']}", f"{c['new']} new", f"{c['learning']} learning", f"{c['due']} due now",
                   f"{c['young']} known", f"{c['mastered']} mastered",
                   *([f"{c['retired']} retired"] if c["retired"] else [])]))
    kept = _percent(data["retention"])
    _say(f"Answers: {r['total']}, {r['correct']} right ({_percent(data['accuracy'])}), {r['today']} today. "
         + (f"Right when a card came back after days: {kept}." if data["retention"] is not None else
            "No card has come back after days yet."))
    _say("New: never asked. Learning: asked, back within minutes or hours until you know it (or missed "
         "since). Known: learnt, asked again after longer and longer gaps. Mastered: you are likely (9 times "
         f"in 10) to still know it {_mastered_after()} after your last answer."
         + (" Retired: its fact left the knowledge base." if c["retired"] else ""), "dim")
    if data["by_kind"]:
        out().print(render.table(["Kind", "Answers", "Right", "Share right"],
                                 [[k["kind"], str(k["reviews"]), str(k["correct"]), _percent(k["accuracy"])]
                                  for k in data["by_kind"]], title="Right answers by kind of entry"))
        # Only entries with a wrong answer are weak: a perfect one listed here would say the opposite.
        missed = [e for e in data["by_entity"] if e["correct"] < e["reviews"]]
        weakest = sorted(missed, key=lambda e: (e["accuracy"], -e["reviews"], e["entity"]))[:8]
        if weakest:
            out().print(render.table(["Entry", "Answers", "Right", "Share right"],
                                     [[e["entity"], str(e["reviews"]), str(e["correct"]), _percent(e["accuracy"])]
                                      for e in weakest], title="Entries to revise (all entries in --json)"))
        else:
            _say("Entries to revise: none, every answer so far was right.")
    _say(f"Due in the next {days} days (today includes overdue cards):", "bold")
    top = max((d["due"] for d in data["forecast"]), default=0)
    for day in data["forecast"]:
        label = date.fromisoformat(day["date"]).strftime("%a %d %b")
        _say(f"  {label}  {str(day['due']).rjust(4)} {_bar(day['due'], top)}".rstrip())
    # The path on a line of its own, folded if it is wider than the terminal.
    _say("Database (read-only: shown as it is, nothing was written):" if data["read_only"] else "Database:", "dim")
    _say(f"  {data['database']}", "dim", path=True)


@app.command(epilog="Examples:  hamknee stats  ·  hamknee stats --days 14  ·  hamknee stats --json")
def stats(db: DbOpt = None, days: DaysOpt = 7, as_json: JsonFlag = False) -> None:
    """Your study progress: cards new, being learnt, due and mastered; what you get right; what is due soon."""
    _stats(db, days, as_json)


# -- export -----------------------------------------------------------------------------------------------

export_app = typer.Typer(
    name="export",
    help="Export flashcards to Anki, CSV or JSON (cards), or the whole knowledge base to JSON.",
    epilog="Examples:  hamknee export anki hamknee.apkg  ·  hamknee export csv cards.csv  ·  "
           "hamknee export cards deck.json  ·  "
           "hamknee export json - > kb.json",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(export_app, name="export")


@export_app.command("anki", epilog="Examples:  hamknee export anki hamknee.apkg  ·  "
                                   "hamknee export anki muscles.apkg --topic muscle  ·  "
                                   "hamknee export anki hamknee.apkg --no-retired")
def export_anki(
    file: Annotated[str, typer.Argument(metavar="FILE.apkg", help="The Anki package to write.")],
    topic: TopicOpt = None,
    qtype: TypeOpt = None,
    retired: Annotated[bool, typer.Option("--retired/--no-retired",
                                          help="Include cards whose fact left the knowledge base, tagged "
                                               "hamknee::retired (whole-deck exports only).")] = True,
    db: DbOpt = None,
    force: ForceOpt = False,
) -> None:
    """Every card as an Anki note (front, back, source, tags under hamknee::).

    Re-importing updates in place: a note changes only when its content changed since the last export
    (the progress database remembers when), so Anki keeps its review history; importing the same file
    twice changes nothing. Cards whose fact left the knowledge base come back tagged hamknee::retired:
    in Anki, search tag:hamknee::retired and suspend them.
    """

    from hamknee.errors import UsageProblem
    from hamknee.study.export import anki
    from hamknee.study.schedule import now_utc

    if file == "-":
        raise UsageProblem("An Anki package cannot go to standard output.", "Give a file name ending in .apkg.")
    with _deck() as deck:
        chosen = deck.interleaved(_chosen(deck, topic, qtype))
        whole = topic is None and qtype is None
        deck_ids = set(chosen) if whole else None
        with _open_store(db) as store:
            # The cards are read as the package is written, twice (what changed, then the notes): an export
            # of the whole deck never holds it all.
            result = anki(deck.reread(chosen), file, store, now_utc(), deck_ids=deck_ids, retired=retired,
                          force=force, ordered=True)
    details = f"{result.changed} new or changed since the last export"
    if result.retired:
        details += f", {result.retired} retired (tagged hamknee::retired)"
    _say(f"Wrote {result.notes} notes to {file} ({details}). In Anki: File > Import.")


@export_app.command("csv", epilog="Examples:  hamknee export csv cards.csv  ·  hamknee export csv - --type recall  ·  "
                                  "hamknee export csv quizlet.txt --quizlet")
def export_csv(
    file: Annotated[str, typer.Argument(metavar="FILE", help="The CSV file to write, or - for standard output.")],
    topic: TopicOpt = None,
    qtype: TypeOpt = None,
    force: ForceOpt = False,
    quizlet: Annotated[bool, typer.Option("--quizlet", help="Term<TAB>definition, one card a line, no line break "
                                                            "inside a field: for Quizlet's import.")] = False,
) -> None:
    """Cards as CSV (front, back, tags, source, id) for flashcard tools; --quizlet for Quizlet's paste import."""
    from hamknee.study.export import csv_chunks, quizlet_chunks, write_chunks

    with _deck() as deck:
        chosen = deck.interleaved(_chosen(deck, topic, qtype))
        # Row by row as the cards are read: an export of the whole deck never holds it all.
        write_chunks(file, (quizlet_chunks if quizlet else csv_chunks)(deck.stream(chosen)), force)
    count = len(chosen)
    if file != "-":
        _say(f"Wrote {count} cards to {file}.")


@export_app.command("cards", epilog="Examples:  hamknee export cards deck.json  ·  "
                                    "hamknee export cards - --type choice | jq '.[0]'")
def export_cards(
    file: Annotated[str, typer.Argument(metavar="FILE.json", help="The JSON file to write, or - for standard "
                                                                   "output.")],
    topic: TopicOpt = None,
    qtype: TypeOpt = None,
    db: DbOpt = None,
    force: ForceOpt = False,
) -> None:
    """The deck as a JSON list for review: id, entity, type, prompt, options, correct, answer, accepted
    (every answer taken as right), sources and retired (cards kept in your progress database after their
    fact left the knowledge base)."""
    from hamknee.study.deck_json import deck_chunks
    from hamknee.study.export import write_chunks

    with _deck() as deck:
        chosen = _chosen(deck, topic, qtype)
        retired: list[dict[str, Any]] = []
        path = _db_path(db)
        if path.exists() and topic is None and qtype is None:
            from hamknee.study.store import Store, writable

            # Only read: a database that cannot be written is read from a copy in memory.
            with _open_store(db) if writable(path) else Store.snapshot(path) as store:
                retired = store.retired(chosen)
        # Card by card as they are read, with the names of the entries (not their records) for the answers.
        write_chunks(file, deck_chunks(deck.stream(chosen), get_kb().names(), retired), force)
    count = len(chosen) + len(retired)
    if file != "-":
        _say(f"Wrote {count} cards to {file}.")


@export_app.command("json", epilog="Examples:  hamknee export json kb.json  ·  "
                                   "hamknee export json - | jq '.records[0]'")
def export_json(
    file: Annotated[str, typer.Argument(metavar="FILE", help="The JSON file to write, or - for standard output.")],
    force: ForceOpt = False,
) -> None:
    """The whole knowledge base as JSON: every record with its relations and sources."""
    from hamknee.study.export import json_chunks, write_chunks

    kb = get_kb()
    # Streamed record by record: the whole knowledge base as one string would be several times its size.
    write_chunks(file, json_chunks(kb.meta, kb.bibliography(), kb.iter_records()), force)
    if file != "-":
        _say(f"Wrote {kb.meta['count']} records to {file}.")
