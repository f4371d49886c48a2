"""taskgroup_patch benchmark figures (issue 5): one JSON line per figure.

    python bench/run.py                 # every figure, default sizes
    python bench/run.py --quick         # tiny sizes, < 60 s (CI smoke run)
    python bench/run.py --only cancel   # one figure (repeatable, or a,b)
    python bench/run.py --list          # figure names

Run it with the interpreter of a venv that has the taskgroup_patch wheel and
bench/requirements.txt installed (``nox -s bench-3.10 [-- --quick]`` does
that).  This process never imports asyncio: every measurement runs in a child
process, and every ratio pairs a figure with its baseline on this same
interpreter in this same run, interleaved (A, B, A, B...).  A figure's
``ratio`` is the median of the per-pair ratios, ``min``/``max`` their range,
``value``/``baseline`` the medians of each side, all CPU time.
"""

import argparse
import hashlib
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CHILD = os.path.join(HERE, "_child.py")
PATCHED = sys.version_info < (3, 11)
PYTHON = platform.python_version()
MODE = "patched" if PATCHED else "native (package off)"

# (default, --quick) sizes per figure.  pairs: child processes per side;
# reps: timed repetitions per variant (split over `rounds` child pairs for
# the in-process figures); warm: untimed repetitions first; n: tasks;
# m: blocks per repetition; seeds: hash seeds (1, 2, ...), one counted pair each.
SIZES = {
    "startup": ({"pairs": 300, "warm": 3}, {"pairs": 10, "warm": 1}),
    "import_asyncio": ({"pairs": 120, "warm": 3}, {"pairs": 8, "warm": 1}),
    "startup_instructions": ({"seeds": 5}, {"seeds": 1}),
    "import_asyncio_instructions": ({"seeds": 5}, {"seeds": 1}),
    "exceptiongroup_instructions": ({"seeds": 5}, {"seeds": 1}),
    "pth_floor_instructions": ({"seeds": 5}, {"seeds": 1}),
    "create_gather": ({"n": 100_000, "pairs": 11, "reps": 1, "warm": 1},
                      {"n": 10_000, "pairs": 3, "reps": 1, "warm": 1}),
    "cancel": ({"n": 10_000, "pairs": 21, "reps": 1, "warm": 1},
               {"n": 2_000, "pairs": 3, "reps": 1, "warm": 1}),
    "memory": ({"n": 100_000, "warm_n": 1_000, "pairs": 2},
               {"n": 10_000, "warm_n": 1_000, "pairs": 1}),
    "queue_put_get": ({"n": 100_000, "pairs": 11, "reps": 3, "warm": 1},
                      {"n": 10_000, "pairs": 3, "reps": 1, "warm": 1}),
    "queue_handoff": ({"n": 20_000, "pairs": 11, "reps": 3, "warm": 1},
                      {"n": 2_000, "pairs": 3, "reps": 1, "warm": 1}),
    "as_completed": ({"n": 20_000, "pairs": 11, "reps": 3, "warm": 1},
                     {"n": 2_000, "pairs": 3, "reps": 1, "warm": 1}),
    "queue_put_get_instructions": ({"k": 10_000, "seeds": 3}, {"k": 500, "seeds": 1}),
    "queue_handoff_instructions": ({"k": 5_000, "seeds": 3}, {"k": 500, "seeds": 1}),
    "as_completed_instructions": ({"k": 5_000, "seeds": 3}, {"k": 500, "seeds": 1}),
    "create_gather_instructions": ({"k": 5_000, "seeds": 3}, {"k": 500, "seeds": 1}),
    "taskgroup": ({"n": 10_000, "reps": 30, "warm": 2, "rounds": 3},
                  {"n": 1_000, "reps": 5, "warm": 1}),
    "taskgroup_empty": ({"m": 10_000, "reps": 21, "warm": 2, "rounds": 3},
                        {"m": 2_000, "reps": 5, "warm": 1}),
    "timeout_empty": ({"m": 10_000, "reps": 21, "warm": 2, "rounds": 3},
                      {"m": 2_000, "reps": 5, "warm": 1}),
    "timeout_fires": ({"m": 2_000, "reps": 21, "warm": 2, "delay": 1e-9, "rounds": 3},
                      {"m": 200, "reps": 5, "warm": 1, "delay": 1e-9}),
    "taskgroup_failure": ({"n": 10_000, "reps": 21, "warm": 2, "rounds": 3},
                          {"n": 1_000, "reps": 5, "warm": 1}),
    "eager_gather": ({"n": 10_000, "reps": 21, "warm": 2, "rounds": 3},
                     {"n": 1_000, "reps": 5, "warm": 1}),
    "eager_suspend": ({"n": 10_000, "reps": 21, "warm": 2, "rounds": 3},
                      {"n": 1_000, "reps": 5, "warm": 1}),
    "context_steps": ({"n": 100_000, "pairs": 11, "reps": 1, "warm": 1},
                      {"n": 10_000, "pairs": 3, "reps": 1, "warm": 1}),
}


# --- statistics and output

def _ratios(values, baseline):
    return [a / b for a, b in zip(values, baseline)]


def _r(x, digits=3):
    return None if x is None else round(x, digits)


def emit(figure, *, what, against, values, baseline, unit, scale, goal=None, limit=None,
         met=None, absolute=None, extra=None, native_goal="reference (native asyncio)"):
    """Print one figure line: the paired ratios of *values* to *baseline*.

    limit: a ratio goal ("<= limit"), judged here on 3.8-3.10; on 3.11+ the
    row is a reference and carries no verdict.  met: a verdict computed by
    the caller (absolute goals, comparisons).
    """
    ratios = _ratios(values, baseline)
    ratio = statistics.median(ratios)
    if limit is not None:
        goal = goal or "<= %.2f" % limit
        met = ratio <= limit
    if not PATCHED:
        goal, met = native_goal, None
    line = {
        "figure": figure,
        "python": PYTHON,
        "mode": MODE,
        "what": what,
        "against": against,
        "ratio": _r(ratio),
        "min": _r(min(ratios)),
        "max": _r(max(ratios)),
        "value": _r(statistics.median(values) * scale),
        "baseline": _r(statistics.median(baseline) * scale),
        "unit": unit,
        "n": len(ratios),
        "goal": goal,
        "met": met,
    }
    if absolute is not None:
        line["absolute"] = absolute
    if extra:
        line.update(extra)
    print(json.dumps(line), flush=True)
    if met is not None:
        SUMMARY.append({"figure": figure, "impl": line.get("impl"), "ratio": line["ratio"],
                        "value": line["value"], "unit": unit, "goal": goal, "met": met})
    return line


SUMMARY = []


# --- child processes

def _clean_env(**changes):
    env = {k: v for k, v in os.environ.items()
           if k != "TASKGROUP_PATCH" and not k.startswith("PYTHON")}
    env.update({k: v for k, v in changes.items() if v is not None})
    return env


def child(workload, params, patch=None):
    """Run bench/_child.py WORKLOAD in a child of this venv; return its JSON.

    patch: None leaves TASKGROUP_PATCH unset (the package's default: on for
    3.8-3.10, off for 3.11+); "1"/"0" force it.
    """
    env = _clean_env(TASKGROUP_PATCH=patch)
    proc = subprocess.run([sys.executable, CHILD, workload, json.dumps(params)],
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True)
    if proc.returncode != 0:
        raise SystemExit("bench child %s failed (exit %s):\n%s%s"
                         % (workload, proc.returncode, proc.stdout, proc.stderr))
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    # Anything on stderr (a warning, "Task was destroyed") means the figure
    # measured something else than it says, unless a library was dropped.
    if proc.stderr.strip() and not result.get("skipped"):
        raise SystemExit("bench child %s wrote to stderr:\n%s" % (workload, proc.stderr))
    return result


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_of(cmd, env):
    """CPU seconds (user + system) of one child process run to completion."""
    before = _children_cpu()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, check=True)
    return _children_cpu() - before


def check_side(result, patched, label):
    is_ours = result["task_type"].startswith("taskgroup_patch.")
    if result["patched"] != patched or (PATCHED and is_ours != patched):
        raise SystemExit("bench: the %s side is not what it should be: %r"
                         % (label, {k: result[k] for k in ("task_type", "patched")}))


# --- start-up figures: two sibling venvs of this interpreter, with and without

def _site_packages(prefix):
    return os.path.join(prefix, "lib", "python%d.%d" % sys.version_info[:2], "site-packages")


def _is_ours(name):
    # The package, its start-up module, its .pth and its dist-info.
    return name.startswith(("taskgroup_patch", "_taskgroup_patch_startup"))


def _empty(folder):
    """Remove everything in *folder*, following no symlink."""
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        if os.path.islink(path) or os.path.isfile(path):
            os.unlink(path)
        else:
            shutil.rmtree(path)


def mirror_venvs():
    """Return the pythons of two venvs of this interpreter: (with, without) the package.

    Both are made once (cached in the temp dir, keyed by this venv and its
    base interpreter) by ``python -m venv --without-pip`` from the base
    interpreter.  Their site-packages mirror this venv's by symlinks, minus
    every start-up hook (.pth file) but taskgroup_patch.pth, which only the
    first gets, with the package itself.  Foreign hooks (virtualenv's
    _virtualenv.pth, setuptools' distutils-precedence.pth) would otherwise
    run in both and could hide our cost: _virtualenv imports typing, say.
    """
    base = os.path.realpath(sys.executable)
    key = hashlib.sha1(("%s\n%s" % (sys.prefix, base)).encode()).hexdigest()[:10]
    root = os.environ.get("TASKGROUP_PATCH_BENCH_CACHE",
                          os.path.join(tempfile.gettempdir(), "taskgroup_patch-bench"))
    ours = _site_packages(sys.prefix)
    pythons = []
    for kind in ("with", "without"):
        venv = os.path.join(root, "%s-%s-%s" % (kind, PYTHON, key))
        python = os.path.join(venv, "bin", "python")
        marker = os.path.join(venv, "made-from")
        made = os.path.exists(marker) and open(marker).read() == base + "\n" + sys.prefix
        if not (made and os.path.exists(python)):
            shutil.rmtree(venv, ignore_errors=True)
            os.makedirs(root, exist_ok=True)
            subprocess.run([base, "-m", "venv", "--without-pip", venv], check=True,
                           env=_clean_env())
            with open(marker, "w") as f:
                f.write(base + "\n" + sys.prefix)
        # Refresh the mirror every run: this venv may have been rebuilt.
        theirs = _site_packages(venv)
        _empty(theirs)
        for name in os.listdir(ours):
            if name == "__pycache__" or (name.endswith(".pth") and not _is_ours(name)):
                continue
            if _is_ours(name) and kind == "without":
                continue
            os.symlink(os.path.join(ours, name), os.path.join(theirs, name))
        pythons.append(python)
    return pythons


def pth_floor_venv():
    """Return the python of a third twin venv: the "without" twin plus a .pth that
    imports an empty module, under our file names.

    What any start-up hook costs before its module does anything (site.py reads
    and executes the line, twice per start in a venv; the import system finds
    and loads the module): the floor under startup_instructions.
    """
    without = os.path.dirname(os.path.dirname(mirror_venvs()[1]))
    root, name = os.path.split(without)
    venv = os.path.join(root, name.replace("without", "pth-floor", 1))
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(python):
        subprocess.run([os.path.realpath(sys.executable), "-m", "venv", "--without-pip", venv],
                       check=True, env=_clean_env())
    floor, theirs = _site_packages(venv), _site_packages(without)
    _empty(floor)
    for entry in os.listdir(theirs):
        if entry != "__pycache__":
            os.symlink(os.readlink(os.path.join(theirs, entry)), os.path.join(floor, entry))
    shutil.copy(os.path.join(_site_packages(sys.prefix), "taskgroup_patch.pth"), floor)
    open(os.path.join(floor, "_taskgroup_patch_startup.py"), "w").close()
    return python


# --- figures

FIGURES = []


def figure(name):
    def register(fn):
        FIGURES.append((name, fn))
        return fn
    return register


def _startup(figure_name, code, limit, size):
    with_package, without = mirror_venvs()
    cmd_with = [with_package, "-c", code]
    cmd_without = [without, "-c", code]
    env = _clean_env()
    for _ in range(size["warm"]):
        cpu_of(cmd_with, env)
        cpu_of(cmd_without, env)
    values, baseline = [], []
    for i in range(size["pairs"]):
        # Each side goes first in every other pair, so that whatever the
        # first run of a pair pays or leaves behind is split evenly.
        if i % 2:
            baseline.append(cpu_of(cmd_without, env))
            values.append(cpu_of(cmd_with, env))
        else:
            values.append(cpu_of(cmd_with, env))
            baseline.append(cpu_of(cmd_without, env))
    emit(
        figure_name,
        what="`python -c %r`, CPU of the child (rusage), package installed%s"
             % (code, "" if PATCHED else " (inactive on 3.11+)"),
        against="same interpreter, twin venv without taskgroup_patch (both mirror this "
                "venv's site-packages, minus other .pth start-up hooks)",
        values=values, baseline=baseline, unit="ms CPU", scale=1e3, limit=limit,
        extra={"extra_ms": _r((statistics.median(values) - statistics.median(baseline)) * 1e3)},
    )


@figure("startup")
def fig_startup(size):
    _startup("startup", "pass", 1.05, size)


@figure("import_asyncio")
def fig_import_asyncio(size):
    _startup("import_asyncio", "import asyncio", 1.15, size)


def instructions_of(cmd, env):
    """Instructions one run of *cmd* executes in user space, counted by callgrind."""
    proc = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"] + cmd,
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, universal_newlines=True)
    match = re.search(r"Collected : (\d+)", proc.stderr)
    if proc.returncode != 0 or match is None:
        raise SystemExit("bench: callgrind failed on %r:\n%s" % (cmd, proc.stderr))
    return int(match.group(1))


def _instructions(figure_name, size, what, against, python, baseline_python, code,
                  baseline_code=None, **goal):
    # The CPU figures above spread by +-0.3 per pair; an instruction count
    # moves only with the hash seed (the ratio by up to 1% between seeds), so
    # with fixed seeds it is the same every run and shows a start-up change
    # of 0.2%.  It leaves out the kernel's part (the .pth file, listings).
    if shutil.which("valgrind") is None:
        print(json.dumps({"figure": figure_name, "python": PYTHON, "mode": MODE,
                          "applies": False, "note": "valgrind is not installed"}), flush=True)
        return
    cmd = [python, "-c", code]
    baseline_cmd = [baseline_python, "-c", baseline_code or code]
    for argv in (cmd, baseline_cmd):  # writes the .pyc files, like a warm-up
        cpu_of(argv, _clean_env())
    values, baseline = [], []
    for seed in range(1, size["seeds"] + 1):
        env = _clean_env(PYTHONHASHSEED=str(seed))
        values.append(instructions_of(cmd, env))
        baseline.append(instructions_of(baseline_cmd, env))
    emit(figure_name, what=what, against=against, values=values, baseline=baseline,
         unit="M instructions", scale=1e-6, **goal)


def _our_instructions(figure_name, size, code, limit):
    with_package, without = mirror_venvs()
    _instructions(
        figure_name, size,
        "`python -c %r`, instructions (callgrind), package installed%s"
        % (code, "" if PATCHED else " (inactive on 3.11+)"),
        "same interpreter, twin venv without taskgroup_patch",
        with_package, without, code, limit=limit)


@figure("startup_instructions")
def fig_startup_instructions(size):
    _our_instructions("startup_instructions", size, "pass", 1.05)


@figure("import_asyncio_instructions")
def fig_import_asyncio_instructions(size):
    _our_instructions("import_asyncio_instructions", size, "import asyncio", 1.15)


@figure("exceptiongroup_instructions")
def fig_exceptiongroup_instructions(size):
    # The floor under import_asyncio: on 3.8-3.10 the patch must import
    # exceptiongroup to put ExceptionGroup into builtins, and no work of ours
    # makes that cheaper.  Both runs are in the twin venv without us.
    _, without = mirror_venvs()
    reference = "reference: the part of import_asyncio that the dependency sets"
    _instructions(
        "exceptiongroup_instructions", size,
        "`python -c 'import asyncio, exceptiongroup'`, instructions (callgrind), "
        "without the package",
        "`python -c 'import asyncio'` in the same venv",
        without, without, "import asyncio, exceptiongroup", "import asyncio",
        goal=reference, native_goal=reference)


@figure("pth_floor_instructions")
def fig_pth_floor_instructions(size):
    # The floor under startup_instructions (issue 22): a .pth line importing an
    # empty module.  startup_instructions / this = the start-up module's own cost.
    floor = pth_floor_venv()
    reference = "reference: what any .pth importing a module costs"
    _instructions(
        "pth_floor_instructions", size,
        "`python -c pass`, instructions (callgrind), a .pth importing an empty module",
        "same interpreter, twin venv without taskgroup_patch",
        floor, mirror_venvs()[1], "pass", goal=reference, native_goal=reference)


def _paired_children(workload, size):
    """Interleave children: ours (TASKGROUP_PATCH=1) and the C task (=0).

    On 3.11+ both sides are the native task (package off): an A/A check of
    the noise.  Returns the per-child medians of both sides and the last
    result of each.
    """
    params = {k: v for k, v in size.items() if k != "pairs"}
    values, baseline = [], []
    for _ in range(size["pairs"]):
        a = child(workload, params, patch="1" if PATCHED else "0")
        b = child(workload, params, patch="0")
        check_side(a, PATCHED, "patched")
        check_side(b, False, "C task")
        values.append(statistics.median(a["self"]))
        baseline.append(statistics.median(b["self"]))
    return values, baseline, a, b


def _side_label():
    return ("taskgroup_patch's Task (TASKGROUP_PATCH=1)" if PATCHED
            else "native C task (package off; A/A noise check)")


C_TASK = "the interpreter's C task, package off (TASKGROUP_PATCH=0), separate child"


def _per_task(values, baseline, n):
    return {"per_task_us": _r(statistics.median(values) / n * 1e6),
            "baseline_per_task_us": _r(statistics.median(baseline) / n * 1e6)}


@figure("create_gather")
def fig_create_gather(size):
    values, baseline, _, _ = _paired_children("create_gather", size)
    emit("create_gather",
         what="create_task + gather of %d trivial tasks: %s" % (size["n"], _side_label()),
         against=C_TASK, values=values, baseline=baseline, unit="ms CPU", scale=1e3,
         limit=1.03, extra=_per_task(values, baseline, size["n"]))


@figure("cancel")
def fig_cancel(size):
    values, baseline, _, _ = _paired_children("cancel", size)
    emit("cancel",
         what="cancel %d tasks waiting on an Event, until all are done: %s"
              % (size["n"], _side_label()),
         against=C_TASK, values=values, baseline=baseline, unit="ms CPU", scale=1e3,
         limit=1.25, extra=_per_task(values, baseline, size["n"]))


@figure("memory")
def fig_memory(size):
    values, baseline, a, b = _paired_children("memory", size)
    emit("memory",
         what="tracemalloc bytes per pending task, %d tasks waiting on an Event: %s"
              % (size["n"], _side_label()),
         against=C_TASK, values=values, baseline=baseline, unit="bytes per task", scale=1,
         limit=1.05, extra={"sizeof_task": a["sizeof"], "baseline_sizeof_task": b["sizeof"]})


# Queues and as_completed (issue 18): on 3.8-3.12 the package's methods of
# the interpreter's queue classes (they check for shutdown) and its
# as_completed() (an iterator object, not a generator), against the
# interpreter's own in a package-off child.

QUEUE_GOAL = "within 5% of the interpreter's own (issue 18)"


def _against_own(name, what, size, unit_per):
    values, baseline, _, _ = _paired_children(name, size)
    emit(name, what="%s: %s" % (what, "taskgroup_patch's (TASKGROUP_PATCH=1)" if PATCHED
                               else "native (package off; A/A noise check)"),
         against="the interpreter's own, package off (TASKGROUP_PATCH=0), separate child",
         values=values, baseline=baseline, unit="ms CPU", scale=1e3, limit=1.05,
         goal=QUEUE_GOAL if PATCHED else None,
         extra={unit_per: _r(statistics.median(values) / size["n"] * 1e6),
                "baseline_" + unit_per: _r(statistics.median(baseline) / size["n"] * 1e6)})


@figure("queue_put_get")
def fig_queue_put_get(size):
    _against_own("queue_put_get", "await put() then await get() of %d items, "
                 "an unbounded asyncio.Queue" % size["n"], size, "per_item_us")


@figure("queue_handoff")
def fig_queue_handoff(size):
    _against_own("queue_handoff", "%d items from a producer to a consumer task through "
                 "asyncio.Queue(maxsize=1), every call waits" % size["n"], size, "per_item_us")


@figure("as_completed")
def fig_as_completed(size):
    _against_own("as_completed", "`for f in asyncio.as_completed(tasks): await f` over "
                 "%d done tasks" % size["n"], size, "per_task_us")


# The same three by instruction count (callgrind), which the load of a shared
# machine does not move: the CPU figures above spread too widely here to
# judge 5 % by.  Per item, the count of a run over 2K items less that of a
# run over K, over K, so that start-up and exit cancel out; ours against the
# package off (TASKGROUP_PATCH=0) in this same venv, one pair per hash seed.

HOT_PATHS = os.path.join(HERE, "_hot_paths.py")


def _per_item(workload, k, env, less=None):
    def count(name, n):
        return instructions_of([sys.executable, HOT_PATHS, name, str(n)], env)

    per_item = (count(workload, 2 * k) - count(workload, k)) / k
    if less is not None:
        per_item -= (count(less, 2 * k) - count(less, k)) / k
    return per_item


def _hot_path_instructions(name, what, workload, size, less=None, limit=1.05, goal=QUEUE_GOAL):
    if shutil.which("valgrind") is None:
        print(json.dumps({"figure": name, "python": PYTHON, "mode": MODE,
                          "applies": False, "note": "valgrind is not installed"}), flush=True)
        return
    k = size["k"]
    for patch in ("1" if PATCHED else "0", "0"):  # writes the .pyc files, like a warm-up
        subprocess.run([sys.executable, HOT_PATHS, workload, "10"], check=True,
                       env=_clean_env(TASKGROUP_PATCH=patch))
    values, baseline = [], []
    for seed in range(1, size["seeds"] + 1):
        ours = _clean_env(PYTHONHASHSEED=str(seed), TASKGROUP_PATCH="1" if PATCHED else "0")
        theirs = _clean_env(PYTHONHASHSEED=str(seed), TASKGROUP_PATCH="0")
        values.append(_per_item(workload, k, ours, less))
        baseline.append(_per_item(workload, k, theirs, less))
    emit(name, what="%s, instructions per item (callgrind, %d and %d items): %s"
                    % (what, k, 2 * k, "taskgroup_patch's (TASKGROUP_PATCH=1)" if PATCHED
                       else "native (package off; A/A check)"),
         against="the interpreter's own, package off (TASKGROUP_PATCH=0), same venv",
         values=values, baseline=baseline, unit="k instructions per item", scale=1e-3,
         limit=limit, goal=goal if PATCHED else None)


@figure("queue_put_get_instructions")
def fig_queue_put_get_instructions(size):
    _hot_path_instructions("queue_put_get_instructions",
                           "await put() then await get(), an unbounded asyncio.Queue",
                           "put_get", size)


@figure("queue_handoff_instructions")
def fig_queue_handoff_instructions(size):
    _hot_path_instructions("queue_handoff_instructions",
                           "a producer and a consumer task through asyncio.Queue(maxsize=1)",
                           "handoff", size)


@figure("as_completed_instructions")
def fig_as_completed_instructions(size):
    # Less the same script without as_completed(): making and finishing the
    # tasks costs the same either way, and would hide the difference.
    _hot_path_instructions("as_completed_instructions",
                           "`for f in asyncio.as_completed(tasks): await f` over done tasks, "
                           "the loop only", "as_completed", size, less="done_tasks")


@figure("create_gather_instructions")
def fig_create_gather_instructions(size):
    # create_gather by instruction count: its CPU figure spreads by more than
    # the 3 % it is judged by on this machine.
    _hot_path_instructions("create_gather_instructions",
                           "`gather(*[create_task(noop()) ...])`, the tasks made and gathered",
                           "create_gather", size, limit=1.03,
                           goal="within 3% of the interpreter's own task (issue 19)")


# In-process figures.  Ours (patched on 3.8-3.10, native asyncio on 3.11+)
# run in a child with the package's default; the other libraries run in a
# child with the package off, i.e. asyncio as their users have it today.
# Within a child the variants are interleaved rep by rep; the two children
# alternate for size["rounds"] rounds, so that their absolute figures can be
# compared too.

def _inproc(workload, ours, theirs, size):
    """Return (ours, theirs) results, rep lists concatenated over rounds."""
    rounds = size.get("rounds", 1)
    params = dict(size, reps=max(1, size["reps"] // rounds))
    params.pop("rounds", None)
    merged = [None, None]
    for _ in range(rounds):
        for i, (impls, patch) in enumerate(((ours, None), (theirs, "0"))):
            if not impls:
                continue
            result = child(workload, dict(params, impls=impls), patch=patch)
            check_side(result, PATCHED and patch is None, "in-process")
            if merged[i] is None:
                merged[i] = result
            else:
                for impl in impls:
                    if impl in result:
                        merged[i][impl] = merged[i][impl] + result[impl]
    if merged[0]["skipped"]:
        raise SystemExit("bench: %s failed: %r" % (workload, merged[0]["skipped"]))
    return merged


def _impl_label(impl, versions):
    return {
        "asyncio": "asyncio (taskgroup_patch)" if PATCHED else "asyncio (native)",
        "backport": "taskgroup %s (PyPI backport)" % versions.get("taskgroup"),
        "anyio": "anyio %s (asyncio backend)" % versions.get("anyio"),
        "async_timeout": "async_timeout %s (PyPI)" % versions.get("async-timeout"),
    }[impl]


def _figure(name, workload, size, *, base, theirs, what, against, unit, scale,
            limit=None, goal=None, absolute_goal=None, native_goal=None,
            base_unpatched=False):
    """Our row against *base*, then one row per other library.

    absolute_goal: (limit, text) on our median in *unit*, instead of or on
    top of a ratio *limit*.  A library row says whether we are faster: our
    ratio to our baseline is lower than theirs to theirs, and our absolute
    median is lower than theirs (the baselines themselves differ a little
    between the patched and the unpatched child).
    """
    ours, other = _inproc(workload, ["asyncio", base], [base] + theirs if theirs else [], size)
    label = _impl_label("asyncio", ours["versions"])
    if base_unpatched and PATCHED:
        # The baseline is the interpreter's own version of *base*, which the
        # patch replaces: take it from the package-off child of each round.
        ours[base] = other[base]
    ratio = statistics.median(_ratios(ours["asyncio"], ours[base]))
    value = statistics.median(ours["asyncio"]) * scale
    met = None
    if absolute_goal is not None:
        met = value <= absolute_goal[0] and (limit is None or ratio <= limit)
        goal, limit = goal or absolute_goal[1], None
    kwargs = {"native_goal": native_goal} if native_goal else {}
    where = (", the interpreter's own in the package-off child of each round"
             if base_unpatched and PATCHED else ", same child, interleaved")
    emit(name, what=what % label, against=against + where,
         values=ours["asyncio"], baseline=ours[base], unit=unit, scale=scale,
         limit=limit, goal=goal, met=met, absolute=absolute_goal is not None or None,
         extra={"impl": label}, **kwargs)
    for impl in theirs:
        their_label = _impl_label(impl, other["versions"])
        if impl in other["skipped"]:
            _not_applicable(name, their_label, other["skipped"][impl])
            continue
        their_ratio = statistics.median(_ratios(other[impl], other[base]))
        their_value = statistics.median(other[impl]) * scale
        faster = (ratio < their_ratio and value < their_value) if PATCHED else None
        emit(name, what=what % their_label,
             against=against + ", separate child, package off",
             values=other[impl], baseline=other[base], unit=unit, scale=scale,
             goal="taskgroup_patch faster (ratio and value)" if PATCHED else None, met=faster,
             extra={"impl": their_label, "comparison": True, "ours_ratio": _r(ratio),
                    "ours_value": _r(value), "ours_faster": faster})


def _not_applicable(name, label, error):
    print(json.dumps({"figure": name, "python": PYTHON, "mode": MODE, "impl": label,
                      "comparison": True, "applies": False,
                      "note": "does not run on this interpreter: %s" % error}), flush=True)


@figure("taskgroup")
def fig_taskgroup(size):
    n = size["n"]
    _figure("taskgroup", "taskgroup", size, base="gather", theirs=["backport", "anyio"],
            what="task group of %%s with %d trivial tasks (created in the block)" % n,
            against="asyncio.gather(*[noop() for _ in range(%d)])" % n,
            unit="ms CPU", scale=1e3, limit=1.10)


@figure("taskgroup_empty")
def fig_taskgroup_empty(size):
    _figure("taskgroup_empty", "taskgroup_empty", size, base="trivial",
            theirs=["backport", "anyio"],
            what="empty `async with` task group of %s: absolute us per block",
            against=("an empty `async with` of a do-nothing class with async "
                     "__aenter__/__aexit__ (the floor; the goal is on the value)"),
            unit="us per block", scale=1e6 / size["m"], absolute_goal=(2.0, "<= 2 us"))


@figure("timeout_empty")
def fig_timeout_empty(size):
    _figure("timeout_empty", "timeout_empty", size, base="async_timeout",
            theirs=["backport", "anyio"],
            what="empty timeout(10) block of %s (anyio: `with fail_after(10)`)",
            against="empty `async with async_timeout.timeout(10)` (PyPI)",
            unit="us per block", scale=1e6 / size["m"], limit=1.0,
            absolute_goal=(5.0, "<= 1.0 and <= 5 us"))


@figure("timeout_fires")
def fig_timeout_fires(size):
    _figure("timeout_fires", "timeout_fires", size, base="wait_for",
            theirs=["async_timeout", "backport", "anyio"],
            what=("timeout of %%s, %g s, around `await asyncio.sleep(1)`: it fires on the "
                  "next loop iteration (anyio: fail_after)" % size["delay"]),
            against="asyncio.wait_for(asyncio.sleep(1), %g)" % size["delay"],
            unit="us per timeout", scale=1e6 / size["m"], limit=0.7, base_unpatched=True)


@figure("taskgroup_failure")
def fig_taskgroup_failure(size):
    n = size["n"]
    _figure("taskgroup_failure", "taskgroup_failure", size, base="gather",
            theirs=["backport", "anyio"],
            what=("task group of %%s: %d tasks each await a future, one more fails "
                  "after sleep(0); CPU to cancel the rest and raise the ExceptionGroup"
                  % (n - 1)),
            against=("asyncio.gather of the same %d tasks, the last one resolving the "
                     "others' futures instead of failing" % n),
            unit="ms CPU", scale=1e3,
            goal="<= native 3.12's ratio (compared in bench/README.md)",
            native_goal="reference: 3.8-3.10 must be <= this ratio")


def native_python(version):
    """The pyenv-installed CPython *version* ("3.12"), newest patch level, or None."""
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    folder = os.path.join(root, "versions")
    found = []
    for name in os.listdir(folder) if os.path.isdir(folder) else ():
        if name.startswith(version + ".") and name[len(version) + 1:].isdigit():
            python = os.path.join(folder, name, "bin", "python")
            if os.path.exists(python):
                found.append((int(name[len(version) + 1:]), python))
    return max(found)[1] if found else None


def native_child(python, workload, params):
    """Run bench/_child.py WORKLOAD with a bare interpreter (no venv, no package)."""
    proc = subprocess.run([python, "-I", CHILD, workload, json.dumps(params)],
                          env=_clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True)
    if proc.returncode != 0 or proc.stderr.strip():
        raise SystemExit("bench child %s on %s failed (exit %s):\n%s%s"
                         % (workload, python, proc.returncode, proc.stdout, proc.stderr))
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _eager_figure(name, size, what, limit=None):
    """Eager factory against none, in one child; native 3.12's ratio beside it.

    Ours runs in a child with the package's default; a bare CPython 3.12
    (pyenv) runs the same workload in alternate rounds, so that both ratios
    see the same machine.
    """
    rounds = size.get("rounds", 1)
    params = dict(size, reps=max(1, size["reps"] // rounds), impls=["eager", "lazy"])
    params.pop("rounds", None)
    reference = native_python("3.12")
    ours = {"eager": [], "lazy": []}
    theirs = {"eager": [], "lazy": []}
    for _ in range(rounds):
        result = child(name, params)
        check_side(result, PATCHED, "eager")
        for impl in ours:
            ours[impl] += result[impl]
        if reference is not None:
            result = native_child(reference, name, params)
            for impl in theirs:
                theirs[impl] += result[impl]
    their_ratio = (statistics.median(_ratios(theirs["eager"], theirs["lazy"]))
                   if reference is not None else None)
    if limit is None:
        goal = "<= native 3.12's ratio (%s)" % _r(their_ratio)
        met = their_ratio is not None and (
            statistics.median(_ratios(ours["eager"], ours["lazy"])) <= their_ratio)
    else:
        goal, met = None, None
    label = "asyncio (taskgroup_patch)" if PATCHED else "asyncio (native)"
    emit(name, what=what % label, against="the same without a task factory, same child, "
         "interleaved", values=ours["eager"], baseline=ours["lazy"], unit="ms CPU",
         scale=1e3, limit=limit, goal=goal, met=met, extra={"impl": label},
         native_goal="reference (native asyncio)")
    if reference is not None:
        their_label = "native CPython 3.12 (%s)" % reference
        emit(name, what=what % their_label, against="the same without a task factory, "
             "same child, interleaved", values=theirs["eager"], baseline=theirs["lazy"],
             unit="ms CPU", scale=1e3, goal="reference", met=None,
             extra={"impl": their_label, "comparison": True})


@figure("eager_gather")
def fig_eager_gather(size):
    _eager_figure("eager_gather", size,
                  "%d coroutines that return without suspending, gathered, with "
                  "eager_task_factory: %%s" % size["n"])


@figure("eager_suspend")
def fig_eager_suspend(size):
    _eager_figure("eager_suspend", size,
                  "%d coroutines that suspend once (sleep(0)), gathered, with "
                  "eager_task_factory: %%s" % size["n"], limit=1.05)


@figure("context_steps")
def fig_context_steps(size):
    values, baseline, _, _ = _paired_children("context_steps", size)
    emit("context_steps",
         what="%d sleep(0) steps of the main task of asyncio.run() (a task given the "
              "runner's context): %s" % (size["n"], _side_label()),
         against=C_TASK + ", made by the interpreter's own asyncio.run()",
         values=values, baseline=baseline, unit="ms CPU", scale=1e3, limit=1.05,
         extra=_per_task(values, baseline, size["n"]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes and few repetitions (< 60 s): a smoke run")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help="run only this figure (repeatable; comma-separated ok)")
    parser.add_argument("--list", action="store_true", help="list figure names and exit")
    args = parser.parse_args(argv)
    names = [name for name, _ in FIGURES]
    if args.list:
        print("\n".join(names))
        return 0
    only = [n for item in args.only for n in item.split(",") if n]
    unknown = sorted(set(only) - set(names))
    if unknown:
        parser.error("unknown figure(s) %s; choose from %s" % (", ".join(unknown), ", ".join(names)))
    started = time.monotonic()
    seconds = {}
    for name, fn in FIGURES:
        if only and name not in only:
            continue
        t0 = time.monotonic()
        fn(SIZES[name][1 if args.quick else 0])
        seconds[name] = round(time.monotonic() - t0, 1)
    summary = {
        "summary": PYTHON, "mode": MODE, "quick": args.quick,
        "seconds": round(time.monotonic() - started, 1), "figure_seconds": seconds,
        "verdicts": SUMMARY,
    }
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
