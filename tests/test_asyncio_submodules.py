"""asyncio's submodules the package provides are modules of the import system.

asyncio.taskgroups and asyncio.timeouts (3.11) and asyncio.threads (3.9) are
files on 3.11+; on 3.8-3.10 the backport modules stand in for them, and must
be found the same ways: `import`, `from ... import`, importlib.util.find_spec,
importlib.reload, after `del sys.modules[...]`, and by mock.patch.  (A real
3.11 library's suite, extraasync 0.2.0's, deletes asyncio.taskgroups from
sys.modules and patches it.)  Each test runs in a child interpreter: they
change what is imported.
"""

import sys

import pytest

from conftest import clean_env, run_python

SUBMODULES = [
    ("asyncio.taskgroups", "TaskGroup"),
    ("asyncio.timeouts", "timeout"),
    ("asyncio.threads", "to_thread"),
]


def check(code):
    result = run_python(code=code)
    assert (result.stdout, result.stderr, result.returncode) == ("ok\n", "", 0)


@pytest.mark.parametrize("name, attribute", SUBMODULES)
def test_import_forms(name, attribute):
    package, _, short = name.partition(".")
    check("""
        import sys
        import {name}
        from {package} import {short}
        from {name} import {attribute}
        import asyncio
        module = sys.modules[{name!r}]
        assert {short} is module is asyncio.{short}
        assert {attribute} is getattr(asyncio, {attribute!r}) is module.{attribute}
        assert {attribute!r} in module.__all__
        print("ok")
    """.format(name=name, package=package, short=short, attribute=attribute))


@pytest.mark.parametrize("name, attribute", SUBMODULES)
def test_find_spec(name, attribute):
    check("""
        import importlib.util
        spec = importlib.util.find_spec({name!r})
        assert spec is not None and spec.loader is not None, spec
        import {name}
        spec = importlib.util.find_spec({name!r})
        assert spec is not None
        print("ok")
    """.format(name=name))


@pytest.mark.parametrize("name, attribute", SUBMODULES)
def test_import_again_after_del_sys_modules(name, attribute):
    check("""
        import sys
        import {name}
        import asyncio
        del sys.modules[{name!r}]
        import {name} as again
        assert sys.modules[{name!r}] is again
        assert hasattr(again, {attribute!r})
        print("ok")
    """.format(name=name, attribute=attribute))


@pytest.mark.parametrize("name, attribute", SUBMODULES)
def test_reload(name, attribute):
    check("""
        import importlib, sys
        import {name} as module
        reloaded = importlib.reload(module)
        assert hasattr(reloaded, {attribute!r})
        assert reloaded.__name__ in sys.modules
        print("ok")
    """.format(name=name, attribute=attribute))


def test_what_reloaded_modules_make_still_works():
    check("""
        import asyncio, importlib
        import asyncio.taskgroups, asyncio.timeouts
        taskgroups = importlib.reload(asyncio.taskgroups)
        timeouts = importlib.reload(asyncio.timeouts)

        async def main():
            async with taskgroups.TaskGroup() as group:
                task = group.create_task(asyncio.sleep(0, "done"))
            assert task.result() == "done"
            for timeout in (timeouts.timeout, asyncio.timeout):
                try:
                    async with timeout(0):
                        await asyncio.sleep(1)
                except TimeoutError:
                    pass
                else:
                    raise AssertionError("no TimeoutError")

        asyncio.run(main())
        print("ok")
    """)


@pytest.mark.parametrize("name, attribute", SUBMODULES)
def test_mock_patch(name, attribute):
    check("""
        import asyncio
        from unittest import mock
        import {name}
        original = {name}.{attribute}
        with mock.patch("{name}.{attribute}", "replaced"):
            assert {name}.{attribute} == "replaced"
        assert {name}.{attribute} is original
        print("ok")
    """.format(name=name, attribute=attribute))


@pytest.mark.parametrize("name, attribute", SUBMODULES)
def test_using_a_name_imports_its_submodule(name, attribute):
    # As a native `import asyncio` has every submodule in sys.modules.
    check("""
        import sys, asyncio
        getattr(asyncio, {attribute!r})
        module = sys.modules[{name!r}]
        assert getattr(module, {attribute!r}) is getattr(asyncio, {attribute!r})
        assert getattr(asyncio, {short!r}) is module
        print("ok")
    """.format(name=name, attribute=attribute, short=name.rpartition(".")[2]))


def test_extraasync_recipe():
    # What extraasync 0.2.0's test suite does: forget the module, patch
    # TaskGroup in both places while a module subclasses it, import again.
    check("""
        import sys
        import asyncio
        from asyncio import TaskGroup
        from unittest import mock

        del sys.modules["asyncio.taskgroups"]

        class Dummy:
            pass

        with mock.patch("asyncio.taskgroups.TaskGroup", Dummy), \\
                mock.patch("asyncio.TaskGroup", Dummy):
            from asyncio import TaskGroup
            assert TaskGroup is Dummy
            import asyncio.taskgroups
            assert asyncio.taskgroups.TaskGroup is Dummy
        import asyncio.taskgroups
        # The module imported again (natively a new one, with a class of its own).
        assert asyncio.TaskGroup is not Dummy
        assert asyncio.taskgroups.TaskGroup.__name__ == "TaskGroup"
        print("ok")
    """)


@pytest.mark.skipif(sys.version_info >= (3, 11), reason="the package is inactive by default on 3.11+")
def test_switched_off_there_are_no_such_modules_before_their_version():
    result = run_python(code="""
        import importlib.util
        print(importlib.util.find_spec("asyncio.taskgroups"))
    """, env=clean_env(TASKGROUP_PATCH="0"))
    assert (result.stdout, result.stderr) == ("None\n", "")
