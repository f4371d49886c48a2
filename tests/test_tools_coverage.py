"""coverage.py and pytest-cov report a project with except* as native 3.11 does.

A small project with except* in its modules and in its tests is measured on
this (patched) interpreter and on native 3.11, each in a venv of its own
with the same releases of coverage, pytest and pytest-cov (the newest that
install here: coverage 7.6 on 3.8, 7.10 on 3.9, 7.16 on 3.10), and every
report must be the same: ``report -m``, ``json``, ``xml`` and ``html``, with
and without ``--branch``, and pytest-cov's table and ``--cov-fail-under``.

coverage learned to analyse try/except* on 3.11 in 7.12 (an alias of its
try analysis); older releases analyse it as one statement there, with none
of the branches inside.  For them, native 3.11's branch reports come from
the same release with that one alias added, which is what its later
releases do.  The project has no ``async with`` or comprehension branches:
coverage 7.6 itself reports those differently on 3.8 and 3.11, with or
without except*.

The venvs cost about 30 s to make (pip, from the package index).
"""

import glob
import json
import os
import re
import subprocess
import sys

import pytest

from conftest import WHEEL, base_python, clean_env, require_build_inputs, run_python

pytestmark = pytest.mark.skipif(
    sys.version_info >= (3, 11),
    reason="compares a patched interpreter's reports with native 3.11's")

PROJECT = {
    # Not empty: 3.8 reports line 1 of an empty module as run, 3.11 does not.
    "pkg/__init__.py": '"""A package that uses except*."""\n',
    "pkg/groups.py": '''\
def classify(errors):
    handled = []
    try:
        raise ExceptionGroup("many", errors)
    except* ValueError as group:
        handled.append(("value", len(group.exceptions)))
    except* TypeError:
        handled.append("type")
    return handled


def retry(action, attempts):
    for attempt in range(attempts):
        try:
            return action()
        except* OSError:
            if attempt == attempts - 1:
                raise
    return None


def never_called():
    try:
        pass
    except* KeyError:
        value = 1
    else:
        value = 2
    return value
''',
    "pkg/plain.py": '''\
def sign(number):
    if number < 0:
        return -1
    if number == 0:
        return 0
    return 1
''',
    "tests/__init__.py": '"""Its tests."""\n',
    "tests/test_groups.py": '''\
from pkg.groups import classify, retry
from pkg.plain import sign


def test_value():
    assert classify([ValueError()]) == [("value", 1)]


def test_unmatched():
    try:
        classify([KeyError("k")])
    except* KeyError as group:
        assert len(group.exceptions) == 1
    else:
        raise AssertionError("not raised")


def test_retry():
    assert retry(lambda: 5, 2) == 5


def test_sign():
    assert sign(-3) == -1
''',
}

# Run natively with releases older than 7.12: coverage's own command line,
# with 7.12's alias for try/except* added first.
NATIVE_COVERAGE = '''\
import sys
import coverage.parser
analyzer = coverage.parser.AstArcAnalyzer
if not hasattr(analyzer, "_handle__TryStar"):
    analyzer._handle__TryStar = analyzer._handle__Try
from coverage.cmdline import main
sys.exit(main())
'''

TOOLS = ("coverage", "pytest-cov", "pytest")


def _python_311():
    try:
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        root = os.path.expanduser("~/.pyenv")
    found = sorted(glob.glob(os.path.join(root, "versions", "3.11.*", "bin", "python3.11")))
    if not found:
        pytest.fail("CPython 3.11 not found (pyenv): the reference run needs it")
    return found[-1]


def _venv(python, path, *requirements):
    subprocess.run([python, "-m", "venv", str(path)], check=True, capture_output=True,
                   timeout=300)
    venv_python = str(path / "bin" / "python")
    install = subprocess.run(
        [venv_python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         *requirements], capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stdout + install.stderr
    return venv_python


def _versions(python):
    code = ("from importlib import metadata; "
            "print(' '.join(metadata.version(name) for name in %r))" % (TOOLS,))
    result = run_python(code=code, python=python)
    assert result.returncode == 0, result.stderr
    return dict(zip(TOOLS, result.stdout.split()))


@pytest.fixture(scope="module")
def pythons(tmp_path_factory):
    """(patched python, native 3.11 python, the tools' versions), each in a venv."""
    require_build_inputs()
    where = tmp_path_factory.mktemp("coverage-venvs")
    patched = _venv(base_python(), where / "patched", WHEEL, *TOOLS)
    versions = _versions(patched)
    native = _venv(_python_311(), where / "native",
                   *("%s==%s" % item for item in versions.items()))
    assert _versions(native) == versions
    return patched, native, versions


@pytest.fixture
def project(tmp_path):
    for name, text in PROJECT.items():
        path = tmp_path / "project" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path / "project"


def _coverage(python, where, *args, native=False):
    command = ("-c", NATIVE_COVERAGE) if native else ("-m", "coverage")
    return run_python(*command, *args, python=python, cwd=str(where))


def _reports(python, project, branch, native):
    """Every report of one measured run, normalised where runs differ by nature."""
    for leftover in glob.glob(str(project / ".coverage*")):
        os.remove(leftover)
    run = _coverage(python, project, "run", *(["--branch"] if branch else []),
                    "-m", "pytest", "-q", "-p", "no:cacheprovider")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 passed" in run.stdout or "4 passed" in run.stdout, run.stdout
    reports = {}
    table = _coverage(python, project, "report", "-m", native=native)
    assert table.returncode == 0, table.stdout + table.stderr
    reports["report"] = table.stdout
    for kind, option in (("json", "-o"), ("xml", "-o"), ("html", "-d")):
        target = project / ("out." + kind)
        done = _coverage(python, project, kind, "-q", option, str(target), native=native)
        assert done.returncode == 0, done.stdout + done.stderr
        if kind == "json":
            data = json.loads(target.read_text())
            del data["meta"]  # version, timestamp, options
            reports[kind] = data
        elif kind == "xml":
            # The time of the run, and the project's folder.
            reports[kind] = re.sub(r' timestamp="\d+"', "", target.read_text())
        else:
            for page in sorted(target.glob("*.html")):
                reports["html/" + page.name] = re.sub(
                    r"created at [^<]*", "", page.read_text())
    return reports


@pytest.mark.parametrize("branch", [False, True], ids=["lines", "branches"])
def test_reports_equal_native(pythons, project, branch):
    patched, native, versions = pythons
    expected = _reports(native, project, branch, native=True)
    got = _reports(patched, project, branch, native=False)
    assert "pkg/groups.py" in got["report"], got["report"]
    assert set(got) == set(expected)
    for name in expected:
        assert got[name] == expected[name], "%s differs (coverage %s)" % (
            name, versions["coverage"])


def test_report_misses_what_did_not_run(pythons, project):
    """The except* module is measured, not assumed covered: its misses are listed."""
    patched, _, _ = pythons
    reports = _reports(patched, project, branch=False, native=False)
    line = next(line for line in reports["report"].splitlines()
                if line.startswith("pkg" + os.sep + "groups.py"))
    # The TypeError handler, the retry path and never_called() did not run.
    assert line.split()[-3:] == ["8,", "16-19,", "23-29"], line


def _pytest_cov(python, project, fail_under):
    return run_python("-m", "pytest", "-q", "-p", "no:cacheprovider", "--cov=pkg",
                      "--cov=tests", "--cov-report=term-missing",
                      "--cov-fail-under=%s" % fail_under,
                      python=python, cwd=str(project))


def _total(output):
    match = re.search(r"^TOTAL\s.*?(\d+(?:\.\d+)?)%", output, re.MULTILINE)
    assert match, output
    return float(match.group(1))


def test_pytest_cov_fail_under_as_native(pythons, project):
    patched, native, _ = pythons
    reference = _pytest_cov(native, project, 0)
    assert reference.returncode == 0, reference.stdout + reference.stderr
    total = _total(reference.stdout)
    assert total < 100
    got = _pytest_cov(patched, project, 0)
    assert got.returncode == 0, got.stdout + got.stderr
    table = reference.stdout[reference.stdout.index("Name"):reference.stdout.index("TOTAL")]
    assert table in got.stdout
    for threshold in (int(total), int(total) + 1):
        expected = _pytest_cov(native, project, threshold)
        result = _pytest_cov(patched, project, threshold)
        assert result.returncode == expected.returncode, result.stdout + result.stderr
    # Above the total both fail, as a gate must.
    assert result.returncode != 0
    assert "FAIL Required test coverage of %d%% not reached" % (int(total) + 1) in result.stdout


def test_coverage_run_script_with_except_star(pythons, tmp_path):
    """`coverage run script.py` runs a script that uses except*, and reports it as 3.11."""
    patched, native, _ = pythons
    script = tmp_path / "script.py"
    script.write_text('try:\n    raise ExceptionGroup("g", [ValueError(1)])\n'
                      'except* ValueError as group:\n    print("caught", group.exceptions)\n'
                      'except* TypeError:\n    print("never")\n')
    reports = []
    for python in (native, patched):
        run = run_python("-m", "coverage", "run", "--branch", "script.py", python=python,
                         cwd=str(tmp_path))
        assert (run.returncode, run.stdout) == (0, "caught (ValueError(1),)\n"), run.stderr
        report = _coverage(python, tmp_path, "report", "-m", native=python == native)
        assert report.returncode == 0, report.stderr
        reports.append(report.stdout)
    assert reports[1] == reports[0]
    # The last handler did not run: it is reported missing.
    assert re.search(r"^script\.py .* 6$", reports[1], re.MULTILINE), reports[1]


def test_without_the_patch_coverage_cannot_parse(pythons, project):
    """The control: the same data, reported with TASKGROUP_PATCH=0, fail as the issue found."""
    patched, _, _ = pythons
    run = _coverage(patched, project, "run", "-m", "pytest", "-q", "-p", "no:cacheprovider")
    assert run.returncode == 0, run.stdout + run.stderr
    report = run_python("-m", "coverage", "report", python=patched, cwd=str(project),
                        env=clean_env(TASKGROUP_PATCH="0"))
    assert report.returncode != 0
    assert "Couldn't parse" in report.stdout + report.stderr
