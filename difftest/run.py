"""Driver: generate programs, run them everywhere, compare, shrink, report.

    python -m difftest --programs 200 --seed 0
    python -m difftest --replay difftest/out/divergences.jsonl

Interpreters are given as NAME=PYTHON (``--ref``, ``--target``, ``--info``);
by default they are the venvs that ``nox -s difftest`` makes under
.nox/difftest-venvs/ (patched 3.8, 3.9, 3.10 with the wheel; native 3.12,
3.13 without it).  The reference is native 3.13.  Targets must match it;
``--info`` interpreters are compared and reported, never judged.
"""

import argparse
import collections
import difflib
import itertools
import json
import os
import pathlib
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from difftest import gen  # noqa: E402

WORKER = HERE / "worker.py"
HARNESS = HERE / "harness.py"
KNOWN = HERE / "known_divergences.json"
VENVS = ROOT / ".nox" / "difftest-venvs"
PROGRAM_TIMEOUT = 30.0  # wall-clock seconds; past that a worker is hung


# -- workers -----------------------------------------------------------------

class Worker:
    """One interpreter running worker.py; programs go in, traces come out."""

    def __init__(self, name, python, jitter=False):
        self.name = name
        self.python = python
        self.jitter = jitter
        self.hangs = 0
        self._start()

    def _start(self):
        env = dict(os.environ)
        env.pop("TASKGROUP_PATCH", None)   # default: patched on 3.8-3.10 only
        env["PYTHONHASHSEED"] = "0"
        env.pop("PYTHONPATH", None)
        if self.jitter:
            env["DIFFTEST_JITTER"] = "1"
        # Where the worker writes the program it imports; removed here,
        # since a worker is killed rather than asked to stop.
        self.dir = tempfile.mkdtemp(prefix="difftest-")
        env["DIFFTEST_DIR"] = self.dir
        self.proc = subprocess.Popen(
            [self.python, "-X", "faulthandler", str(WORKER)], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1, env=env)
        self.lines = queue.Queue()
        self.outstanding = set()
        self.stash = {}
        threading.Thread(target=self._read, args=(self.proc, self.lines), daemon=True).start()
        first = self.lines.get(timeout=120)
        if first is None:
            raise SystemExit("difftest: worker %s (%s) did not start" % (self.name, self.python))
        self.info = json.loads(first)

    @staticmethod
    def _read(proc, lines):
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    def send(self, pid, src):
        self.outstanding.add(pid)
        self.proc.stdin.write(json.dumps({"id": pid, "src": src}) + "\n")
        self.proc.stdin.flush()

    def recv(self, pid):
        """The trace of request *pid*; answers to later requests are kept."""
        while pid not in self.stash:
            try:
                line = self.lines.get(timeout=PROGRAM_TIMEOUT)
            except queue.Empty:
                line = None
            if line is None:
                # Hung (or died): the program's outcome is "hang", and so is
                # that of every request it had not answered; start afresh.
                self.hangs += 1
                self.close()
                for other in self.outstanding:
                    self.stash[other] = {"hang": True}
                self.outstanding = set()
                self._start()
                break
            answer = json.loads(line)
            self.outstanding.discard(answer["id"])
            self.stash[answer["id"]] = answer["trace"]
        return self.stash.pop(pid)

    def close(self):
        try:
            self.proc.kill()
        except OSError:
            pass
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


_request_ids = itertools.count(1)


def run_everywhere(workers, src):
    pid = next(_request_ids)
    for w in workers:
        w.send(pid, src)
    return {w.name: w.recv(pid) for w in workers}


# -- comparison --------------------------------------------------------------

def canon(trace):
    return json.dumps(trace, sort_keys=True)


def _drop(node, key, of_type=None):
    """*node* without *key* in any of its exceptions (only those of *of_type*, if given)."""
    if isinstance(node, dict):
        drop = of_type is None or node.get("type") == of_type
        return {k: _drop(v, key, of_type) for k, v in node.items() if not (drop and k == key)}
    if isinstance(node, list):
        return [_drop(v, key, of_type) for v in node]
    return node


def _strip_cancelled_context(ref, trace):
    """Projection: drop the __context__ chain of every CancelledError, and
    the message of the one that the main task's result raised."""
    def project(t):
        t = _drop(t, "ctx", "CancelledError")
        raised = t.get("main", {}).get("raised")
        if isinstance(raised, dict) and raised.get("type") == "CancelledError":
            t = dict(t, main={"raised": {"type": "CancelledError"}})
        return t
    return project(ref), project(trace)


def _taken_result_message(ref, trace):
    """Projection: drop, in both traces, the message of each CancelledError that
    the target chained to another CancelledError: one raised anew by taking a
    cancelled task's result in the program (as_completed()'s for-iteration does)."""
    def walk(a, b):
        if isinstance(a, dict) and isinstance(b, dict):
            if b.get("type") == "CancelledError" and (b.get("ctx") or [None])[0] == "CancelledError":
                a = {k: v for k, v in a.items() if k != "msg"}
                b = {k: v for k, v in b.items() if k != "msg"}
            pairs = {k: walk(a[k], b[k]) for k in set(a) & set(b)}
            return ({k: pairs[k][0] if k in pairs else v for k, v in a.items()},
                    {k: pairs[k][1] if k in pairs else v for k, v in b.items()})
        if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            pairs = [walk(x, y) for x, y in zip(a, b)]
            return [x for x, _ in pairs], [y for _, y in pairs]
        return a, b
    return walk(ref, trace)


def _no_cancel_message(ref, trace):
    """Projection: drop the message of every CancelledError."""
    return _drop(ref, "msg", "CancelledError"), _drop(trace, "msg", "CancelledError")


def _no_context(ref, trace):
    """Projection: drop every __context__ chain."""
    return _drop(ref, "ctx"), _drop(trace, "ctx")


PROJECTIONS = {
    "taken_result_message": _taken_result_message,
    "no_context": _no_context,
    "no_cancel_message": _no_cancel_message,
    "cancelled_error_context": _strip_cancelled_context,
}


def load_known(path=KNOWN):
    if not path.exists():
        return []
    known = json.loads(path.read_text())
    for rule in known:
        if rule["projection"] not in PROJECTIONS:
            raise SystemExit("difftest: %s: unknown projection %r" % (path, rule["projection"]))
    return known


def classify(ref, trace, name, known):
    """'same'; or the ids of the known divergences that explain the
    difference, joined by '+'; or None: a divergence."""
    if canon(ref) == canon(trace):
        return "same"
    used = []
    for rule in known:
        if name.split("-")[0] in rule["interpreters"]:
            ref, trace = PROJECTIONS[rule["projection"]](ref, trace)
            used.append(rule["id"])
            if canon(ref) == canon(trace):
                return "+".join(used)
    return None


def diff(ref, trace, ref_name, name):
    a = json.dumps(ref, indent=1, sort_keys=True).splitlines()
    b = json.dumps(trace, indent=1, sort_keys=True).splitlines()
    return "\n".join(difflib.unified_diff(a, b, ref_name, name, lineterm="", n=4))


def differing_keys(ref, trace):
    keys = sorted(set(ref) | set(trace))
    return tuple(k for k in keys if canon(ref.get(k)) != canon(trace.get(k)))


def features_seen(trace):
    """What a reference trace shows happened: for the coverage summary."""
    seen = set()

    def exc(d, where):
        if not isinstance(d, dict):
            return
        t = d.get("type")
        seen.add("%s %s" % (where, t))
        if d.get("msg") == "unhandled errors in a TaskGroup":
            seen.add("TaskGroup error group of %s" % ("1" if len(d["excs"]) == 1 else "2+"))
            if any(e.get("msg") == "unhandled errors in a TaskGroup" for e in d["excs"]):
                seen.add("nested TaskGroup error groups")
        for e in d.get("excs", []):
            exc(e, "in group:")
        if "ctx" in d:
            seen.add("exception with __context__")

    main = trace.get("main", {})
    if "raised" in main:
        exc(main["raised"], "main raised")
    elif "aborted" in main:
        seen.add("main " + main["aborted"])
    for who, events in trace.get("events", {}).items():
        for e in events:
            kind = e[2]
            if isinstance(e[1], int) and e[1] > 0:
                seen.add("checkpoint with cancelling() > 0")
            if kind == "caught":
                exc(e[4], "caught")
            elif kind == "caught*":
                got = e[4]
                seen.add("except* caught %d leaf/leaves" % min(len(got["leaves"]), 2))
                seen.add("except* caught from %s" % (
                    "a TaskGroup" if got["group"]["msg"] == "unhandled errors in a TaskGroup"
                    else "a naked exception" if got["group"]["msg"] == "" else "a group"))
                if not got["is_matched"]:
                    seen.add("except*: sys.exception() is not the matched group")
            elif kind == "left*":
                exc(e[4], "left except*:")
            elif kind == "after*":
                seen.add("except* block left normally")
            elif kind == "uncancel":
                seen.add("uncancel() -> %s" % ("0" if e[-1] == 0 else ">0" if isinstance(e[-1], int) else e[-1]))
            elif kind == "cancel":
                seen.add("cancel() -> %s (%s)" % (e[-1], "loop" if who.startswith("@") else "task"))
            elif kind == "tm-exit" and e[-1]:
                seen.add("timeout block left normally after expiring")
            elif kind == "resched":
                seen.add("reschedule() -> %s" % ("error" if isinstance(e[-1], dict) else "ok"))
            elif kind == "cv":
                seen.add("ContextVar read")
            elif kind in ("shielded", "wait_for"):
                seen.add(kind + " returned")
            elif kind == "completed":
                seen.add("as_completed yielded %s" % (
                    "an original task" if isinstance(e[3], int) else "an outcome"))
            elif kind == "as_completed":
                seen.add("as_completed timed out")
            elif kind == "thread":
                seen.add("to_thread returned")
            elif kind in ("put", "got"):
                seen.add("queue %s%s" % (kind, ": shut down" if e[-1] == "shut down" else ""))
            elif kind in ("shutdown", "task_done", "joined"):
                seen.add("queue %s%s" % (kind, " (immediate)" if e[3:4] == [True] else ""))
    for expired, _ in trace.get("timeouts", {}).values():
        seen.add("timeout expired" if expired else "timeout not expired")
    for state in trace.get("final", {}).values():
        if isinstance(state, str):
            seen.add("task " + state)
        elif "raised" in state:
            seen.add("task raised")
    for message, _ in trace.get("handler", []):
        seen.add("exception handler: " + message[:40])
    return seen


# -- shrinking ---------------------------------------------------------------

def _bodies(node, path=()):
    """Paths (from the program root) of every statement list."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("main", "body", "fin") and isinstance(value, list):
                yield path + (key,)
                for i, s in enumerate(value):
                    yield from _bodies(s, path + (key, i))
            elif key == "handlers":
                for i, h in enumerate(value):
                    yield from _bodies(h, path + (key, i))


def _get(program, path):
    node = program
    for p in path:
        node = node[p]
    return node


_SIMPLER_INT = ("n", "d", "v", "at")


def candidates(program):
    """Smaller or simpler variants of *program*, biggest cuts first."""
    for i in range(len(program["sched"])):
        p = gen.clone(program)
        del p["sched"][i]
        yield p
    paths = list(_bodies(program))
    for path in paths:
        body = _get(program, path)
        for i in range(len(body)):
            p = gen.clone(program)
            del _get(p, path)[i]
            yield p
    for path in paths:
        body = _get(program, path)
        for i, s in enumerate(body):
            for key in ("body", "fin"):
                if isinstance(s.get(key), list):
                    # Replace the statement by its body (or finally block).
                    p = gen.clone(program)
                    b = _get(p, path)
                    b[i:i + 1] = gen.clone(s[key])
                    yield p
            if s["k"] in ("try", "tstar") and s["fin"] is not None:
                p = gen.clone(program)
                _get(p, path)[i]["fin"] = None
                yield p
            if s["k"] == "tstar":
                for j, h in enumerate(s["handlers"]):
                    if len(s["handlers"]) > 1:
                        p = gen.clone(program)
                        del _get(p, path)[i]["handlers"][j]
                        yield p
                    if h["act"] != "pass":
                        p = gen.clone(program)
                        _get(p, path)[i]["handlers"][j]["act"] = "pass"
                        yield p
            for key in _SIMPLER_INT:
                if isinstance(s.get(key), int) and s[key] > 0:
                    for smaller in sorted({0, s[key] - 1}):
                        p = gen.clone(program)
                        _get(p, path)[i][key] = smaller
                        yield p
            if s["k"] == "raise" and s["exc"] != "ValueError":
                p = gen.clone(program)
                _get(p, path)[i]["exc"] = "ValueError"
                yield p
            if s["k"] == "timeout" and s["mode"] != "rel":
                p = gen.clone(program)
                _get(p, path)[i]["mode"] = "rel"
                yield p
    for i, e in enumerate(program["sched"]):
        if e["at"] > 0:
            for smaller in sorted({0, e["at"] - 1}):
                p = gen.clone(program)
                p["sched"][i]["at"] = smaller
                yield p


def kinds_used(program):
    """The statement kinds a program uses."""
    out = set()

    def walk(node):
        if isinstance(node, dict):
            if "k" in node:
                out.add(node["k"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(program["main"])
    return out


def size(program):
    return len(gen.dumps(program))


def shrink(program, still_diverges, budget=2000):
    """Greedy delta reduction: take any simpler variant that still diverges."""
    current = program
    tries = 0
    progress = True
    while progress and tries < budget:
        progress = False
        for cand in candidates(current):
            if size(cand) > size(current) or gen.dumps(cand) == gen.dumps(current):
                continue
            tries += 1
            if still_diverges(cand):
                current = cand
                progress = True
                break
            if tries >= budget:
                break
    return current


def standalone(program):
    """A runnable script: the harness, the program, and a main that prints the trace."""
    harness = HARNESS.read_text()
    return (harness + "\n\n# ---- the program " + "-" * 58 + "\n\n" + gen.render(program)
            + "\n\n\nif __name__ == '__main__':\n"
              "    print(json.dumps(run_program(globals()), indent=1, sort_keys=True))\n")


# -- the run -----------------------------------------------------------------

def default_interpreters():
    def venv(v):
        return str(VENVS / v / "bin" / "python")
    return (("3.13", venv("3.13")),
            [(v, venv(v)) for v in ("3.8", "3.9", "3.10")],
            [("3.12", venv("3.12"))])


def parse_pairs(values):
    out = []
    for v in values:
        name, _, python = v.partition("=")
        if not python:
            raise SystemExit("difftest: expected NAME=PYTHON, got %r" % v)
        out.append((name, python))
    return out


def generate(n, seed, features, callback):
    """Call callback(program) for n programs drawn by hypothesis with this seed."""
    from hypothesis import HealthCheck, Phase, given, settings, Verbosity
    from hypothesis import seed as hseed

    @settings(max_examples=n, database=None, deadline=None, derandomize=False,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate],
              verbosity=Verbosity.quiet)
    @hseed(seed)
    @given(gen.programs(features))
    def each(program):
        callback(program)

    each()


class Session:
    def __init__(self, args):
        self.args = args
        self.known = load_known()
        ref, targets, infos = default_interpreters()
        if args.ref:
            ref = parse_pairs([args.ref])[0]
        if args.target:
            targets = parse_pairs(args.target)
        if args.info is not None:
            infos = parse_pairs(args.info)
        for _, python in [ref] + targets + infos:
            if not os.path.exists(python):
                raise SystemExit("difftest: no interpreter at %s (run `nox -s difftest` "
                                 "once, or pass --ref/--target/--info)" % python)
        self.ref = Worker(ref[0], ref[1])
        self.ref2 = Worker(ref[0] + "-again", ref[1], jitter=True) if not args.no_recheck else None
        self.targets = [Worker(n, p) for n, p in targets]
        self.infos = [Worker(n, p) for n, p in infos]
        self.check_interpreters()
        # ref2 (the reference with other memory addresses) only reruns
        # programs that diverge: see confirm().
        self.workers = [self.ref] + self.targets + self.infos
        self.stats = {w.name: {"same": 0, "known": {}, "diverged": 0, "unsure": 0}
                      for w in self.targets + self.infos}
        self.count = 0
        self.pending = collections.deque()
        self.jitter_workers = {}
        self.distinct = set()
        self.coverage = {}
        self.ref_errors = []
        self.divergences = []    # (program, {name: trace}, ref trace)
        self.out = pathlib.Path(args.out)

    def check_interpreters(self):
        ri = self.ref.info
        if ri["patched"] or not ri["has_taskgroup"]:
            raise SystemExit("difftest: the reference must be native 3.11+: %s" % ri)
        for w in self.targets:
            if not w.info["has_taskgroup"]:
                raise SystemExit("difftest: %s has no asyncio.TaskGroup (wheel not installed?): %s"
                                 % (w.name, w.info))
        for w in [self.ref] + self.targets + self.infos:
            print("difftest: %-6s %s %s" % (w.name, w.info["python"],
                                           "patched" if w.info["patched"] else "native"),
                  file=sys.stderr)

    def close(self):
        for w in self.workers + ([self.ref2] if self.ref2 else []) + \
                list(self.jitter_workers.values()):
            w.close()

    def traces(self, program, workers=None):
        return run_everywhere(workers or self.workers, gen.render(program))

    def check(self, program):
        """Run *program* everywhere; judge it once the next one has been sent.

        The workers run one program while hypothesis draws the next.
        """
        pid = next(_request_ids)
        src = gen.render(program)
        for w in self.workers:
            w.send(pid, src)
        self.pending.append((pid, program))
        if len(self.pending) > 1:
            self.judge(*self.pending.popleft())

    def flush(self):
        while self.pending:
            self.judge(*self.pending.popleft())

    def judge(self, pid, program):
        self.count += 1
        self.distinct.add(gen.dumps(program))
        traces = {w.name: w.recv(pid) for w in self.workers}
        ref = traces[self.ref.name]
        if "harness_error" in ref or "hang" in ref:
            self.ref_errors.append((program, ref))
            return
        for f in features_seen(ref):
            self.coverage[f] = self.coverage.get(f, 0) + 1
        verdicts = {w.name: classify(ref, traces[w.name], w.name, self.known)
                    for w in self.targets + self.infos}
        names = [n for n, v in verdicts.items() if v is None]
        if names:
            verdicts.update(self.confirm(program, ref, names))
        bad = {}
        for w in self.targets + self.infos:
            verdict = verdicts[w.name]
            st = self.stats[w.name]
            if verdict == "same":
                st["same"] += 1
            elif verdict == "unsure":
                st["unsure"] += 1
            elif verdict is not None:
                st["known"][verdict] = st["known"].get(verdict, 0) + 1
            else:
                st["diverged"] += 1
                if w in self.targets:
                    bad[w.name] = traces[w.name]
        if bad:
            self.divergences.append((program, bad, ref))
        if self.count % self.args.progress == 0:
            self.progress()

    def jittered(self, worker):
        """A second worker for this interpreter, with other memory addresses."""
        if worker.name not in self.jitter_workers:
            self.jitter_workers[worker.name] = Worker(worker.name + "-again", worker.python,
                                                      jitter=True)
        return self.jitter_workers[worker.name]

    def confirm(self, program, ref, names, ref_runs=12, target_runs=3):
        """Verdicts for interpreters whose trace differed from the reference's.

        A TaskGroup cancels its children in the order of a set of tasks
        (memory addresses), so some programs have more than one correct
        trace.  The reference runs again, mostly in a second process that
        shuffles memory before each program, and so do the diverging
        interpreters.  An interpreter is "same" (or a known divergence) if
        each of its traces is one the reference gave; diverging (None) if
        the reference always gave one trace and it always gave another one;
        "unsure" otherwise.
        """
        refs = [self.ref2, self.ref2, self.ref] if self.ref2 else [self.ref]
        variants = {canon(ref): ref}
        for i in range(ref_runs):
            w = refs[i % len(refs)]
            t = self.traces(program, [w])[w.name]
            variants.setdefault(canon(t), t)
        targets = [w for w in self.targets + self.infos if w.name in names]
        if self.ref2:
            targets += [self.jittered(w) for w in targets]
        seen = {n: {} for n in names}
        for _ in range(target_runs):
            traces = self.traces(program, targets)
            for w in targets:
                n = w.name.split("-")[0]
                seen[n].setdefault(canon(traces[w.name]), traces[w.name])
        out = {}
        for n in names:
            matches = []
            for t in seen[n].values():
                vs = [classify(r, t, n, self.known) for r in variants.values()]
                vs = [v for v in vs if v is not None]
                matches.append(min(vs, key=len) if vs else None)
            if all(m is not None for m in matches):
                out[n] = "same" if all(m == "same" for m in matches) else \
                    next(m for m in matches if m != "same")
            elif len(variants) == 1 and len(seen[n]) == 1:
                out[n] = None
            else:
                out[n] = "unsure"
        return out

    def progress(self):
        elapsed = time.monotonic() - self.t0
        div = ", ".join("%s %d" % (n, s["diverged"]) for n, s in self.stats.items())
        print("difftest: %d programs, %.0f/s; diverged: %s" % (
            self.count, self.count / max(elapsed, 1e-9), div), file=sys.stderr, flush=True)

    def still_diverges(self, names):
        """Predicate for shrinking: some of these targets still differ from the reference."""
        workers = [self.ref] + [w for w in self.targets if w.name in names]

        def pred(program):
            traces = self.traces(program, workers)
            ref = traces[self.ref.name]
            if "harness_error" in ref or "hang" in ref:
                return False
            # The same kind: exactly these targets diverge.
            verdicts = {n: classify(ref, traces[n], n, self.known) for n in names}
            if any(v is not None for v in verdicts.values()):
                return False
            for w in self.targets:
                if w.name not in names:
                    other = run_everywhere([w], gen.render(program))[w.name]
                    if classify(ref, other, w.name, self.known) is None:
                        return False
            return all(v is None for v in self.confirm(program, ref, names).values())
        return pred

    def report(self):
        self.out.mkdir(parents=True, exist_ok=True)
        saved = self.out / "divergences.jsonl"
        if not (self.args.replay and saved.resolve() == pathlib.Path(self.args.replay).resolve()):
            with open(saved, "w") as f:
                for program, bad, _ in self.divergences:
                    f.write(json.dumps({"program": program, "targets": sorted(bad)},
                                       sort_keys=True) + "\n")
        if self.divergences:
            common = set.intersection(*(kinds_used(p) for p, _, _ in self.divergences))
            print("\ndifftest: %d diverging program(s); statement kinds that all of them use: %s"
                  % (len(self.divergences), ", ".join(sorted(common)) or "none"))
        # One shrink per kind of divergence: which targets, which parts of the trace.
        kinds = {}
        for program, bad, ref in self.divergences:
            sig = (tuple(sorted(bad)), tuple(sorted({k for t in bad.values()
                                                      for k in differing_keys(ref, t)})))
            kinds.setdefault(sig, []).append(program)
        shown = set()
        n_shown = 0
        for sig, progs in sorted(kinds.items(), key=lambda kv: -len(kv[1])):
            if n_shown >= self.args.max_shrink:
                print("\ndifftest: %d more kind(s) of divergence not shrunk (--max-shrink)"
                      % (len(kinds) - n_shown))
                break
            small = min(progs, key=size)
            names = list(sig[0])
            minimal = shrink(small, self.still_diverges(names), budget=self.args.shrink_budget)
            key = gen.dumps(minimal)
            if key in shown:
                print("\ndifftest: %d program(s) diverging on %s shrink to an earlier repro"
                      % (len(progs), ", ".join(names)))
                continue
            shown.add(key)
            n_shown += 1
            self.show(minimal, names, len(progs), n_shown)

    def show(self, program, names, count, n):
        traces = self.traces(program, [self.ref] + [w for w in self.targets if w.name in names])
        ref = traces[self.ref.name]
        path = self.out / ("divergence-%d.py" % n)
        path.write_text(standalone(program))
        (self.out / ("divergence-%d.json" % n)).write_text(json.dumps(program, sort_keys=True) + "\n")
        print("\n" + "=" * 78)
        print("DIVERGENCE %d: %s differ from %s (%d generated program(s) of this kind)"
              % (n, ", ".join(names), self.ref.name, count))
        print("minimal program (runnable with its harness: python %s):\n" % path)
        print(gen.render(program))
        for name in names:
            if classify(ref, traces[name], name, self.known) is None:
                print("\n--- trace diff %s -> %s:" % (self.ref.name, name))
                print(diff(ref, traces[name], self.ref.name, name))
        print("\nreference trace (%s):" % self.ref.name)
        print(json.dumps(ref, sort_keys=True))

    def summary(self):
        print("\n" + "=" * 78)
        source = ("replay of %s" % self.args.replay if self.args.replay
                  else "seed %s" % self.args.seed)
        print("difftest: %d programs (%d distinct), %s, reference %s %s"
              % (self.count_checked, len(self.distinct), source, self.ref.name,
                 self.ref.info["python"]))
        for w in self.targets + self.infos:
            st = self.stats[w.name]
            role = "target" if w in self.targets else "info  "
            known = ", ".join("%s %d" % kv for kv in sorted(st["known"].items())) or "none"
            print("  %s %-5s %s: same %d, known divergences %s, DIVERGED %d, "
                  "no verdict (trace varies from run to run) %d, hangs %d"
                  % (role, w.name, w.info["python"], st["same"], known, st["diverged"],
                     st["unsure"], w.hangs))
        if self.args.coverage:
            print("  what the reference traces show (programs):")
            for f, n in sorted(self.coverage.items()):
                print("    %6d  %s" % (n, f))
        if self.ref_errors:
            print("  reference failures (difftest bugs): %d, first: %s"
                  % (len(self.ref_errors), self.ref_errors[0][1]))


def build_parser():
    p = argparse.ArgumentParser(prog="python -m difftest", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--programs", type=int, default=200, help="programs to generate (default 200)")
    p.add_argument("--seed", type=int, default=0, help="hypothesis seed (default 0)")
    p.add_argument("--ref", metavar="NAME=PYTHON", help="reference interpreter (native 3.13)")
    p.add_argument("--target", metavar="NAME=PYTHON", action="append",
                   help="interpreter that must match the reference (repeatable)")
    p.add_argument("--info", metavar="NAME=PYTHON", action="append",
                   help="interpreter compared for information only (repeatable)")
    p.add_argument("--exclude", metavar="FEATURE", action="append", default=[],
                   help="leave a building block out: %s" % ", ".join(gen.FEATURES))
    p.add_argument("--replay", metavar="JSONL", help="run the programs of a divergences.jsonl")
    p.add_argument("--out", default=str(HERE / "out"), help="where repro scripts go")
    p.add_argument("--max-shrink", type=int, default=5, help="kinds of divergence to shrink")
    p.add_argument("--shrink-budget", type=int, default=1500, help="runs per shrink")
    p.add_argument("--progress", type=int, default=500, help="progress line every N programs")
    p.add_argument("--coverage", action="store_true",
                   help="summarise what happened in the programs (from the reference traces)")
    p.add_argument("--no-recheck", action="store_true",
                   help="rerun a diverging program's reference in the same process, not in a "
                        "second one with other memory addresses")
    return p


def main(argv=None):
    args = build_parser().parse_args(argv)
    for f in args.exclude:
        if f not in gen.FEATURES:
            raise SystemExit("difftest: unknown feature %r (known: %s)" % (f, ", ".join(gen.FEATURES)))
    features = [f for f in gen.FEATURES if f not in args.exclude]
    session = Session(args)
    session.t0 = time.monotonic()
    try:
        if args.replay:
            with open(args.replay) as f:
                for line in f:
                    if line.strip():
                        session.check(json.loads(line)["program"])
        else:
            generate(args.programs, args.seed, features, session.check)
        session.flush()
        session.count_checked = session.count
        session.report()
        session.summary()
    finally:
        session.close()
    failed = any(session.stats[w.name]["diverged"] for w in session.targets)
    if session.ref_errors:
        failed = True
    print("difftest: %s" % ("FAILED: divergences from the reference (see above)" if failed
                            else "OK: no divergence from the reference"))
    return 1 if failed else 0
