"""pytest's assertion rewriting, for test files and conftest.py using except*.

pytest imports them through its own loader (_pytest.assertion.rewrite),
which reads the source with ast.parse, rewrites the asserts and compiles
the tree: the import system's source_to_code is never reached.  Adapted
right after that module's first import on 3.8-3.10:

* its ``ast.parse`` parses except* (the rest of ``ast`` is the real one), so
  asserts inside handlers are rewritten like any other;
* a rewritten module with transformed code is cached under a name of its
  own, never under pytest's: a later run with the support switched off
  finds no cached code, parses the source, and reports its SyntaxError.
"""

import ast
import sys
import types

from taskgroup_patch.exceptstar import loader

__all__ = ["adapt"]

# Files whose code, rewritten by pytest, holds transformed code; until written.
_transformed = set()


def _tagged(pyc):
    """Where a test file's transformed code is cached: next to pytest's."""
    return pyc.with_name(pyc.name[:-len(".pyc")] + loader._CACHE_SUFFIX)


def _parse(source, filename="<unknown>", mode="exec", **kwargs):
    if kwargs or not loader.may_use_except_star(source):
        return ast.parse(source, filename, mode, **kwargs)
    tree, transformed = loader._parse(source, filename, mode)
    if transformed:
        _transformed.add(str(filename))
    return tree


def adapt(rewrite):
    """Adapt _pytest.assertion.rewrite; idempotent."""
    if getattr(rewrite.ast, "parse", None) is _parse:
        return
    # The module reads ast.parse through its global ``ast``: a namespace with
    # every name of ast, parse aside.
    namespace = types.ModuleType("ast", ast.__doc__)
    namespace.__dict__.update(ast.__dict__)
    namespace.parse = _parse
    rewrite.ast = namespace

    read_pyc = rewrite._read_pyc
    write_pyc = rewrite._write_pyc

    def _read_pyc(source, pyc, *args, **kwargs):
        # pytest's own check (magic, flags, the source's hash or mtime) of
        # our file; tried only where pytest's own name holds nothing.
        code = read_pyc(source, pyc, *args, **kwargs)
        if code is None:
            code = read_pyc(source, _tagged(pyc), *args, **kwargs)
            if code is not None:
                loader._provide_builtins()
        return code

    def _write_pyc(state, co, source_stat, pyc):
        if co.co_filename in _transformed:
            _transformed.discard(co.co_filename)
            pyc = _tagged(pyc)
        return write_pyc(state, co, source_stat, pyc)

    rewrite._read_pyc = _read_pyc
    rewrite._write_pyc = _write_pyc
