"""Ways of writing the same answer that the answer checker treats as one.

Students write a spinal-root range as "L2-L4", "L2-4", "L2 to L4" or "L2, L3, L4"; a nerve's part as its
"division", "part", "portion" or "branch"; the peroneal nerve by its older name; a ligament by its initials
or in full. Each of these is brought to one form here, before words are compared, so every card takes
every spelling. Nothing here joins two things that differ: contrast words (``hamknee.study.contrast``)
keep their meaning, and an abbreviation stands only for the one phrase it abbreviates ("ACL" for
"anterior cruciate ligament", never "PCL").
"""

from __future__ import annotations

import re
from functools import lru_cache

# One word for another, in the form the checker compares (lower case, a final plural 's' dropped).
WORDS: dict[str, str] = {
    # a nerve's subdivision: textbooks use all four words for the tibial and common fibular parts of the sciatic
    # nerve and for the two divisions of the obturator nerve
    "part": "division", "portion": "division", "component": "division", "branch": "division",
    "branche": "division",
    # the older names of the fibular nerves and muscles
    "peroneal": "fibular", "peroneu": "fibulari",
    # the noun and its adjective name the same bone ("head of the fibula" is the fibular head)
    "tibia": "tibial", "fibula": "fibular", "femur": "femoral",
    # the Latin and the English adjective of the goose's foot
    "anserinu": "anserine", "anserina": "anserine",
    # the noun and its adjective
    "meniscu": "meniscal", "menisci": "meniscal",
    # the everyday word for the bone
    "kneecap": "patella",
    # the verb and its noun: "dorsiflex the ankle" is ankle dorsiflexion
    "dorsiflex": "dorsiflexion", "dorsiflexe": "dorsiflexion", "dorsiflexing": "dorsiflexion",
    "dorsiflexed": "dorsiflexion", "plantarflex": "plantarflexion", "plantarflexe": "plantarflexion",
    "plantarflexing": "plantarflexion", "plantarflexed": "plantarflexion",
    "extending": "extension", "flexing": "flexion",
    # the everyday short name of the muscle group, and the isokinetic word for a muscle's strength
    "quad": "quadricep", "torque": "strength",
    # the everyday and the anatomical word for a part's place: the lower pole of the patella is its inferior pole,
    # the upper lumbar roots are the superior ones (a contrast word still: "lower" is never "superior")
    "lower": "inferior", "upper": "superior",
    # a scoring rule by any of its names: the Wells score, criteria or rule; the Kocher criteria or score
    "criteria": "score", "criterion": "score", "rule": "score",
    # the Nordic hamstring curl is also called the Russian (or Norwegian) curl
    "russian": "nordic", "norwegian": "nordic",
    # the two parts of adductor magnus by their other names
    "ischiocondylar": "hamstring", "pubofemoral": "adductor",
    # the plural of "study" as the checker sees it ("studies" less its 's')
    "studie": "study",
    # a test by its verb: "neurodynamic testing" is the neurodynamic test
    "testing": "test",
    # a repetition by its everyday short name
    "rep": "repetition",
    # the hip joint by its anatomical name, as "coxofemoral"
    "acetabulofemoral": "hip",
}

# Abbreviations written out before anything else, so that they compare as the words they stand for: "CPN" is the
# common peroneal (fibular) nerve, "USS" an ultrasound scan, "BF short head" the short head of biceps femoris.
EXPANSIONS: dict[str, tuple[str, ...]] = {
    "cpn": ("common", "fibular", "nerve"),
    "cfn": ("common", "fibular", "nerve"),
    "uss": ("ultrasound", "scan"),
    "bf": ("biceps", "femoris"),
    "oa": ("osteoarthritis",),
    "df": ("dorsiflexion",),
}

# Abbreviations whose final S is part of the name, not a plural: "ITBS" is the syndrome, "ITB" the band.
NOT_PLURAL: frozenset[str] = frozenset({"itbs", "pfps"})

_TARGETS = frozenset(WORDS.values())

# A phrase and its usual abbreviation, longest phrase first where one contains another.
PHRASES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("anterior", "cruciate", "ligament"), "acl"),
    (("posterior", "cruciate", "ligament"), "pcl"),
    (("medial", "collateral", "ligament"), "mcl"),
    (("tibial", "collateral", "ligament"), "mcl"),
    (("lateral", "collateral", "ligament"), "lcl"),
    (("fibular", "collateral", "ligament"), "lcl"),
    # the ligament is often left unsaid: "posterior cruciate" is the PCL
    (("anterior", "cruciate"), "acl"),
    (("posterior", "cruciate"), "pcl"),
    (("medial", "collateral"), "mcl"),
    (("lateral", "collateral"), "lcl"),
    (("fibular", "collateral"), "lcl"),
    (("tibial", "collateral"), "mcl"),
    # the clinical and the anatomical name of the same bump: "tibial tubercle" is the tibial tuberosity
    (("tibial", "tubercle"), "tibial tuberosity"),
    # D-dimer written as one word or two
    (("d", "dimer"), "ddimer"),
    (("anterior", "superior", "iliac", "spine"), "asis"),
    (("anterior", "inferior", "iliac", "spine"), "aiis"),
    (("posterior", "superior", "iliac", "spine"), "psis"),
    (("deep", "vein", "thrombosis"), "dvt"),
    (("deep", "venous", "thrombosis"), "dvt"),
    (("straight", "leg", "raise"), "slr"),
    (("heavy", "slow", "resistance"), "hsr"),
    (("magnetic", "resonance", "imaging"), "mri"),
    (("iliotibial", "band"), "itb"),
    (("posterolateral", "corner"), "plc"),
    (("it", "band"), "itb"),
    (("down", "hill"), "downhill"),
    (("up", "hill"), "uphill"),
    (("twenty", "four"), "24"),
    # written as two words
    (("dorsi", "flexion"), "dorsiflexion"),
    (("plantar", "flexion"), "plantarflexion"),
    # the stress tests by their short names: "varus test" is the varus stress test
    (("varus", "stress"), "varus"),
    (("valgus", "stress"), "valgus"),
    # the English name of the muscle
    (("popliteal", "muscle"), "popliteus"),
)

# Spinal segments in order, so that a range can be written out: C1-C8, T1-T12, L1-L5, S1-S5.
_SEGMENTS: list[str] = [f"{r}{n}" for r, top in (("c", 8), ("t", 12), ("l", 5), ("s", 5)) for n in range(1, top + 1)]
_ORDER = {s: i for i, s in enumerate(_SEGMENTS)}
_RANGE = re.compile(r"\b([CTLS])\s?(\d{1,2})\s*(?:-|–|—|to|through|thru)\s*([CTLS])?\s?(\d{1,2})\b", re.IGNORECASE)
_LIST = re.compile(r"\b([CTLS])(\d{1,2})((?:\s*(?:,|and|&|/)?\s*\d{1,2}\b)+)", re.IGNORECASE)


def _range(match: re.Match[str]) -> str:
    first = f"{match.group(1)}{match.group(2)}".lower()
    last = f"{match.group(3) or match.group(1)}{match.group(4)}".lower()
    if first not in _ORDER or last not in _ORDER or not 0 < _ORDER[last] - _ORDER[first] <= 10:
        return match.group(0)
    return " ".join(s.upper() for s in _SEGMENTS[_ORDER[first]:_ORDER[last] + 1])


def _list(match: re.Match[str]) -> str:
    root = match.group(1)
    rest = re.findall(r"\d{1,2}", match.group(3))
    return " ".join([f"{root}{match.group(2)}", *(f"{root}{n}" for n in rest)])


# A measurement as words: "> 10mm", "greater than 10 mm", "over 1 cm" are all "more than 10 mm".
# ("greater" with a typo too: "grater than")
# ("greater" and "than" with a typo too: "grater tahn"; "over" as "oevr": a number must follow)
_MORE = re.compile(r"(?:>|\b(?:gr[a-z]{2,6}r|more)\s+t[a-z]{2,3}\b|\b(?:over|o[a-z]{2}r|ovre)\b|\babove\b)\s*(?=\d)",
                   re.IGNORECASE)
_LESS = re.compile(r"(?:<|\b(?:fewer|less)\s+t[a-z]{2,3}\b|\bunder\b|\bbelow\b)\s*(?=\d)", re.IGNORECASE)
# the unit spelt out, with a typo forgiven as in any long word ("centimmetres", "centmietres")
_MM = re.compile(r"(\d+(?:\.\d+)?)\s*(?:mm|mil[a-z]{0,3}m[a-z]{0,3}t(?:re|er|r)s?)\b", re.IGNORECASE)
_CM = re.compile(r"(\d+(?:\.\d+)?)\s*(?:cm|cent[a-z]{0,2}m[a-z]{0,3}t(?:re|er|r)s?)\b", re.IGNORECASE)


def _millimetres(match: re.Match[str]) -> str:
    value = float(match.group(1)) * 10
    return f"{value:g} mm"


# "at least 2" as a sign: "≥2", ">= 2"
_AT_LEAST = re.compile(r"(?:≥|>=|=>)\s*(?=\d)")
_AT_MOST = re.compile(r"(?:≤|<=|=<)\s*(?=\d)")
# "2 points or more" is "2 or more"
_POINTS = re.compile(r"(\d)\s*points?\b", re.IGNORECASE)
_PERCENT = re.compile(r"(\d)\s*(?:per\s?cent|pct|(p[a-z]{4,7}t))\b", re.IGNORECASE)
# "0.60" is "0.6", "1.0" is "1"
_TRAILING_ZEROS = re.compile(r"(?<![\d.])(\d+)\.(\d*[1-9])?0+\b(?!\.\d)")
# a share written as a decimal is its percentage: "0.61" is "61%", as "0.6" is "60%" (never a measurement)
_SHARE = re.compile(r"(?<![\d.])0\.(\d{1,3})\b(?!\.\d)(?!\s*(?:%|[a-zµ]))", re.IGNORECASE)
# time units however written: "6 s", "6 sec", "12 h", "30 min"
_SECONDS = re.compile(r"(?<!\d)(\d{1,3})\s*(?:s|secs?|seconds?)\b", re.IGNORECASE)
_MINUTES = re.compile(r"(\d)\s*(?:mins?|minutes?)\b", re.IGNORECASE)
_HOURS = re.compile(r"(\d)\s*(?:h|hrs?|hours?)\b", re.IGNORECASE)
# any dash between numbers or words is a hyphen: "30–70 degrees", "Legg–Calvé–Perthes"
_DASHES = str.maketrans({"–": "-", "—": "-", "−": "-", "‒": "-", "―": "-", "‐": "-", "‑": "-"})


# A share in words, as a percentage: "one third", "a third", "1/3", "one in three".
_FRACTIONS: tuple[tuple[re.Pattern[str], float], ...] = tuple((re.compile(pattern), value) for pattern, value in (
    (r"(?:(?:a|one|by)\s+)?half|halved?|1\s*/\s*2|one in two", 50.0),
    (r"(?:(?:a|one)\s+)?third|1\s*/\s*3|one in three", 100 / 3),
    (r"two[\s-]+thirds|2\s*/\s*3|two in three", 200 / 3),
    (r"(?:(?:a|one)\s+)?quarter|1\s*/\s*4|one in four", 25.0),
    (r"three[\s-]+quarters|3\s*/\s*4|three in four", 75.0),
    (r"(?:(?:a|one)\s+)?fifth|1\s*/\s*5|one in five", 20.0),
))
_APPROXIMATELY = re.compile(r"^(?:about|approximately|approx\.?|roughly|around|nearly|almost|circa|some|~)\s*")
_PERCENTAGE = re.compile(r"^(\d+(?:\.\d+)?)\s*%?$")


def share(text: str) -> tuple[str, float] | None:
    """A share as written: ('fraction', percent) for "about one third", ('percent', percent) for "30%" or "0.3";
    None for anything else."""
    said = _APPROXIMATELY.sub("", " ".join(measure(text.translate(_DASHES)).lower().split()))
    for pattern, value in _FRACTIONS:
        if pattern.fullmatch(said):
            return "fraction", value
    found = _PERCENTAGE.match(said)
    return ("percent", float(found.group(1))) if found else None


def rounded(value: float) -> set[float]:
    """The percentages a share rounds to, to the unit, to 5 or to 10: a third is 33%, 35% or 30%; a quarter
    is 25% (halfway between 20% and 30%, it rounds to neither)."""
    found = {float(round(value)), float(round(value / 5) * 5)}
    if abs(value / 10 - round(value / 10)) != 0.5:
        found.add(float(round(value / 10) * 10))
    return found


def _percent(match: re.Match[str]) -> str:
    # "percent" with a slip too ("perccent"), never another word ("patient")
    typed = match.group(2)
    if typed and slip(typed.lower(), "percent") is None:
        return match.group(0)
    return match.group(1) + "%"


def _decimal(match: re.Match[str]) -> str:
    return match.group(1) + (f".{match.group(2)}" if match.group(2) else "")


def measure(text: str) -> str:
    """Comparison words and units written one way: '>1 cm' and 'over 10mm' become 'more than 10 mm'; '≥2' is
    'at least 2'; '60 percent' is '60%' and '0.60' is '60%'; '6 s' is '6 seconds'."""
    text = _AT_LEAST.sub("at least ", text)
    text = _AT_MOST.sub("at most ", text)
    text = _MORE.sub("more than ", text)
    text = _LESS.sub("less than ", text)
    text = _POINTS.sub(r"\1", text)
    text = _PERCENT.sub(_percent, text)
    text = _TRAILING_ZEROS.sub(_decimal, text)
    text = _SHARE.sub(lambda m: f"{float('0.' + m.group(1)) * 100:g}%", text)
    text = _SECONDS.sub(r"\1 seconds", text)
    text = _MINUTES.sub(r"\1 minutes", text)
    text = _HOURS.sub(r"\1 hours", text)
    text = _CM.sub(_millimetres, text)
    return _MM.sub(lambda m: f"{m.group(1)} mm", text)


def spell_out(text: str) -> str:
    """Spinal-root ranges and lists written segment by segment: 'L2-4' and 'L2, 3, 4' become 'L2 L3 L4';
    measurements written one way (``measure``); every dash a hyphen."""
    text = text.translate(_DASHES)
    if not any(map(str.isdigit, text)):
        return text
    return _RANGE.sub(_range, _LIST.sub(_list, measure(text)))


# Abbreviations one letter from one another ("hcon", "qcon"): a slip never reaches them, as none reaches a word
# of three letters or fewer ("acl", "pcl", "hip").
EXACT = frozenset({"hcon", "hecc", "qcon", "qecc"})


@lru_cache(maxsize=1 << 16)
def slip(word: str, target: str) -> int | None:
    """The typos between a word as typed and the word it may stand for, or None when it cannot stand for it.

    One edit in a word of four letters or more, two in one of ten or more ("tibal", "kne", "dorsiflection").
    Never in a number, an abbreviation of three letters or fewer, or when the word typed is itself a contrast
    word. A contrast word ("medial", "tibial", "eccentric") is reached only by a slip strictly nearer to it
    than to any other contrast word: "medail" is medial, "tibular" is fibular, "valus" is neither varus nor
    valgus. A final 's' slipped in is forgiven too ("femoriss").
    """
    if word == target:
        return 0
    global _CONTRAST_AS_TYPED
    from hamknee.study.contrast import CONTRAST

    if not _CONTRAST_AS_TYPED:
        _CONTRAST_AS_TYPED = CONTRAST | {w + "s" for w in CONTRAST if w.endswith("u")}
    limit = 2 if len(target) >= 10 else 1
    if not -limit <= len(word) - len(target) <= limit + 1:  # +1: a final 's' slipped in
        return None
    if (len(target) < 4 or len(word) < 3 or target in EXACT or word in _CONTRAST_AS_TYPED
            or _DIGIT.search(word) or _DIGIT.search(target)):
        return None
    from rapidfuzz.distance import OSA

    found = OSA.distance(word, target, score_cutoff=limit)
    if found > limit and word.endswith("s"):
        found = OSA.distance(word[:-1], target, score_cutoff=limit)
    if found > limit:
        return None
    for other in _CONTRAST_AS_TYPED:
        if abs(len(other) - len(word)) <= found and len(other) >= 3 \
                and other not in (target, target + "s", target.removesuffix("s")) \
                and OSA.distance(word, other, score_cutoff=found) <= found:
            return None
    return int(found)


_DIGIT = re.compile(r"\d")


# The contrast words also as typed, before the checker drops a final 's': a phrase's words are compared so
# ("valus stress" is neither the varus nor the valgus stress test).
_CONTRAST_AS_TYPED: frozenset[str] = frozenset()


def _same(word: str, target: str) -> bool:
    """A word as typed against a listed word: exact, or with the slip the checker forgives (``slip``)."""
    return slip(word, target) is not None


# Marks a word reached through a typo ("peronneal" is "fibular~"): the checker counts it as one typo, so
# the answer is close enough, not exact.
TYPO = "~"


@lru_cache(maxsize=1 << 16)
def canonical(word: str) -> str:
    """A word's listed synonym, also when typed with a forgivable typo ('peronneal' is 'fibular~')."""
    if word in WORDS:
        return WORDS[word]
    if len(word) >= 5 and word not in _TARGETS:
        for listed, target in WORDS.items():
            if _same(word, listed):
                return target + TYPO
    elif len(word) == 4:
        # a short word only by two letters swapped ("prat" is "part"): any other slip of it is another word
        for listed, target in WORDS.items():
            if any(word == listed[:i] + listed[i + 1] + listed[i] + listed[i + 2:] for i in range(len(listed) - 1)):
                return target + TYPO
    return word


@lru_cache(maxsize=1 << 16)
def _starting(word: str) -> tuple[tuple[tuple[str, ...], str], ...]:
    """The phrases a word can begin (a name index checks every word of every name: tens of thousands)."""
    return tuple((phrase, short) for phrase, short in PHRASES if _same(word, phrase[0]))


def shorten(words: list[str]) -> list[str]:
    """Phrases replaced by their abbreviation: 'anterior cruciate ligament tear' is 'acl tear'.

    Each word of a phrase may carry the typo the checker forgives ("anterior cruciiate ligament"); a contrast
    word ("anterior", "medial", "deep") must match exactly.
    """
    words = [w for word in words for w in EXPANSIONS.get(word, (word,))]
    out: list[str] = []
    i = 0
    while i < len(words):
        for phrase, short in _starting(words[i]):
            here = words[i:i + len(phrase)]
            if len(here) == len(phrase) and all(_same(w, t) for w, t in zip(here, phrase, strict=True)):
                # a replacement of several words ("tibial tuberosity") counts a typo once, on its first word
                first, *rest = short.split()
                out += [first if tuple(here) == phrase else first + TYPO, *rest]
                i += len(phrase)
                break
        else:
            out.append(words[i])
            i += 1
    return out
