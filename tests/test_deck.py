"""The whole shipped deck, adversarially: wrong answers one contrast word away are rejected, right ones in any
listed form (or with one typo in a long word) are accepted; and the card lint passes on every card."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from hamknee.kb import open_kb
from hamknee.paths import shipped_kb
from hamknee.study.answers import _word, judge, tokens
from hamknee.study.cards import Card, Deck
from hamknee.study.contrast import opposite
from hamknee.study.synonyms import EXACT


@lru_cache(maxsize=1)
def shipped() -> Deck:
    return Deck(open_kb(shipped_kb(), use_cache=False).records())


def typed(deck: Deck) -> list[Card]:
    return [c for c in deck.cards if not c.options and not c.self_graded]


def right_answers(deck: Deck, card: Card) -> list[str]:
    """Every answer the card must take: its accepted answers, and every name of its answer entities (also the
    less precise ones, such as the sciatic nerve for its tibial division), except those it rules out."""
    found = list(card.accepted) + list(card.broader)
    for ident in (*card.answer_ids, *card.broader_ids):
        record = deck.facts.by_id[ident]
        found += [ident, record["name"], *record.get("aliases", [])]
    ruled_out = {tokens(r) for r in (*card.rejected, *(h[0] for h in card.hints))}
    asked = set(tokens(card.prompt))  # a name made of the question's own words only repeats the question
    return [r for r in dict.fromkeys(found) if tokens(r) not in ruled_out
            and not (len(tokens(r)) > 1 and set(tokens(r)) <= asked)]


def swaps(text: str) -> list[str]:
    """The text with one contrast word changed to its opposite, once per contrast word in it."""
    out = []
    for match in re.finditer(r"[A-Za-z0-9]+", text):
        raw = match.group(0)
        canon = _word(raw.lower())
        other = opposite(canon)
        if other is None:
            continue
        if canon != raw.lower() and raw.lower().endswith("s") and not canon.isdigit():
            other += "s"
        out.append(text[:match.start()] + other + text[match.end():])
    return out


def typo(text: str) -> str | None:
    """One typo (a doubled letter) in the first long word that carries no contrast."""
    for match in re.finditer(r"[A-Za-z]{7,}", text):
        word = match.group(0)
        if opposite(_word(word.lower())) is None:
            mid = len(word) // 2
            return text[:match.start()] + word[:mid] + word[mid] + word[mid:] + text[match.end():]
    return None


def slips(text: str, only: str | None = None) -> list[str]:
    """The text with one slip (the two middle letters swapped) in one word of four letters or more, once per such
    word (or only in the word ``only``); abbreviations in capitals are left alone."""
    out = []
    for match in re.finditer(r"[A-Za-z]{4,}", text):
        word = match.group(0)
        mid = len(word) // 2
        # "four" with a slip is "hour" or "pour": only the long number words are taken through a slip
        if word.isupper() or word.lower() in EXACT | {"four", "five", "nine"} or word[mid - 1] == word[mid] \
                or (only is not None and word != only):
            continue
        slipped = word[:mid - 1] + word[mid] + word[mid - 1] + word[mid + 1:]
        out.append(text[:match.start()] + slipped + text[match.end():])
    return out


def swapped_slips(text: str) -> list[tuple[str, str]]:
    """The text with one contrast word changed to its opposite, and that text with the opposite typed with a slip
    ("laetral")."""
    out = []
    for match in re.finditer(r"[A-Za-z0-9]+", text):
        canon = _word(match.group(0).lower())
        other = opposite(canon)
        if other is None or canon.isdigit():
            continue
        typed_other = other + ("s" if canon != match.group(0).lower() else "")
        swapped = text[:match.start()] + typed_other + text[match.end():]
        out += [(swapped, s) for s in slips(swapped, typed_other)]
    return out


def adversarial(deck: Deck) -> tuple[int, int, int, list[str]]:
    wrong_accepted = right_rejected = checked = 0
    report: list[str] = []
    all_ids = list(deck.facts.by_id)
    for card in typed(deck):
        rights = right_answers(deck, card)
        right_forms = {tokens(r) for r in rights}
        owners = set(card.answer_ids) | set(card.broader_ids) | {i for ids in card.part_ids for i in ids}
        # A range whose ends are both values the card takes ("1-3 hours" where it takes 1 hour and 3 hours) is
        # no wrong answer, whichever end was changed.
        values = {w for f in right_forms for w in f if w.isdigit()}
        wrongs = [s for r in rights for s in swaps(r) if tokens(s) not in right_forms
                  and not ((ends := re.search(r"(\d+)\s*[-–]\s*(\d+)", s)) and set(ends.groups()) <= values)]
        wrongs += list(card.rejected)
        others = [deck.facts.by_id[i]["name"] for i in all_ids if i not in owners
                  and tokens(deck.facts.by_id[i]["name"]) not in right_forms]
        wrongs += others
        # a slip never turns a wrong answer right: the opposite side typed with a typo, another entry's name too
        wrongs += [s for r in rights for w, s in swapped_slips(r) if tokens(w) not in right_forms]
        wrongs += [s for o in others for s in slips(o)[:1]]
        # more said than the answer is no licence to name something else beside it, or in brackets after it
        # (the question's own subject said again is no error: "femoral nerve (rectus femoris)")
        asked = set(tokens(card.prompt))
        # (nor are the right answers' own words said again: "lateral meniscus (lateral knee)")
        own = asked.union(*right_forms)
        beside = [o for o in others if not set(tokens(o)) <= own and o not in card.explanation][::5]
        wrongs += [t for o in beside for t in (f"{rights[0]} and {o}", f"{rights[0]} ({o})")] if rights else []
        for w in wrongs:
            checked += 1
            if judge(card, w, deck.names).correct:
                wrong_accepted += 1
                report.append(f"accepted wrong {w!r} on {card.id}")
        goods = [*rights, *(r.lower() for r in rights)]
        goods += [t for r in rights if (t := typo(r))]
        # a slip in any one word, a short one or a contrast word too ("tibail nerve", "medail knee")
        goods += [t for r in rights for t in slips(r)]
        for g in goods:
            checked += 1
            if not judge(card, g, deck.names).correct:
                right_rejected += 1
                report.append(f"rejected right {g!r} on {card.id}: {judge(card, g, deck.names).note}")
    return wrong_accepted, right_rejected, checked, report


def test_adversarial_answers_on_the_whole_deck() -> None:
    wrong_accepted, right_rejected, checked, report = adversarial(shipped())
    print(f"\n{checked} answers checked on {len(typed(shipped()))} typed cards: wrong answers accepted "
          f"{wrong_accepted}, right answers rejected {right_rejected}")
    assert (wrong_accepted, right_rejected) == (0, 0), "\n".join(report[:40])


def test_the_shipped_deck_passes_the_card_lint() -> None:
    defects = shipped().lint()
    assert defects == [], defects[:20]


# -- answers a student types, through the real quiz ---------------------------------------------------------------

CASES = Path(__file__).parent / "data" / "deck_answers.txt"
VERDICT = re.compile(r"^(?:[✓≈✗½] )?(Right|Not this time|Partly right)\b")


def cases() -> dict[str, list[tuple[str, bool]]]:
    """card id -> [(answer, must be taken)], in file order."""
    found: dict[str, list[tuple[str, bool]]] = {}
    for line in CASES.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        card, answer, expected = (x.strip() for x in line.split("|"))
        assert expected in ("right", "wrong"), line
        found.setdefault(card, []).append((answer, expected == "right"))
    return found


def quiz_verdicts(hk, tmp_path: Path, card: str, answers: list[str]) -> list[bool]:  # type: ignore[no-untyped-def]
    """Each answer typed into `hamknee quiz --card CARD`, in order: whether the quiz took it as right.

    A card comes back while it is learning, so one session takes several answers; when a session ends
    (the card graduated) the rest go to a new one."""
    taken: list[bool] = []
    rest = list(answers)
    session = 0
    while rest:
        session += 1
        db = tmp_path / f"{card.replace(':', '_')}-{session}.sqlite3"
        result = hk("quiz", "--card", card, "--db", str(db), input="".join(a + "\n" for a in rest))
        assert result.exit_code == 0, result.stderr
        seen = [m.group(1) == "Right" for line in result.stdout.splitlines() if (m := VERDICT.match(line))]
        assert seen, result.stdout
        taken += seen[: len(rest)]
        rest = rest[len(seen):]
    return taken


def test_typed_answers_through_the_quiz(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    wrong_accepted: list[str] = []
    right_rejected: list[str] = []
    checked = 0
    for card, pairs in cases().items():
        # wrong answers first: a missed card always comes back, a known one graduates
        ordered = [p for p in pairs if not p[1]] + [p for p in pairs if p[1]]
        for (answer, right), took in zip(ordered, quiz_verdicts(hk, tmp_path, card, [a for a, _ in ordered]),
                                         strict=True):
            checked += 1
            if took and not right:
                wrong_accepted.append(f"{card}: {answer!r}")
            elif right and not took:
                right_rejected.append(f"{card}: {answer!r}")
    print(f"\n{checked} typed answers checked through the quiz: wrong answers accepted {len(wrong_accepted)}, "
          f"right answers rejected {len(right_rejected)}")
    assert (wrong_accepted, right_rejected) == ([], []), (wrong_accepted, right_rejected)


def _verdict(hk, card: str, answer: str, tmp_path) -> str:  # type: ignore[no-untyped-def]
    """The first verdict line the real quiz prints for one typed answer to one card."""
    r = hk("quiz", "--card", card, "--db", str(tmp_path / f"{card}.sqlite3"), input=f"{answer}\n")
    assert r.exit_code == 0, r.stderr
    return next(line for line in r.stdout.splitlines() if line.startswith(("✓", "✗", "≈", "Right", "Not")))


def test_a_two_sided_condition_is_named_by_the_side_asked(hk, tmp_path) -> None:  # type: ignore[no-untyped-def]
    right = [("medial-knee:site-of:reverse", "semimembranosus tendinopathy"),
             ("lateral-knee:site-of:reverse", "biceps femoris tendinopathy"),
             ("posterior-knee:site-of:reverse", "biceps femoris tendinopathy")]
    wrong = [("medial-knee:site-of:reverse", "biceps femoris tendinopathy"),
             ("lateral-knee:site-of:reverse", "semimembranosus tendinopathy")]
    for card, answer in right:
        assert not _verdict(hk, card, answer, tmp_path).startswith(("✗", "Not")), (card, answer)
    for card, answer in wrong:
        assert _verdict(hk, card, answer, tmp_path).startswith(("✗", "Not")), (card, answer)


def test_a_referred_pain_card_asks_about_the_knee(hk, tmp_path) -> None:  # type: ignore[no-untyped-def]
    r = hk("quiz", "--card", "hip-osteoarthritis:felt_at:recall", "--db", str(tmp_path / "p.sqlite3"),
           input="anterior knee and medial knee\n")
    assert r.exit_code == 0, r.stderr
    words = " ".join(r.stdout.split())
    assert "Where at the knee can the referred pain of hip osteoarthritis be felt?" in words


def _question(hk, tmp_path: Path, card: str) -> str:  # type: ignore[no-untyped-def]
    r = hk("quiz", "--card", card, "--db", str(tmp_path / f"{card}.sqlite3"), input="?\n")
    assert r.exit_code == 0, r.stderr
    return next(line for line in r.stdout.splitlines() if line.startswith("Where"))


def test_a_felt_at_question_says_at_the_knee_and_referred_only_when_true(hk, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # regions beyond the knee (buttock, thigh, calf): not "at the knee"
    assert _question(hk, tmp_path, "myofascial-trigger-points:felt_at:recall").startswith(
        "Where can the referred pain of myofascial trigger points (hamstrings) be felt? Name all 4 regions.")
    # radicular pain along a root or a nerve is not referred pain
    assert _question(hk, tmp_path, "sciatic-nerve-irritation:felt_at:recall").startswith(
        "Where can the pain of sciatic nerve irritation")
    assert _question(hk, tmp_path, "lumbar-radiculopathy:felt_at:recall").startswith(
        "Where at the knee can the pain of upper lumbar (L3, L4) radiculopathy be felt?")
    # a septic knee hurts where it is: the pain is not only referred from the hip
    assert _question(hk, tmp_path, "septic-arthritis:felt_at:recall") == \
        "Where at the knee can the pain of septic arthritis (hip or knee) be felt? Name all 3 regions."


def test_a_sciatic_division_is_right_without_its_nerve(hk, tmp_path) -> None:  # type: ignore[no-untyped-def]
    card = "biceps-femoris-short-head:innervation:recall"
    for answer in ("common fibular division", "common peroneal division", "peroneal division of sciatic nerve"):
        assert not _verdict(hk, card, answer, tmp_path).startswith(("✗", "Not")), answer
    assert _verdict(hk, card, "tibial division", tmp_path).startswith(("✗", "Not"))


def test_a_wrong_vignette_option_is_explained_once(hk, tmp_path) -> None:  # type: ignore[no-untyped-def]
    card = next(c for c in shipped().cards if c.id == "acl-injury:card:vignette")
    wrong = next(i for i, o in enumerate(card.options) if "Posterior cruciate" in o)
    # the quiz reshuffles the options, so the wrong one is typed by name
    r = hk("quiz", "--card", card.id, "--db", str(tmp_path / "v.sqlite3"),
           input=f"{card.options[wrong]}\n")
    assert r.exit_code == 0, r.stderr
    words = " ".join(r.stdout.split())
    assert "Posterior cruciate ligament injury: Tear of the PCL" in words
    assert words.count(card.explanation) == 1, words


def test_a_bare_side_is_not_told_it_is_itself(hk, tmp_path) -> None:  # type: ignore[no-untyped-def]
    line = _verdict(hk, "patellofemoral-pain:felt_at:recall", "posterior", tmp_path)
    assert "Posterior knee is not right here" in line and "that is" not in line, line
    line = _verdict(hk, "saphenous-nerve-entrapment:felt_at:recall", "medial and posterior", tmp_path)
    assert "('posterior' is not one of them)" in line and "that is" not in line, line


# -- a group's topic takes its members' cards -------------------------------------------------------------------

def _exported(hk, *args: str) -> list[str]:  # type: ignore[no-untyped-def]
    r = hk("export", "csv", "-", *args)
    assert r.exit_code == 0, r.stderr
    return [m.group(1) for m in re.finditer(r",([a-z0-9-]+:[a-z0-9-]+:[a-z0-9-]+)$", r.stdout, re.MULTILINE)]


def test_the_hamstrings_topic_asks_the_cards_of_the_hamstring_muscles(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    group = {"hamstrings", "semitendinosus", "semimembranosus", "biceps-femoris", "biceps-femoris-long-head",
             "biceps-femoris-short-head"}
    for topic in ("hamstrings", "hamstring", "hamstrng"):
        ids = _exported(hk, "--topic", topic)
        about = {i.split(":")[0] for i in ids}
        assert group <= about, (topic, sorted(about))
        assert all(set(shipped().cards[[c.id for c in shipped().cards].index(i)].entities) & group for i in ids)
    r = hk("quiz", "--topic", "hamstrings", "--count", "25", "--new", "25", "--seed", "3",
           "--db", str(tmp_path / "p.sqlite3"), input="?\n" * 60)
    assert r.exit_code == 0, r.stderr
    assert "Question 1/25" in r.stdout
    # a member's own topic stays its own (and its parts'): biceps femoris is asked with its heads
    heads = {i.split(":")[0] for i in _exported(hk, "--topic", "biceps femoris")}
    assert {"biceps-femoris-long-head", "biceps-femoris-short-head"} <= heads
    assert "semitendinosus" not in heads


# -- definition cards are questions, not puzzles ------------------------------------------------------------------

def test_definition_cards_have_at_most_one_gap_and_never_ask_a_heading(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import json

    target = tmp_path / "deck.json"
    assert hk("export", "cards", str(target)).exit_code == 0
    deck = {c["id"]: c for c in json.loads(target.read_text(encoding="utf-8"))}
    definitions = [c for i, c in deck.items() if i.endswith(":summary:reverse")]
    assert definitions
    assert [c["id"] for c in definitions if c["prompt"].count("_____") > 1] == []
    # a hidden word is a blank the question names, never a gap left in the sentence
    assert all("…" not in c["prompt"] for c in definitions)
    blanks = [c for c in definitions if "_____" in c["prompt"]]
    assert all(c["prompt"].endswith("(The blank is a word of its name.)") for c in blanks)
    # a generic word of the name stays: "branch of the femoral nerve"
    assert "branch of the femoral nerve that runs" in deck["saphenous-nerve:summary:reverse"]["prompt"]
    kinds = {c.entity: c.kind for c in shipped().cards}
    assert [c["id"] for c in definitions if kinds[c["entity"]] == "phase"] == []
    assert "hamstrings-acl-agonist:summary:reverse" not in deck  # "Hamstrings as ACL agonists" is a heading
    assert "tendinopathy-strain-bursitis:summary:reverse" not in deck
    # the cards that stay keep their ids, and with them the student's reviews
    assert {"mri:summary:reverse", "anterior-cruciate-ligament:summary:reverse"} <= set(deck)


# -- half-right answers -------------------------------------------------------------------------------------------

def test_the_head_of_a_test_or_a_test_its_detail_names_is_close(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    card = "distal-hamstring-tendinopathy:test:recall"
    line = _verdict(hk, card, "palpation", tmp_path)
    assert line.startswith("≈ Right (close enough: Palpation of the distal tendon and insertion)"), line
    # the loading test by its own name is right
    line = _verdict(hk, card, "resisted knee flexion", tmp_path / "b")
    assert line.startswith("✓ Right"), line
    # a side is never a head, and another entry's name is never close
    assert _verdict(hk, "osgood-schlatter-disease:test:recall", "palpation", tmp_path / "c").startswith("≈")
    assert _verdict(hk, card, "ultrasound", tmp_path / "d").startswith("✗")


def test_a_part_of_the_answer_gets_a_hint_and_no_other_entry_is_named(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    line = _verdict(hk, "medial-meniscus:card:less-mobile", "meniscus", tmp_path)
    assert line == "✗ Not this time (close, but which meniscus?).", line
    line = _verdict(hk, "medial-collateral-ligament:card:valgus-restraint", "collateral ligament", tmp_path / "b")
    assert line == "✗ Not this time (close, but which collateral ligament?).", line
    # "anterior" for the sartorius origin is half of "anterior superior iliac spine", not the anterior knee
    line = _verdict(hk, "sartorius:origin:recall", "anterior", tmp_path / "c")
    assert line.startswith("✗") and "knee" not in line.lower(), line
    # a bare side on a question about the knee is still that side of the knee
    line = _verdict(hk, "patellofemoral-pain:felt_at:recall", "posterior", tmp_path / "d")
    assert "Posterior knee is not right here" in line, line


# -- regions and the places inside them ---------------------------------------------------------------------------

def test_a_place_inside_a_region_counts_as_that_region_on_every_region_list_card() -> None:
    """Every name of a place a card counts inside one of its regions is half the answer alone and the whole
    answer with the other regions; every keyed region alone is half, never 'not right here'."""
    deck = shipped()
    checked = 0
    for card in (c for c in deck.cards if c.field == "felt_at" and c.parts):
        for i, group in enumerate(card.parts):
            others = [re.sub(r"\s*\(.*\)", "", p[0]) for j, p in enumerate(card.parts) if j != i]
            for name in group:
                # a bare side takes its noun from the list; a name another entry shares is that entry's too
                if all(opposite(w) for w in tokens(name)) or \
                        len(deck.names.owners_of(tokens(name)) - set(card.part_ids[i])) > 0:
                    continue
                alone = judge(card, name, deck.names)
                assert alone.partial and not alone.correct, (card.id, name, alone)
                whole = judge(card, ", ".join([name, *others]), deck.names)
                assert whole.correct, (card.id, name, whole)
                checked += 1
    assert checked > 50


def test_the_feedback_of_a_two_form_condition_explains_each_region(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    r = hk("quiz", "--card", "distal-hamstring-tendinopathy:felt_at:recall", "--db", str(tmp_path / "f.sqlite3"),
           input="medial and posterior knee\n")
    assert r.exit_code == 0, r.stderr
    words = " ".join(r.stdout.split())
    assert "missing Lateral knee" in words, words
    assert "Medial form: posteromedial knee; lateral form: lateral knee just above the head of the fibula" in words


def test_a_half_answer_or_a_wrong_part_says_why(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    r = hk("quiz", "--card", "tibial-nerve:innervates:reverse", "--db", str(tmp_path / "t.sqlite3"),
           input="biceps femoris\n")
    assert r.exit_code == 0, r.stderr
    words = " ".join(r.stdout.split())
    assert "½ Partly right: the tibial nerve supplies only biceps femoris, long head, not the whole muscle" in words
    line = _verdict(hk, "obturator-nerve:innervates:reverse", "hamstring part of adductor magnus", tmp_path / "b")
    assert line.startswith("✗") and "supplied by the tibial division of the sciatic nerve" in line, line
    line = _verdict(hk, "iliotibial-band-syndrome:summary:reverse", "iliotibial band", tmp_path / "c")
    assert line.startswith("✗") and "the question asks for the condition" in line, line
    line = _verdict(hk, "pes-anserinus:insertion-of:reverse", "sartorius, gracilis and semimembranosus", tmp_path / "d")
    assert "'semimembranosus' is not one of them" in line, line


def test_choice_distractors_are_clearly_wrong_and_stems_do_not_name_the_answer(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import json

    target = tmp_path / "deck.json"
    assert hk("export", "cards", str(target)).exit_code == 0
    deck = {c["id"]: c for c in json.loads(target.read_text(encoding="utf-8"))}
    septic = deck["septic-arthritis:key-test:choice"]
    assert septic["options"][septic["correct"][0]] == "Joint aspiration with synovial fluid analysis"
    # examining the hip of a child with knee pain is right for a septic hip, so it is no distractor
    assert not any(o.startswith("Hip examination") for o in septic["options"]), septic["options"]
    # a later stage of another scheme may be what comes next: only an opening phase is a distractor
    assert "Energy-storage loading" not in deck["remodelling-phase:next:choice"]["options"]
    # no definition gives its term away by another form of a word ("flexors" for knee flexion)
    assert "knee-flexion:summary:reverse" not in deck
    assert all("flexor" not in c["prompt"].lower() for i, c in deck.items() if i.startswith("knee-flexion:"))


# -- sets in any natural phrasing ---------------------------------------------------------------------------------

def _listings(items: list[str]) -> list[str]:
    """A list as students write it: 'A, B and C', 'A, B, C', 'A and B and C', 'the A and the B', 'A; B', 'A & B'."""
    if len(items) == 1:
        return items
    return [", ".join(items[:-1]) + " and " + items[-1], ", ".join(items), " and ".join(items),
            "the " + " and the ".join(items), "; ".join(items), " & ".join(items)]


def set_phrasings(card: Card) -> tuple[list[str], list[str]]:
    """The full set in natural phrasings, in both orders and with each part by each of its names; and the set
    with one part left out, once per part. A bare side ('posterior') is shorthand alone, never in a list."""
    groups = [list(dict.fromkeys(re.sub(r"\s*\(.*?\)", "", name) for name in group)) for group in card.parts]
    variants = [[g[0] for g in groups]]
    for i, group in enumerate(groups):
        for name in group[1:]:
            if all(opposite(w) for w in tokens(name)):
                continue
            variants.append([name if j == i else g[0] for j, g in enumerate(groups)])
    full = [text for v in variants for order in (v, v[::-1]) for text in _listings(order)]
    short = [" and ".join(g[0] for j, g in enumerate(groups) if j != i) for i in range(len(groups))]
    return full, short


def test_every_set_card_takes_its_whole_set_in_any_natural_phrasing() -> None:
    deck = shipped()
    rejected, not_partial, checked = [], [], 0
    for card in (c for c in deck.cards if c.parts):
        full, short = set_phrasings(card)
        for text in full:
            checked += 1
            verdict = judge(card, text, deck.names)
            if not verdict.correct:
                rejected.append(f"{card.id}: {text!r} ({verdict.note})")
        for text in short:
            checked += 1
            verdict = judge(card, text, deck.names)
            if verdict.correct or not verdict.partial:
                not_partial.append(f"{card.id}: {text!r} ({verdict.note})")
    print(f"\n{checked} set answers checked: whole sets rejected {len(rejected)}, short sets not partial "
          f"{len(not_partial)}")
    assert (rejected, not_partial) == ([], []), (rejected[:20], not_partial[:20])


_SAID = {"anterior": ("front", "anterior", "anteromedial", "anterolateral", "patella"),
         "medial": ("medial", "inner", "inside", "anteromedial", "posteromedial"),
         "lateral": ("lateral", "outer", "outside", "posterolateral", "anterolateral"),
         "posterior": ("posterior", "back", "behind", "posteromedial", "posterolateral", "popliteal")}


def test_a_felt_at_explanation_speaks_of_every_region_of_the_answer() -> None:
    from hamknee.terms import normalize

    deck = shipped()
    unexplained = []
    for card in (c for c in deck.cards if c.field == "felt_at" and c.parts):
        text = f" {normalize(card.explanation).replace('-', ' ')} "
        for group, ids in zip(card.parts, card.part_ids, strict=True):
            region = deck.facts.by_id[ids[0]]
            named = any(f" {normalize(n).replace('-', ' ')} " in text for n in group if len(n) > 3)
            if region["id"] == "whole-knee":
                named = any(w in text for w in (" whole ", " diffuse", " all over", " generalised"))
            elif not named and region.get("level") == "knee" and region.get("side"):
                named = " knee" in text and any(f" {w}" in text for w in _SAID[region["side"]])
            if not named:
                unexplained.append(f"{card.id}: {region['id']}")
    assert unexplained == []


def test_the_hamstring_strain_regions_are_explained_on_the_quiz_screen(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    r = hk("quiz", "--card", "hamstring-strain:felt_at:recall", "--db", str(tmp_path / "h.sqlite3"), input="?\n")
    assert r.exit_code == 0, r.stderr
    assert "Back of the thigh, or the lower buttock when the injury is close to the ischial tuberosity" in \
        " ".join(r.stdout.split())


def test_a_compare_card_s_wrong_muscle_is_no_answer_of_the_site_or_nerve_card() -> None:
    """'Which of these two is supplied by the tibial nerve?': the other muscle is not one the tibial nerve's own
    card takes (biceps femoris is, through its long head), nor, for a site, one the site's card takes."""
    deck = shipped()
    by_id = {c.id: c for c in deck.cards}
    found = []
    for card in (c for c in deck.cards if c.qtype == "compare"):
        wrong = next(o for i, o in enumerate(card.options) if i not in card.correct)
        reverse = {"innervation": "innervates", "origin": "origin-of", "insertion": "insertion-of"}[card.field]
        target = next(i for i, f in deck.facts.by_id.items()
                      if f.get("name") and f"the {deck.facts.lc(f['name'])}?" in card.prompt)
        other = by_id.get(f"{target}:{reverse}:reverse")
        assert other is not None, card.id
        verdict = judge(other, wrong, deck.names)
        if verdict.correct or verdict.partial:
            found.append(f"{card.id}: {wrong!r} is an answer of {other.id}")
    assert found == []
    assert "gastrocnemius:innervation:compare:biceps-femoris" not in by_id
