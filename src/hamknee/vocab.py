"""Fixed vocabularies of the knowledge base: relation types with their inverses, regions' sides, kinds.

Every relation is written once, on one entity, and is followed both ways: the compiler adds the
inverse to the target. A relation type that is its own inverse is symmetric.
"""

from __future__ import annotations

# Bumped when the YAML schema changes incompatibly; part of the compiled cache key.
SCHEMA_VERSION = 1

# The longest text the schema allows in any field (an explanation); the loader refuses longer values while
# it parses, before anything is built from them.
MAX_TEXT_CHARS = 20_000

# type -> (label read forwards, inverse type, label of the inverse)
RELATIONS: dict[str, tuple[str, str, str]] = {
    "originates-from": ("originates from", "origin-of", "is the origin of"),
    "inserts-on": ("inserts on", "insertion-of", "is the insertion of"),
    "forms": ("forms", "formed-by", "is formed by"),
    "part-of": ("is part of", "has-part", "has part"),
    "innervated-by": ("is innervated by", "innervates", "innervates"),
    "supplied-by": ("is supplied by", "supplies", "supplies blood to"),
    "branch-of": ("is a branch of", "has-branch", "has branch"),
    "overlies": ("overlies", "lies-deep-to", "lies deep to"),
    "crosses": ("crosses", "crossed-by", "is crossed by"),
    "located-at": ("is located at", "location-of", "is the location of"),
    "performs": ("performs", "performed-by", "is performed by"),
    "antagonist-of": ("is the antagonist of", "antagonist-of", "is the antagonist of"),
    "stabilizes": ("stabilizes", "stabilized-by", "is stabilized by"),
    "pulls-on": ("pulls on", "pulled-by", "is pulled on by"),
    "compresses": ("compresses", "compressed-by", "is compressed by"),
    "irritates": ("irritates", "irritated-by", "is irritated by"),
    "stretches": ("stretches", "stretched-by", "is stretched by"),
    "inflamed-in": ("is inflamed in", "inflammation-of", "is inflammation of"),
    "affected-in": ("is affected in", "affects", "affects"),
    "causes": ("causes", "caused-by", "is caused by"),
    "contributes-to": ("contributes to", "contributed-to-by", "is contributed to by"),
    "risk-factor-for": ("is a risk factor for", "has-risk-factor", "has risk factor"),
    "felt-at": ("is felt at", "site-of", "is where you feel"),
    "refers-pain-to": ("refers pain to", "receives-pain-from", "receives referred pain from"),
    "differential-of": ("is confused with", "differential-of", "is confused with"),
    "mimics": ("mimics", "mimicked-by", "is mimicked by"),
    "diagnosed-with": ("is diagnosed with", "diagnoses", "helps diagnose"),
    "treated-with": ("is treated with", "treats", "treats"),
    "precedes": ("precedes", "follows", "follows"),
    "measures": ("measures", "measured-by", "is measured by"),
    "example-of": ("is an example of", "has-example", "has example"),
    "prevents": ("helps prevent", "prevented-by", "is prevented by"),
    "related-to": ("is related to", "related-to", "is related to"),
}

# What kind of statement each relation makes, which decides how a chain may use it:
# - anatomical: where things are and what they are made of (forms, inserts on, overlies, crosses);
# - mechanical: one thing acting on another (pulls on, compresses, irritates, stretches, refers pain to);
# - clinical: a structure involved in a condition, or one condition leading to another;
# - association: a statistical link (a risk factor), never a step of a mechanism;
# - contrast: two things told apart (confused with, mimics), the opposite of a cause;
# - catalogue: tests, treatments, actions, sequences and examples: true, but not how anything comes about.
ROLES: tuple[str, ...] = ("anatomical", "mechanical", "clinical", "association", "contrast", "catalogue")
_ROLE_OF_TYPE: dict[str, str] = {
    "originates-from": "anatomical", "inserts-on": "anatomical", "forms": "anatomical", "part-of": "anatomical",
    "innervated-by": "anatomical", "supplied-by": "anatomical", "branch-of": "anatomical",
    "overlies": "anatomical", "crosses": "anatomical", "located-at": "anatomical", "felt-at": "anatomical",
    "pulls-on": "mechanical", "compresses": "mechanical", "irritates": "mechanical", "stretches": "mechanical",
    "stabilizes": "mechanical",
    "refers-pain-to": "mechanical",
    "inflamed-in": "clinical", "affected-in": "clinical", "causes": "clinical", "contributes-to": "clinical",
    "risk-factor-for": "association",
    "differential-of": "contrast", "mimics": "contrast",
    "performs": "catalogue", "antagonist-of": "catalogue", "diagnosed-with": "catalogue",
    "treated-with": "catalogue", "precedes": "catalogue", "measures": "catalogue", "example-of": "catalogue",
    "prevents": "catalogue", "related-to": "catalogue",
}

INVERSE: dict[str, str] = {}
LABEL: dict[str, str] = {}
for _type, (_label, _inverse, _inverse_label) in RELATIONS.items():
    INVERSE[_type] = _inverse
    INVERSE[_inverse] = _type
    LABEL[_type] = _label
    LABEL.setdefault(_inverse, _inverse_label)

# type -> role, for inverses too: reading a relation backwards does not change what kind of statement it is.
ROLE: dict[str, str] = {}
for _type, _role in _ROLE_OF_TYPE.items():
    ROLE[_type] = _role
    ROLE[INVERSE[_type]] = _role

# Top-level YAML sections, in reading order, with the kind each holds.
SECTIONS: dict[str, str] = {
    "muscles": "muscle",
    "attachments": "attachment",
    "structures": "structure",
    "regions": "region",
    "conditions": "condition",
    "phases": "phase",
    "concepts": "concept",
}
KINDS: tuple[str, ...] = tuple(SECTIONS.values())
KIND_SECTION: dict[str, str] = {kind: section for section, kind in SECTIONS.items()}
