"""Typed answers judged by meaning: contrast words exact, typos only elsewhere, never another entity's name."""

from __future__ import annotations

from functools import lru_cache

import pytest

from hamknee.kb import open_kb
from hamknee.paths import shipped_kb
from hamknee.study.answers import NameIndex, judge_text
from hamknee.study.contrast import GROUPS, opposite


@lru_cache(maxsize=1)
def names() -> NameIndex:
    return NameIndex(open_kb(shipped_kb(), use_cache=False).records())


def check(given: str, accepted: tuple[str, ...] = (), ids: tuple[str, ...] = (), **kw: object):  # type: ignore[no-untyped-def]
    return judge_text(given, accepted, answer_ids=ids, names=names(), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(("given", "accepted", "ids"), [
    ("anterior inferior iliac spine", (), ("anterior-superior-iliac-spine",)),
    ("concentric contraction", (), ("eccentric-contraction",)),
    ("medial femoral condyle", (), ("lateral-femoral-condyle",)),
    ("varus stress test", ("Valgus stress test at 30 degrees of flexion", "Valgus stress test"), ()),
    ("varus stress test at 30 degrees", ("Valgus stress test at 30 degrees of flexion",), ()),
    ("anterior drawer test", ("Posterior drawer test",), ()),
    ("MCL injury", (), ("lcl-injury",)),
    ("PCL injury", (), ("acl-injury",)),
    ("lateral collateral ligament sprain", (), ("mcl-injury",)),
    ("gastrocnemius-semitendinosus bursa", (), ("gastrocnemius-semimembranosus-bursa",)),
    ("hamstring strain phase i", (), ("repair-phase",)),
    ("phase 3", ("Phase II",), ("repair-phase",)),
    ("superior pubic ramus", (), ("ischiopubic-ramus",)),
    ("semimembranosus", (), ("semitendinosus",)),
    ("ACL", ("PCL",), ()),
    ("posterior knee", (), ("anterior-knee",)),
])
def test_wrong_answers_one_contrast_word_away_are_wrong(given: str, accepted: tuple[str, ...],
                                                         ids: tuple[str, ...]) -> None:
    verdict = check(given, accepted, ids)
    assert not verdict.correct, verdict


@pytest.mark.parametrize(("given", "accepted", "ids"), [
    ("hamstrings", (), ("hamstrings",)),
    ("the hamstrings", (), ("hamstrings",)),
    ("MRI", (), ("mri",)),
    ("mri", (), ("mri",)),
    ("RICE", (), ("rice",)),
    ("ultrasound", (), ("ultrasound",)),
    ("obturator nerve", ("Obturator nerve (anterior branch)",), ("obturator-nerve",)),
    ("linea aspera", (), ("linea-aspera",)),
    ("Lachman", ("Lachman test",), ()),
    ("Noble", ("Noble compression test", "Noble test"), ()),
    ("phase II", ("Phase II",), ("repair-phase",)),
    ("phase 2", ("Phase II",), ("repair-phase",)),
    ("hamstring strain phase two", (), ("repair-phase",)),
    ("bakers cyst", (), ("bakers-cyst",)),
    ("bakers-cyst", (), ("bakers-cyst",)),
    ("Popliteal fossa", (), ("popliteal-fossa",)),
    ("ASIS", (), ("anterior-superior-iliac-spine",)),
    ("anterior superior iliac spine", (), ("anterior-superior-iliac-spine",)),
    ("tuberosity of the ischium", (), ("ischial-tuberosity",)),
])
def test_right_answers_in_any_listed_form_are_right(given: str, accepted: tuple[str, ...],
                                                    ids: tuple[str, ...]) -> None:
    verdict = check(given, accepted, ids)
    assert verdict.correct and verdict.exact, verdict


@pytest.mark.parametrize(("given", "ids"), [
    ("semitendinosis", ("semitendinosus",)),
    ("ischial tuberositty", ("ischial-tuberosity",)),
    ("gastrocnemious", ("gastrocnemius",)),
    ("lateral femoral condile", ("lateral-femoral-condyle",)),
])
def test_one_typo_in_a_long_word_is_close_enough(given: str, ids: tuple[str, ...]) -> None:
    verdict = check(given, (), ids)
    assert verdict.correct and not verdict.exact, verdict
    assert "close enough" in verdict.note


def test_a_typo_that_lands_nearer_another_entity_is_wrong() -> None:
    # "tibial nerv" is one letter from the tibial nerve; judged against the femoral nerve it is still wrong.
    assert not check("tibial nerv", (), ("femoral-nerve",)).correct
    # Exactly another entity's alias: wrong, and the verdict says whose it is.
    verdict = check("ITB", (), ("lateral-collateral-ligament",))
    assert not verdict.correct and "Iliotibial band" in verdict.note


def test_sets_all_is_right_some_is_partial_and_names_what_is_missing() -> None:
    parts = (("Medial knee",), ("Posterior knee",), ("Lateral knee",))
    ids = (("medial-knee",), ("posterior-knee",), ("lateral-knee",))
    whole = ("Medial knee, posterior knee and lateral knee",)
    full = check("medial knee, posterior knee and lateral knee", whole, parts=parts, part_ids=ids)
    assert full.correct and full.exact
    assert check("lateral, medial & posterior", whole, parts=parts, part_ids=ids).correct
    some = check("lateral", whole, parts=parts, part_ids=ids)
    assert not some.correct and some.partial
    assert some.missing == ("Medial knee", "Posterior knee")
    assert "missing Medial knee, Posterior knee" in some.note
    wrong = check("lateral knee and anterior knee", whole, parts=parts, part_ids=ids)
    assert not wrong.correct and not wrong.partial


def test_a_shared_noun_is_distributed_over_a_list() -> None:
    parts = (("Medial femoral condyle",), ("Lateral femoral condyle",))
    verdict = check("medial and lateral femoral condyles", (), parts=parts, part_ids=((), ("lateral-femoral-condyle",)))
    assert verdict.correct, verdict


def test_every_contrast_word_has_an_opposite_in_its_group() -> None:
    for group in GROUPS:
        assert len(group) >= 2
        for word in group:
            assert opposite(word) in group and opposite(word) != word
    assert opposite("2") == "3"
