"""Compile source that uses 3.11's except* on CPython 3.8-3.10.

The running parser cannot read ``except*``, but it can read the same file
with each such ``*`` replaced by a space: that keeps every line and column
where it was.  The handlers found at those positions are then rewritten
into ordinary code calling exceptstar.runtime (its docstring shows the
shape), and the misuses 3.11+ rejects are rejected here with CPython 3.13's
message and position.
"""

import ast
import bisect
import io
import os
import re
import sys
import tokenize

__all__ = ["parse", "uses_except_star", "blank_stars"]

NATIVE = sys.version_info >= (3, 11)

# ``except`` can only start a logical line; a backslash continuation may
# separate it from the ``*``.
_NEWLINE = r"(?:\r\n|\r|\n)"
_CANDIDATE = re.compile(
    r"(?:^|(?<=\r))[ \t\f]*(except)(?:[ \t\f]|\\" + _NEWLINE + r")*(\*)",
    re.MULTILINE)
_CANDIDATE_BYTES = re.compile(_CANDIDATE.pattern.encode(), re.MULTILINE)
_LINE_BREAK = re.compile(_NEWLINE)
_AFTER_STAR = re.compile(r"(?:[ \t\f]|\\" + _NEWLINE + r")*")

_RUNTIME = "_exceptstar_runtime"
_RUNTIME_MODULE = "taskgroup_patch.exceptstar.runtime"
_STATE = "_exceptstar_{}"

_MIXED = "cannot have both 'except' and 'except*' on the same 'try'"
_BARE = "expected one or more exception types"
_FLOW = "'break', 'continue' and 'return' cannot appear in an except* block"


def uses_except_star(source) -> bool:
    """Whether *source* (str or bytes) may contain ``except*``.

    False positives (in strings, say) are possible; false negatives not.
    """
    if isinstance(source, str):
        return "except" in source and _CANDIDATE.search(source) is not None
    source = bytes(source)
    return b"except" in source and _CANDIDATE_BYTES.search(source) is not None


def blank_stars(text: str) -> str:
    """*text* with the star of each possible except* read as a space.

    Every position stays where it is.  For tools that only ask whether code
    is complete (IPython, before it runs a cell): a star inside a string
    may be blanked too, which changes no answer to that question.
    """
    return _CANDIDATE.sub(lambda m: m.group()[:-1] + " ", text)


def parse(source, filename="<unknown>", mode="exec", *, flags=0, rewrite=True) -> ast.AST:
    """ast.parse() for source that may use except*.

    The tree compiles on the running interpreter; where it has no except*,
    each such try statement is rewritten to calls into _exceptstar_runtime.
    *flags* are compile() flags that change parsing (type comments, the
    __future__ features of the code being compiled).  With rewrite=False,
    the tree is the one 3.11 reads, each try/except* a plain ast.Try (3.11's
    ast.TryStar has the same fields), unchecked: for tools that analyse the
    code (coverage's reporter, --scan), not for running it.
    """
    if not isinstance(filename, str):
        filename = os.fsdecode(filename)
    flags |= ast.PyCF_ONLY_AST
    if NATIVE or not uses_except_star(source):
        return compile(source, filename, mode, flags, True)
    text = _decode(source)
    if text is None:
        return compile(source, filename, mode, flags, True)
    lines = _Lines(text)
    candidates = {}
    for m in _CANDIDATE.finditer(text):
        lineno, col = lines.position(m.start(1))
        candidates[lineno, col] = m
    chars = list(text)
    for m in candidates.values():
        chars[m.start(2)] = " "
    while True:
        tree = _parse_modified("".join(chars), lines, filename, mode, flags)
        starred = {}
        for node in _statements(tree):
            if isinstance(node, ast.ExceptHandler):
                m = candidates.get((node.lineno, node.col_offset))
                if m is not None:
                    starred[id(node)] = m
        found = {id(m) for m in starred.values()}
        strays = [m for m in candidates.values() if id(m) not in found]
        if not strays:
            break
        # A candidate inside a string: put its star back.
        for m in strays:
            chars[m.start(2)] = "*"
            del candidates[lines.position(m.start(1))]
    if not starred or not rewrite:
        return tree
    _Rewriter(starred, text, lines, filename).visit_body(tree)
    _import_runtime(tree)
    return tree


# The fields that hold statements (and handlers, and match cases); only
# statements can hold a try, so the walks skip every expression.
_BODIES = ("body", "handlers", "orelse", "finalbody", "cases")


def _statements(tree):
    """Every statement, handler and match case in tree."""
    if not isinstance(tree.body, list):
        return  # mode "eval"
    todo = list(tree.body)
    while todo:
        node = todo.pop()
        yield node
        for field in _BODIES:
            todo.extend(getattr(node, field, ()))


def _decode(source):
    """*source* as text, decoded as compile() would, or None if it cannot be."""
    if isinstance(source, str):
        return source
    try:
        source = bytes(source)
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
        return source.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return None


def _parse_modified(text, lines, filename, mode, flags):
    try:
        return compile(text, filename, mode, flags, True)
    except SyntaxError as exc:
        # An error of its own: report it as compile() does, with the line
        # as the user wrote it.
        if exc.text is not None and exc.lineno and exc.lineno <= len(lines.starts):
            exc.text = lines.line(exc.lineno)
        raise


class _Lines:
    """Where offsets in a text fall, in the two ways positions are counted:
    ast's columns count UTF-8 bytes, SyntaxError's characters (from 1)."""

    def __init__(self, text):
        self.text = text
        self.starts = [0] + [m.end() for m in _LINE_BREAK.finditer(text)]

    def lineno(self, offset):
        return bisect.bisect_right(self.starts, offset)

    def position(self, offset):
        """(line, byte column) of a text offset, as in ast."""
        lineno = self.lineno(offset)
        start = self.starts[lineno - 1]
        return lineno, len(self.text[start:offset].encode("utf-8"))

    def offset(self, lineno, col):
        """The text offset of an ast position."""
        start = self.starts[lineno - 1]
        head = self.line(lineno).encode("utf-8")[:col]
        return start + len(head.decode("utf-8", "replace"))

    def line(self, lineno):
        start = self.starts[lineno - 1]
        end = self.starts[lineno] if lineno < len(self.starts) else len(self.text)
        return self.text[start:end]


def _syntax_error(msg, filename, lines, start, end, text=True):
    """SyntaxError(msg) spanning text offsets start..end, as 3.13 reports it."""
    lineno = lines.lineno(start)
    end_lineno = lines.lineno(end)
    offset = start - lines.starts[lineno - 1] + 1
    end_offset = end - lines.starts[end_lineno - 1] + 1
    line = lines.line(lineno) if text else None
    if sys.version_info >= (3, 10):
        args = (filename, lineno, offset, line, end_lineno, end_offset)
    else:
        args = (filename, lineno, offset, line)
    return SyntaxError(msg, args)


class _Rewriter:
    """Rewrites each try statement whose handlers are except* clauses."""

    def __init__(self, starred, text, lines, filename):
        self.starred = starred
        self.text = text
        self.lines = lines
        self.filename = filename
        self.depth = 0  # of except* handlers around: one state name each
        self.function = None  # the innermost def around, if not in a class

    def visit_body(self, node):
        for field in _BODIES:
            for child in getattr(node, field, ()):
                self.visit(child)

    def visit(self, node):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self._visit_scope(node, node)
        elif isinstance(node, ast.ClassDef):
            self._visit_scope(node, None)
        elif isinstance(node, ast.Try) and any(
                id(h) in self.starred for h in node.handlers):
            self._rewrite(node)
        else:
            self.visit_body(node)

    def _visit_scope(self, node, function):
        outer = self.function
        self.function = function
        try:
            self.visit_body(node)
        finally:
            self.function = outer

    def _rewrite(self, node):
        kinds = [id(h) in self.starred for h in node.handlers]
        # In source order, as 3.13's parser meets them.
        for handler, starred in zip(node.handlers, kinds):
            if starred and handler.type is None:
                m = self.starred[id(handler)]
                start = _AFTER_STAR.match(self.text, m.end(2)).end()
                raise _syntax_error(_BARE, self.filename, self.lines,
                                    start, start + 1)
            if starred != kinds[0]:
                raise self._mixed_error(handler, starred)
        for handler in node.handlers:
            _FlowChecker(self, self.function).check(handler.body)
        for stmt in node.body + node.orelse + node.finalbody:
            self.visit(stmt)
        self.depth += 1
        try:
            for handler in node.handlers:
                self.visit_body(handler)
        finally:
            self.depth -= 1
        node.handlers = [self._dispatch(node.handlers[0], node.handlers)]

    def _mixed_error(self, handler, starred):
        start = self.lines.offset(handler.lineno, handler.col_offset)
        if starred:
            end = self.starred[id(handler)].end(2)
        else:
            end = start + len("except")
        return _syntax_error(_MIXED, self.filename, self.lines, start, end)

    def _dispatch(self, first, handlers):
        """The one ``except BaseException`` clause that runs the handlers."""
        state = _STATE.format(self.depth + 1)
        loc = _Location(first)
        body = [loc(ast.Assign(
            targets=[loc(ast.Name(state, ast.Store()))],
            value=loc(ast.Call(
                func=_attribute(loc, _RUNTIME, "ExceptStar"),
                args=[loc(ast.Name(state, ast.Load()))], keywords=[])),
            type_comment=None))]
        for handler in handlers:
            body.append(self._handler(state, handler))
        after = _NoLocation(handlers[-1].body[-1])
        if sys.version_info >= (3, 10):
            # The code after the try gets its line from the last located code
            # laid out before it (3.10 gives every return a line): after a
            # last clause that did not match, its body's, which a tracer (and
            # coverage) would then see run.  There, the epilogue is the
            # clause's, as on 3.11; after a body that ran, it has no line.
            last = body[-1]
            last.body.append(self._epilogue(state, after))
            last.orelse = [self._epilogue(state, _Location(handlers[-1].type))]
        else:
            body.append(self._epilogue(state, after))
        return loc(ast.ExceptHandler(
            type=_attribute(loc, _RUNTIME, "BaseException"),
            name=state, body=body))

    def _epilogue(self, state, loc):
        """``if STATE.reraise(): raise``: what is left leaves the try."""
        return loc(ast.If(
            test=loc(ast.Call(func=_attribute(loc, state, "reraise"), args=[], keywords=[])),
            body=[loc(ast.Raise(exc=None, cause=None))], orelse=[]))

    def _handler(self, state, handler):
        loc = _Location(handler)
        _announce_reraises(state, handler.body)
        body = list(handler.body)
        if handler.name is not None:
            body.insert(0, loc(ast.Assign(
                targets=[loc(ast.Name(handler.name, ast.Store()))],
                value=_attribute(loc, state, "matched"),
                type_comment=None)))
        after = _NoLocation(handler.body[-1])
        collect = after(ast.ExceptHandler(
            type=_attribute(after, _RUNTIME, "BaseException"), name=None,
            body=[after(ast.Expr(after(ast.Call(
                func=_attribute(after, state, "collect"), args=[],
                keywords=[]))))]))
        finalbody = []
        if handler.name is not None:
            finalbody = [
                after(ast.Assign(
                    targets=[after(ast.Name(handler.name, ast.Store()))],
                    value=after(ast.Constant(None)), type_comment=None)),
                after(ast.Delete(targets=[after(ast.Name(handler.name, ast.Del()))])),
            ]
        guarded = loc(ast.Try(body=body, handlers=[collect], orelse=[],
                              finalbody=finalbody))
        # A TypeError for the clause points, as in 3.13, at its type.
        at_type = _Location(handler.type)
        return at_type(ast.If(
            test=at_type(ast.Call(func=_attribute(at_type, state, "match"),
                                  args=[handler.type], keywords=[])),
            body=[guarded], orelse=[]))


def _announce_reraises(state, body):
    """Precede each bare ``raise`` of a handler's own with ``STATE.reraising()``.

    3.13 re-raises the handled exception with its __traceback__ as it is
    then; 3.8-3.10 put back the one it was handled with, so the runtime must
    see a traceback the handler assigned before it is lost.  Bare raises in
    the except clauses of a nested try re-raise another exception, and those
    in nested functions and classes run elsewhere: they are left alone.
    """
    index = 0
    while index < len(body):
        stmt = body[index]
        if isinstance(stmt, ast.Raise) and stmt.exc is None:
            at = _Location(stmt, width=len("raise"))
            body.insert(index, at(ast.Expr(at(ast.Call(
                func=_attribute(at, state, "reraising"), args=[], keywords=[])))))
            index += 1
        elif not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for field in ("body", "orelse", "finalbody"):
                inner = getattr(stmt, field, None)
                if isinstance(inner, list):
                    _announce_reraises(state, inner)
            for case in getattr(stmt, "cases", ()):
                _announce_reraises(state, case.body)
        index += 1


class _Location:
    """Gives generated nodes a one-line location: by default that of an
    except* clause's keyword (on 3.10 a handler's end is the end of its
    body, and copying it would make tracebacks show the wrong lines)."""

    def __init__(self, node, width=len("except")):
        self.lineno = node.lineno
        self.col = node.col_offset
        if node.end_lineno == node.lineno and not isinstance(node, ast.stmt):
            width = node.end_col_offset - node.col_offset
        self.end_col = self.col + width

    def __call__(self, node):
        node.lineno = node.end_lineno = self.lineno
        node.col_offset = self.col
        node.end_col_offset = self.end_col
        return node


class _NoLocation(_Location):
    """For the bookkeeping after a handler body, which 3.13 gives no line,
    so that a tracer (pdb, say) sees no line event for it.  3.10 can say so
    (line -1); 3.8 and 3.9 trace only where a line starts, so the code
    carries on the last line of what precedes it: *last*, a statement."""

    def __init__(self, last):
        super().__init__(last)
        if sys.version_info >= (3, 10):
            self.lineno = self.col = self.end_col = -1
        else:
            self.lineno = last.end_lineno
            self.col = self.end_col = last.end_col_offset


def _attribute(loc, name, attr):
    return loc(ast.Attribute(loc(ast.Name(name, ast.Load())), attr, ast.Load()))


class _FlowChecker(ast.NodeVisitor):
    """Finds break/continue/return that would leave an except* block.

    Reports them where CPython 3.13's compiler does: a return of a constant
    on its own line at the constant, any other at the statement, and no
    location at all from inside a with block or the try of a try/finally
    (the compiler has replaced it with theirs by then).
    """

    def __init__(self, rewriter, function):
        self.rewriter = rewriter
        self.function = function
        self.loops = 0
        self.unlocated = 0

    def check(self, body):
        for stmt in body:
            self.visit(stmt)

    def _error(self, node):
        rw = self.rewriter
        if self.unlocated:
            return _unlocated_syntax_error(_FLOW, rw.filename)
        # A compiler error: its offsets count bytes, as ast's columns do,
        # and its line is read back from the file, if there is one.
        text = None
        if os.path.exists(rw.filename):
            text = rw.lines.line(node.lineno)
        if sys.version_info >= (3, 10):
            return SyntaxError(_FLOW, (
                rw.filename, node.lineno, node.col_offset + 1, text,
                node.end_lineno, node.end_col_offset + 1))
        return SyntaxError(_FLOW, (rw.filename, node.lineno, node.col_offset + 1, text))

    def visit_Return(self, node):
        if self.function is None or (
                node.value is not None and _is_async_generator(self.function)):
            return  # the interpreter's compiler reports these first
        value = node.value
        if (isinstance(value, ast.Constant)
                and value.lineno == node.lineno == value.end_lineno):
            raise self._error(value)
        raise self._error(node)

    def visit_Break(self, node):
        if not self.loops:
            raise self._error(node)

    visit_Continue = visit_Break

    def _loop(self, node):
        self.loops += 1
        try:
            self.check(node.body)
        finally:
            self.loops -= 1
        self.check(node.orelse)

    visit_For = visit_AsyncFor = visit_While = _loop

    def _with(self, node):
        self.unlocated += 1
        try:
            self.check(node.body)
        finally:
            self.unlocated -= 1

    visit_With = visit_AsyncWith = _with

    def visit_Try(self, node):
        if node.finalbody:
            self.unlocated += 1
        try:
            self.check(node.body)
            for handler in node.handlers:
                self.check(handler.body)
            self.check(node.orelse)
        finally:
            if node.finalbody:
                self.unlocated -= 1
        self.check(node.finalbody)

    def _scope(self, node):
        pass  # its own break, continue and return

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _scope
    visit_Lambda = _scope

    def generic_visit(self, node):
        if not isinstance(node, ast.expr):  # no statements in expressions
            super().generic_visit(node)


def _is_async_generator(function):
    if not isinstance(function, ast.AsyncFunctionDef):
        return False
    todo = list(function.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            return True
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef,
                                 ast.ClassDef, ast.Lambda)):
            todo.extend(ast.iter_child_nodes(node))
    return False


def _unlocated_syntax_error(msg, filename):
    if sys.version_info >= (3, 10):
        return SyntaxError(msg, (filename, -1, 0, None, -1, 0))
    return SyntaxError(msg, (filename, -1, 0, None))


def _import_runtime(tree):
    """Put ``import ... as _exceptstar_runtime`` after docstring and futures."""
    body = tree.body
    index = 0
    if (body and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)):
        index = 1
    while (index < len(body) and isinstance(body[index], ast.ImportFrom)
           and body[index].module == "__future__"):
        index += 1
    anchor = body[index] if index < len(body) else body[-1]
    node = ast.Import(names=[ast.alias(_RUNTIME_MODULE, _RUNTIME)])
    node.lineno = node.end_lineno = anchor.lineno
    node.col_offset = anchor.col_offset
    node.end_col_offset = anchor.col_offset
    for n in ast.walk(node):
        if n is not node:
            n.lineno, n.col_offset = node.lineno, node.col_offset
            n.end_lineno, n.end_col_offset = node.end_lineno, node.end_col_offset
    body.insert(index, node)
