"""except* in test files and conftest.py collected by pytest, with -W error.

pytest imports them through its own assertion-rewriting loader; asserts
inside except* handlers must still be rewritten, and pytest's cache must
never hand transformed code to a run with the support switched off.
"""

import os
import sys
import textwrap

import pytest

from conftest import PATCHED, clean_env, run_python

CONFTEST = """\
import asyncio
import pytest

def split(group):
    try:
        raise group
    except* KeyError as eg:
        caught = eg
    except* OSError:
        pass
    return caught

@pytest.fixture
def key_group():
    return split(ExceptionGroup("g", [KeyError(1), OSError(2)]))
"""

TESTS = """\
import sys

def test_fixture_from_conftest(key_group):
    assert [type(e) for e in key_group.exceptions] == [KeyError]

def test_handler_sees_its_match():
    try:
        raise ExceptionGroup("g", [ValueError(5), TypeError(6)])
    except* ValueError as eg:
        assert sys.exception() is eg
        assert eg.exceptions[0].args == (5,)
    except* TypeError:
        pass

def test_assert_rewritten_in_handler():
    try:
        raise ExceptionGroup("g", [ValueError(5)])
    except* ValueError as eg:
        value = eg.exceptions[0].args[0]
        assert value + 1 == 7

def test_transform_loaded():
    print("transform loaded:", "taskgroup_patch.exceptstar.transform" in sys.modules)
"""


def run_pytest(tmp_path, *args, **env):
    result = run_python("-m", "pytest", "-W", "error", "-p", "no:cacheprovider", "-q", "-s",
                        *args, cwd=str(tmp_path), env=clean_env(**env), timeout=120)
    return result.returncode, result.stdout + result.stderr


@pytest.fixture
def project(tmp_path):
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_groups.py").write_text(TESTS)
    return tmp_path


def test_collected_and_run(project):
    status, out = run_pytest(project)
    assert status == 1, out
    assert "1 failed, 3 passed" in out
    # The failing assert inside the handler, rewritten by pytest.
    assert "assert (5 + 1) == 7" in out


def test_plain_asserts_still_run_through_the_import_system(project):
    status, out = run_pytest(project, "--assert=plain")
    assert status == 1, out
    assert "1 failed, 3 passed" in out


@pytest.mark.skipif(not PATCHED, reason="3.11+ compiles except* itself")
def test_cache_is_used_but_never_by_a_run_without_the_support(project):
    first = run_pytest(project)
    second = run_pytest(project)
    assert "transform loaded: True" in first[1]
    # Read from the package's own cache file next to pytest's.
    assert "transform loaded: False" in second[1]
    cached = sorted(os.listdir(str(project / "__pycache__")))
    tag = sys.implementation.cache_tag
    assert cached and all(name.endswith(".taskgroup-patch.pyc") and tag in name
                          for name in cached), cached
    status, out = run_pytest(project, TASKGROUP_PATCH="0")
    assert status != 0
    assert "SyntaxError: invalid syntax" in out
    assert "passed" not in out


def test_a_test_file_without_except_star_is_cached_by_pytest_as_usual(tmp_path):
    (tmp_path / "test_plain.py").write_text(textwrap.dedent("""\
        def test_one():
            try:
                raise ValueError(1)
            except ValueError as exc:
                assert exc.args == (1,)
        """))
    status, out = run_pytest(tmp_path)
    assert status == 0, out
    cached = os.listdir(str(tmp_path / "__pycache__"))
    assert len(cached) == 1 and "-pytest-" in cached[0] and "taskgroup-patch" not in cached[0]
