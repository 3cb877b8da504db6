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

import os
import re
import shlex
import shutil

from tests.readme import ROOT, blocks, failed, run_script


def tool_commands() -> list[str]:
    found = [c for b in blocks() if b.is_tools and not b.is_serve for c in b.commands]
    assert found, "the README shows its reliability, benchmark and development commands"
    return found


def quick_form(command: str) -> str | None:
    """The command run here for ``command`` (None: CI runs it as it stands)."""
    words = shlex.split(command, comments=True)
    program = [w for w in words if "=" not in w or w.startswith("-")]  # without leading VAR=value
    if program[:2] == ["python", "benchmarks/bench.py"]:
        return command.split("#")[0].strip() + " --smoke"
    if program[:2] == ["python", "benchmarks/pg_bench.py"]:  # on the suite's cluster instead of the example's
        from tests import pgcluster

        return f"python benchmarks/pg_bench.py '{pgcluster.admin_url(os.environ[pgcluster.ENV])}' --smoke"
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


def test_the_browser_commands_serve_the_dashboard(tmp_path):
    """Each ``serve`` command of the README, on a free port: the page is textual-serve's, and SIGTERM
    stops it.  A ``--db`` path of the deployment example is replaced by a new database in a temporary
    folder (the rest of the command line is the README's)."""
    import subprocess
    import sys
    import time

    from tests.conftest import PASSWORD, cli_env
    from tests.serving import fetch, free_port

    commands = [c for b in blocks() if b.is_serve for c in b.commands]
    assert any("demo --serve" in c for c in commands) and any(" serve " in c for c in commands)
    db = tmp_path / "office.json"
    init = subprocess.run([sys.executable, "-m", "modelunit.cli.main", "--db", str(db), "init", "--admin", "fzb"],
                          env=cli_env(password=PASSWORD), capture_output=True, text=True, timeout=120)
    assert init.returncode == 0, init.stderr
    for command in commands:
        words = shlex.split(command, comments=True)
        assert words[0] == "modelunit"
        if "--db" in words:
            words[words.index("--db") + 1] = str(db)
        port = free_port()
        process = subprocess.Popen([sys.executable, "-m", "modelunit.cli.main", *words[1:], "--port", str(port)],
                                   cwd=tmp_path, env=cli_env(), stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            page, deadline = "", time.monotonic() + 180  # the demo is built first
            while time.monotonic() < deadline and process.poll() is None:
                try:
                    status, page = fetch(f"http://127.0.0.1:{port}/")
                    if status == 200:
                        break
                except OSError:
                    time.sleep(0.5)
            assert "textual" in page.lower(), (command, process.poll())
        finally:
            process.terminate()
            output, _ = process.communicate(timeout=60)
        assert process.returncode == 0 and "Traceback" not in output, (command, output[-2000:])
