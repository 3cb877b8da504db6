"""The README's reliability, benchmark and development commands all run as written.

Each is run in its quick form, by one rule per kind of command (a new kind of command in those blocks
fails here until it has a rule):
- the benchmark scripts with their quick flags (``bench.py --smoke``: 20 units, one run of each figure;
  ``tui_startup.py --runs 1``), so the scripts are proven to work and print their figures;
- ``pytest`` commands with ``--collect-only``: they must select tests as written, and the suite itself
  runs those tests;
- ``ruff`` and ``mypy`` commands must be the very lines ``.ci/run`` runs, where CI runs them every time.
"""

from __future__ import annotations

import re
import shlex
import shutil

from tests.readme import ROOT, blocks, failed, run_script


def tool_commands() -> list[str]:
    found = [c for b in blocks() if b.is_tools for c in b.commands]
    assert found, "the README shows its reliability, benchmark and development commands"
    return found


def quick_form(command: str) -> str | None:
    """The command run here for ``command`` (None: CI runs it as it stands)."""
    words = shlex.split(command, comments=True)
    program = [w for w in words if "=" not in w or w.startswith("-")]  # without leading VAR=value
    if program[:2] == ["python", "benchmarks/bench.py"]:
        return command.split("#")[0].strip() + " --smoke"
    if program[:2] == ["python", "benchmarks/tui_startup.py"]:
        return command.split("#")[0].strip() + " --runs 1"
    if "pytest" in program:
        return command.split("#")[0].strip() + " --collect-only -q -n0"
    if program[0] in ("ruff", "mypy"):
        return None
    raise AssertionError(f"no rule to run the README's command {command!r}")


def test_every_tool_command_has_a_rule_and_ruff_and_mypy_are_what_ci_runs():
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()]
    for command in tool_commands():
        if quick_form(command) is None:
            assert command.split("#")[0].strip() in ci, command


def test_the_reliability_and_development_test_commands_select_tests():
    for command in tool_commands():
        quick = quick_form(command)
        if quick and "pytest" in quick:
            r = run_script(quick, ROOT)
            assert r.returncode == 0, failed(r)
            counts = [int(n) for n in re.findall(r"^tests/\S+\.py: (\d+)$", r.stdout, flags=re.M)]
            assert counts and min(counts) > 0, r.stdout[-500:]  # every file it names holds tests


def test_the_benchmark_scripts_run_and_print_their_figures_beside_their_floors(tmp_path):
    assert shutil.which("tmux"), "the dashboard benchmark needs tmux (.ci/run installs it)"
    commands = [quick_form(c) for c in tool_commands() if "benchmarks/" in c]
    assert len(commands) >= 3
    r = run_script("\n".join(q for q in commands if q), ROOT)
    assert r.returncode == 0, failed(r)
    assert "floor" in r.stdout and "ratio" in r.stdout  # each figure beside its floor
    assert "modelunit demo (dashboard)" in r.stdout and "both quit cleanly" in r.stdout
