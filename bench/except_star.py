"""except* support costs (issue 12, item 11): one JSON line per figure.

    python bench/except_star.py            # every figure
    python bench/except_star.py --quick    # tiny sizes (a smoke run)
    python bench/except_star.py --only es_try_no_exception

Run it like bench/run.py, with the interpreter of a venv that has the
taskgroup_patch wheel installed; valgrind counts the start-up figures.

* es_startup, es_import_asyncio, es_script, es_plain_imports: instructions
  (callgrind, fixed hash seeds) with a copy of the package as installed,
  against a twin venv whose copy never arms except* support (the same
  start-up module without its two except*-arming calls).  Goal: within 0.5%.
* es_try_no_exception: a loop around a try whose body raises nothing, with
  an except* clause, against the same loop with a plain except clause (the
  same bytecode on that path: the goal allows 2% of timing noise).
* es_two_leaves: a two-leaf group caught by two except* handlers, against
  exceptiongroup.catch() with the same two handlers.
* es_first_import: importing a module that uses except* with no cache at
  all, against importing its twin written with plain except (no .pyc).
* es_cached_import: the same module from the package's cache, against the
  twin from its fresh .pyc.  Both import figures are in-process, after a
  first import: a process pays once more for loading the compiler (first
  import) or the glue module (cached), and always for the runtime, which
  imports ctypes and exceptiongroup.

The last four are timed in a child process (CPU time, interleaved, the median
of the per-pair ratios); on 3.11+ they do not apply (except* is native).
"""

import argparse
import importlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run as bench  # noqa: E402  (bench/run.py: venvs, callgrind, output)

SIZES = {
    "es_startup": ({"seeds": 5}, {"seeds": 1}),
    "es_import_asyncio": ({"seeds": 5}, {"seeds": 1}),
    "es_script": ({"seeds": 5}, {"seeds": 1}),
    "es_plain_imports": ({"seeds": 5, "modules": 40}, {"seeds": 1, "modules": 10}),
    "es_try_no_exception": ({"n": 200_000, "reps": 21}, {"n": 20_000, "reps": 3}),
    "es_two_leaves": ({"n": 5_000, "reps": 21}, {"n": 500, "reps": 3}),
    "es_first_import": ({"reps": 21, "batch": 3, "functions": 60},
                        {"reps": 3, "batch": 1, "functions": 20}),
    "es_cached_import": ({"reps": 21, "batch": 30, "functions": 60},
                         {"reps": 3, "batch": 5, "functions": 20}),
}

# The start-up module, and its two calls that arm except* support at start-up.
STARTUP = "_taskgroup_patch_startup.py"
ARMING = ("\n        _arm_except_star()\n",
          "\n            _arm_main_script()\n")


# --- start-up figures: the package as installed, and a copy that never arms

def twin_venvs():
    """Two venvs of this interpreter, as alike as can be: (arming, not arming).

    Made from bench/run.py's venv with the package, each with a copy of the
    package at a path of the same length; the second copy's __init__.py lacks
    the two calls that arm except* support.  Everything else in
    site-packages is the same symlinks.
    """
    with_package = bench.mirror_venvs()[0]
    prefix = os.path.dirname(os.path.dirname(with_package))
    pythons = []
    for arming in (True, False):
        venv = "%s-except-star-%d" % (prefix, arming)
        python = os.path.join(venv, "bin", "python")
        if not os.path.exists(python):
            subprocess.run([os.path.realpath(sys.executable), "-m", "venv", "--without-pip",
                            venv], check=True, env=bench._clean_env())
        ours, theirs = bench._site_packages(prefix), bench._site_packages(venv)
        bench._empty(theirs)
        for name in os.listdir(ours):
            source = os.path.join(ours, name)
            if name == "taskgroup_patch":
                shutil.copytree(os.path.realpath(source), os.path.join(theirs, name),
                                ignore=shutil.ignore_patterns("__pycache__"))
            elif name == STARTUP:
                shutil.copy(os.path.realpath(source), os.path.join(theirs, name))
            else:
                os.symlink(os.path.realpath(source), os.path.join(theirs, name))
        if not arming:
            startup = os.path.join(theirs, STARTUP)
            with open(startup) as f:
                text = f.read()
            for call in ARMING:
                if text.count(call) != 1:
                    raise SystemExit("bench: cannot find the except* arming in %s" % startup)
                # The same lines, less the call: the module's size and shape stay.
                text = text.replace(call, call.replace("_arm_", "pass  # _arm_", 1))
            with open(startup, "w") as f:
                f.write(text)
        pythons.append(python)
    return pythons


def _arming_instructions(figure_name, size, what, code=None, argv=(), cwd=None):
    if shutil.which("valgrind") is None:
        print(json.dumps({"figure": figure_name, "python": bench.PYTHON, "mode": bench.MODE,
                          "applies": False, "note": "valgrind is not installed"}), flush=True)
        return
    armed, unarmed = twin_venvs()
    tail = ["-c", code] if code is not None else list(argv)
    cmds = [[armed] + tail, [unarmed] + tail]
    for cmd in cmds:  # writes the .pyc files, like a warm-up
        subprocess.run(cmd, env=bench._clean_env(), cwd=cwd, check=True,
                       stdout=subprocess.DEVNULL)
    values, baseline = [], []
    for seed in range(1, size["seeds"] + 1):
        env = bench._clean_env(PYTHONHASHSEED=str(seed))
        values.append(_instructions_in(cmds[0], env, cwd))
        baseline.append(_instructions_in(cmds[1], env, cwd))
    bench.emit(figure_name, what=what,
               against="same interpreter, twin venv whose package does not arm except*",
               values=values, baseline=baseline, unit="M instructions", scale=1e-6,
               limit=1.005, goal="<= 1.005",
               extra={"extra_instructions": int(statistics.median(values)
                                                - statistics.median(baseline))})


def _instructions_in(cmd, env, cwd):
    if cwd is None:
        return bench.instructions_of(cmd, env)
    here = os.getcwd()
    os.chdir(cwd)
    try:
        return bench.instructions_of(cmd, env)
    finally:
        os.chdir(here)


FIGURES = []


def figure(fn):
    FIGURES.append((fn.__name__[4:], fn))
    return fn


@figure
def fig_es_startup(size):
    _arming_instructions("es_startup", size, "`python -c pass`, instructions", code="pass")


@figure
def fig_es_import_asyncio(size):
    _arming_instructions("es_import_asyncio", size, "`python -c 'import asyncio'`, instructions",
                         code="import asyncio")


@figure
def fig_es_script(size):
    # A script without except* is read and searched at start-up.
    with tempfile.TemporaryDirectory() as folder:
        with open(os.path.join(folder, "script.py"), "w") as f:
            f.write(_module(40, star=0))
        _arming_instructions("es_script", size,
                             "`python script.py` (a 40-function script without except*), "
                             "instructions", argv=["script.py"], cwd=folder)


@figure
def fig_es_plain_imports(size):
    with tempfile.TemporaryDirectory() as folder:
        names = []
        for i in range(size["modules"]):
            names.append("plain%d" % i)
            with open(os.path.join(folder, names[-1] + ".py"), "w") as f:
                f.write(_module(10, star=0))
        _arming_instructions("es_plain_imports", size,
                             "`python -c 'import ...'` of %d modules without except* from "
                             "fresh .pyc files, instructions" % len(names),
                             code="import " + ", ".join(names), cwd=folder)


# --- the workloads timed in a child

def _module(functions, star):
    """Source of a module of *functions* functions; *star* of them use except*."""
    parts = ['"""A generated module."""\n\nimport os\n\n']
    for i in range(functions):
        clause = "except*" if i < star else "except"
        parts.append(textwrap.dedent("""\
            def function_{i}(items, default=None):
                \"\"\"Return the first item that converts, else default.\"\"\"
                total = 0
                for item in items:
                    try:
                        total += int(item) * {i}
                    {clause} (ValueError, TypeError):
                        total -= 1
                    finally:
                        total += len(os.sep)
                if total > 100:
                    return {{"total": total, "index": {i}, "items": list(items)}}
                return default


            """).format(i=i, clause=clause))
    return "".join(parts)


def _timed(fn, *args):
    start = time.process_time()
    fn(*args)
    return time.process_time() - start


def _pairs(ours, theirs, reps, warm=2):
    values, baseline = [], []
    for i in range(warm + reps):
        first, second = (ours, theirs) if i % 2 == 0 else (theirs, ours)
        a, b = _timed(first), _timed(second)
        if i % 2:
            a, b = b, a
        if i >= warm:
            values.append(a)
            baseline.append(b)
    return values, baseline


def _compiled(source):
    from taskgroup_patch.exceptstar import loader
    namespace = {}
    exec(loader.compile(textwrap.dedent(source), "<bench>", "exec", dont_inherit=True), namespace)
    return namespace


def child_es_try_no_exception(size):
    body = """
    def run(n):
        x = 0
        for i in range(n):
            try:
                x += i
            %s ValueError:
                x = -1
        return x
    """
    star = _compiled(body % "except*")["run"]
    plain = _compiled(body % "except")["run"]
    n = size["n"]
    return _pairs(lambda: star(n), lambda: plain(n), size["reps"])


def child_es_two_leaves(size):
    import exceptiongroup
    from exceptiongroup import ExceptionGroup
    star = _compiled("""
    from exceptiongroup import ExceptionGroup

    def run(n):
        for _ in range(n):
            try:
                raise ExceptionGroup("g", [ValueError(1), KeyError(2)])
            except* ValueError:
                pass
            except* KeyError:
                pass
    """)["run"]

    def handler(group):
        pass

    def catch(n):
        for _ in range(n):
            with exceptiongroup.catch({ValueError: handler, KeyError: handler}):
                raise ExceptionGroup("g", [ValueError(1), KeyError(2)])

    n = size["n"]
    return _pairs(lambda: star(n), lambda: catch(n), size["reps"])


def _import_pair(size, cached):
    folder = tempfile.mkdtemp()
    sys.path.insert(0, folder)
    try:
        for name, star in (("star_module", 5), ("plain_module", 0)):
            with open(os.path.join(folder, name + ".py"), "w") as f:
                f.write(_module(size["functions"], star))
        pycache = os.path.join(folder, "__pycache__")

        def load(name):
            def run():
                for _ in range(size["batch"]):
                    if not cached:
                        shutil.rmtree(pycache, ignore_errors=True)
                    sys.modules.pop(name, None)
                    importlib.import_module(name)
            return run
        return _pairs(load("star_module"), load("plain_module"), size["reps"], warm=3)
    finally:
        sys.path.remove(folder)
        shutil.rmtree(folder)


def child_es_first_import(size):
    return _import_pair(size, cached=False)


def child_es_cached_import(size):
    return _import_pair(size, cached=True)


TIMED = {
    "es_try_no_exception": (
        "a loop of try blocks whose body raises nothing, with an except* clause",
        "the same loop with a plain except clause", 1.02),
    "es_two_leaves": (
        "raise a two-leaf ExceptionGroup, caught by two except* handlers",
        "the same with exceptiongroup.catch() and two handlers", 1.0),
    "es_first_import": (
        "import of a 60-function module, 5 functions with except*, no cache",
        "import of its twin written with plain except, no .pyc (a normal compile)", 5.0),
    "es_cached_import": (
        "import of the same module from the package's cache file",
        "import of the twin from its fresh .pyc", 1.5),
}


def _timed_figure(name):
    def fig(size):
        what, against, limit = TIMED[name]
        if not bench.PATCHED:
            print(json.dumps({"figure": name, "python": bench.PYTHON, "mode": bench.MODE,
                              "applies": False, "note": "except* is native on 3.11+"}),
                  flush=True)
            return
        proc = subprocess.run([sys.executable, __file__, "--child", name, json.dumps(size)],
                              env=bench._clean_env(), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, universal_newlines=True)
        if proc.returncode != 0 or proc.stderr.strip():
            raise SystemExit("bench child %s failed:\n%s%s" % (name, proc.stdout, proc.stderr))
        values, baseline = json.loads(proc.stdout)
        bench.emit(name, what=what, against=against, values=values, baseline=baseline,
                   unit="ms CPU", scale=1e3, limit=limit, goal="<= %g" % limit)
    FIGURES.append((name, fig))


for _name in TIMED:
    _timed_figure(_name)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (a smoke run)")
    parser.add_argument("--only", action="append", default=[], metavar="NAME")
    parser.add_argument("--child", nargs=2, metavar=("NAME", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        name, size = args.child
        print(json.dumps(globals()["child_" + name](json.loads(size))))
        return 0
    only = [n for item in args.only for n in item.split(",") if n]
    for name, fn in FIGURES:
        if not only or name in only:
            fn(SIZES[name][1 if args.quick else 0])
    print(json.dumps({"summary": bench.PYTHON, "mode": bench.MODE, "quick": args.quick,
                      "verdicts": bench.SUMMARY}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
