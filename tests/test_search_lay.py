"""Search in a student's words: each everyday query finds what the student meant among the first three."""

from __future__ import annotations

import json

import pytest

# (query as a student types it, the entry a teacher would point to)
LAY_QUERIES = [
    ("lump behind knee", "bakers-cyst"),
    ("swelling behind the knee", "bakers-cyst"),
    ("sitting bone pain", "proximal-hamstring-tendinopathy"),
    ("pain when sitting", "proximal-hamstring-tendinopathy"),
    ("buttock pain when sitting", "proximal-hamstring-tendinopathy"),
    ("knee gives way", "acl-injury"),
    ("pop in the knee", "acl-injury"),
    ("knee clicking", "meniscal-tear"),
    ("knee locking", "meniscal-tear"),
    ("twisted knee", "meniscal-tear"),
    ("pulled hamstring", "hamstring-strain"),
    ("pain in back of thigh when sprinting", "hamstring-strain"),
    ("pop in the buttock", "proximal-hamstring-avulsion"),
    ("hamstring torn off the bone", "proximal-hamstring-avulsion"),
    ("inner knee pain on stairs", "pes-anserine-bursitis"),
    ("pain below the inside of the knee", "pes-anserine-bursitis"),
    ("goose foot pain", "pes-anserine-bursitis"),
    ("outside of knee pain running", "iliotibial-band-syndrome"),
    ("kneecap pain", "patellofemoral-pain"),
    ("runners knee", "patellofemoral-pain"),
    ("wear and tear knee", "knee-osteoarthritis"),
    ("stiff knee in the morning", "knee-osteoarthritis"),
    ("creaky knee", "knee-osteoarthritis"),
    ("blood clot in leg", "deep-vein-thrombosis"),
    ("swollen calf", "deep-vein-thrombosis"),
    ("calf pop", "gastrocnemius-strain"),
    ("tennis leg", "gastrocnemius-strain"),
    ("pain down the back of the leg", "sciatic-nerve-irritation"),
    ("knot in hamstring", "myofascial-trigger-points"),
    ("knee pain running downhill", "popliteus-tendinopathy"),
    ("fell on a bent knee", "pcl-injury"),
    ("knee hit from the outside", "mcl-injury"),
    ("back of knee pain", "posterior-knee"),
    ("tight hamstrings", "tight-hamstrings"),
    ("ice and rest", "rice"),
    ("hamstring muscles", "hamstrings"),
]


@pytest.mark.parametrize(("query", "expected"), LAY_QUERIES, ids=[q for q, _ in LAY_QUERIES])
def test_lay_query_finds_the_answer_in_the_top_three(hk, query, expected):
    r = hk("search", query, "--json")
    assert r.exit_code == 0, r.stderr
    top = [hit["id"] for hit in json.loads(r.stdout)[:3]]
    assert expected in top, (query, top)


def test_there_are_at_least_30_lay_queries():
    assert len({q for q, _ in LAY_QUERIES}) >= 30


def test_results_show_names_and_the_words_that_matched(hk):
    r = hk("search", "lump behind knee", env={"TTY_COMPATIBLE": "1", "NO_COLOR": "1", "COLUMNS": "100"})
    assert r.exit_code == 0
    assert "Name" in r.stdout and "Matched" in r.stdout
    assert "Baker's cyst" in r.stdout
    hit = json.loads(hk("search", "lump behind knee", "--json").stdout)[0]
    assert {"id", "name", "kind", "summary", "matched", "matched_in"} <= set(hit)
    assert "lump" in hit["matched"]


def test_a_query_naming_a_region_points_to_where(hk):
    r = hk("search", "pain behind the knee")
    assert r.exit_code == 0
    assert "hamknee where posterior-knee" in r.stderr
    assert "hamknee where" not in r.stdout  # records only on stdout


def test_names_outrank_passing_mentions(hk):
    hits = json.loads(hk("search", "semimembranosus", "--json").stdout)
    assert hits[0]["id"] == "semimembranosus"
    bursa = json.loads(hk("search", "bursa", "--json").stdout)
    assert {h["kind"] for h in bursa[:2]} == {"structure"}


def test_no_results_exit_1_in_text_and_json(hk):
    assert hk("search", "zzzqqq").exit_code == 1
    r = hk("search", "zzzqqq", "--json")
    assert r.exit_code == 1 and json.loads(r.stdout) == []
