"""Validation: every problem at once, each with file, line, column and its path in the document."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import MINIMAL, write_kb


def problems(hk, path: Path) -> tuple[int, list[str]]:
    r = hk("validate", str(path))
    return r.exit_code, [line for line in r.stderr.splitlines() if line.strip()]


def test_shipped_knowledge_base_is_valid(hk):
    r = hk("validate")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith("OK ") and "entities" in r.stdout
    data = json.loads(hk("validate", "--json").stdout)
    assert data["valid"] is True and data["entities"] >= 5


def test_minimal_valid(hk, minimal_kb):
    r = hk("validate", str(minimal_kb))
    assert r.exit_code == 0
    assert "2 entities" in r.stdout


def test_every_problem_reported_at_once_with_location(hk, tmp_path):
    text = MINIMAL.replace("group: hamstring", "group: hamstrung")  # wrong literal
    text = text.replace("    summary: A medial hamstring.\n", "")  # missing field
    text = text.replace("target: pes-anserinus, note", "target: pes-anserinu, note")  # dangling target
    text = text.replace("aliases: [goose foot]", "aliases: [goose foot, ST]")  # alias claimed twice
    text = text.replace("attachment_type: tendon insertion", "attachment_typ: tendon insertion")  # typo
    text = text.replace("    sources: [src-a]\n", "    sources: [src-b]\n", 1)  # unknown source
    path = write_kb(tmp_path / "bad.yaml", text)
    code, lines = problems(hk, path)
    assert code == 3
    joined = "\n".join(lines)
    assert "Traceback" not in joined
    assert f"{path}:" in joined
    assert "muscles[0].group: must be one of 'hamstring' or 'related'; got 'hamstrung'" in joined
    assert "muscles[0].summary: missing required field 'summary'" in joined
    assert ("muscles[0].relations[0].target: refers to 'pes-anserinu', which is not an id in this knowledge base; "
            "did you mean 'pes-anserinus'?") in joined
    assert "attachments[0].aliases[1]: 'ST' is also a name or alias of 'semitendinosus'" in joined
    assert "unknown field 'attachment_typ'; did you mean 'attachment_type'?" in joined
    assert "attachments[0].attachment_type: missing required field" in joined
    assert "muscles[0].sources[0]: cites 'src-b', which is not in the top-level 'sources'" in joined
    # Every located line starts with file:line:column.
    located = [line for line in lines if not line.startswith("Error:")]
    assert len(located) >= 7
    for line in located:
        rest = line[len(str(path)) + 1:]
        line_no, column, _ = rest.split(":", 2)
        assert line_no.isdigit() and column.isdigit(), line
    assert lines[-1].startswith("Error: ") and "invalid knowledge base" in lines[-1]


def test_line_and_column_point_at_the_problem(hk, tmp_path):
    text = MINIMAL.replace("group: hamstring", "group: 7")
    path = write_kb(tmp_path / "bad.yaml", text)
    _, lines = problems(hk, path)
    expected_line = text.splitlines().index("    group: 7") + 1
    assert any(line.startswith(f"{path}:{expected_line}:12: muscles[0].group:") for line in lines), lines


def test_wrong_type_is_reported(hk, tmp_path):
    path = write_kb(tmp_path / "bad.yaml", MINIMAL.replace("aliases: [ST]", "aliases: ST"))
    code, lines = problems(hk, path)
    assert code == 3
    assert any("muscles[0].aliases:" in line and "list" in line for line in lines)


def test_duplicate_ids(hk, tmp_path):
    text = MINIMAL.replace("id: pes-anserinus", "id: semitendinosus").replace(
        "name: Pes anserinus", "name: Something else").replace("target: pes-anserinus", "target: semitendinosus")
    path = write_kb(tmp_path / "dup.yaml", text)
    code, lines = problems(hk, path)
    assert code == 3
    assert any("attachments[0].id: duplicate id 'semitendinosus' (first at muscles[0])" in line for line in lines)


def test_unknown_relation_type(hk, tmp_path):
    path = write_kb(tmp_path / "rel.yaml", MINIMAL.replace("type: forms", "type: hugs"))
    code, lines = problems(hk, path)
    assert code == 3
    assert any("muscles[0].relations[0].type: must be one of" in line and "'hugs'" in line for line in lines)


def test_yaml_syntax_error_has_line_and_column(hk, tmp_path):
    path = write_kb(tmp_path / "syntax.yaml", "version: 1\nsources: [\n  - oops\n")
    code, lines = problems(hk, path)
    assert code == 3
    assert lines[0].startswith(f"{path}:") and "YAML syntax" in lines[0]
    assert lines[0].split(":")[1].isdigit()


def test_python_tags_are_rejected(hk, tmp_path):
    path = write_kb(tmp_path / "evil.yaml", "version: !!python/object/apply:os.getcwd []\n")
    code, lines = problems(hk, path)
    assert code == 3
    assert "tag not allowed" in lines[0]


def test_entity_without_sources_fails(hk, tmp_path):
    text = MINIMAL.replace("    sources: [src-a]\n", "    sources: []\n", 1)
    code, lines = problems(hk, write_kb(tmp_path / "nosrc.yaml", text))
    assert code == 3
    assert any("muscles[0].sources:" in line for line in lines)


def test_lookup_with_invalid_kb_exits_3(hk, tmp_path):
    path = write_kb(tmp_path / "bad.yaml", MINIMAL.replace("group: hamstring", "group: x"))
    r = hk("--kb", str(path), "explain", "semitendinosus")
    assert r.exit_code == 3
    assert "invalid knowledge base" in r.stderr and r.stdout == ""


def test_validate_json_lists_problems(hk, tmp_path):
    path = write_kb(tmp_path / "bad.yaml", MINIMAL.replace("group: hamstring", "group: x"))
    r = hk("validate", str(path), "--json")
    assert r.exit_code == 3
    data = json.loads(r.stdout)
    assert data["valid"] is False
    assert data["problems"][0]["path"] == "muscles[0].group" and data["problems"][0]["line"]


def test_shipped_schema_file_matches_the_model(hk):
    shipped = Path(__file__).parents[1] / "data" / "conditions.schema.json"
    from hamknee.commands_lookup import schema_document

    assert json.loads(shipped.read_text()) == schema_document(), "the model changed: rewrite the schema file"
    assert json.loads(hk("schema").stdout) == schema_document()
    first = (Path(__file__).parents[1] / "data" / "conditions.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=conditions.schema.json"


def _located(hk, path: Path, text: str, needle: str) -> list[str]:
    code, lines = problems(hk, write_kb(path, text))
    assert code == 3, lines
    line_no = next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)
    return [line for line in lines if line.startswith(f"{path}:{line_no}:")]


def test_true_is_not_the_schema_version(hk, tmp_path):
    for value, got in (("true", "true/false"), ("1.0", "the number 1.0"), ("'1'", "'1'")):
        text = MINIMAL.replace("version: 1", f"version: {value}")
        located = _located(hk, tmp_path / "bad.yaml", text, f"version: {value}")
        assert located == [f"{tmp_path / 'bad.yaml'}:1:10: version: must be one of 1; got {got}"], located


def test_a_year_is_a_whole_number_not_true_or_text(hk, tmp_path):
    for value, got in (("true", "true/false"), ("2020.0", "the number 2020.0"), ("'2020'", "'2020'")):
        text = MINIMAL.replace("year: 2020", f"year: {value}")
        located = _located(hk, tmp_path / "bad.yaml", text, f"year: {value}")
        assert len(located) == 1 and located[0].endswith(
            f":11: sources[0].year: must be a whole number (the year) or 'n.d.'; got {got}"), located


def test_true_or_false_fields_take_no_numbers_or_text(hk, tmp_path):
    from tests.test_study import STUDY_KB

    original = STUDY_KB.read_text(encoding="utf-8")
    assert "        self_graded: true\n" in original
    for value, got in (("1", "the number 1"), ("'yes'", "the text 'yes'")):
        text = original.replace("        self_graded: true\n", f"        self_graded: {value}\n", 1)
        located = _located(hk, tmp_path / "bad.yaml", text, f"self_graded: {value}")
        assert len(located) == 1 and located[0].endswith(f"self_graded: must be true or false; got {got}"), located


def test_a_literal_field_says_what_kind_of_value_it_got(hk, tmp_path):
    text = MINIMAL.replace("group: hamstring", "group: true")
    located = _located(hk, tmp_path / "bad.yaml", text, "group: true")
    assert located and located[0].endswith("muscles[0].group: must be one of 'hamstring' or 'related'; got true/false")


def test_a_year_written_as_a_date_or_left_empty_is_named_as_such(hk, tmp_path):
    for value, got in (("2020-01-01", "the date 2020-01-01"), ("", "nothing (an empty value)")):
        text = MINIMAL.replace("year: 2020", f"year: {value}".rstrip())
        located = _located(hk, tmp_path / "bad.yaml", text, f"year: {value}".rstrip())
        assert len(located) == 1 and located[0].endswith(
            f"sources[0].year: must be a whole number (the year) or 'n.d.'; got {got}"), located


def test_a_source_listed_twice_on_one_entry_is_reported(hk, tmp_path):
    text = MINIMAL.replace("    sources: [src-a]\n", "    sources: [src-a, src-a]\n", 1)
    path = write_kb(tmp_path / "twice.yaml", text)
    code, lines = problems(hk, path)
    assert code == 3
    assert any("muscles[0].sources[1]: cites 'src-a' twice; remove the second" in line for line in lines), lines
