"""Exception groups look and render as on CPython 3.13.

An unhandled TaskGroup error prints the traceback 3.13 prints; ExceptionGroup
is named as the builtin it is (traceback, repr of the class, pickle, across
processes); repr() of a group shows the sequence it was given; and the
traceback module has 3.11-3.13's API for groups and the one-argument forms.
"""

import io
import pickle
import re
import subprocess
import sys
import traceback
import warnings

import pytest

from conftest import clean_env, run_python

OLD_LINES = sys.version_info < (3, 10)  # before PEP 626's line numbers
# Native 3.11 and 3.12 lack what 3.13 added: show_group=, exc_type_str.
needs_313_api = pytest.mark.skipif(
    (3, 11) <= sys.version_info < (3, 13),
    reason="format_exception_only(show_group=) and TracebackException.exc_type_str are 3.13's")

PROGRAM = """\
import asyncio


async def fetch(n):
    await asyncio.sleep(0)
    try:
        {}[n]
    except KeyError as exc:
        error = ValueError("no item %d" % n)
        error.add_note("while fetching item %d" % n)
        raise error from exc


async def batch():
    async with asyncio.TaskGroup() as tg:
        tg.create_task(fetch(2))
        tg.create_task(fetch(3))


async def main():
    async with asyncio.TaskGroup() as tg:
        tg.create_task(fetch(1))
        tg.create_task(batch())


asyncio.run(main())
"""

# What native CPython 3.13.0 prints for PROGRAM, with the asyncio machinery's
# paths and line numbers masked (as mask() does) and without the caret lines.
EXPECTED = """\
  + Exception Group Traceback (most recent call last):
  |   File "<script>", line 26, in <module>
  |     asyncio.run(main())
  |   File "<asyncio>/runners.py", line ?, in run
  |     return runner.run(main)
  |   File "<asyncio>/runners.py", line ?, in run
  |     return self._loop.run_until_complete(task)
  |   File "<asyncio>/base_events.py", line ?, in run_until_complete
  |     return future.result()
  |   File "<script>", line 21, in main
  |     async with asyncio.TaskGroup() as tg:
  |   File "<asyncio>/taskgroups.py", line ?, in __aexit__
  |     raise me from None
  | ExceptionGroup: unhandled errors in a TaskGroup (2 sub-exceptions)
  +-+---------------- 1 ----------------
    | Traceback (most recent call last):
    |   File "<script>", line 7, in fetch
    |     {}[n]
    | KeyError: 1
    | 
    | The above exception was the direct cause of the following exception:
    | 
    | Traceback (most recent call last):
    |   File "<script>", line 11, in fetch
    |     raise error from exc
    | ValueError: no item 1
    | while fetching item 1
    +---------------- 2 ----------------
    | Exception Group Traceback (most recent call last):
    |   File "<script>", line 15, in batch
    |     async with asyncio.TaskGroup() as tg:
    |   File "<asyncio>/taskgroups.py", line ?, in __aexit__
    |     raise me from None
    | ExceptionGroup: unhandled errors in a TaskGroup (2 sub-exceptions)
    +-+---------------- 1 ----------------
      | Traceback (most recent call last):
      |   File "<script>", line 7, in fetch
      |     {}[n]
      | KeyError: 2
      | 
      | The above exception was the direct cause of the following exception:
      | 
      | Traceback (most recent call last):
      |   File "<script>", line 11, in fetch
      |     raise error from exc
      | ValueError: no item 2
      | while fetching item 2
      +---------------- 2 ----------------
      | Traceback (most recent call last):
      |   File "<script>", line 7, in fetch
      |     {}[n]
      | KeyError: 3
      | 
      | The above exception was the direct cause of the following exception:
      | 
      | Traceback (most recent call last):
      |   File "<script>", line 11, in fetch
      |     raise error from exc
      | ValueError: no item 3
      | while fetching item 3
      +------------------------------------
"""

if OLD_LINES:
    # 3.8 and 3.9 give the exit of a with block the line of its last
    # statement (3.10's PEP 626 gives it the with statement's).
    EXPECTED = EXPECTED.replace(
        '"<script>", line 21, in main\n  |     async with asyncio.TaskGroup() as tg:',
        '"<script>", line 23, in main\n  |     tg.create_task(batch())').replace(
        '"<script>", line 15, in batch\n    |     async with asyncio.TaskGroup() as tg:',
        '"<script>", line 17, in batch\n    |     tg.create_task(fetch(3))')

if sys.version_info < (3, 11):
    # The package's TaskGroup is the newest CPython's (3.13.1+ and 3.14, for
    # gh-124958): __aexit__ awaits _aexit, which raises, where 3.13.0 raised
    # from __aexit__ itself.
    EXPECTED = re.sub(
        r"( +\|)   File \"<asyncio>/taskgroups.py\", line \?, in __aexit__\n +\|     raise me from None\n",
        lambda found: (
            '%s   File "<asyncio>/taskgroups.py", line ?, in __aexit__\n'
            "%s     return await self._aexit(et, exc)\n"
            '%s   File "<asyncio>/taskgroups.py", line ?, in _aexit\n'
            "%s     raise me from None\n" % ((found.group(1),) * 4)),
        EXPECTED)

_FRAME = re.compile(r'File "([^"]*)", line (\d+), in (\S+)$')
_MACHINERY = re.compile(r"/(?:asyncio|taskgroup_patch/backport)/(\w+\.py)$")
# The Python frame through which a task runs in a given context on 3.8-3.10
# (another change removes it): left out until then.
_CONTEXT_WRAPPER = "taskgroup_patch/backport/tasks.py"


def mask(text, script):
    """*text* with the script named <script>, the asyncio machinery's files
    <asyncio>/NAME and its line numbers ?, and no caret lines."""
    out = []
    lines = iter(text.splitlines())
    for line in lines:
        if re.fullmatch(r"[ |+]*[~^]+", line):
            continue
        found = _FRAME.search(line)
        if found:
            path = found.group(1)
            if path.endswith(_CONTEXT_WRAPPER):
                next(lines)  # and its source line
                continue
            machinery = _MACHINERY.search(path)
            if path == script:
                line = line.replace(path, "<script>")
            elif machinery:
                line = line[:found.start()] + 'File "<asyncio>/%s", line ?, in %s' % (
                    machinery.group(1), found.group(3))
        out.append(line)
    return "\n".join(out) + "\n"


def test_a_taskgroup_error_prints_as_on_313(tmp_path):
    script = tmp_path / "program.py"
    script.write_text(PROGRAM)
    result = run_python(str(script))
    assert result.returncode == 1
    assert result.stdout == ""
    assert mask(result.stderr, str(script)) == EXPECTED, result.stderr


def test_logging_renders_the_same_group(tmp_path):
    script = tmp_path / "program.py"
    script.write_text(PROGRAM.replace(
        "asyncio.run(main())\n",
        "import logging\ntry:\n    asyncio.run(main())\nexcept ExceptionGroup:\n"
        "    logging.exception('failed')\n"))
    result = run_python(str(script))
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith("ERROR:root:failed\n")
    logged = mask(result.stderr.split("\n", 1)[1], str(script))
    # The frames below the try statement's: the rest is the same.
    assert logged.replace('line 28, in <module>\n  |     asyncio.run(main())',
                          'line 26, in <module>\n  |     asyncio.run(main())') == EXPECTED


THREAD = """\
import asyncio, threading

def work():
    error = ValueError("in a thread")
    error.add_note("a note")
    raise ExceptionGroup("thread group", [error])

thread = threading.Thread(target=work, name="worker")
thread.start()
thread.join()
"""


def test_a_threads_uncaught_group_prints_in_full(tmp_path):
    script = tmp_path / "thread.py"
    script.write_text(THREAD)
    result = run_python(str(script))
    assert result.returncode == 0
    text = mask(result.stderr, str(script))
    assert text.startswith("Exception in thread worker:\n"
                           "  + Exception Group Traceback (most recent call last):\n")
    assert text.endswith(
        '  |   File "<script>", line 6, in work\n'
        '  |     raise ExceptionGroup("thread group", [error])\n'
        "  | ExceptionGroup: thread group (1 sub-exception)\n"
        "  +-+---------------- 1 ----------------\n"
        "    | ValueError: in a thread\n"
        "    | a note\n"
        "    +------------------------------------\n"), result.stderr


def test_a_thread_hook_of_the_program_is_left_alone(tmp_path):
    script = tmp_path / "thread.py"
    script.write_text("import threading\n"
                      "threading.excepthook = lambda args: print('mine', args.exc_type.__name__)\n"
                      + THREAD)
    result = run_python(str(script))
    assert (result.stdout, result.stderr) == ("mine ExceptionGroup\n", "")


def test_a_thread_that_exits_quietly_prints_nothing():
    result = run_python(code="""
        import asyncio, sys, threading
        thread = threading.Thread(target=sys.exit, args=(3,))
        thread.start()
        thread.join()
        print("done")
    """)
    assert (result.stdout, result.stderr) == ("done\n", "")


# -- the class, its repr, pickle ------------------------------------------------------

def test_the_groups_are_builtins():
    import builtins
    assert builtins.ExceptionGroup is ExceptionGroup
    assert builtins.BaseExceptionGroup is BaseExceptionGroup
    for cls in (ExceptionGroup, BaseExceptionGroup):
        assert cls.__module__ == "builtins"
        assert repr(cls) == "<class '%s'>" % cls.__name__
        member = ValueError() if cls is ExceptionGroup else KeyboardInterrupt()
        assert traceback.format_exception_only(cls("m", [member])) == [
            "%s: m (1 sub-exception)\n" % cls.__name__]


def test_a_groups_repr_shows_the_sequence_it_was_given():
    assert repr(ExceptionGroup("", (ValueError(0),))) == "ExceptionGroup('', (ValueError(0),))"
    assert repr(ExceptionGroup("m", [ValueError(0)])) == "ExceptionGroup('m', [ValueError(0)])"
    assert repr(BaseExceptionGroup("b", [KeyboardInterrupt()])) == \
        "BaseExceptionGroup('b', [KeyboardInterrupt()])"

    class Mine(ExceptionGroup):
        pass

    assert repr(Mine("x", [OSError("gone")])) == "Mine('x', [OSError('gone')])"


def test_except_star_wraps_a_naked_exception_in_a_tuple(tmp_path):
    # What 3.13's except* makes of a naked exception: the group repr shows it.
    (tmp_path / "naked.py").write_text(
        "try:\n    raise ValueError(0)\nexcept* ValueError as group:\n"
        "    print(repr(group))\n")
    result = run_python(str(tmp_path / "naked.py"))
    assert result.stdout == "ExceptionGroup('', (ValueError(0),))\n", result.stderr


def make_group():
    inner = ValueError("v")
    inner.add_note("inner note")
    group = ExceptionGroup("top", [inner, ExceptionGroup("nested", [TypeError("t")])])
    group.add_note("group note")
    return group


@pytest.mark.parametrize("protocol", [0, 2, pickle.HIGHEST_PROTOCOL])
def test_a_group_pickled_here_loads_in_a_process_without_asyncio(protocol):
    group = make_group()
    code = """
        import pickle, sys
        group = pickle.loads(sys.stdin.buffer.read())
        print(repr(type(group)), "asyncio" in sys.modules, group.__notes__,
              group.exceptions[0].__notes__)
    """
    result = subprocess.run([sys.executable, "-c", code.replace("\n        ", "\n")],
                            input=pickle.dumps(group, protocol), capture_output=True,
                            env=clean_env(), timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode() == (
        "<class 'ExceptionGroup'> False ['group note'] ['inner note']\n")


POOL = """\
import multiprocessing
import pickle
import sys


def inspect(group):
    # Runs in a fresh child ("spawn"), which has not imported asyncio.
    return (repr(type(group)), "asyncio" in sys.modules, group.__notes__, repr(group))


def fail():
    error = KeyError("k")
    error.add_note("from the child")
    raise ExceptionGroup("child", [error])


if __name__ == "__main__":
    import asyncio  # the patch: ExceptionGroup in builtins, add_note
    group = ExceptionGroup("parent", (ValueError(1),))
    group.add_note("from the parent")
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        print(pool.apply(inspect, (group,)))
        try:
            pool.apply(fail)
        except ExceptionGroup as error:
            print(repr(error), error.exceptions[0].__notes__)
"""


def test_groups_cross_a_multiprocessing_child_that_has_not_imported_asyncio(tmp_path):
    script = tmp_path / "pool.py"
    script.write_text(POOL)
    result = run_python(str(script), timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "(\"<class 'ExceptionGroup'>\", False, ['from the parent'], "
        "\"ExceptionGroup('parent', (ValueError(1),))\")",
        "ExceptionGroup('child', [KeyError('k')]) ['from the child']",
    ]


def test_a_pickle_names_the_builtin_class():
    data = pickle.dumps(ExceptionGroup("m", [ValueError()]), 4)
    assert b"builtins" in data and b"exceptiongroup" not in data
    assert pickle.loads(pickle.dumps(ExceptionGroup, 4)) is ExceptionGroup


# -- the traceback module's API -------------------------------------------------------

def nested_group(width, depth):
    group = TypeError("deepest")
    for level in range(depth):
        group = ExceptionGroup("level %d" % level,
                               [group] + [ValueError(i) for i in range(width - 1)])
    return group


def test_max_group_width_and_depth():
    group = nested_group(width=4, depth=3)
    te = traceback.TracebackException.from_exception(group, max_group_width=2,
                                                     max_group_depth=2)
    assert (te.max_group_width, te.max_group_depth) == (2, 2)
    assert "".join(te.format()) == (
        "  | ExceptionGroup: level 2 (4 sub-exceptions)\n"
        "  +-+---------------- 1 ----------------\n"
        "    | ExceptionGroup: level 1 (4 sub-exceptions)\n"
        "    +-+---------------- 1 ----------------\n"
        "      | ... (max_group_depth is 2)\n"
        "      +---------------- 2 ----------------\n"
        "      | ValueError: 0\n"
        "      +---------------- ... ----------------\n"
        "      | and 2 more exceptions\n"
        "      +------------------------------------\n"
        "    +---------------- 2 ----------------\n"
        "    | ValueError: 0\n"
        "    +---------------- ... ----------------\n"
        "    | and 2 more exceptions\n"
        "    +------------------------------------\n")


def test_the_default_width_is_15_and_depth_10():
    te = traceback.TracebackException.from_exception(nested_group(width=20, depth=12))
    text = "".join(te.format())
    assert "and 5 more exceptions" in text
    assert "... (max_group_depth is 10)" in text


def test_print_writes_what_format_yields():
    group = make_group()
    te = traceback.TracebackException.from_exception(group)
    out = io.StringIO()
    te.print(file=out)
    assert out.getvalue() == "".join(te.format())
    out = io.StringIO()
    te.print(file=out, chain=False)
    assert out.getvalue() == "".join(te.format(chain=False))


@needs_313_api
def test_format_exception_only_shows_the_group_on_request():
    group = make_group()
    assert traceback.format_exception_only(group) == [
        "ExceptionGroup: top (2 sub-exceptions)\n", "group note\n"]
    assert traceback.format_exception_only(group, show_group=True) == [
        "ExceptionGroup: top (2 sub-exceptions)\n",
        "group note\n",
        "   ValueError: v\n",
        "   inner note\n",
        "   ExceptionGroup: nested (1 sub-exception)\n",
        "      TypeError: t\n",
    ]


def raised(exc):
    try:
        raise exc
    except BaseException as caught:
        return caught


def test_the_one_argument_forms():
    error = raised(ValueError("one"))
    lines = traceback.format_exception(error)
    assert lines[0] == "Traceback (most recent call last):\n"
    assert lines[-1] == "ValueError: one\n"
    assert lines == traceback.format_exception(type(error), error, error.__traceback__)
    assert traceback.format_exception_only(error) == ["ValueError: one\n"]
    out = io.StringIO()
    traceback.print_exception(error, file=out)
    assert out.getvalue() == "".join(lines)
    with pytest.raises(ValueError, match="Both or neither"):
        traceback.format_exception(ValueError, error)
    with pytest.raises(TypeError):
        traceback.format_exception(exc=error)


def test_the_old_forms_still_work():
    error = raised(KeyError("old"))
    out = io.StringIO()
    traceback.print_exception(KeyError, error, error.__traceback__, None, out, True)
    assert out.getvalue().endswith("KeyError: 'old'\n")
    assert traceback.format_exception_only(KeyError, error) == ["KeyError: 'old'\n"]
    try:
        raise error
    except KeyError:
        assert traceback.format_exc().endswith("KeyError: 'old'\n")


@pytest.mark.parametrize("first", [
    pytest.param("traceback.format_exception_only(group, show_group=True)",
                 marks=needs_313_api),
    "traceback.TracebackException.from_exception(group, max_group_width=1).format()",
    "traceback.format_exception(group)",
    "traceback.print_exception(group, file=sys.stdout)",
    "traceback.format_exception(type(group), group, None, limit=1)",
])
def test_the_first_rendering_of_a_process_works_as_the_next_ones(first):
    # On 3.8-3.10 the code that renders is loaded by the first rendering:
    # before it, the functions already have their 3.13 signatures.
    result = run_python(code="""
        import asyncio, inspect, sys, traceback

        def signatures():
            te = traceback.TracebackException
            return [str(inspect.signature(f)) for f in (
                traceback.print_exception, traceback.format_exception,
                traceback.format_exception_only, te, te.print)] + [
                isinstance(te.__dict__.get("exc_type_str"), property)]

        before = signatures()
        error = ValueError(1)
        error.add_note("noted")
        group = ExceptionGroup("g", [error, KeyError(2)])
        for attempt in range(2):
            lines = %s
            print("".join(lines or ()), end="")
        print(before == signatures())
    """ % first)
    assert result.returncode == 0, result.stderr
    halves = result.stdout.rsplit("\n", 2)[0]
    assert result.stdout.endswith("True\n")
    assert "ExceptionGroup: g (2 sub-exceptions)" in halves
    text = halves + "\n"
    assert text[:len(text) // 2] == text[len(text) // 2:]


def test_a_traceback_exception_made_before_the_patch_still_renders():
    result = run_python(code="""
        import sys, traceback

        def error():
            try:
                try:
                    raise KeyError("inner")
                except KeyError as exc:
                    raise ValueError("outer") from exc
            except ValueError as exc:
                return exc

        old = traceback.TracebackException.from_exception(error())
        import asyncio
        new = traceback.TracebackException.from_exception(error())
        print(old.exc_type is new.exc_type is ValueError)
        print(list(old.format_exception_only()) == list(new.format_exception_only()))
        print(list(old.format()) == list(new.format()))
        old.print(file=sys.stdout)
    """)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:3] == ["True", "True", "True"]
    assert lines[3] == "Traceback (most recent call last):"
    assert lines[-1] == "ValueError: outer"


@needs_313_api
def test_exc_type_and_exc_type_str():
    te = traceback.TracebackException.from_exception(raised(ValueError()))
    assert te.exc_type_str == "ValueError"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert te.exc_type is ValueError
    # 3.13 deprecated reading exc_type; code written for 3.8-3.10 reads it,
    # and keeps doing so without a warning there.
    assert [w.category for w in caught] == ([] if sys.version_info < (3, 13)
                                            else [DeprecationWarning])
    dropped = traceback.TracebackException.from_exception(raised(ValueError()),
                                                          save_exc_type=False)
    assert dropped.exc_type_str == "ValueError"
    with pytest.warns(DeprecationWarning):
        assert dropped.exc_type is None
