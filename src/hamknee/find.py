"""Finding entries the way a student asks for them: forgiving lookups and search in everyday words.

Pure functions over the compiled index (no terminal, no heavy imports on the lookup path). A term that is
not an exact id, name or alias still opens its entry when it differs only in plural, case or small words
("hamstring", "bicep femoris", "back of thigh"), or when it is the start or the distinctive words of
exactly one entry's name ("eccentric", "OA"). Search ranks with BM25F: a word in a name or alias weighs
more than the same word in a lay search term, and both more than a mention in the text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from itertools import repeat
from typing import Any

from hamknee.terms import normalize

STOP_WORDS = frozenset({
    "a", "an", "the", "of", "my", "in", "on", "at", "to", "and", "or", "for", "with", "is", "it", "i", "me",
    "what", "whats", "which", "why", "how", "when", "does", "do", "did", "from", "by", "its", "this", "that",
    "there", "have", "has", "am", "are", "be", "get", "got", "im", "ive", "feel", "feels", "like", "some",
})
_WORD = re.compile(r"[a-z0-9]+")

# Field weights of BM25F and the bit each field sets in a posting, for "matched in" reports.
FIELDS: dict[str, tuple[float, int]] = {
    "name": (6.0, 1),
    "alias": (4.0, 2),
    "lay": (3.5, 4),
    "summary": (1.5, 8),
    "text": (1.0, 16),
}
FIELD_OF_BIT = {bit: name for name, (_, bit) in FIELDS.items()}
K1 = 1.2
B = 0.6


# Spellings of one word students use interchangeably: 'tendonitis' is the commoner lay spelling of
# 'tendinitis', and tendinopathy is the term the literature now uses for the same painful tendon.
VARIANTS: dict[str, str] = {w: "tendinopathy" for w in (
    "tendonitis", "tendinitis", "tendonosis", "tendinosis", "tendonopathy", "tendinopathy")}

# Everyday words for a structure, read as its anatomical name: the kneecap is the patella.
EVERYDAY: dict[str, str] = {"kneecap": "patella", "knee-cap": "patella"}

# A bone with no entry of its own, and the start its adjectives share: 'patella' offers what is named from
# it (patellar tendon, patellofemoral pain) to choose from, and never opens one of them as if it were it.
ROOTS: dict[str, str] = {"patella": "patell"}


def stem(word: str) -> str:
    """Fold plurals so 'hamstrings' meets 'hamstring' and 'cysts' meets 'cyst' (both sides alike)."""
    if word in VARIANTS:
        return VARIANTS[word]
    if len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "ches", "shes", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is", "os")):
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    """Stemmed words of a text, stop words kept (callers decide)."""
    return [stem(w) for w in _WORD.findall(text.lower().replace("'s", "").replace("’s", ""))]


def canonical(key: str) -> str:
    """A lookup key with small words dropped and plurals folded: 'back-of-the-thigh' -> 'back-thigh'."""
    kept = [stem(w) for w in key.split("-") if w and w not in STOP_WORDS]
    return "-".join(kept)


# -- lookups ------------------------------------------------------------------------------------


class Resolution:
    """The entry a term opens, and how it was found (None: exactly; otherwise a note for stderr)."""

    def __init__(self, ident: str, note: str | None = None) -> None:
        self.ident = ident
        self.note = note


def resolve(term: str, index: dict[str, str], primary: set[str] | frozenset[str] = frozenset(),
            forms: dict[str, str] | None = None,
            weak: set[str] | None = None) -> tuple[Resolution | None, list[str]]:
    """The entry ``term`` opens, or None with the candidates it could mean (most likely first).

    ``primary`` holds the lookup keys that are ids or names (not aliases): when several entries start with
    the term, the one whose own name does is the one a student means. ``forms`` maps keys to their
    ``canonical`` form, when the compiled index has them. Candidates that only share scattered words with
    the term are added to ``weak``: a closer spelling should be offered before them.

    A guess is made only when the words say which entry: the last word is read as the start of a longer
    one only when it is not a word of its own ('semitend', not 'tendon' for 'tendonitis' nor 'cap' for
    'capsule' once 'kneecap' is read), shared words open an entry only when they stand together in its name
    ('knee arthritis' is not septic arthritis of the hip or knee), and a start shared with another entry's
    name is a choice, not a guess ('hamstring tendinopathy' is proximal or distal).
    """
    key = normalize(term)
    if not key:
        return None, []
    if key in index:
        return Resolution(index[key]), []
    for everyday, anatomical in EVERYDAY.items():
        key = re.sub(rf"(^|-){everyday}(?=-|$)", rf"\g<1>{anatomical}", key)
    if key in index:
        return Resolution(index[key], f"Showing {index[key]} for '{shown(term)}'."), []
    wanted = canonical(key)
    if not wanted:
        return None, []
    forms = forms or {}
    # Every key's canonical form, looked up at C speed (worked out only where the index has none).
    candidates = list(index)
    form_list: list[str] = list(map(forms.get, candidates, repeat("")))
    if "" in form_list:
        form_list = [form or canonical(candidate) for candidate, form in zip(candidates, form_list, strict=True)]
    last = wanted.rsplit("-", 1)[-1]
    keyed = [(candidate, index[candidate], form) for candidate, form in zip(candidates, form_list, strict=True)
             if last in form]  # every kind of match below holds the last word (or its start) somewhere
    query = wanted.split("-")
    partial = query[-1] not in Words(form_list)  # a word of its own is not the start of a longer one
    same: dict[str, str] = {}
    starts: dict[str, str] = {}
    together: dict[str, str] = {}
    scattered: dict[str, str] = {}
    shortest: dict[str, int] = {}
    for candidate, ident, form in keyed:
        if form == wanted:
            same.setdefault(ident, candidate)
            continue
        if form.startswith(wanted + "-") or (partial and form.startswith(wanted)):
            if ident not in starts or candidate in primary:
                starts[ident] = candidate
        elif _contains_words(form.split("-"), query, partial):
            if f"-{wanted}-" in f"-{form}-" or (partial and f"-{wanted}" in f"-{form}"):
                together.setdefault(ident, candidate)
            else:
                scattered.setdefault(ident, candidate)
        else:
            continue
        shortest[ident] = min(shortest.get(ident, len(form)), len(form))
    if len(same) == 1:
        return Resolution(next(iter(same))), []
    if same:
        return None, list(same)
    if len(query) == 1 and query[0] in ROOTS:
        root = ROOTS[query[0]]
        named = {index[candidate]: form for candidate, form in zip(candidates, form_list, strict=True)
                 if candidate in primary and form.startswith(root)}
        if named:
            return None, sorted(named, key=lambda i: (len(named[i]), named[i]))
    whole = key.rsplit("-", 1)
    if len(whole) == 2 and whole[1] in ("tendon", "tendons") and whole[0] in index:
        # 'biceps femoris tendon': the muscle's page describes its tendon; a tendinopathy is another thing.
        ident = index[whole[0]]
        return Resolution(ident, f"Showing {ident} for '{shown(term)}' (its tendon is described there)."), []
    for found, how in ((starts, "starts with"), (together, "has the words")):
        named = {i: c for i, c in found.items() if c in primary}
        others = {i for i in {**starts, **together} if i not in found}
        for pool in (found, named):
            if len(pool) != 1:
                continue
            ident = next(iter(pool))
            if pool[ident] in primary:
                return Resolution(ident, f"Showing {ident} for '{shown(term)}' (its name {how} that)."), []
            if not others and len(found) == 1:
                return Resolution(ident, f"Showing {ident} for '{shown(term)}' (one of its names {how} "
                                         "that)."), []
        if found:
            break
    close = {**starts, **together}
    if close:
        # The entry with the shortest matching name or alias is nearest to what was typed: 'hamstrin'
        # is the hamstrings ('hamstring') before hamstring strain.
        return None, sorted(close, key=lambda i: (shortest[i], close[i] not in primary, close[i]))
    if scattered:
        if weak is not None:
            weak.update(scattered)
        return None, sorted(scattered, key=lambda i: (shortest[i], scattered[i]))
    return None, []


class Words:
    """The words of canonical forms, asked one at a time: one joined string and a substring search, instead
    of a set built from 25,000 forms on every lookup."""

    def __init__(self, forms: Iterable[str]) -> None:
        listed = list(forms)
        self._text = "-" + "-".join(listed) + "-" if listed else ""

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and "-" not in word and f"-{word}-" in self._text


_VOCABULARY: dict[int, Words] = {}


def vocabulary(forms: dict[str, str]) -> Words:
    """Every word of the canonical names and aliases (kept per index: the lookup path reads it twice)."""
    found = _VOCABULARY.get(id(forms))
    if found is None:
        found = _VOCABULARY[id(forms)] = Words(forms.values())
    return found


def shown(term: str) -> str:
    """A term as a one-line note quotes it: spaces tidied, at most 60 characters."""
    text = " ".join(term.split())
    return text if len(text) <= 60 else text[:59] + "…"


def _contains_words(form: list[str], query: list[str], partial: bool = True) -> bool:
    """Every query word is a word (or, for the last one when ``partial``, the start of a word) of the
    candidate."""
    if not query:
        return False
    for word in query[:-1]:
        if word not in form:
            return False
    last = query[-1]
    return any(w == last or (partial and len(last) >= 3 and w.startswith(last)) for w in form)


# -- search -------------------------------------------------------------------------------------


_TEXT_FIELDS_SKIP = frozenset({"id", "relations", "sources", "kind"})
# Searched as fields of their own, weighted above the body text.
_SEARCH_FIELDS = frozenset({"name", "aliases", "search_terms", "summary", "key_points"})


def _flatten(value: Any, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in _TEXT_FIELDS_SKIP:
                _flatten(item, out)
    elif isinstance(value, list):
        for item in value:
            _flatten(item, out)


def fields_of(record: dict[str, Any]) -> dict[str, list[str]]:
    """An entry's texts by search field (see ``FIELDS``), from its compiled record."""
    text: list[str] = []
    _flatten({k: v for k, v in record.items() if k not in _SEARCH_FIELDS}, text)
    return {
        "name": [record["name"]],
        "alias": [record["id"].replace("-", " "), *record.get("aliases", [])],
        "lay": list(record.get("search_terms", [])),
        "summary": [record["summary"], *record.get("key_points", [])],
        "text": text,
    }


def build_index(docs: Iterable[tuple[str, dict[str, list[str]]]]) -> dict[str, Any]:
    """The search index of a knowledge base: BM25F postings over weighted fields.

    ``docs`` gives each entry's id and its texts by field name (see ``FIELDS``).
    """
    from array import array

    ids: list[str] = []
    lengths: list[float] = []
    # Postings grow straight into packed arrays (documents, weighted term frequencies, field bits), decoded
    # only for the terms a query uses: a list per hit for 5,000 entries is half a million lists and 55 MB.
    post_docs: dict[str, array[int]] = {}
    post_tfs: dict[str, array[float]] = {}
    post_masks: dict[str, bytearray] = {}
    lay: dict[str, list[int]] = {}
    stems: dict[str, str] = {}  # a knowledge base has a few thousand distinct words and a million uses
    for n, (ident, fields) in enumerate(docs):
        ids.append(ident)
        tf: dict[str, float] = {}
        mask: dict[str, int] = {}
        length = 0.0
        for field, texts in fields.items():
            weight, bit = FIELDS[field]
            for text in texts:
                found = _WORD.findall(text.lower().replace("'s", "").replace("’s", ""))
                length += weight * len(found)
                for raw in found:
                    word = stems.get(raw)
                    if word is None:
                        word = stems[raw] = stem(raw)
                    tf[word] = tf.get(word, 0.0) + weight
                    mask[word] = mask.get(word, 0) | bit
                if field == "lay":
                    phrase = canonical(normalize(text))
                    if phrase and n not in lay.setdefault(phrase, []):
                        lay[phrase].append(n)
        lengths.append(length)
        for word, weighted in tf.items():
            docs_of = post_docs.get(word)
            if docs_of is None:
                docs_of = post_docs[word] = array("i")
                post_tfs[word] = array("f")
                post_masks[word] = bytearray()
            docs_of.append(n)
            post_tfs[word].append(weighted)
            post_masks[word].append(mask[word])
    postings = {w: d.tobytes() + post_tfs[w].tobytes() + bytes(post_masks[w]) for w, d in post_docs.items()}
    return {"ids": ids, "lengths": lengths, "postings": postings, "lay": lay}


def unpack(blob: bytes) -> Iterator[tuple[int, float, int]]:
    from array import array

    count = len(blob) // 9
    docs = array("i")
    docs.frombytes(blob[:4 * count])
    tfs = array("f")
    tfs.frombytes(blob[4 * count:8 * count])
    return zip(docs, tfs, blob[8 * count:], strict=True)


def query_terms(query: str, vocabulary: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """The words of a query to score, typos corrected to words of the knowledge base.

    Returns the terms and, for corrected words, what each was typed as.
    """
    typed = [w for w in words(query)[:20]]
    content = [w for w in typed if w not in STOP_WORDS] or typed
    terms: list[str] = []
    corrected: dict[str, str] = {}
    for word in dict.fromkeys(content):
        if word in vocabulary or len(word) < 5:  # 'lump' is not a typo of 'slump'
            terms.append(word)
            continue
        from hamknee.fuzzy import best

        close = best(word, list(vocabulary), 80)
        if close is not None:
            terms.append(close)
            corrected[close] = word
        else:
            terms.append(word)
    return terms, corrected


def search(query: str, index: dict[str, Any], aliases: dict[str, str],
           limit: int = 10, forms: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Entries ranked by BM25F, each with the query words it matched and where.

    ``aliases`` maps lookup keys to ids (the lookup index): a query that is a whole name or
    alias puts that entry first.
    """
    postings: dict[str, bytes] = index["postings"]
    terms, corrected = query_terms(query, postings)
    typed = {stem(w): w for w in _WORD.findall(query.lower())}
    if not terms:
        return []
    lengths: list[float] = index["lengths"]
    total = len(lengths) or 1
    average = (sum(lengths) / total) or 1.0
    scores: dict[int, float] = {}
    matched: dict[int, dict[str, int]] = {}
    for term in terms:
        hits = postings.get(term)
        if not hits:
            continue
        found = len(hits) // 9
        idf = math.log(1 + (total - found + 0.5) / (found + 0.5))
        for n, tf, mask in unpack(hits):
            norm = tf / (1 - B + B * lengths[n] / average)
            scores[n] = scores.get(n, 0.0) + idf * norm * (K1 + 1) / (norm + K1)
            matched.setdefault(n, {})[term] = mask
    if not scores:
        return []
    content = len(terms)
    phrase = canonical(normalize(query))
    exact = aliases.get(normalize(query)) or _by_canonical(phrase, aliases, forms)
    lay_docs = set(index["lay"].get(phrase, ()))
    # A name or alias that holds the whole question, words together, is what it asks about; the shorter
    # that name, the nearer ('proximal hamstring tendinopathy' before its phase 2 for 'hamstring tendonitis').
    held: dict[str, float] = {}
    if "-" in phrase:
        for key, ident in aliases.items():
            form = (forms or {}).get(key) or canonical(key)
            if f"-{phrase}-" in f"-{form}-":
                held[ident] = max(held.get(ident, 0.0), len(phrase) / len(form))
    ids: list[str] = index["ids"]
    ranked: list[tuple[float, int]] = []
    for n, score in scores.items():
        coverage = len(matched[n]) / content
        score *= 0.4 + 0.6 * coverage * coverage  # every word of the question beats one word many times
        # Words that meet in the entry's name, aliases or lay terms say more than words scattered in text.
        strong = sum(1 for mask in matched[n].values() if mask & 7)
        score *= 1 + 0.5 * strong / content
        if n in lay_docs:
            score *= 2.0
        score *= 1 + held.get(ids[n], 0.0)
        if exact is not None and ids[n] == exact:
            score *= 3.0
        ranked.append((score, n))
    ranked.sort(key=lambda s: (-s[0], ids[s[1]]))
    results = []
    for score, n in ranked[:limit]:
        ident = ids[n]
        where: dict[str, list[str]] = {}
        for term, mask in matched[n].items():
            best = min(bit for bit in FIELD_OF_BIT if mask & bit)
            where.setdefault(FIELD_OF_BIT[best], []).append(term)
        results.append({"id": ident, "score": round(score, 2),
                        "matched": [typed.get(corrected.get(w, w), corrected.get(w, w)) for w in terms
                                    if w in matched[n]],
                        "matched_in": where})
    return results


def _by_canonical(phrase: str, keys: dict[str, str], forms: dict[str, str] | None = None) -> str | None:
    if not phrase:
        return None
    forms = forms or {}
    values = forms.values()
    if phrase not in values and "" not in values and keys.keys() <= forms.keys():
        return None  # no key has that form: answered at C speed, not by a loop over 25,000 keys
    found = {ident for key, ident in keys.items() if (forms.get(key) or canonical(key)) == phrase}
    return found.pop() if len(found) == 1 else None


def regions_named(query: str, regions: dict[str, str], forms: dict[str, str] | None = None) -> list[str]:
    """Region ids whose name or alias (``regions``: lookup key -> id) appears in the query.

    ``forms`` maps keys to their ``canonical`` form, when the compiled index has them.
    """
    text = "-" + canonical(normalize(query)) + "-"
    found: list[str] = []
    forms = forms or {}
    for key, ident in sorted(regions.items(), key=lambda kv: -len(kv[0])):
        form = forms.get(key) or canonical(key)
        if form and f"-{form}-" in text:
            text = text.replace(f"-{form}-", "-|-", 1)  # 'posterior thigh' is not also 'posterior'
            if ident not in found:
                found.append(ident)
    return found
