"""Close spellings, scored as rapidfuzz's ``fuzz.ratio`` scores them, without rapidfuzz for a small index.

Importing rapidfuzz costs a typo on the shipped knowledge base more (6 ms) than scoring its few hundred
names in Python (under 1 ms); a large index is still scored by rapidfuzz, whose C++ is then the faster.
Both give the same scores, the same cutoffs and the same order (best first, ties in the order of the
choices), so which one answers never changes a suggestion.
"""

from __future__ import annotations

from collections.abc import Sequence

# Above this many choices rapidfuzz and its import (6 ms) are faster than Python (about 0.6 µs a choice).
PURE_UP_TO = 8000


def _lcs_length(masks: dict[str, int], width: int, text: str) -> int:
    """The length of the longest common subsequence of the query (as ``masks``) and ``text``: the
    bit-parallel algorithm of Hyyrö (2004), one big-integer step per character of ``text``."""
    row = (1 << width) - 1
    for char in text:
        mask = masks.get(char)
        if mask:
            matched = row & mask
            row = (row + matched) | (row - matched)
    return width - (row & ((1 << width) - 1)).bit_count()


def _scored(query: str, choices: Sequence[str], cutoff: float) -> list[tuple[str, float, int]]:
    """Every choice whose ratio to the query reaches the cutoff, with its ratio and position."""
    width = len(query)
    masks: dict[str, int] = {}
    for position, char in enumerate(query):
        masks[char] = masks.get(char, 0) | (1 << position)
    least = cutoff / 100
    found: list[tuple[str, float, int]] = []
    for position, choice in enumerate(choices):
        total = width + len(choice)
        if not total:
            similarity = 1.0
        elif 2 * min(width, len(choice)) < least * total:  # too short or too long to reach the cutoff
            continue
        else:
            # rapidfuzz's own arithmetic: the normalized Indel distance, subtracted from 1.
            similarity = 1.0 - (total - 2 * _lcs_length(masks, width, choice)) / total
        if similarity >= least and similarity * 100 >= cutoff:
            found.append((choice, similarity * 100, position))
    return found


def extract(query: str, choices: Sequence[str], cutoff: float, limit: int) -> list[tuple[str, float, int]]:
    """``rapidfuzz.process.extract(query, choices, scorer=fuzz.ratio, limit=limit, score_cutoff=cutoff)``."""
    if len(choices) > PURE_UP_TO:
        from rapidfuzz import fuzz, process

        return process.extract(query, choices, scorer=fuzz.ratio, limit=limit, score_cutoff=cutoff)
    found = _scored(query, choices, cutoff)
    found.sort(key=lambda hit: (-hit[1], hit[2]))
    return found[:limit]


def best(query: str, choices: Sequence[str], cutoff: float) -> str | None:
    """The choice ``rapidfuzz.process.extractOne`` picks with ``fuzz.ratio`` (the first of the best), or None."""
    if len(choices) > PURE_UP_TO:
        from rapidfuzz import fuzz, process

        found = process.extractOne(query, choices, scorer=fuzz.ratio, score_cutoff=cutoff)
        return found[0] if found else None
    top: tuple[str, float, int] | None = None
    for hit in _scored(query, choices, cutoff):
        if top is None or hit[1] > top[1]:
            top = hit
    return top[0] if top else None
