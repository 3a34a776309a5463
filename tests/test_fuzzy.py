"""Close spellings are scored as rapidfuzz scores them, whether or not rapidfuzz is asked."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz, process

from hamknee import fuzzy

# A small alphabet makes equal scores and scores exactly at a cutoff common.
WORD = st.text(alphabet="ab-cé", max_size=30)


@settings(max_examples=400, deadline=None)
@given(query=WORD.filter(bool), choices=st.lists(WORD, min_size=1, max_size=50),
       cutoff=st.sampled_from([0, 50, 72, 80, 85, 100]), limit=st.sampled_from([1, 3, 20, 40]))
def test_scores_cutoffs_and_order_are_rapidfuzz_s(query: str, choices: list[str], cutoff: int, limit: int) -> None:
    expected = process.extract(query, choices, scorer=fuzz.ratio, limit=limit, score_cutoff=cutoff)
    assert fuzzy.extract(query, choices, cutoff, limit) == [tuple(hit) for hit in expected]
    one = process.extractOne(query, choices, scorer=fuzz.ratio, score_cutoff=cutoff)
    assert fuzzy.best(query, choices, cutoff) == (one[0] if one else None)


@pytest.mark.parametrize("query", ["goose-fot", "semitendinosis", "knee-arthritis", "hamstrng-strian", "zzzqqq"])
def test_a_large_index_gets_the_same_answer_from_rapidfuzz(query: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from hamknee.kb import open_kb
    from hamknee.paths import shipped_kb

    kb = open_kb(shipped_kb())
    try:
        keys = list(kb.section("index"))
    finally:
        kb.close()
    pure = fuzzy.extract(query, keys, 72, 40), fuzzy.best(query, keys, 80)
    monkeypatch.setattr(fuzzy, "PURE_UP_TO", 0)
    assert (fuzzy.extract(query, keys, 72, 40), fuzzy.best(query, keys, 80)) == pure
