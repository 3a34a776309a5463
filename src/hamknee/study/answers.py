"""Judging a student's answer: choice numbers, and typed answers that are close enough.

A typed answer is right when, ignoring case, punctuation, accents, articles and generic words ("nerve",
"muscle", "division", ...), it equals an accepted answer (the expected entity's name or one of its listed
aliases), or differs from it only by a small typo. A typo is forgiven only if the answer is still closer
to the right answer than to any wrong one, so "semimembranosus" never passes for "semitendinosus".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz

from hamknee.study.cards import Card

_ARTICLES = frozenset({"the", "a", "an"})
_GENERIC = frozenset({"of", "nerve", "division", "muscle", "part", "portion", "branch", "its", "is", "on"})
_CHOICE = re.compile(r"^\(?([0-9]{1,2})[.)]?$")


@dataclass(frozen=True)
class Verdict:
    correct: bool
    exact: bool
    matched: str | None = None
    note: str = ""


def normalize(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    plain = plain.replace("'s ", " ").replace("’s ", " ")
    words = re.sub(r"[^a-z0-9]+", " ", plain).split()
    return " ".join(w for w in words if w not in _ARTICLES)


def core(text: str) -> str:
    """The words that carry the meaning; falls back to the normalized text when nothing is left."""
    norm = normalize(text)
    words = [w for w in norm.split() if w not in _GENERIC]
    return " ".join(words) if words else norm


def _loose(text: str) -> str:
    """Plural and possessive 's' ignored: "Bakers cyst" is "Baker's cyst"."""
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") else w for w in text.split())


def _similarity(a: str, b: str) -> float:
    return max(fuzz.ratio(a, b), fuzz.token_sort_ratio(a, b))


def _threshold(text: str) -> float:
    """Short answers must be exact: one letter off in 'ACL' is 'PCL'."""
    if len(text) <= 4:
        return 101.0
    if len(text) <= 8:
        return 88.0
    return 84.0


def judge_text(given: str, accepted: tuple[str, ...], rejected: tuple[str, ...] = ()) -> Verdict:
    answer = core(given)
    if not answer:
        return Verdict(False, False, note="no answer")
    keys = [(a, core(a)) for a in accepted if core(a)]
    for original, key in keys:
        if _loose(answer) == _loose(key) or normalize(given) == normalize(original):
            return Verdict(True, True, original)
    wrong = {core(r) for r in rejected} - {k for _, k in keys}
    if answer in wrong:
        return Verdict(False, True)
    best, best_score = None, 0.0
    for original, key in keys:
        score = _similarity(answer, key)
        if score > best_score:
            best, best_score = original, score
    worst = max((_similarity(answer, w) for w in wrong), default=0.0)
    if best is not None and best_score >= _threshold(answer) and best_score > worst:
        return Verdict(True, False, best, note=f"close enough to {best!r}")
    return Verdict(False, False)


def judge(card: Card, given: str) -> Verdict:
    text = given.strip()
    if not text:
        return Verdict(False, False, note="no answer")
    if card.options:
        choice = _CHOICE.match(text)
        if choice:
            number = int(choice.group(1))
            if not 1 <= number <= len(card.options):
                return Verdict(False, False, note=f"there is no option {number}")
            return Verdict(number - 1 in card.correct, True, card.options[number - 1])
        # A typed answer to a multiple-choice card is judged against the right option and the wrong ones.
        wrong = tuple(o for i, o in enumerate(card.options) if i not in card.correct)
        return judge_text(text, card.accepted, card.rejected + wrong)
    return judge_text(text, card.accepted, card.rejected)
