"""Property-based fuzzing of criteria files: whatever the YAML, one clear line per problem, never a crash.

Mutations start from the default file (so most of the schema is exercised) and
insert the things an attacker or a careless edit brings: aliases and alias
bombs, python tags, huge or negative numbers, broken brackets, tabs, control
characters, duplicate keys.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelunit.domain.criteria import parse_criteria
from modelunit.errors import LineErrors, ModelUnitError
from tests.conftest import examples, run_cli

DEFAULT = (Path(__file__).resolve().parent.parent / "criteria" / "nine-measures.yaml").read_text(encoding="utf-8")
LINES = DEFAULT.splitlines()
LABEL = "criteria/fuzz.yaml"
TOKENS = ["*a", "&a x", "!!python/object/apply:os.system ['echo pwned']", "!!python/name:os.system", "1e309",
          "-1", "0", "", "~", "[", "{", "'", '"', "\t", "\x07", "!!int x", "!!binary AAAA", "<<: *a", "[*a, *a]",
          "0.3", "99999999999999999999999", "yes", "null", "{a: 1}", "- x", "? x", "%TAG ! tag:x", "&b [1, 2]",
          "C1", "C1.1", "V1", "B1", "measures", "trimmed_mean", "0.6", "\u202e", "=HYPERLINK(\"x\")"]


def check(text: str) -> None:
    """Parse; the only allowed failure is a ModelUnitError whose lines are FILE:LINE: one-liners."""
    # CPU time, not wall time: the bound is against a pathological parse, and the wall clock of a
    # machine shared with other jobs measures them too.
    start = time.process_time()
    try:
        parse_criteria(text, LABEL)
    except LineErrors as err:
        assert err.exit_code == 2
        line_count = max(1, text.count("\n") + 1)
        for path, line, _ in err.problems:
            assert path == LABEL and 1 <= line <= line_count + 1, (line, line_count)
        for rendered in err.lines():
            assert re.match(re.escape(LABEL) + r":\d+: \S", rendered), rendered
            assert "\n" not in rendered and "\r" not in rendered
    except ModelUnitError as err:
        assert err.exit_code == 2 and "\n" not in err.render()
    assert time.process_time() - start < 1.0


FUZZ = settings(max_examples=examples(250), deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.text(max_size=400))
def test_arbitrary_text(text):
    check(text)


@FUZZ
@given(st.lists(st.tuples(st.integers(0, len(LINES) - 1), st.sampled_from(["replace", "delete", "duplicate",
                                                                          "insert", "value"]),
                          st.sampled_from(TOKENS)), min_size=1, max_size=6))
def test_mutations_of_the_default_file(edits):
    lines = list(LINES)
    for index, how, token in edits:
        index = min(index, len(lines) - 1) if lines else 0
        if not lines:
            lines = [token]
        elif how == "replace":
            lines[index] = token
        elif how == "delete":
            del lines[index]
        elif how == "duplicate":
            lines.insert(index, lines[index])
        elif how == "insert":
            lines.insert(index, token)
        elif ":" in lines[index]:
            key = lines[index].split(":", 1)[0]
            lines[index] = f"{key}: {token}"
    check("\n".join(lines) + "\n")


@settings(max_examples=examples(30), deadline=None)
@given(st.integers(2, 12), st.integers(2, 12))
def test_alias_bombs_are_refused_at_once(depth, width):
    lines = ["a0: &a0 [x, x]"]
    for level in range(1, depth):
        refs = ", ".join([f"*a{level - 1}"] * width)
        lines.append(f"a{level}: &a{level} [{refs}]")
    text = "\n".join(lines) + "\n"
    start = time.process_time()
    try:
        parse_criteria(text, LABEL)
        raise AssertionError("an alias bomb was accepted")
    except LineErrors as err:
        assert any(problem.key == "criteria.alias" for _, _, problem in err.problems)
    assert time.process_time() - start < 0.5


def test_the_command_line_refuses_mutated_files_cleanly(tmp_path):
    cases = {
        "tag.yaml": DEFAULT.replace("title: 依法行政示范单位验收标准",
                                    'title: !!python/object/apply:os.system ["echo x"]'),
        "alias.yaml": DEFAULT.replace("pass_line: 90", "pass_line: &p 90\n  bonus_cap: *p"),
        "broken.yaml": DEFAULT.replace("criteria:", "criteria: [", 1),
        "control.yaml": DEFAULT.replace("依法行政示范单位验收标准", "依法\x1b[31m行政"),
    }
    for name, text in cases.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        result = run_cli("criteria", "check", str(path))
        assert result.returncode == 2, (name, result.stderr)
        assert "Traceback" not in result.stderr and "\x1b" not in result.stderr
        assert all(line.startswith(f"{path}:") for line in result.stderr.strip().splitlines()), result.stderr
