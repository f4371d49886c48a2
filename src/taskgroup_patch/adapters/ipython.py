"""IPython (its terminal, and Jupyter's ipykernel), for cells that use except*.

IPython compiles each cell itself, from strings, with the interpreter's
compile(): on 3.8-3.10 a cell with except* is a SyntaxError.  Adapted right
after ``IPython.core.interactiveshell``'s first import (by then it has
imported the modules below; ipykernel's shell is the same class):

* ``CachingCompiler.ast_parse``, which parses a cell, and its ``__call__``,
  which compiles a string (``%run``, the shell's own code), read except*
  and rewrite it as modules are, with the cell's __future__ flags;
* the compile() of ``async_helpers``, which tries a cell with top-level
  await, and of ``py3compat``, which ``%run`` uses, is the package's;
* the check that tells whether a cell is complete (the terminal's Enter,
  Jupyter's is_complete) reads each except* as except: a cell goes on after
  a handler's body, to the next handler.

Cells without except* are parsed and compiled as before, by the same calls.
"""

import sys

from taskgroup_patch.exceptstar import loader

__all__ = ["adapt"]


def _ast_parse(plain):
    def ast_parse(self, source, filename="<unknown>", symbol="exec"):
        if not loader.may_use_except_star(source):
            return plain(self, source, filename, symbol)
        try:
            return loader._parse(source, filename, symbol, self.flags)[0]
        except SyntaxError as exc:
            raise exc.with_traceback(None)
    ast_parse.__wrapped__ = plain
    return ast_parse


def _call(plain):
    def __call__(self, source, filename, symbol, *args, **kwargs):
        if isinstance(source, (str, bytes)) and loader.may_use_except_star(source):
            try:
                source = loader._parse(source, filename, symbol, self.flags)[0]
            except SyntaxError as exc:
                raise exc.with_traceback(None)
        # The class's own compiling, of the tree: it keeps the __future__ flags.
        return plain(self, source, filename, symbol, *args, **kwargs)
    __call__.__wrapped__ = plain
    return __call__


def _completeness(plain):
    def compile_command(source, filename="<input>", symbol="single"):
        if loader.may_use_except_star(source):
            from taskgroup_patch.exceptstar import transform
            source = transform.blank_stars(source)
        return plain(source, filename, symbol)
    compile_command.__wrapped__ = plain
    return compile_command


def adapt(interactiveshell):
    """Adapt IPython's compiling of cells; idempotent."""
    compilerop = sys.modules["IPython.core.compilerop"]
    caching = compilerop.CachingCompiler
    if "__wrapped__" in caching.__dict__["ast_parse"].__dict__:
        return
    caching.ast_parse = _ast_parse(caching.__dict__["ast_parse"])
    caching.__call__ = _call(caching.__call__)
    # A global of each module, in front of the builtin.
    for name in ("IPython.core.async_helpers", "IPython.utils.py3compat"):
        module = sys.modules.get(name)
        if module is not None:
            module.compile = loader.compile
    transformers = sys.modules.get("IPython.core.inputtransformer2")
    if transformers is not None and hasattr(transformers, "compile_command"):
        transformers.compile_command = _completeness(transformers.compile_command)
