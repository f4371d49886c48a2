"""Worker: runs generated programs in this interpreter, one JSON line each.

    python difftest/worker.py        # reads {"id", "src"} lines on stdin

Answers a first line describing the interpreter, then one line
{"id", "trace"} per program.  Many programs run in one process, each on a
fresh event loop.  Runs on CPython 3.8+ with the stdlib only.

Each program is written to a file and imported from it, as user code is:
on 3.8-3.10 that is the path on which the package compiles except*.
"""

import importlib.util
import io
import json
import os
import random
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import asyncio  # noqa: E402  (patched here on 3.8-3.10 by the .pth hook)

import harness  # noqa: E402

PUBLIC = ("log", "fmt", "star", "now", "reschedule", "schedule_cancel", "schedule_set",
          "cancel", "uncancel", "T", "EV", "TM", "G", "CX", "CV", "E1", "E2", "B1",
          "contextvars", "Q", "thread_job", "qput", "qget", "qshutdown", "qdone", "qjoin",
          "ascompleted")


def load(src, path):
    """Import *src* as the module difftest_program from the file *path*."""
    with open(path, "w", encoding="utf-8") as f:
        f.write(src)
    try:
        spec = importlib.util.spec_from_file_location("difftest_program", path)
        module = importlib.util.module_from_spec(spec)
        module.asyncio = asyncio
        for name in PUBLIC:
            setattr(module, name, getattr(harness, name))
        spec.loader.exec_module(module)
    finally:
        os.remove(path)
    return vars(module)


def main():
    out = sys.stdout
    # The programs and asyncio may write to stderr (warnings, GC reports):
    # keep that out of the protocol and out of the driver's terminal.
    sys.stderr = io.StringIO()
    # Every program is written to the same file: a .pyc of one would be
    # stale for the next one written in the same second with the same size.
    sys.dont_write_bytecode = True
    given = os.environ.get("DIFFTEST_DIR")  # the driver's, which it removes
    tmp = given or tempfile.mkdtemp(prefix="difftest-")
    try:
        serve(out, tmp)
    finally:
        if not given:
            shutil.rmtree(tmp, ignore_errors=True)


def serve(out, tmp):
    out.write(json.dumps(harness.describe()) + "\n")
    out.flush()
    jitter = random.Random(0) if os.environ.get("DIFFTEST_JITTER") else None
    for line in sys.stdin:
        request = json.loads(line)
        # A second reference run with other memory addresses: shows programs
        # whose trace depends on the order of a set of tasks.
        ballast = None
        if jitter:
            # Objects of every small size, half of them freed again: holes
            # in the allocator's pools that the program's tasks then fill.
            ballast = [bytes(jitter.randrange(2, 700)) for _ in range(jitter.randrange(50, 800))]
            jitter.shuffle(ballast)
            del ballast[:len(ballast) // 2]
        try:
            ns = load(request["src"], os.path.join(tmp, "difftest_program.py"))
            trace = harness.run_program(ns)
        except BaseException as exc:  # noqa: B036 - a harness failure, reported
            trace = {"harness_error": "%s: %s" % (type(exc).__name__, exc)}
        del ballast
        sys.stderr = io.StringIO()
        out.write(json.dumps({"id": request["id"], "trace": trace}, sort_keys=True) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
