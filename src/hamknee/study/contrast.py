"""Words that carry a contrast: one letter or one word apart, they name a different structure or a different fact.

"Anterior superior iliac spine" and "anterior inferior iliac spine", "valgus stress test" and "varus stress
test", "ACL" and "PCL", "Phase I" and "Phase II" are each one word apart. A typed answer must match these
words exactly; a typo is forgiven only in the other words. The card lint and the adversarial deck test
swap each of them for its opposite, so the list lives in this one place.

Words are given in the form the answer checker compares (see ``hamknee.study.answers.tokens``): lower case,
a plural 's' dropped, roman numerals and number words as digits.
"""

from __future__ import annotations

# Each group holds words that exclude one another; the first other word of its group is a word's opposite.
GROUPS: tuple[tuple[str, ...], ...] = (
    ("medial", "lateral"),
    ("anterior", "posterior"),
    ("superior", "inferior"),
    ("proximal", "distal"),
    ("upper", "lower"),
    ("superficial", "deep"),
    ("internal", "external"),
    ("varu", "valgu"),  # "varus"/"valgus" with the final 's' dropped
    ("eccentric", "concentric", "isometric", "isotonic"),
    ("flexion", "extension"),
    ("flexor", "extensor"),
    ("flexed", "extended"),
    ("adduction", "abduction"),
    ("adductor", "abductor"),
    ("long", "short"),
    ("left", "right"),
    ("acl", "pcl", "mcl", "lcl"),
    ("hcon", "hecc"),
    ("qcon", "qecc"),
    ("tibial", "fibular", "femoral"),  # also the bones: "tibia" is compared as "tibial" (hamknee.study.synonyms)
    ("hip", "knee", "ankle"),
    ("acute", "chronic"),
    ("active", "passive"),
    ("positive", "negative"),
    ("increased", "decreased"),
    ("increase", "decrease"),
    ("weak", "strong"),
    ("before", "after"),
    ("above", "below"),
    ("plantarflexion", "dorsiflexion"),
    ("uphill", "downhill"),
    ("anteriorly", "posteriorly"),
    ("forward", "backward"),
    ("female", "male"),
    ("more", "less"),  # "more than 10 mm" against "less than 10 mm" (hamknee.study.synonyms.measure)
)

CONTRAST: frozenset[str] = frozenset(word for group in GROUPS for word in group)

_OPPOSITE: dict[str, str] = {}
for _group in GROUPS:
    for _i, _word in enumerate(_group):
        _OPPOSITE[_word] = _group[(_i + 1) % len(_group)]


def is_contrast(word: str) -> bool:
    """A contrast word, or a number (a phase, a stage, a grade, an angle, a spinal root)."""
    return word in CONTRAST or word.isdigit() or (len(word) <= 3 and any(ch.isdigit() for ch in word))


def opposite(word: str) -> str | None:
    """The word a contrast word is most often confused with; numbers become the next number."""
    if word in _OPPOSITE:
        return _OPPOSITE[word]
    if word.isdigit():
        return str(int(word) + 1)
    return None
