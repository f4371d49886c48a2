"""An unhandled TaskGroup error prints a readable exception-group traceback.

On 3.8-3.10 the ``exceptiongroup`` package, which the patch imports,
replaces ``sys.excepthook`` with one that renders through ``traceback``, and
the patch gives ``traceback`` 3.13's rendering of groups (see
test_error_tracebacks.py).  ``EXCEPTIONGROUP_NO_PATCH=1`` (exceptiongroup's
own switch) turns both off, and then only the group's one-line summary is
printed; ``exceptiongroup.print_exc()`` still renders it in full.
"""

import sys

import pytest

from conftest import clean_env, run_python

PATCHED = sys.version_info < (3, 11)

SCRIPT = """\
import asyncio


async def fetch(n):
    await asyncio.sleep(0)
    raise ValueError(f"bad item {n}")


async def main():
    async with asyncio.TaskGroup() as group:
        group.create_task(fetch(1))
        group.create_task(asyncio.sleep(10))


asyncio.run(main())
"""

NESTED = """\
import asyncio


async def fetch(n):
    await asyncio.sleep(0)
    raise ValueError(f"bad item {n}")


async def batch():
    async with asyncio.TaskGroup() as group:
        group.create_task(fetch(2))
        group.create_task(fetch(3))


async def main():
    async with asyncio.TaskGroup() as group:
        group.create_task(fetch(1))
        group.create_task(batch())


asyncio.run(main())
"""

LOGGED = """\
import asyncio
import logging


async def fetch(n):
    await asyncio.sleep(0)
    raise KeyError(f"item {n}")


async def main():
    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(fetch(1))
    except ExceptionGroup:
        logging.exception("crawl failed")
    print("still running")


asyncio.run(main())
"""

SUMMARY = "ExceptionGroup: unhandled errors in a TaskGroup (1 sub-exception)"


def run_script(tmp_path, source, *prefix, **env):
    script = tmp_path / "script.py"
    script.write_text(source)
    return run_python(*prefix, str(script), env=clean_env(**env)), str(script)


def assert_group_rendering(stderr, script):
    lines = stderr.splitlines()
    assert lines[0] == "  + Exception Group Traceback (most recent call last):", stderr
    assert any(line.endswith(SUMMARY) for line in lines), stderr
    sub = lines.index("  +-+---------------- 1 ----------------")
    assert lines[sub:] == [
        "  +-+---------------- 1 ----------------",
        "    | Traceback (most recent call last):",
        '    |   File "%s", line 6, in fetch' % script,
        '    |     raise ValueError(f"bad item {n}")',
        "    | ValueError: bad item 1",
        "    +------------------------------------",
    ], stderr


@pytest.mark.parametrize("prefix", [(), ("-m", "taskgroup_patch")],
                         ids=["python script.py", "python -m taskgroup_patch script.py"])
def test_unhandled_taskgroup_error(tmp_path, prefix):
    result, script = run_script(tmp_path, SCRIPT, *prefix)
    assert result.returncode == 1
    assert result.stdout == ""
    assert_group_rendering(result.stderr, script)
    # The user's own frames are there, between the group's header and summary.
    assert '  |   File "%s", line 15, in <module>' % script in result.stderr


def test_nested_groups(tmp_path):
    result, script = run_script(tmp_path, NESTED)
    assert result.returncode == 1
    text = result.stderr
    assert "ExceptionGroup: unhandled errors in a TaskGroup (2 sub-exceptions)" in text
    assert "+---------------- 2 ----------------" in text
    for n in (1, 2, 3):
        assert "| ValueError: bad item %d" % n in text
    # The inner group renders inside the outer one, one level deeper.
    assert "    | ExceptionGroup: unhandled errors in a TaskGroup (2 sub-exceptions)" in text
    assert "    +-+---------------- 1 ----------------" in text


def test_logging_exception_renders_the_group(tmp_path):
    result, script = run_script(tmp_path, LOGGED)
    assert result.returncode == 0
    assert result.stdout == "still running\n"
    assert result.stderr.startswith("ERROR:root:crawl failed\n  + Exception Group Traceback")
    assert "    | KeyError: 'item 1'" in result.stderr


def test_exceptiongroup_no_patch_is_respected(tmp_path):
    result, script = run_script(tmp_path, SCRIPT, EXCEPTIONGROUP_NO_PATCH="1")
    assert result.returncode == 1
    if PATCHED:
        # exceptiongroup left sys.excepthook and traceback alone: the
        # interpreter's plain rendering, without the sub-exceptions (the
        # class is named as the builtin it stands for, as on 3.11+).
        lines = result.stderr.splitlines()
        assert lines[0] == "Traceback (most recent call last):"
        assert lines[-1] == SUMMARY
        assert "+-+" not in result.stderr
        assert "bad item" not in result.stderr
    else:
        # The variable is the backport's; 3.11+ renders groups natively.
        assert_group_rendering(result.stderr, script)


def test_exceptiongroup_print_exc_without_the_hook(tmp_path):
    source = SCRIPT.replace(
        "asyncio.run(main())\n",
        "import exceptiongroup\n\n"
        "try:\n"
        "    asyncio.run(main())\n"
        "except ExceptionGroup:\n"
        "    exceptiongroup.print_exc()\n")
    result, script = run_script(tmp_path, source, EXCEPTIONGROUP_NO_PATCH="1")
    assert result.returncode == 0
    assert "  +-+---------------- 1 ----------------" in result.stderr
    assert "    | ValueError: bad item 1" in result.stderr
