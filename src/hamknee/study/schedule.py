"""Spaced repetition with FSRS (the ``fsrs`` package), and the choice of cards for a session.

Ratings: a wrong answer is always *again*. A right answer is *good*, or *hard* when it was only close
enough (a typo forgiven); *easy* only when the student chooses it, as in Anki: a quick answer is no proof
that the interval may jump. Piped answers take the rating their verdict gives.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import random

    from fsrs import Rating

__all__ = ["Outcome", "Spacer", "derive_rating", "humanize", "local_time", "now_utc", "plan", "ratings",
           "start_of_day"]

# fsrs is imported only where a card is scheduled: stats and exports read the schedule, never make one.
RATING_NAMES: dict[int, str] = {1: "again", 2: "hard", 3: "good", 4: "easy"}  # fsrs.Rating's values
RATING_WORDS: tuple[str, ...] = tuple(RATING_NAMES.values())


@lru_cache(maxsize=1)
def ratings() -> dict[str, Rating]:
    """Each rating's word and its FSRS rating."""
    from fsrs import Rating

    return {name: Rating(value) for value, name in RATING_NAMES.items()}
# A card is mastered once FSRS expects it to be remembered for three weeks (Anki calls this 'mature').
MASTERED_STABILITY_DAYS = 21.0


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def numeric_id(card_id: str) -> int:
    """FSRS wants an integer card id: a stable one derived from the card's text id."""
    import hashlib

    return int.from_bytes(hashlib.sha256(card_id.encode("utf-8")).digest()[:6], "big")


def derive_rating(correct: bool, exact: bool) -> Rating:
    from fsrs import Rating

    if not correct:
        return Rating.Again
    return Rating.Good if exact else Rating.Hard


@dataclass(frozen=True)
class Outcome:
    state: str
    due: datetime
    stability: float | None
    fsrs: str


class Spacer:
    """The FSRS scheduler; fuzzing (random spread of intervals) is off when a session is reproducible."""

    def __init__(self, fuzz: bool = True) -> None:
        from fsrs import Scheduler

        self._scheduler = Scheduler(enable_fuzzing=fuzz)

    def review(self, card_id: str, saved: str | None, rating: Rating, when: datetime) -> Outcome:
        from fsrs import Card as FsrsCard
        from fsrs import State

        names = {State.Learning: "learning", State.Review: "review", State.Relearning: "relearning"}
        card = FsrsCard.from_json(saved) if saved else FsrsCard(card_id=numeric_id(card_id), due=when)
        card, _ = self._scheduler.review_card(card, rating, review_datetime=when)
        return Outcome(names[card.state], card.due, card.stability, card.to_json())


def stability_of(saved: str | None) -> float | None:
    if not saved:
        return None
    data: dict[str, Any] = json.loads(saved)
    value = data.get("stability")
    return float(value) if value is not None else None


# No time zone in use is further from UTC than this (Kiribati's +14:00; the furthest west is -12:00).
_MAX_OFFSET = timedelta(hours=14)


def local_time(when: datetime) -> datetime:
    """``when`` in the student's time zone, or in UTC where ``TZ`` gives no sane offset.

    A ``TZ`` such as ``XXX+24:30`` or ``ABC-167`` makes the C library report an offset of a day or more,
    which Python cannot hold (every date would fail) and no clock on Earth shows (every day would be wrong).
    """
    try:
        local = when.astimezone()
        offset = local.utcoffset()
    except (ValueError, OverflowError, OSError):
        return when.astimezone(timezone.utc)
    if offset is None or abs(offset) > _MAX_OFFSET:
        return when.astimezone(timezone.utc)
    return local


def start_of_day(when: datetime) -> datetime:
    """Local midnight of the day ``when`` falls on, as an aware UTC datetime: 'today' is the student's day."""
    local = local_time(when)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(timezone.utc)


def plan(due: list[str], new: list[str], count: int, new_allowed: int, rng: random.Random) -> list[str]:
    """Due cards first (most overdue first, as given), then new ones in random order up to the daily limit."""
    chosen = due[:count]
    fresh = list(new)
    rng.shuffle(fresh)
    chosen += fresh[: max(0, min(new_allowed, count - len(chosen)))]
    return chosen


def humanize(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 90:
        return "in 1 minute" if seconds >= 30 else "now"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"in {minutes} minutes"
    hours = round(seconds / 3600)
    if hours < 36:
        return f"in {hours} hours"
    days = round(seconds / 86400)
    return f"in {days} days"
