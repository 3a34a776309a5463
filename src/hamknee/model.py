"""The knowledge base schema: pydantic models of the YAML file.

Imported only when a knowledge base is validated (a cold cache, ``validate``, ``schema``); lookups read
the compiled cache and never import pydantic.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from hamknee.errors import quoted
from hamknee.vocab import INVERSE, MAX_TEXT_CHARS, SCHEMA_VERSION

KEBAB = r"^[a-z0-9]+(-[a-z0-9]+)*$"

Id = Annotated[str, StringConstraints(pattern=KEBAB, max_length=80)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT_CHARS)]
Short = Annotated[str, StringConstraints(min_length=1, max_length=600)]
Side = Literal["medial", "lateral", "posterior", "anterior", "central"]
Level = Literal["pelvis", "hip", "thigh", "knee", "leg"]
RelationType = Literal[tuple(sorted(INVERSE))]  # type: ignore[valid-type]  # built from the vocabulary
# How much weight a reference carries, from the original evidence down to pages that only repeat others.
SourceType = Literal["primary study", "review", "guideline", "textbook", "reference site", "secondary web"]


class Strict(BaseModel):
    # strict: YAML's true is not the number 1, and '2020' or 2020.0 is not the year 2020; a value of the
    # wrong type is reported where it stands instead of being quietly converted.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def _described(value: Any) -> str:
    """A value as someone writing YAML would name it."""
    import datetime

    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, datetime.date):
        return f"the date {value.isoformat()}"
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, list | dict):
        return "a list" if isinstance(value, list) else "a mapping"
    return repr(str(value)[:40])


class Source(Strict):
    """A reference cited by entities through its id."""

    id: Id
    title: Short
    authors: Short | None = Field(None, description="Authors, as cited.")
    publisher: Short | None = Field(None, description="Publisher, journal or website.")
    year: int | Literal["n.d."] = Field(description="Year of publication, or 'n.d.' if undated.")
    url: Short | None = None
    doi: Short | None = None
    type: SourceType | None = Field(
        None, description="primary study, review, guideline, textbook, reference site or secondary web (a mirror, "
                          "blog, slide deck or copy); 'validate' warns when it is missing.")

    @field_validator("year", mode="before")
    @classmethod
    def _a_year(cls, value: Any) -> Any:
        if value != "n.d." and type(value) is not int:
            raise ValueError(f"must be a whole number (the year) or 'n.d.'; got {_described(value)}")
        return value

    @model_validator(mode="after")
    def _complete(self) -> Source:
        if not (self.authors or self.publisher):
            raise ValueError("a source needs 'authors' or 'publisher'")
        if not (self.url or self.doi):
            raise ValueError("a source needs 'url' or 'doi'")
        return self


class Relation(Strict):
    """A typed link to another entity; its inverse is added to the target automatically."""

    type: RelationType  # type: ignore[valid-type]
    target: Id
    note: Short | None = Field(None, description="The mechanism of this step, in words.")
    felt_at: list[Id] | None = Field(
        None, min_length=1,
        description="For a link between a condition and what it involves: the regions where that form of the "
                    "condition is felt, when narrower than the condition's own felt_at (medial for the "
                    "semimembranosus form of distal tendinopathy, lateral for the biceps form).")


class View(Strict):
    value: Short
    sources: list[Id] = Field(min_length=1)


class Disagreement(Strict):
    """A point on which references give different values; each view names its sources."""

    topic: Short
    views: list[View] = Field(min_length=2)


class Correction(Strict):
    """A common claim or simplification and what references say instead."""

    claim: Short
    correction: Text
    sources: list[Id] = Field(min_length=1)


class AuthoredCard(Strict):
    """A hand-written flashcard on an entry: a question, its answer, other answers taken as right, sources.

    With ``distractors`` it is a choice card (the answer among them); with ``self_graded`` the answer is a
    sentence the student compares with their own and grades; otherwise the answer is typed and checked.
    """

    id: Id = Field(description="Unique within the entry; the card's id is '<entry>:card:<id>'.")
    question: Short
    answer: Short
    accepted: list[Short] = Field(default_factory=list, description="Other answers taken as right.")
    rejected: list[Short] = Field(
        default_factory=list,
        description="Answers wrong for this question although they name the answer (an alias of an answer entity "
                    "that the question rules out: a lateral tear when the signs are medial).")
    answer_ids: list[Id] = Field(default_factory=list, description="Entities whose every name is a right answer.")
    distractors: list[Short] = Field(default_factory=list, max_length=5, description="Wrong options (2-5).")
    why_not: dict[Short, Short] = Field(
        default_factory=dict,
        description="Why each distractor is wrong, by distractor: shown when a student picks it. A vignette's "
                    "distractor without one is explained by its condition's summary.")
    self_graded: bool = Field(False, description="The answer is a sentence: the student grades themselves.")
    vignette: bool = Field(False, description="The question is a clinical picture (a choice card).")
    explanation: Short | None = Field(None, description="Why the answer is right.")
    sources: list[Id] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> AuthoredCard:
        from hamknee.terms import normalize

        if self.distractors and len(self.distractors) < 2:
            raise ValueError("a choice card needs at least 2 distractors")
        if self.vignette and not self.distractors:
            raise ValueError("a vignette is a choice card: give its distractors")
        if self.distractors and self.self_graded:
            raise ValueError("a self-graded card has no distractors")
        right = {normalize(a) for a in (self.answer, *self.accepted)}
        for d in self.distractors:
            if normalize(d) in right:
                raise ValueError(f"distractor {quoted(d)} is also an accepted answer")
        for r in self.rejected:
            if normalize(r) in right:
                raise ValueError(f"rejected answer {quoted(r)} is also an accepted answer")
        if len({normalize(d) for d in self.distractors}) != len(self.distractors):
            raise ValueError("two distractors are the same")
        options = {normalize(d) for d in self.distractors}
        for d in self.why_not:
            if normalize(d) not in options:
                raise ValueError(f"why_not explains {d!r}, which is not a distractor")
        return self


class Entity(Strict):
    id: Id = Field(description="Unique kebab-case id, e.g. 'pes-anserine-bursitis'.")
    name: Short
    aliases: list[Short] = Field(default_factory=list, description="Synonyms, abbreviations, Latin and lay names.")
    search_terms: list[Short] = Field(
        default_factory=list,
        description="Everyday words a student might search with ('lump behind the knee'); unlike aliases they "
                    "need not be unique and never open the entry by themselves.",
    )
    summary: Short = Field(description="One or two sentences.")
    explanation: Text = Field(description="The fuller explanation, in paragraphs.")
    key_points: list[Short] = Field(default_factory=list, description="What a student must remember.")
    relations: list[Relation] = Field(default_factory=list)
    disagreements: list[Disagreement] = Field(default_factory=list)
    corrections: list[Correction] = Field(default_factory=list)
    sources: list[Id] = Field(min_length=1, description="Ids of entries in the top-level 'sources' list.")
    cards: list[AuthoredCard] = Field(default_factory=list, description="Hand-written flashcards on this entry.")


class Attachment(Strict):
    """Where a muscle attaches: an attachment entity (optional), the side, and the detail."""

    site: Id | None = Field(None, description="Id of the attachment entity, if there is one.")
    side: Side | None = None
    detail: Text
    at_knee: Short | None = Field(None, description="What this attachment is involved in at the knee.")


class Innervation(Strict):
    nerve: Short
    nerve_id: Id | None = Field(None, description="Id of the nerve's structure entity.")
    roots: Short | None = Field(None, description="Spinal roots, e.g. 'L5, S1, S2'.")


class Actions(Strict):
    hip: Short | None = None
    knee: Short | None = None
    other: Short | None = None


class Muscle(Entity):
    group: Literal["hamstring", "related"] = Field(
        description="'hamstring' for the hamstring group, 'related' for muscles studied beside it."
    )
    compartment: Short | None = None
    origin: Attachment
    insertion: Attachment
    innervation: Innervation
    actions: Actions
    crosses: list[Literal["hip", "knee", "ankle"]] = Field(default_factory=list)
    blood_supply: Short | None = None
    etymology: Short | None = None


class OtherMuscles(Strict):
    """Muscles without an entry of their own that arise or insert at a landmark, or that a nerve supplies.

    A card that asks for "a muscle that arises from the linea aspera" takes each of them as a right answer, as
    it takes the muscles that have entries. A name may carry its abbreviation in brackets ("Tensor fasciae
    latae (TFL)").
    """

    origin: list[Short] = Field(default_factory=list, description="Muscles that arise here.")
    insertion: list[Short] = Field(default_factory=list, description="Muscles that insert here.")
    supplies: list[Short] = Field(default_factory=list, description="Muscles this nerve supplies (also by its "
                                                                    "branches).")
    sources: list[Id] = Field(min_length=1)


class LandmarkEntity(Entity):
    attachment_type: Literal["bony landmark", "tendon insertion", "bony surface"]
    bone: Short
    location: Text
    side: Side | None = None
    level: Level | None = None
    palpation: Short | None = None
    clinical: Text | None = None
    other_muscles: OtherMuscles | None = Field(None, description="Muscles without an entry that attach here.")


class Structure(Entity):
    structure_type: Literal["nerve", "bursa", "ligament", "joint", "tendon", "vessel", "fascia", "cartilage", "space",
                            "fat pad"]
    location: Text
    side: Side | None = None
    level: Level | None = None
    function: Text | None = None
    clinical: Text | None = None
    other_muscles: OtherMuscles | None = Field(None, description="Muscles without an entry that this nerve "
                                                                 "supplies.")


class Region(Entity):
    location: Text
    side: Side | None = None
    level: Level
    landmarks: Short | None = None


class Test(Strict):
    name: Short
    aliases: list[Short] = Field(default_factory=list, description="Other names of the test ('calf squeeze test').")
    description: Text
    accuracy: Short | None = Field(None, description="Sensitivity/specificity or evidence, with its source.")


class Grade(Strict):
    grade: Short
    description: Text


class Condition(Entity):
    category: Literal["hamstring-related", "knee", "red-flag", "other"] = Field(
        description="'hamstring-related', a primary 'knee' problem to rule out, or a 'red-flag'."
    )
    felt_at: list[Id] = Field(min_length=1, description="Ids of the regions where the pain is felt.")
    pain_location: Text = Field(description="Where it hurts, with the landmark.")
    pain_sites: list[Short] = Field(
        default_factory=list,
        description="Short names of where it hurts, more precise than the regions ('behind the patella', "
                    "'inferior pole of the patella'); each is a right answer to 'where is the pain felt?'.")
    mechanism: Text
    population: Text = Field(description="Who typically gets it.")
    risk_factors: list[Short] = Field(default_factory=list)
    symptoms: list[Short] = Field(default_factory=list)
    signs: list[Short] = Field(min_length=1, description="Clinical signs; the most distinguishing first.")
    tests: list[Test] = Field(min_length=1, description="Clinical tests; the key test first.")
    imaging: Text
    treatment: list[Short] = Field(min_length=1)
    grading: list[Grade] = Field(default_factory=list)
    differentials: list[Id] = Field(default_factory=list, description="Ids of conditions it is confused with.")
    red_flags: list[Short] = Field(default_factory=list)
    prognosis: Text | None = None


class Phase(Entity):
    order: int = Field(ge=0, le=99, description="Position in the protocol, from 1.")
    protocol: Short = Field(description="The protocol this phase belongs to, as cited.")
    applies_to: list[Id] = Field(default_factory=list, description="Ids of the conditions it treats.")
    timeframe: Short | None = None
    goals: list[Short] = Field(min_length=1)
    interventions: list[Short] = Field(min_length=1)
    exercises: list[Short] = Field(default_factory=list)
    criteria: list[Short] = Field(default_factory=list, description="Criteria to progress to the next phase.")
    avoid: list[Short] = Field(default_factory=list)


class Value(Strict):
    label: Short
    value: Short
    sources: list[Id] = Field(min_length=1)


class Concept(Entity):
    category: Literal["anatomy", "biomechanics", "physiology", "assessment", "treatment", "pathology"]
    values: list[Value] = Field(default_factory=list, description="Typical values or thresholds, each sourced.")


class KnowledgeBaseFile(Strict):
    """The whole file."""

    version: Literal[1] = Field(description="Schema version of this file.")
    title: Short | None = None
    sources: list[Source] = Field(min_length=1)
    muscles: list[Muscle] = Field(default_factory=list)
    attachments: list[LandmarkEntity] = Field(default_factory=list)
    structures: list[Structure] = Field(default_factory=list)
    regions: list[Region] = Field(default_factory=list)
    conditions: list[Condition] = Field(default_factory=list)
    phases: list[Phase] = Field(default_factory=list)
    concepts: list[Concept] = Field(default_factory=list)

    @field_validator("version", mode="before")
    @classmethod
    def _exactly_one(cls, value: Any) -> Any:
        # A literal 1 also matches true and 1.0 (they compare equal), even in strict mode.
        if type(value) is not int:
            raise ValueError(f"must be one of 1; got {_described(value)}")
        return value


# Fields (per section) that hold ids of other entities, and the relation the compiler derives from them.
# A path is a dotted field name; a list field yields one relation per item.
REFERENCE_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "muscles": (("origin.site", "originates-from"), ("insertion.site", "inserts-on"),
                ("innervation.nerve_id", "innervated-by")),
    "conditions": (("felt_at", "felt-at"), ("differentials", "differential-of")),
    "phases": (("applies_to", "treats"),),
}

__all__ = ["SCHEMA_VERSION", "KnowledgeBaseFile"]
