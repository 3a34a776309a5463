"""The order of questions in one session: every planned card once, and the cards that come back.

``--count N`` plans N cards. A card answered wrong comes back a few questions later (Anki's first
learning step); a new card answered right, still in its learning steps, comes back once the planned
cards have all been asked. Cards coming back never crowd out the planned ones: while a planned card is
still waiting, no two returning cards are asked in a row, so all N are asked within 2N questions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

RETURN_AFTER = 3  # a missed card comes back after this many other questions
MAX_RETURNS = 4  # a card still in its learning steps comes back at most this often in one session


@dataclass(frozen=True)
class Turn(Generic[T]):
    """One question: the card, its number among the planned cards (kept when it comes back), and whether
    it is being asked again."""

    card: T
    number: int
    again: bool


class SessionQueue(Generic[T]):
    def __init__(self, planned: list[T]) -> None:
        self.total = len(planned)
        self._fresh = [Turn(c, i, False) for i, c in enumerate(planned, 1)]
        self._fresh.reverse()  # popped from the end
        self._back: list[tuple[int, int, Turn[T]]] = []  # (due at question, order, turn)
        self._asked = 0
        self._order = 0
        self._last_again = False
        self._returns: dict[int, int] = {}

    def __bool__(self) -> bool:
        return bool(self._fresh or self._back)

    def next(self) -> Turn[T]:
        """The next question: a returning card that is due, unless one was just asked and a planned card waits."""
        self._back.sort(key=lambda x: (x[0], x[1]))
        due = bool(self._back) and self._back[0][0] <= self._asked
        if self._back and (not self._fresh or (due and not self._last_again)):
            turn = self._back.pop(0)[2]
        else:
            turn = self._fresh.pop()
        self._asked += 1
        self._last_again = turn.again
        return turn

    def again(self, turn: Turn[T], missed: bool) -> bool:
        """Bring the card back (missed: soon; known but learning: after the planned cards); False if it has
        come back as often as one session allows."""
        count = self._returns.get(turn.number, 0)
        if count >= MAX_RETURNS:
            return False
        self._returns[turn.number] = count + 1
        self._order += 1
        due = self._asked + RETURN_AFTER if missed else self._asked + len(self._fresh)
        self._back.append((due, self._order, Turn(turn.card, turn.number, True)))
        return True
