"""Judge conformance summaries (../shared/conformance/run's summary.json).

Each summary passes when its set ran in full and every test that did not pass
is allowed below, for that set and that interpreter, with its reason
(docs/development/conformance.md).  An allowed test that now passes is
reported, so that its entry can go; it does not fail the check.

    python3 .ci/check_conformance.py OUTDIR/summary.json [...]
    python3 .ci/check_conformance.py --list     # the allowed failures, with reasons
"""

import json
import sys

# Tests each set runs on every interpreter (the dropped ones excluded): fewer
# means the run broke off, or the set changed and this table must follow.
TOTALS = {"3.13": 101, "3.15": 123, "3.15+eager": 182, "tasks": 218, "except-star": 59,
          "graph": 8, "exceptions": 38, "breadth": 193}

# ORACLE_EAGER=1 adds CPython's TestEagerTaskTaskGroup (every TaskGroup test
# again, under asyncio.eager_task_factory) to the 3.15 set: such a run is
# judged as "3.15+eager", by the entries of "3.15" and its own.
EAGER_CLASS = ".TestEagerTaskTaskGroup."

# The reasons, each once (docs/differences.md, "Interpreter limits").
GEN_THROW_CONTEXT = (
    "3.8's gen.throw() does not set __context__, so the CancelledError a timeout "
    "throws into an except/finally block does not record the exception being handled")
NO_CANCEL_MESSAGE = (
    "3.8's C task and future have no cancel message: the CancelledError that "
    "awaiting or result() raises has no args")
CANCEL_CHAIN = (
    "the C future of 3.9 and 3.10 raises a new CancelledError chained to the one that "
    "cancelled the task, where 3.11+ raises that one: the args sit one link down "
    "the chain, which is one link longer")
CANCEL_TRACEBACK = (
    "3.8's C future raises a fresh CancelledError, not chained to the one that "
    "cancelled the task, so the traceback lacks the line the cancellation interrupted")
RUN_AWAITABLE = (
    "3.14's run() and Runner.run() take any awaitable (gh-120284) and raise TypeError, "
    "not 3.13's ValueError, for anything else; the 3.15 set has 3.14's version of this test")
RUN_FUTURE = (
    "3.14's Runner.run() takes a Future and waits for it (gh-120284); 3.13's test hands it "
    "one that nobody completes and expects ValueError, so it waits until the watchdog")
EXCEPT_STAR_REWRITE = (
    "the harness's except* rewrite for 3.8-3.10 (try/except + split) keeps the group in "
    "locals that a real except* unbinds, so the group still refers to the error; with "
    "those names released only the frame does, as the test wants")
THROW_ARGS_TUPLE = (
    "coroutine.throw() of 3.8-3.10 takes its arguments as a tuple, which refers to the "
    "CancelledError it throws for as long as the task runs on after catching it "
    "(3.11 made throw() a fastcall); the test allows only the frame")

# The task test classes of the `tasks` set: the C task, its subclass and the
# package's Task, over the C and the Python future.
TASK_CLASSES = ("CTask_CFuture_Tests", "CTask_CFuture_SubclassTests",
                "CTask_PyFuture_Tests", "CTaskSubclass_PyFuture_Tests")


def in_task_classes(*names):
    return tuple("test_tasks.%s.%s" % (cls, name) for cls in TASK_CLASSES for name in names)


GEN_THROW_TESTS = tuple("test_timeouts.TimeoutTests." + name for name in (
    "test_foreign_exception_on_timeout_2", "test_nested_timeout_in_finally",
    "test_timeout_exception_context", "test_timeout_taskgroup"))

ALL = ("3.8", "3.9", "3.10")

# (set, interpreters, tests, reason): every failure allowed, and why.
# The cancel-message tests: 3.8 has no messages, 3.9/3.10 chain them one link down.
CANCEL_MESSAGE_TESTS = in_task_classes(
    "test_cancel_with_message_before_starting_task",
    "test_cancel_with_message_then_future_exception",
    "test_cancel_with_message_then_future_result",
    "test_cancel_gather_2",
    "test_cancellation_exception_context",
    "test_task_cancel_message_getter",
    "test_task_cancel_message_setter")

# test_eager_task_factory's cancel-message test: 3.8 has no messages, 3.9/3.10
# chain them one link down, as for the tasks set's.
EAGER_CANCEL_MESSAGE_TEST = ("test_eager_task_factory.CEagerTaskFactoryLoopTests."
                             "test_cancellation_after_eager_step_blocks")

ALLOWED = [
    ("3.13", ("3.8",), GEN_THROW_TESTS, GEN_THROW_CONTEXT),
    ("3.13", ALL, ("test_runners.RunTests.test_asyncio_run_only_coro",
                   "test_runners.RunnerTests.test_run_non_coro"), RUN_AWAITABLE),
    ("3.13", ALL, ("test_runners.RunnerTests.test_run_future",), RUN_FUTURE),
    ("3.15", ("3.8",), GEN_THROW_TESTS, GEN_THROW_CONTEXT),
    ("3.15", ALL, tuple("test_taskgroups.TestTaskGroup." + name for name in (
        "test_exception_refcycles_errors", "test_exception_refcycles_parent_task",
        "test_exception_refcycles_parent_task_wr")), EXCEPT_STAR_REWRITE),
    ("3.15", ALL, ("test_taskgroups.TestTaskGroup."
                   "test_exception_refcycles_propagate_cancellation_error",), THROW_ARGS_TUPLE),
    ("tasks", ("3.8",), CANCEL_MESSAGE_TESTS, NO_CANCEL_MESSAGE),
    ("tasks", ("3.8",), in_task_classes(
        "test_cancel_traceback_for_future_exception",
        "test_cancel_traceback_for_future_result"), CANCEL_TRACEBACK),
    ("tasks", ("3.9", "3.10"), CANCEL_MESSAGE_TESTS, CANCEL_CHAIN),
    ("3.15+eager", ALL, tuple("test_taskgroups.TestEagerTaskTaskGroup." + name for name in (
        "test_exception_refcycles_errors", "test_exception_refcycles_parent_task",
        "test_exception_refcycles_parent_task_wr")), EXCEPT_STAR_REWRITE),
    ("3.15+eager", ALL, ("test_taskgroups.TestEagerTaskTaskGroup."
                         "test_exception_refcycles_propagate_cancellation_error",),
     THROW_ARGS_TUPLE),
    ("breadth", ("3.8",), (EAGER_CANCEL_MESSAGE_TEST,), NO_CANCEL_MESSAGE),
    ("breadth", ("3.9", "3.10"), (EAGER_CANCEL_MESSAGE_TEST,), CANCEL_CHAIN),
]


def allowed_failures(test_set, python):
    """Return {test: reason} for the failures allowed in *test_set* on *python*."""
    judged_by = ("3.15", test_set) if test_set == "3.15+eager" else (test_set,)
    return {test: reason for set_name, pythons, tests, reason in ALLOWED
            if set_name in judged_by and python in pythons for test in tests}


def check(path):
    """Print the verdict on one summary; return True if it passes."""
    with open(path) as f:
        summary = json.load(f)
    test_set, python = summary["set"], summary["python"]
    outcomes = summary["outcomes"]
    if test_set == "3.15" and any(EAGER_CLASS in test for test in outcomes):
        test_set = "3.15+eager"
    failing = {test for test, outcome in outcomes.items() if outcome["outcome"] != "pass"}
    allowed = allowed_failures(test_set, python)
    unexpected = sorted(failing - set(allowed))
    now_passing = sorted(test for test in allowed
                         if outcomes.get(test, {}).get("outcome") == "pass")
    expected_total = TOTALS.get(test_set)

    print("conformance %s on %s: %d/%d passed, %d allowed failures, %d unexpected"
          % (test_set, python, summary["passed"], summary["total"],
             len(failing & set(allowed)), len(unexpected)))
    for test in unexpected:
        print("  unexpected: %s: %s" % (test, outcomes[test]["summary"]))
    for test in now_passing:
        print("  now passes (drop it from ALLOWED): %s" % test)
    ok = not unexpected
    if expected_total is None:
        print("  unknown set %r: add it to TOTALS" % test_set)
        ok = False
    elif summary["total"] != expected_total:
        print("  ran %d tests, expected %d" % (summary["total"], expected_total))
        ok = False
    missing = sorted(test for test in allowed if test not in outcomes)
    for test in missing:
        print("  allowed test not in the set (drop it from ALLOWED): %s" % test)
    return ok


def print_allowed():
    for set_name, pythons, tests, reason in ALLOWED:
        print("%s on %s: %s" % (set_name, ", ".join(pythons), reason))
        for test in tests:
            print("    " + test)


def main(paths):
    if paths == ["--list"]:
        print_allowed()
        return 0
    if not paths:
        print(__doc__.strip().splitlines()[-2].strip(), file=sys.stderr)
        return 2
    results = [check(path) for path in paths]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
