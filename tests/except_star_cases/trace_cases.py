"""Programs that handle errors with except*, for a differential test.

tests/test_except_star_semantics.py imports this module in a child
interpreter, patched or native 3.13, and compares what run_all() prints:
the trees, chaining, tracebacks (this file's frames only) and handled
exceptions.  It must stay importable by 3.11+ and, through the package's
import hook, by 3.8-3.10.
"""

import asyncio
import sys

if sys.version_info < (3, 11):
    from exceptiongroup import BaseExceptionGroup, ExceptionGroup


def frames(exc):
    """(function, line) of the traceback entries in this file."""
    out = []
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == __file__:
            out.append((tb.tb_frame.f_code.co_name, tb.tb_lineno))
        tb = tb.tb_next
    return out


def desc(exc, depth=0, seen=None):
    """An exception with its tree, chaining, frames and notes, as text."""
    if exc is None:
        return "None"
    seen = set() if seen is None else seen
    if id(exc) in seen:
        return "<again %s>" % type(exc).__name__
    seen.add(id(exc))
    label = exc.message if isinstance(exc, BaseExceptionGroup) else exc.args
    text = "%s %r frames=%s suppress=%s notes=%s" % (
        type(exc).__name__, label, frames(exc), exc.__suppress_context__,
        getattr(exc, "__notes__", None))
    indent = "\n" + "  " * (depth + 1)
    if depth < 4:
        if exc.__context__ is not None:
            text += indent + "context: " + desc(exc.__context__, depth + 1, seen)
        if exc.__cause__ is not None:
            text += indent + "cause: " + desc(exc.__cause__, depth + 1, seen)
        for child in getattr(exc, "exceptions", ()):
            text += indent + "- " + desc(child, depth + 1, seen)
    return text


def run(name, case):
    print("==", name)
    try:
        print("returned", case())
    except BaseException as exc:
        print("raised", desc(exc))
    print("handled after", sys.exc_info()[1])


def eg():
    return ExceptionGroup("eg", [
        ValueError(1), TypeError(2), ExceptionGroup("inner", [OSError(3), KeyError(4)])])


def c1():
    try:
        raise eg()
    except* ValueError as e:
        print("h1", desc(sys.exc_info()[1]), sys.exc_info()[1] is e)
    except* OSError:
        print("h2", desc(sys.exc_info()[1]))
        raise
def c2():
    try:
        raise eg()
    except* ValueError as e:
        raise RuntimeError("new") from e
    except* KeyError:
        raise IndexError(9)
def c3():
    try:
        raise ValueError("naked")
    except* TypeError:
        pass
def c4():
    try:
        raise ValueError("naked")
    except* ValueError as e:
        print("h", desc(e))
        raise
def c5():
    try:
        raise ValueError("naked")
    except* ValueError as e:
        raise KeyError("x")
def c6():
    try:
        try:
            raise KeyError("outer")
        except KeyError:
            try:
                raise eg()
            except* ValueError:
                raise RuntimeError
    finally:
        print("fin", sys.exc_info()[1])
def c7():
    try:
        raise eg()
    except* 42:
        pass
def c8():
    try:
        raise eg()
    except* ValueError:
        pass
    except* (TypeError, ExceptionGroup):
        pass
def c9():
    def gen():
        try:
            raise eg()
        except* ValueError as e:
            x = yield 1
            print("gen resumed", x, sys.exc_info()[1])
            yield 2
            raise
        except* (TypeError, OSError, KeyError) as e:
            yield 3
    g = gen()
    print(next(g), g.send("s"), next(g))
    print(sys.exc_info())
    return list(g)
def c10():
    async def work(i):
        await asyncio.sleep(0)
        raise [ValueError, TypeError][i % 2](i)
    async def main():
        try:
            await asyncio.gather(*(work(i) for i in range(1)))
        except* ValueError as e:
            await asyncio.sleep(0)
            print("after await", desc(sys.exc_info()[1]))
            raise OSError("from async")
    return asyncio.run(main())
def c11():
    e0 = eg()
    e0.add_note("note!") if hasattr(e0, 'add_note') else setattr(e0, '__notes__', ['note!'])
    try:
        raise e0
    except* ValueError:
        raise
    except* TypeError as t:
        t.add_note("tnote") if hasattr(t, 'add_note') else t.__notes__.append('tnote')
        raise
def c12():
    try:
        raise eg()
    except* ValueError:
        pass
    else:
        print("else")
    finally:
        print("finally", sys.exc_info()[1])
def c13():
    try:
        pass
    except* ValueError:
        pass
    else:
        print("else ran")
    finally:
        print("finally ran")
    return 5
def c14():
    for i in range(3):
        try:
            raise ExceptionGroup("x", [ValueError(i)])
        except* ValueError as e:
            pass
    return i, 'e' in locals()
def c15():
    class C:
        try:
            raise ValueError(1)
        except* ValueError as e:
            got = repr(e)
    return sorted(k for k in vars(C) if not k.startswith('__'))
def c16():
    try:
        raise ExceptionGroup("eg", [ValueError(1)])
    except* ValueError:
        try:
            raise ExceptionGroup("eg2", [TypeError(1)])
        except* TypeError:
            print("inner exc", desc(sys.exc_info()[1]))
        print("outer exc", desc(sys.exc_info()[1]))
        raise
def c17():
    try:
        raise BaseExceptionGroup("b", [KeyboardInterrupt(), ValueError(1)])
    except* ValueError:
        pass
def c18():
    try:
        raise BaseExceptionGroup("b", [KeyboardInterrupt(), ValueError(1)])
    except* BaseException as e:
        print(type(e).__name__)
        raise TypeError("t")
def c19():
    try:
        raise eg()
    except* ValueError:
        raise
    except* TypeError:
        raise
    except* OSError:
        raise
    except* KeyError:
        raise
def c20():
    def f():
        try:
            raise eg()
        except* ValueError:
            pass
    try:
        f()
    except* TypeError:
        pass
def c21():
    try:
        raise ValueError(1)
    except* ValueError:
        try:
            raise TypeError(2)
        except TypeError:
            raise
def c23():
    try:
        raise eg()
    except* ValueError as e:
        raise e
def c24():
    try:
        raise eg()
    except* ValueError as e:
        raise e.exceptions[0]
def c25():
    try:
        raise eg()
    except* undefined_name:
        pass


def c26():
    def gen():
        try:
            raise ExceptionGroup("eg", [ValueError(1), TypeError(2)])
        except* ValueError:
            yield 1
    g = gen()
    next(g)
    g.close()


def c27():
    def gen():
        try:
            raise ValueError(1)
        except* ValueError:
            yield 1
    g = gen()
    next(g)
    g.close()
    return "closed"


def c28():
    async def agen():
        try:
            raise ExceptionGroup("eg", [ValueError(1)])
        except* ValueError as e:
            yield sys.exc_info()[1] is e
            await asyncio.sleep(0)
            yield sys.exc_info()[1] is e

    async def main():
        return [x async for x in agen()]
    return asyncio.run(main())


def c29():
    def deep(n):
        try:
            if n == 0:
                raise ExceptionGroup("leaf", [ValueError(n)])
            deep(n - 1)
        except* ValueError:
            raise TypeError(n)
    deep(3)


def run_all():
    cases = sorted((name for name in globals() if name[0] == "c" and name[1:].isdigit()),
                   key=lambda name: int(name[1:]))
    for name in cases:
        run(name, globals()[name])
