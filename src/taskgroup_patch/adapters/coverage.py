"""coverage.py, for projects whose files use except*.

What coverage measures is right without help: transformed code keeps every
line and column of the file as written, so the lines and arcs it records are
those native 3.11 records.  Its reporter, though, reads each measured file
itself, with ``ast.parse`` and ``compile``, to learn which lines are
statements and which arcs are possible; on 3.8-3.10 both reject except*,
and coverage then leaves such a file out of its report (or fails on it).
Adapted right after ``coverage.python``'s first import, by which time it
has imported the modules that parse (parser, bytecode, phystokens, regions):

* there, ``ast.parse`` and ``compile`` read except* as 3.11 reads it: each
  try/except* is a plain try statement, whose fields are those of 3.11's
  ``ast.TryStar`` (which coverage analyses as a try), so the statements and
  arcs are those native 3.11 reports; the rest of ``ast`` is the real one;
* ``coverage.execfile`` (``coverage run script.py``, ``coverage run -m``)
  compiles the program it runs with except* support, as the runner does.
"""

import ast
import sys
import types

__all__ = ["adapt"]

# The modules of coverage that parse the files they report on.
_PARSING = ("coverage.parser", "coverage.bytecode", "coverage.phystokens", "coverage.regions")


def _parse(source, filename="<unknown>", mode="exec", **kwargs):
    if kwargs:
        return ast.parse(source, filename, mode, **kwargs)
    # Imported at the first report, not with coverage: pytest-cov imports
    # coverage at every pytest start on 3.8.
    from taskgroup_patch.exceptstar import transform
    return transform.parse(source, filename, mode, rewrite=False)


def _compile(source, filename, mode, flags=0, dont_inherit=False, optimize=-1, **kwargs):
    # Only for the line numbers of the code (coverage's ByteParser): it is
    # not run.
    if not (flags or kwargs) and isinstance(source, (str, bytes)):
        from taskgroup_patch.exceptstar import transform
        if transform.uses_except_star(source):
            source = transform.parse(source, filename, mode, rewrite=False)
    return compile(source, filename, mode, flags, dont_inherit, optimize, **kwargs)


def adapt(module):
    """Adapt coverage.python (with the modules that parse) or coverage.execfile; idempotent."""
    if module.__name__ == "coverage.execfile":
        from taskgroup_patch.exceptstar import loader
        module.compile = loader.compile
        return
    # A namespace with every name of ast, parse aside: each module reads
    # ast.parse through its global ``ast``.
    namespace = types.ModuleType("ast", ast.__doc__)
    namespace.__dict__.update(ast.__dict__)
    namespace.parse = _parse
    for name in _PARSING:
        parsing = sys.modules.get(name)
        if parsing is None:
            continue
        if getattr(parsing, "ast", None) is ast:
            parsing.ast = namespace
        # A global of the module, in front of the builtin.
        parsing.compile = _compile
