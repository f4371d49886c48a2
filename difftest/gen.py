"""Programs as data: hypothesis strategies, and rendering to Python source.

A program is a JSON-able dict:

    {"nev": 2,                               # asyncio.Events EV[0], EV[1]
     "sched": [{"at": 3, "do": "cancel", "tid": 2, "via": "loop"},
               {"at": 4, "do": "set", "ev": 0}],
     "main": [statement, ...]}              # body of coroutine c0 (the main task)

Statements (``k`` is the kind; bodies are lists of statements):

    sleep n          await asyncio.sleep(n)            (n ticks; 0 = one yield)
    cp               log a checkpoint (every log carries cancelling())
    raise exc        raise ValueError / KeyError / E1 / E2 / B1 / an ExceptionGroup / CancelledError
    ret v            return v
    wait ev          await EV[ev].wait()
    set ev           EV[ev].set()
    uncancel tid     asyncio.current_task().uncancel(), or T[tid].uncancel() if tid is set
    cv v             log the ContextVar CV, then CV.set(v)
    cancel tid msg   T[tid].cancel() or T[tid].cancel(msg) from inside a task (tid 0 = main;
                     itself is allowed)
    tg gid body      async with asyncio.TaskGroup() as g<gid>: body
    spawn tid gid ctx via body
                     T[tid] = g.create_task(c<tid>()) in the innermost group, else
                     asyncio.create_task (loop.create_task if via is "loop");
                     G[gid].create_task if gid is set; with context=copy_context()
                     or a Context shared by the program if ctx is set
    timeout tmid mode d body
                     async with asyncio.timeout(d) / timeout_at(d) / timeout(None): body
    resched tmid d   TM[tmid].reschedule(now + d)  (d None: no deadline)
    try catch act body fin
                     try: body / except <catch>: log; <act> / finally: fin
    tstar body handlers fin
                     try: body / except* <types> as e: log; <body>; <act>
                     (one handler each) / finally: fin.  The body is a
                     TaskGroup of failing children, or plain code raising a
                     naked exception or a group; a handler logs the matched
                     group, its leaves and sys.exception(), may nest another
                     tstar, and ends in pass, a bare raise, uncancel() or a
                     new error (from e, from None, a group).  What leaves the
                     statement is logged ('left*') and re-raised.
    reraise          raise (bare: in a handler's nested try, the matched group)
    shield tid body  T[tid] = asyncio.create_task(c<tid>()); await asyncio.shield(T[tid])
    wait_for tid d body
                     await asyncio.wait_for(c<tid>(), d)
    thread v         await asyncio.to_thread(thread_job, v), logged (what the thread sees)
    qput v / qget / qshut immediate / qdone / qjoin
                     Q[0].put(v), get(), shutdown(immediate), task_done(), join() on
                     the program's queue (its maxsize is "queue"), logged
    ascomp tids d iterate bodies
                     T[tid] = asyncio.create_task(c<tid>()) for each, then iterate
                     asyncio.as_completed(those tasks, timeout=d) with async for
                     or for, logging each completion and a timeout

``"factory": true`` makes main() install a task factory written for 3.14,
``(loop, coro, **kwargs)``, that logs the keywords it is given (3.13 and the
package give it context= only, and name the task themselves).
``"eager": true`` makes main() install ``asyncio.eager_task_factory`` instead
(3.12): every task created after it runs its first step inside create_task().
A spawn with ``"eager": true`` outside any group is ``asyncio.Task(c<tid>(),
loop=..., eager_start=True)`` (3.12; 3.13's create_task() does not pass it on,
and 3.13.0's Task fails without loop=).  In an eager program a TaskGroup's
children suspend first: the reference, 3.13.0, predates gh-128550 (3.13.2),
which changed how a group hears of a child that finished eagerly.

``sched`` entries act from outside any coroutine of the program: ``via``
"loop" is ``loop.call_at(at, ...)``, "task" a scheduler task that sleeps
until ``at``.  Every coroutine c<N> logs its start and end, what it catches,
and the state of its timeouts and groups as it leaves them.
"""

import copy
import json

from hypothesis import strategies as st

FEATURES = ("tg", "spawn", "timeout", "resched", "try", "shield", "wait_for",
            "uncancel", "cancel", "events", "sched", "base_exc", "raise_cancel",
            "group_ref", "context", "cancel_msg", "create_kw", "except_star", "eager",
            "queue", "as_completed", "to_thread")
EXCEPTIONS = ("ValueError", "KeyError", "E1", "E2", "EG", "B1", "CancelledError")
# Weighted by repetition: cancellations and timeouts are what this is about.
CATCHES = ("Exception", "BaseException", "CancelledError", "CancelledError",
           "CancelledError", "TimeoutError", "TimeoutError", "ValueError", "ExceptionGroup")
ACTIONS = ("pass", "raise", "raise_new", "uncancel", "uncancel_raise")
# except* handlers: what they match (a tuple when several), and how they end.
# ExceptionGroup is a misuse: 3.11+ raise TypeError when the handler is tested.
STAR_TYPES = ("ValueError", "KeyError", "E1", "E2", "Exception", "Exception", "BaseException",
              "CancelledError", "ExceptionGroup", "CancelledError", "TimeoutError", "B1",
              "LookupError", ("ValueError", "E1"), ("KeyError", "CancelledError"))
STAR_ACTIONS = ("pass", "pass", "raise", "raise", "raise_new", "raise_from", "raise_from_none",
                "raise_group", "uncancel")
MAX_DEPTH = 3
# try/except* statements inside one another.  The package's except* code
# nests more blocks than 3.13's: 3.9 and 3.10 stop at CPython's 20 static
# blocks ("too many statically nested blocks") with 5 handlers nested in
# one another, 3.8 with 7, where 3.13 compiles 10.
MAX_STAR_NESTING = 2
MAX_TASKS = 7


class _Ctx:
    """Generation state threaded through one program's draws."""

    def __init__(self, features):
        self.features = features
        self.next_tid = 1
        self.next_gid = 1
        self.next_tmid = 1
        self.nev = 2 if "events" in features else 0
        self.star_nesting = 0
        self.eager = False  # the program installs the eager task factory


def _msg(draw, ctx):
    """A message for Task.cancel(), sometimes."""
    if "cancel_msg" in ctx.features and draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(["m1", "m2"]))
    return None


def _target(last):
    """A task id in 0..last, the main task (0) less often than the others."""
    if last < 1:
        return st.integers(0, last)
    return st.integers(1, last) | st.integers(1, last) | st.integers(0, last)


def _kinds(ctx, depth, in_tg, in_fin):
    # in_fin: inside a finally block or an except* handler, where no
    # statement returns (in an except* handler that is a SyntaxError).
    simple = ["sleep", "sleep", "cp", "raise", "ret"]
    f = ctx.features
    if ctx.nev:
        simple += ["wait", "set"]
    if "uncancel" in f:
        simple.append("uncancel")
    if "context" in f:
        simple.append("cv")
    if "cancel" in f:
        simple.append("cancel")
    if "resched" in f and ctx.next_tmid > 1:
        simple += ["resched", "resched"]
    if "queue" in f:
        simple.append("queue")  # one of its operations: see _stmt
    if "to_thread" in f:
        simple.append("thread")
    if in_fin:
        simple = [k for k in simple if k != "ret"]
    compound = []
    if depth < MAX_DEPTH:
        if "tg" in f:
            compound += ["tg", "tg"]
        if "timeout" in f:
            compound += ["timeout", "timeout"]
        if "try" in f:
            compound += ["try", "try"]
        if "except_star" in f and ctx.star_nesting < MAX_STAR_NESTING:
            compound += ["tstar", "tstar"]
        if ctx.next_tid <= MAX_TASKS:
            if "spawn" in f:
                compound += ["spawn", "spawn", "spawn"] if in_tg else ["spawn"]
            if "shield" in f:
                compound.append("shield")
            if "wait_for" in f:
                compound.append("wait_for")
            if "as_completed" in f:
                compound.append("ascomp")
    return simple + compound


def _body(draw, ctx, depth, in_tg=False, in_fin=False, max_len=4, min_len=0):
    n = draw(st.integers(min_len, max_len))
    return [_stmt(draw, ctx, depth, in_tg, in_fin) for _ in range(n)]


def _task_body(draw, ctx, depth):
    # A coroutine of its own: starts outside any group of its parent.
    body = _body(draw, ctx, depth + 1, in_tg=False, max_len=4)
    if "try" in ctx.features and body and draw(st.integers(0, 2)) == 0:
        # Often a task handles its own cancellation: swallows it, takes it
        # back with uncancel(), or turns it into another error.
        acts = ACTIONS if "uncancel" in ctx.features else ACTIONS[:3]
        fin = None
        if draw(st.integers(0, 2)) == 0:
            fin = [{"k": "sleep", "n": draw(st.integers(0, 2))}]
        body = [{"k": "try", "catch": draw(st.sampled_from(["CancelledError", "BaseException"])),
                 "act": draw(st.sampled_from(acts)), "body": body, "fin": fin}]
        if draw(st.booleans()):
            body += _body(draw, ctx, depth + 1, in_tg=False, max_len=2)
    return body


def _stmt(draw, ctx, depth, in_tg, in_fin):
    k = draw(st.sampled_from(_kinds(ctx, depth, in_tg, in_fin)))
    if k == "queue":
        k = draw(st.sampled_from(["qput", "qput", "qget", "qget", "qshut", "qdone", "qjoin"]))
    f = ctx.features
    if k == "sleep":
        return {"k": k, "n": draw(st.integers(0, 4))}
    if k == "cp":
        return {"k": k}
    if k == "raise":
        choices = [e for e in EXCEPTIONS
                   if (e != "B1" or "base_exc" in f) and (e != "CancelledError" or "raise_cancel" in f)]
        return {"k": k, "exc": draw(st.sampled_from(choices))}
    if k == "ret":
        return {"k": k, "v": draw(st.integers(0, 9))}
    if k in ("qput", "thread"):
        return {"k": k, "v": draw(st.integers(0, 9))}
    if k in ("qget", "qdone", "qjoin"):
        return {"k": k}
    if k == "qshut":
        return {"k": k, "immediate": draw(st.booleans())}
    if k == "ascomp":
        tids = []
        bodies = []
        for _ in range(draw(st.integers(1, 3))):
            if tids and ctx.next_tid > MAX_TASKS:
                break
            tids.append(ctx.next_tid)
            ctx.next_tid += 1
            bodies.append(_task_body(draw, ctx, depth))
        return {"k": k, "tids": tids, "bodies": bodies,
                "d": draw(st.one_of(st.none(), st.integers(0, 5))),
                "iterate": draw(st.sampled_from(["async", "for"]))}
    if k in ("wait", "set"):
        return {"k": k, "ev": draw(st.integers(0, ctx.nev - 1))}
    if k == "uncancel":
        other = "cancel" in f and draw(st.integers(0, 3)) == 0
        return {"k": k, "tid": draw(_target(ctx.next_tid)) if other else None}
    if k == "cv":
        return {"k": k, "v": draw(st.integers(1, 9))}
    if k == "cancel":
        return {"k": k, "tid": draw(_target(ctx.next_tid)), "msg": _msg(draw, ctx)}
    if k == "resched":
        d = draw(st.one_of(st.none(), st.integers(0, 5)))
        return {"k": k, "tmid": draw(st.integers(1, ctx.next_tmid - 1)), "d": d}
    if k == "tg":
        gid = ctx.next_gid
        ctx.next_gid += 1
        return {"k": k, "gid": gid, "body": _body(draw, ctx, depth + 1, in_tg=True, in_fin=in_fin)}
    if k == "timeout":
        tmid = ctx.next_tmid
        ctx.next_tmid += 1
        mode = draw(st.sampled_from(["rel", "rel", "at", "none"]))
        d = draw(st.integers(0, 4) | st.integers(0, 8))
        body = _body(draw, ctx, depth + 1, in_tg, in_fin, min_len=1)
        if draw(st.booleans()):
            # Something that outlasts the deadline, often.
            body.append({"k": "sleep", "n": draw(st.integers(1, 6))})
        if "try" in f and draw(st.integers(0, 3)) == 0:
            # A block that handles its own cancellation.
            acts = ACTIONS if "uncancel" in f else ACTIONS[:3]
            body = [{"k": "try", "catch": "CancelledError", "act": draw(st.sampled_from(acts)),
                     "body": body, "fin": None}]
        return {"k": k, "tmid": tmid, "mode": mode, "d": d, "body": body}
    if k == "try":
        catch = draw(st.sampled_from(CATCHES))
        act = draw(st.sampled_from(ACTIONS if "uncancel" in f else ACTIONS[:3]))
        body = _body(draw, ctx, depth + 1, in_tg, in_fin, min_len=1)
        fin = None
        if draw(st.integers(0, 3)) == 0:
            fin = _body(draw, ctx, depth + 1, in_tg, True, max_len=2, min_len=1)
        return {"k": k, "catch": catch, "act": act, "body": body, "fin": fin}
    if k == "tstar":
        return _tstar(draw, ctx, depth, in_tg, in_fin)
    if k in ("spawn", "shield", "wait_for"):
        tid = ctx.next_tid
        ctx.next_tid += 1
        s = {"k": k, "tid": tid}
        if k == "spawn":
            # Into an outer group by reference (maybe finished or shutting
            # down by then), and in a given contextvars.Context.
            s["gid"] = None
            if "group_ref" in f and ctx.next_gid > 1 and draw(st.integers(0, 3)) == 0:
                s["gid"] = draw(st.integers(1, ctx.next_gid - 1))
            s["ctx"] = None
            if "context" in f:
                s["ctx"] = draw(st.sampled_from([None, None, "copy", "shared"]))
            if "create_kw" in f and not in_tg and s["gid"] is None:
                s["via"] = draw(st.sampled_from([None, "loop"]))
            if "eager" in f and not in_tg and s["gid"] is None and draw(st.integers(0, 2)) == 0:
                s["eager"] = True
        if k == "wait_for":
            s["d"] = draw(st.one_of(st.none(), st.integers(0, 5)))
        s["body"] = _task_body(draw, ctx, depth)
        if k == "spawn" and (in_tg or s["gid"] is not None):
            s["body"] = _group_child_body(ctx, s["body"])
        return s
    raise AssertionError(k)


def _group_child_body(ctx, body):
    """A TaskGroup child's body; in an eager program it suspends first (gh-128550)."""
    if ctx.eager:
        return [{"k": "sleep", "n": 0}] + body
    return body


def _naked(draw, ctx):
    """A raise of a naked exception or of a group, for a try/except* body."""
    f = ctx.features
    choices = [e for e in EXCEPTIONS + ("EG2",)
               if (e != "B1" or "base_exc" in f) and (e != "CancelledError" or "raise_cancel" in f)]
    return {"k": "raise", "exc": draw(st.sampled_from(choices))}


def _star_body(draw, ctx, depth, in_tg, in_fin):
    """What a try/except* wraps: a group of failing children, or plain code."""
    f = ctx.features
    if "tg" in f and "spawn" in f and ctx.next_tid <= MAX_TASKS and draw(st.booleans()):
        # The documented pattern: children that fail, caught by except*.
        gid = ctx.next_gid
        ctx.next_gid += 1
        body = []
        for _ in range(draw(st.integers(1, 3))):
            if ctx.next_tid > MAX_TASKS:
                break
            tid = ctx.next_tid
            ctx.next_tid += 1
            task = [{"k": "sleep", "n": draw(st.integers(0, 2))}, _naked(draw, ctx)]
            if draw(st.integers(0, 3)) == 0:
                task = _body(draw, ctx, depth + 2, max_len=3)
            body.append({"k": "spawn", "tid": tid, "gid": None, "ctx": None, "body": task})
        body += _body(draw, ctx, depth + 1, in_tg=True, in_fin=in_fin, max_len=2)
        return [{"k": "tg", "gid": gid, "body": body}]
    body = _body(draw, ctx, depth + 1, in_tg, in_fin, max_len=3)
    if draw(st.integers(0, 2)):
        body.append(_naked(draw, ctx))
    return body


def _handler(draw, ctx, depth, in_tg):
    f = ctx.features
    acts = [a for a in STAR_ACTIONS if a != "uncancel" or "uncancel" in f]
    body = []
    if draw(st.integers(0, 2)) == 0:
        body = _body(draw, ctx, depth + 1, in_tg, in_fin=True, max_len=2)
    if depth < MAX_DEPTH and ctx.star_nesting < MAX_STAR_NESTING and draw(st.integers(0, 3)) == 0:
        # A try/except* inside the handler, around the matched group itself.
        nested = _tstar(draw, ctx, depth + 1, in_tg, True)
        if draw(st.booleans()):
            nested["body"] = [{"k": "reraise"}]
        body.append(nested)
    types = draw(st.sampled_from(STAR_TYPES))
    if isinstance(types, tuple):
        types = list(types)  # as it comes back from JSON
    return {"types": types, "act": draw(st.sampled_from(acts)), "body": body}


def _tstar(draw, ctx, depth, in_tg, in_fin):
    ctx.star_nesting += 1
    body = _star_body(draw, ctx, depth, in_tg, in_fin)
    handlers = [_handler(draw, ctx, depth, in_tg) for _ in range(draw(st.integers(1, 3)))]
    ctx.star_nesting -= 1
    fin = None
    if draw(st.integers(0, 3)) == 0:
        fin = _body(draw, ctx, depth + 1, in_tg, True, max_len=2, min_len=1)
    return {"k": "tstar", "body": body, "handlers": handlers, "fin": fin}


def programs(features=FEATURES):
    """Strategy of programs using only the given features."""
    features = frozenset(features)

    @st.composite
    def program(draw):
        ctx = _Ctx(features)
        ctx.eager = "eager" in features and draw(st.integers(0, 3)) == 0
        main = []
        if "tg" in features and "spawn" in features and draw(st.booleans()):
            # Half the programs are built around a group of 2-4 children
            # (the other half may nest groups anywhere, or have none).
            gid = ctx.next_gid
            ctx.next_gid += 1
            body = []
            for _ in range(draw(st.integers(2, 4))):
                tid = ctx.next_tid
                ctx.next_tid += 1
                spawn = {"k": "spawn", "tid": tid, "gid": None, "ctx": None, "body": None}
                body.append(spawn)
                spawn["body"] = _group_child_body(ctx, _task_body(draw, ctx, 0))
            body += _body(draw, ctx, 1, in_tg=True, max_len=2)
            main.append({"k": "tg", "gid": gid, "body": body})
            if "except_star" in features and draw(st.integers(0, 2)) == 0:
                # That group as the documentation writes it: under except*.
                ctx.star_nesting += 1
                handlers = [_handler(draw, ctx, 1, False) for _ in range(draw(st.integers(1, 3)))]
                ctx.star_nesting -= 1
                main[0] = {"k": "tstar", "body": [main[0]], "handlers": handlers, "fin": None}
        main += _body(draw, ctx, 0, max_len=5 - len(main), min_len=1 - len(main))
        sched = []
        if "sched" in features:
            for _ in range(draw(st.integers(0, 3))):
                sched.append({"at": draw(st.integers(0, 8)), "do": "cancel",
                              "tid": draw(_target(ctx.next_tid - 1)),
                              "via": draw(st.sampled_from(["loop", "task"])),
                              "msg": _msg(draw, ctx)})
        for ev in range(ctx.nev):
            at = draw(st.one_of(st.integers(0, 8), st.none()))
            if at is not None:
                sched.append({"at": at, "do": "set", "ev": ev})
        program = {"nev": ctx.nev, "sched": sched, "main": main}
        if "queue" in features:
            program["queue"] = draw(st.integers(0, 2))  # maxsize: 0 is unbounded
        if ctx.eager:
            program["eager"] = True
        elif "create_kw" in features and draw(st.integers(0, 3)) == 0:
            program["factory"] = True
        return program

    return program()


# -- rendering ---------------------------------------------------------------

_CATCH_SRC = {"CancelledError": "asyncio.CancelledError"}
_RAISE_SRC = {
    "ValueError": "ValueError({m!r})",
    "KeyError": "KeyError({m!r})",
    "E1": "E1({m!r})",
    "E2": "E2({m!r})",
    "B1": "B1({m!r})",
    "EG": "ExceptionGroup({m!r}, [ValueError({m!r}), E1({m!r})])",
    "EG2": ("ExceptionGroup({m!r}, [KeyError({m!r}), "
            "ExceptionGroup('in', [E2({m!r}), ValueError({m!r})])])"),
    "CancelledError": "asyncio.CancelledError()",
}


class _Renderer:
    def __init__(self, program):
        self.program = program
        self.funcs = []          # (tid, lines) of every coroutine but main
        self.labels = 0

    def label(self, prefix):
        self.labels += 1
        return "%s%d" % (prefix, self.labels)

    def body(self, stmts, who, ind, groups):
        lines = []
        for s in stmts:
            lines.extend(self.stmt(s, who, ind, groups))
        if not lines:
            lines.append(ind + "pass")
        return lines

    def func(self, tid, stmts):
        who = "c%d" % tid
        lines = ["async def %s():" % who, "    log(%r, 'start')" % who]
        lines += self.body(stmts, who, "    ", [])
        lines += ["    log(%r, 'end')" % who, "    return %d" % tid]
        self.funcs.append((tid, lines))

    def stmt(self, s, who, ind, groups):
        k = s["k"]
        w = repr(who)
        if k == "sleep":
            return [ind + "await asyncio.sleep(%d)" % s["n"]]
        if k == "cp":
            return [ind + "log(%s, 'cp')" % w]
        if k == "raise":
            msg = self.label("x")
            return [ind + "raise " + _RAISE_SRC[s["exc"]].format(m=msg)]
        if k == "ret":
            return [ind + "log(%s, 'return', %d)" % (w, s["v"]), ind + "return %d" % s["v"]]
        if k == "wait":
            return [ind + "await EV[%d].wait()" % s["ev"], ind + "log(%s, 'woke', %d)" % (w, s["ev"])]
        if k == "set":
            return [ind + "EV[%d].set()" % s["ev"]]
        if k == "uncancel":
            if s.get("tid") is not None:
                return [ind + "uncancel(%d, %s)" % (s["tid"], w)]
            return [ind + "log(%s, 'uncancel', asyncio.current_task().uncancel())" % w]
        if k == "cv":
            return [ind + "log(%s, 'cv', CV.get(None))" % w, ind + "CV.set(%d)" % s["v"]]
        if k == "cancel":
            if s.get("msg") is not None:
                return [ind + "cancel(%d, %s, %r)" % (s["tid"], w, s["msg"])]
            return [ind + "cancel(%d, %s)" % (s["tid"], w)]
        if k == "resched":
            return [ind + "log(%s, 'resched', %d, reschedule(%d, %r))"
                    % (w, s["tmid"], s["tmid"], s["d"])]
        if k == "tg":
            g = "g%d" % s["gid"]
            return ([ind + "async with asyncio.TaskGroup() as %s:" % g,
                     ind + "    G[%d] = %s" % (s["gid"], g)]
                    + self.body(s["body"], who, ind + "    ", groups + [g])
                    + [ind + "log(%s, 'tg-exit', %d)" % (w, s["gid"])])
        if k == "timeout":
            n = s["tmid"]
            if s["mode"] == "rel":
                make = "asyncio.timeout(%d)" % s["d"]
            elif s["mode"] == "at":
                make = "asyncio.timeout_at(%d)" % s["d"]
            else:
                make = "asyncio.timeout(None)"
            return ([ind + "TM[%d] = %s" % (n, make), ind + "async with TM[%d]:" % n]
                    + self.body(s["body"], who, ind + "    ", groups)
                    + [ind + "log(%s, 'tm-exit', %d, TM[%d].expired())" % (w, n, n)])
        if k == "try":
            h = self.label("h")
            catch = _CATCH_SRC.get(s["catch"], s["catch"])
            lines = [ind + "try:"] + self.body(s["body"], who, ind + "    ", groups)
            i2 = ind + "    "
            lines += [ind + "except %s as e:" % catch,
                      i2 + "log(%s, 'caught', %r, fmt(e))" % (w, h)]
            act = s["act"]
            if act.startswith("uncancel"):
                lines.append(i2 + "log(%s, 'uncancel', asyncio.current_task().uncancel())" % w)
            if act in ("raise", "uncancel_raise"):
                lines.append(i2 + "raise")
            elif act == "raise_new":
                lines.append(i2 + "raise KeyError(%r)" % h)
            if s["fin"] is not None:
                lines += [ind + "finally:"] + self.body(s["fin"], who, i2, groups)
            return lines
        if k == "thread":
            return [ind + "log(%s, 'thread', await asyncio.to_thread(thread_job, %d))" % (w, s["v"])]
        if k == "qput":
            return [ind + "await qput(%s, %d)" % (w, s["v"])]
        if k == "qget":
            return [ind + "await qget(%s)" % w]
        if k == "qshut":
            return [ind + "qshutdown(%s, %r)" % (w, s["immediate"])]
        if k == "qdone":
            return [ind + "qdone(%s)" % w]
        if k == "qjoin":
            return [ind + "await qjoin(%s)" % w]
        if k == "ascomp":
            lines = []
            for tid, body in zip(s["tids"], s["bodies"]):
                self.func(tid, body)
                lines.append(ind + "T[%d] = asyncio.create_task(c%d(), name='c%d')" % (tid, tid, tid))
            return lines + [ind + "await ascompleted(%s, %r, %r, %r)"
                            % (w, s["tids"], s["d"], s["iterate"])]
        if k == "reraise":
            return [ind + "raise"]
        if k == "tstar":
            return self.tstar(s, who, ind, groups)
        if k in ("spawn", "shield", "wait_for"):
            tid = s["tid"]
            self.func(tid, s["body"])
            c = "c%d" % tid
            if k == "spawn":
                if s.get("gid") is not None:
                    maker = "G[%d].create_task" % s["gid"]
                elif groups:
                    maker = "%s.create_task" % groups[-1]
                elif s.get("eager"):
                    maker = "asyncio.Task"
                elif s.get("via") == "loop":
                    maker = "asyncio.get_running_loop().create_task"
                else:
                    maker = "asyncio.create_task"
                extra = {None: "", "copy": ", context=contextvars.copy_context()",
                         "shared": ", context=CX[0]"}[s.get("ctx")]
                if s.get("eager") and not groups and s.get("gid") is None:
                    extra += ", loop=asyncio.get_running_loop(), eager_start=True"
                return [ind + "T[%d] = %s(%s(), name=%r%s)" % (tid, maker, c, c, extra)]
            if k == "shield":
                return [ind + "T[%d] = asyncio.create_task(%s(), name=%r)" % (tid, c, c),
                        ind + "log(%s, 'shielded', %d, await asyncio.shield(T[%d]))" % (w, tid, tid)]
            return [ind + "log(%s, 'wait_for', %d, await asyncio.wait_for(%s(), %r))"
                    % (w, tid, c, s["d"])]
        raise AssertionError(k)

    def tstar(self, s, who, ind, groups):
        h = self.label("s")
        w = repr(who)
        i1, i2 = ind + "    ", ind + "        "
        lines = [ind + "try:", i1 + "try:"] + self.body(s["body"], who, i2, groups)
        for n, handler in enumerate(s["handlers"]):
            types = handler["types"]
            if isinstance(types, list):
                catch = "(%s)" % ", ".join(_CATCH_SRC.get(t, t) for t in types)
            else:
                catch = _CATCH_SRC.get(types, types)
            e = "e%d" % self.labels
            here = "%s.%d" % (h, n)
            lines += [i1 + "except* %s as %s:" % (catch, e),
                      i2 + "log(%s, 'caught*', %r, star(%s, sys.exception()))" % (w, here, e)]
            if handler["body"]:
                lines += self.body(handler["body"], who, i2, groups)
            act = handler["act"]
            if act == "uncancel":
                lines.append(i2 + "log(%s, 'uncancel', asyncio.current_task().uncancel())" % w)
            elif act == "raise":
                lines.append(i2 + "raise")
            elif act == "raise_new":
                lines.append(i2 + "raise KeyError(%r)" % here)
            elif act == "raise_from":
                lines.append(i2 + "raise E2(%r) from %s" % (here, e))
            elif act == "raise_from_none":
                lines.append(i2 + "raise ValueError(%r) from None" % here)
            elif act == "raise_group":
                lines.append(i2 + "raise ExceptionGroup(%r, [E1(%r)])" % (here, here))
        if s["fin"] is not None:
            lines += [i1 + "finally:"] + self.body(s["fin"], who, i2, groups)
        lines += [i1 + "log(%s, 'after*', %r)" % (w, h),
                  ind + "except BaseException as left:",
                  i1 + "log(%s, 'left*', %r, fmt(left))" % (w, h),
                  i1 + "raise"]
        return lines


def render(program):
    """Python source of *program*: coroutine functions c1..cN and main()."""
    r = _Renderer(program)
    main_body = r.body(program["main"], "c0", "    ", [])
    out = []
    if program.get("factory"):
        out += ["def task_factory(loop, coro, **kwargs):",
                "    if asyncio._get_running_loop() is not None:  # not the Runner's own",
                "        log('@factory', 'kwargs', sorted(kwargs))",
                "    return asyncio.Task(coro, loop=loop, **kwargs)",
                ""]
    for _, lines in sorted(r.funcs):
        out += lines + [""]
    out += ["async def main():",
            "    T[0] = asyncio.current_task()",
            "    log('c0', 'start')"]
    if program.get("factory"):
        out.append("    asyncio.get_running_loop().set_task_factory(task_factory)")
    if program.get("eager"):
        out.append("    asyncio.get_running_loop().set_task_factory(asyncio.eager_task_factory)")
    for ev in range(program["nev"]):
        out.append("    EV[%d] = asyncio.Event()" % ev)
    if '"shared"' in dumps(program):
        out.append("    CX[0] = contextvars.copy_context()")
    if "queue" in program:
        out.append("    Q[0] = asyncio.Queue(%d)" % program["queue"])
    by_task = []
    for e in program["sched"]:
        if e["do"] == "set":
            out.append("    schedule_set(%d, %d)" % (e["at"], e["ev"]))
        elif e["via"] == "loop":
            msg = ", %r" % e["msg"] if e.get("msg") is not None else ""
            out.append("    schedule_cancel(%d, %d%s)" % (e["at"], e["tid"], msg))
        else:
            by_task.append(e)
    if by_task:
        out.append("    asyncio.create_task(scheduler(), name='scheduler')")
    out += main_body
    out += ["    log('c0', 'end')", "    return 0", ""]
    if by_task:
        out += ["async def scheduler():"]
        t = 0
        for e in sorted(by_task, key=lambda e: e["at"]):
            if e["at"] > t:
                out.append("    await asyncio.sleep(%d)" % (e["at"] - t))
                t = e["at"]
            msg = ", %r" % e["msg"] if e.get("msg") is not None else ""
            out.append("    cancel(%d, '@sched'%s)" % (e["tid"], msg))
        out.append("")
    return "import sys\n\nN_EVENTS = %d\n\n" % program["nev"] + "\n".join(out)


def dumps(program):
    return json.dumps(program, sort_keys=True)


def clone(program):
    return copy.deepcopy(program)
