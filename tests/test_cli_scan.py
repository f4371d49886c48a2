"""python -m taskgroup_patch --scan PATH...: what code uses that this Python lacks.

The scan reports every use of a feature newer than the running interpreter
that the package does not provide there, with file and line, and exits 1
when there is any.  Whether the package provides a name is asked of the
package itself (installed() after install()), never listed here: names that
other parts of the package come to provide must then drop out of the report.
The must-report cases are ones nothing provides: tomllib, PEP 695 syntax,
``match`` before 3.10.
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from conftest import WHEEL, base_python, clean_env, require_build_inputs, run_python

RUNNING = sys.version_info[:2]
PATCHED = RUNNING < (3, 11)

TREE = {
    "app/main.py": """\
        import asyncio
        import tomllib
        from enum import StrEnum
        from typing import Self


        class Color(StrEnum):
            RED = "red"


        class Node:
            def clone(self) -> Self:
                return self


        async def main():
            async with asyncio.TaskGroup() as group:
                group.create_task(asyncio.sleep(0))
            async with asyncio.timeout(1):
                pass
            try:
                raise ExceptionGroup("g", [ValueError()])
            except* ValueError:
                pass
            return tomllib.loads("")
        """,
    "app/quiet.py": """\
        import tomllib  # novm
        """,
    "app/old.py": """\
        import asyncio


        async def main():
            return await asyncio.gather(asyncio.sleep(0))
        """,
}
# (file, line, what vermin calls it, the version that added it, the name the
# package would provide it as).
USES = [
    ("app/main.py", 2, "'tomllib' module", (3, 11), "tomllib"),
    ("app/main.py", 3, "'enum.StrEnum' member", (3, 11), "enum.StrEnum"),
    ("app/main.py", 4, "'typing.Self' member", (3, 11), "typing.Self"),
]


def installed():
    """What the package provides in a plain run here: installed() after install()."""
    code = ("import json, taskgroup_patch, _taskgroup_patch_startup as s\n"
            "if s.setting()[0]:\n    taskgroup_patch.install()\n"
            "print(json.dumps(taskgroup_patch.installed()))")
    result = run_python(code=code)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def write(root, files):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def scan(root, *paths, python=None):
    return run_python("-m", "taskgroup_patch", "--scan", *paths, cwd=str(root), python=python)


def test_reports_what_this_python_lacks_and_the_package_does_not_provide(tmp_path):
    write(tmp_path, TREE)
    provided = installed()
    assert ("asyncio.TaskGroup" in provided) == PATCHED
    expected = ["%s:%d: %s requires Python %d.%d" % ((os.path.normpath(path), line, what)
                                                      + version)
                for path, line, what, version, name in USES
                if version > RUNNING and name not in provided]
    result = scan(tmp_path, "app")
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[:-1] == expected, result.stdout
    if expected:
        assert result.returncode == 1
        assert lines[-1].startswith("%d use(s) of what Python %d.%d lacks" % (
            (len(expected),) + RUNNING)), lines[-1]
    else:
        assert result.returncode == 0
        assert lines[-1].startswith("nothing newer than Python %d.%d" % RUNNING), lines[-1]
    assert lines[-1].endswith("(3 files scanned)")


@pytest.mark.skipif(not PATCHED, reason="tomllib is in 3.11's standard library")
def test_tomllib_is_reported(tmp_path):
    # Nothing provides tomllib: the report cannot depend on what lands.
    write(tmp_path, {"uses.py": "import tomllib\n"})
    result = scan(tmp_path, "uses.py")
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == "uses.py:1: 'tomllib' module requires Python 3.11"


@pytest.mark.skipif(RUNNING >= (3, 12), reason="PEP 695 syntax parses on 3.12+")
def test_syntax_this_python_cannot_parse_is_reported(tmp_path):
    write(tmp_path, {"alias.py": "x = 1\ntype Pair = tuple[int, int]\n",
                     "generic.py": "def first[T](items: list[T]) -> T:\n    return items[0]\n"})
    result = scan(tmp_path, ".")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == ("alias.py:2: does not parse on Python %d.%d: type alias statement "
                        "`type Pair = tuple[int, int]` (Python 3.12 syntax)" % RUNNING)
    # The parser's own words, which differ by version ("invalid syntax", 3.11's "expected '('").
    try:
        compile("def first[T](items: list[T]) -> T:\n    return items[0]\n", "generic.py", "exec")
    except SyntaxError as error:
        reason = error.msg
    assert lines[1].startswith("generic.py:1: does not parse on Python %d.%d: %s"
                               % (RUNNING + (reason,))), lines[1]


@pytest.mark.skipif(RUNNING >= (3, 10), reason="match parses on 3.10+")
def test_match_is_reported_before_3_10(tmp_path):
    write(tmp_path, {"m.py": "def f(x):\n    match x:\n        case 1:\n            return 1\n"})
    result = scan(tmp_path, "m.py")
    assert result.returncode == 1
    assert result.stdout.startswith("m.py:2: does not parse on Python %d.%d" % RUNNING)


def test_usage_errors(tmp_path):
    result = run_python("-m", "taskgroup_patch", "--scan", cwd=str(tmp_path))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == ("python -m taskgroup_patch: error: argument --scan: expected "
                             "one or more files or folders\n")
    result = scan(tmp_path, "missing.py")
    assert (result.returncode, result.stderr) == (
        2, "python -m taskgroup_patch: error: no such file or folder: missing.py\n")


def test_without_vermin_it_says_how_to_get_it(tmp_path):
    require_build_inputs()
    venv = tmp_path / "venv"
    subprocess.run([base_python(), "-m", "venv", str(venv)], check=True, capture_output=True,
                   timeout=300)
    python = str(venv / "bin" / "python")
    install = subprocess.run([python, "-m", "pip", "install", "--quiet",
                              "--disable-pip-version-check", WHEEL],
                             capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stderr
    write(tmp_path, {"uses.py": "import tomllib\n"})
    result = scan(tmp_path, "uses.py", python=python)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == ("python -m taskgroup_patch: error: --scan needs vermin: "
                             "pip install 'taskgroup-patch[scan]'\n")


def test_off_switch_provides_nothing(tmp_path):
    """With TASKGROUP_PATCH=0 a plain run gets nothing from the package: all is reported."""
    if not PATCHED:
        pytest.skip("asyncio.TaskGroup is the interpreter's own on 3.11+")
    write(tmp_path, {"tg.py": "import asyncio\nasyncio.TaskGroup\n"})
    result = run_python("-m", "taskgroup_patch", "--scan", "tg.py", cwd=str(tmp_path),
                        env=clean_env(TASKGROUP_PATCH="0"))
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == (
        "tg.py:2: 'asyncio.TaskGroup' member requires Python 3.11")
    assert scan(tmp_path, "tg.py").returncode == 0
