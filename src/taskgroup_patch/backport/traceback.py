"""The traceback module of CPython 3.13, where 3.8-3.10 differ from it.

What is here replaces, on 3.8-3.10, the methods of traceback.TracebackException
and the module's functions that render an exception; taskgroup_patch._patch
puts them in place (over those of the exceptiongroup backport, which is where
group tracebacks came from until now):

* TracebackException(max_group_width=15, max_group_depth=10,
  save_exc_type=True), ``exc_type_str``, ``print()``, and
  ``format_exception_only(show_group=)``: exception groups rendered as 3.13
  renders them, notes included, ``Ignored error getting __notes__`` included;
* ``print_exception(exc)``, ``format_exception(exc)``,
  ``format_exception_only(exc)``: the one-argument forms (3.10) on 3.8 and
  3.9, and ``format_exception_only(exc, show_group=True)`` (3.13).

``thread_excepthook`` stands for threading.excepthook, whose C default on
3.8-3.10 prints neither notes nor a group's members (3.13's prints through
the traceback module).

Two things stay as they were on 3.8-3.10.  Reading ``exc_type`` warns (3.13
deprecated it) only when the TracebackException was made with
``save_exc_type=False``, which no code written for 3.8-3.10 can do.  Frames
show no caret lines: 3.8-3.10 code objects do not record columns.
"""

import collections.abc
import sys
import threading
import traceback
import warnings

from exceptiongroup import BaseExceptionGroup

__all__ = ("TracebackException", "print_exception", "format_exception",
           "format_exception_only", "thread_excepthook")

# 3.10's SyntaxError has an end (end_lineno, end_offset).  Before, the one
# position is the error's, and gets one caret, where those versions put it.
_SPANS = sys.version_info >= (3, 10)
_OLD_PARSER = sys.version_info < (3, 9)

_CAUSE = ("\nThe above exception was the direct cause "
          "of the following exception:\n\n")
_CONTEXT = ("\nDuring handling of the above exception, "
            "another exception occurred:\n\n")

# The default of value= and tb=: the interpreter's own where it has one
# (3.10), so that the signatures read as they did.
_sentinel = getattr(traceback, "_sentinel", None)
if _sentinel is None:
    class _Implicit:
        def __repr__(self):
            return "<implicit>"

    _sentinel = _Implicit()
    del _Implicit

try:
    # The exceptiongroup backport's "Did you mean" suggestions, which it has
    # been adding to tracebacks on 3.8-3.10 (the C printer of 3.10 adds them
    # too, the traceback module of 3.10 does not).
    from exceptiongroup._formatting import _compute_suggestion_error
except ImportError:  # pragma: no cover - a future exceptiongroup
    _compute_suggestion_error = None


def _safe_string(value, what, func=str):
    try:
        return func(value)
    except BaseException:
        return "<%s %s() failed>" % (what, func.__name__)


def _final_line(type_name, value_text):
    if value_text:
        return "%s: %s" % (type_name, value_text)
    return type_name


class TracebackException:
    """The methods _patch copies onto traceback.TracebackException.

    Not a class to use on its own: it holds what 3.13's class does that the
    interpreter's lacks.  ``traceback.TracebackException`` is the class.
    """

    # The names _patch copies, in this order.
    PATCHED = ("__init__", "exc_type", "exc_type_str", "format_exception_only",
               "_format_syntax_error", "format", "_format_one", "print",
               "_load_lines", "__eq__")

    def __init__(self, exc_type, exc_value, exc_traceback, *, limit=None,
                 lookup_lines=True, capture_locals=False, compact=False,
                 max_group_width=15, max_group_depth=10, save_exc_type=True,
                 _seen=None):
        # The cause, context and group members of exc_value are made
        # TracebackExceptions too, by the outermost call only, from a queue:
        # a chain or a nesting deeper than the recursion limit still renders.
        # _seen holds the ids already done, against cycles.
        outermost = _seen is None
        if outermost:
            _seen = set()
        _seen.add(id(exc_value))

        self.max_group_width = max_group_width
        self.max_group_depth = max_group_depth
        self.stack = traceback.StackSummary.extract(
            traceback.walk_tb(exc_traceback), limit=limit,
            lookup_lines=lookup_lines, capture_locals=capture_locals)
        self._save_exc_type = save_exc_type
        self._exc_type = exc_type if save_exc_type else None
        self._have_exc_type = exc_type is not None
        if exc_type is not None:
            self.exc_type_qualname = exc_type.__qualname__
            self.exc_type_module = exc_type.__module__
        else:
            self.exc_type_qualname = self.exc_type_module = None
        # Rendered now, so that no reference to exc_value is kept.
        self._str = _safe_string(exc_value, "exception")
        try:
            self.__notes__ = getattr(exc_value, "__notes__", None)
        except Exception as exc:
            self.__notes__ = ["Ignored error getting __notes__: %s"
                              % _safe_string(exc, "__notes__", repr)]

        self._is_syntax_error = bool(exc_type and issubclass(exc_type, SyntaxError))
        if self._is_syntax_error:
            self.filename = exc_value.filename
            self.lineno = _str_or_none(exc_value.lineno)
            # end_lineno and end_offset are 3.10's.
            self.end_lineno = _str_or_none(getattr(exc_value, "end_lineno", None))
            self.text = exc_value.text
            self.offset = exc_value.offset
            self.end_offset = getattr(exc_value, "end_offset", None)
            self.msg = exc_value.msg
        elif (exc_type and issubclass(exc_type, (NameError, AttributeError))
              and getattr(exc_value, "name", None) is not None
              and _compute_suggestion_error is not None):
            suggestion = _compute_suggestion_error(exc_value, exc_traceback)
            if suggestion:
                self._str += ". Did you mean: '%s'?" % suggestion

        if lookup_lines:
            self._load_lines()
        self.__suppress_context__ = (
            exc_value.__suppress_context__ if exc_value is not None else False)
        self.__cause__ = self.__context__ = self.exceptions = None
        if not outermost:
            return

        def nested(exc):
            return traceback.TracebackException(
                type(exc), exc, exc.__traceback__, limit=limit,
                lookup_lines=lookup_lines, capture_locals=capture_locals,
                max_group_width=max_group_width, max_group_depth=max_group_depth,
                _seen=_seen)

        queue = [(self, exc_value)]
        while queue:
            te, exc = queue.pop()
            if exc is None:
                continue
            cause = exc.__cause__
            if cause is not None and id(cause) not in _seen:
                te.__cause__ = nested(cause)
                queue.append((te.__cause__, cause))
            # compact: only the context that will be shown.
            context = exc.__context__
            if (context is not None and id(context) not in _seen
                    and not (compact and (te.__cause__ is not None
                                          or exc.__suppress_context__))):
                te.__context__ = nested(context)
                queue.append((te.__context__, context))
            if isinstance(exc, BaseExceptionGroup):
                te.exceptions = [nested(member) for member in exc.exceptions]
                queue.extend(zip(te.exceptions, exc.exceptions))

    @property
    def exc_type(self):
        """The class of the exception (None if not saved)."""
        _made_before(self)
        if self._save_exc_type:
            return self._exc_type
        warnings.warn("Deprecated in 3.13. Use exc_type_str instead.",
                      DeprecationWarning, stacklevel=2)
        return None

    @exc_type.setter
    def exc_type(self, value):
        self._exc_type = value
        self._save_exc_type = True

    @property
    def exc_type_str(self):
        """How tracebacks name the exception's class: module.qualname."""
        _made_before(self)
        if not self._have_exc_type:
            return None
        name = self.exc_type_qualname
        module = self.exc_type_module
        if module in ("__main__", "builtins"):
            return name
        if not isinstance(module, str):
            module = "<unknown>"
        return module + "." + name

    def format_exception_only(self, *, show_group=False, _depth=0, **kwargs):
        """Yield the exception's message line(s), then its notes.

        A SyntaxError's message is preceded by the place and text of the
        error.  With *show_group*, an exception group is followed by its
        members, recursively, each level indented by three more spaces.
        """
        _made_before(self)
        indent = "   " * _depth
        if not self._have_exc_type:
            yield indent + _final_line("None", self._str) + "\n"
            return
        type_name = self.exc_type_str
        if self._is_syntax_error:
            for line in self._format_syntax_error(type_name):
                yield indent + line
        elif _depth:
            # Nested: every line of a multi-line message is indented.
            for line in _final_line(type_name, self._str).split("\n"):
                yield indent + line + "\n"
        else:
            yield _final_line(type_name, self._str) + "\n"

        notes = self.__notes__
        if (isinstance(notes, collections.abc.Sequence)
                and not isinstance(notes, (str, bytes))):
            for note in notes:
                for line in _safe_string(note, "note").split("\n"):
                    yield indent + line + "\n"
        elif notes is not None:
            yield indent + _safe_string(notes, "__notes__", repr) + "\n"

        if show_group and self.exceptions:
            for member in self.exceptions:
                yield from member.format_exception_only(
                    show_group=True, _depth=_depth + 1)

    def _format_syntax_error(self, type_name, **kwargs):
        """Yield where a SyntaxError is, its text with carets, and its message."""
        where = ""
        if self.lineno is not None:
            yield '  File "%s", line %s\n' % (self.filename or "<string>", self.lineno)
        elif self.filename is not None:
            where = " (%s)" % self.filename
        text = self.text
        if text is not None:
            line = text.rstrip("\n")
            stripped = line.lstrip(" \n\f")
            yield "    %s\n" % stripped
            if self.offset is not None:
                carets = _caret_line(text, line, stripped, self.offset, self.end_offset,
                                     self.lineno, self.end_lineno)
                if carets is not None:
                    yield "    %s\n" % carets
        yield "%s: %s%s\n" % (type_name, self.msg or "<no detail available>", where)

    def format(self, *, chain=True, _ctx=None, **kwargs):
        """Yield the lines of the whole traceback, as print_exception() prints it.

        With *chain* false, the cause and the context are left out.
        """
        if _ctx is None:
            _ctx = _GroupFrame()
        _made_before(self)
        chained = []  # (heading or None, TracebackException), outermost last
        exc = self
        while exc is not None:
            if not chain:
                chained.append((None, exc))
                break
            if exc.__cause__ is not None:
                chained.append((_CAUSE, exc))
                exc = exc.__cause__
            elif exc.__context__ is not None and not exc.__suppress_context__:
                chained.append((_CONTEXT, exc))
                exc = exc.__context__
            else:
                chained.append((None, exc))
                exc = None
        for heading, exc in reversed(chained):
            if heading is not None:
                yield from _ctx.emit(heading)
            yield from exc._format_one(chain, _ctx)

    def _format_one(self, chain, ctx):
        # One exception of a chain: a group with its members in boxes.
        if self.exceptions is None:
            if self.stack:
                yield from ctx.emit("Traceback (most recent call last):\n")
                yield from ctx.emit(self.stack.format())
            yield from ctx.emit(self.format_exception_only())
            return
        if ctx.depth > self.max_group_depth:
            yield from ctx.emit("... (max_group_depth is %d)\n" % self.max_group_depth)
            return
        outermost = ctx.depth == 0
        if outermost:
            ctx.depth = 1
        if self.stack:
            yield from ctx.emit("Exception Group Traceback (most recent call last):\n",
                                margin="+" if outermost else "|")
            yield from ctx.emit(self.stack.format())
        yield from ctx.emit(self.format_exception_only())
        count = len(self.exceptions)
        shown = min(count, self.max_group_width + 1)
        ctx.need_close = False
        for index in range(shown):
            last = index == shown - 1
            if last:
                # A nested group drawn last closes its box and ours at once.
                ctx.need_close = True
            elided = index >= self.max_group_width
            title = "..." if elided else str(index + 1)
            yield "%s%s+---------------- %s ----------------\n" % (
                ctx.indent(), "+-" if index == 0 else "  ", title)
            ctx.depth += 1
            if elided:
                more = count - self.max_group_width
                yield from ctx.emit("and %d more exception%s\n"
                                    % (more, "s" if more > 1 else ""))
            else:
                yield from self.exceptions[index].format(chain=chain, _ctx=ctx)
            if last and ctx.need_close:
                yield ctx.indent() + "+------------------------------------\n"
                ctx.need_close = False
            ctx.depth -= 1
        if outermost:
            ctx.depth = 0

    def _load_lines(self):
        # Only this exception's frames (3.8 and 3.9 also walk the chain,
        # which is not made yet when __init__ calls this).
        for frame in self.stack:
            frame.line

    def __eq__(self, other):
        # 3.8's compared with anything, and failed on what has no __dict__.
        if isinstance(other, traceback.TracebackException):
            return self.__dict__ == other.__dict__
        return NotImplemented

    def print(self, *, file=None, chain=True, **kwargs):
        """Print the lines of format(chain=chain) to *file* (default: sys.stderr)."""
        if file is None:
            file = sys.stderr
        for line in self.format(chain=chain):
            print(line, file=file, end="")


def _made_before(te):
    """Give a TracebackException made before the patch what this code reads."""
    state = te.__dict__
    if "_have_exc_type" in state:
        return
    exc_type = state.get("exc_type")
    state.update(_have_exc_type=exc_type is not None, _exc_type=exc_type,
                 _save_exc_type=True, max_group_width=15, max_group_depth=10,
                 exc_type_qualname=getattr(exc_type, "__qualname__", None),
                 exc_type_module=getattr(exc_type, "__module__", None),
                 _is_syntax_error=bool(exc_type and issubclass(exc_type, SyntaxError)))
    state.setdefault("__notes__", None)
    state.setdefault("exceptions", None)
    state.setdefault("end_lineno", None)
    state.setdefault("end_offset", None)
    state.pop("exc_type", None)  # the property reads _exc_type now
    for chained in (te.__cause__, te.__context__):
        if chained is not None:
            _made_before(chained)


class _GroupFrame:
    """Where format() is within nested exception groups: how deep, and
    whether the innermost box is still open."""

    def __init__(self):
        self.depth = 0
        self.need_close = False

    def indent(self):
        return "  " * self.depth

    def emit(self, lines, margin="|"):
        """Yield *lines* (a string, or an iterable of strings) indented for
        the depth, behind the box's margin inside a group."""
        prefix = self.indent() + (margin + " " if self.depth else "")
        if isinstance(lines, str):
            lines = (lines,)
        for text in lines:
            yield "".join(prefix + line for line in text.splitlines(True))


def _str_or_none(number):
    return None if number is None else str(number)


def _caret_line(text, line, stripped, offset, end_offset, lineno, end_lineno):
    """The carets under a SyntaxError's span of *stripped* (*line* is *text*
    without its line break, *stripped* without its indentation too), or None."""
    indentation = len(line) - len(stripped)
    if _OLD_PARSER:
        # 3.8's parser places some errors one past the end of the line or
        # within its indentation: its caret is then under the line's last
        # character, or its first.
        start = max(0, min(offset, len(line)) - 1 - indentation)
        return _under(stripped, start, start + 1)
    if lineno == end_lineno or not _SPANS:
        end_offset = end_offset if end_offset not in (None, 0) else offset
    else:
        end_offset = len(line) + 1  # to the end of its first line
    # Past the text: at its end.
    if text and offset > len(text):
        offset = len(line) + 1
    if text and end_offset > len(text):
        end_offset = len(line) + 1
    if offset >= end_offset or end_offset < 0:
        end_offset = offset + 1
    # 1-based offsets into the line -> 0-based indices into the stripped text
    start = offset - 1 - indentation
    if start < 0:
        return None
    return _under(stripped, start, end_offset - 1 - indentation)


def _under(stripped, start, end):
    # Tabs and other blanks stay, so the carets line up below the text.
    padding = "".join(c if c.isspace() else " " for c in stripped[:start])
    return padding + "^" * (end - start)


# -- the module's functions ---------------------------------------------------

def _value_and_traceback(exc, value, tb):
    if (value is _sentinel) != (tb is _sentinel):
        raise ValueError("Both or neither of value and tb must be given")
    if value is _sentinel:
        if exc is None:
            return None, None
        if not isinstance(exc, BaseException):
            raise TypeError("Exception expected for value, %s found"
                            % type(exc).__name__)
        return exc, exc.__traceback__
    return value, tb


def print_exception(exc, /, value=_sentinel, tb=_sentinel, limit=None,
                    file=None, chain=True, **kwargs):
    """Print an exception, with its traceback up to *limit* entries, to *file*.

    ``print_exception(exc)`` prints exc with its own traceback; the old
    form passes the type, the value and the traceback.  A traceback is
    preceded by "Traceback (most recent call last):"; a SyntaxError shows
    its line with carets under the error.
    """
    value, tb = _value_and_traceback(exc, value, tb)
    traceback.TracebackException(type(value), value, tb, limit=limit,
                                 compact=True).print(file=file, chain=chain)


def format_exception(exc, /, value=_sentinel, tb=_sentinel, limit=None,
                     chain=True, **kwargs):
    """Return the lines print_exception() would print with the same arguments.

    Each string ends with a newline; some contain more than one line.
    """
    value, tb = _value_and_traceback(exc, value, tb)
    te = traceback.TracebackException(type(value), value, tb, limit=limit,
                                      compact=True)
    return list(te.format(chain=chain))


def format_exception_only(exc, /, value=_sentinel, *, show_group=False, **kwargs):
    """Return the message part of a traceback, then the exception's notes.

    Each string ends with a newline.  A SyntaxError's message is preceded by
    the lines that show where it is.  With *show_group*, an exception group
    is followed by its members, recursively, indented by nesting depth.
    """
    if value is _sentinel:
        value = exc
    te = traceback.TracebackException(type(value), value, None, compact=True)
    return list(te.format_exception_only(show_group=show_group))


# traceback.X is each of these once patched: repr, pickle and the module's
# own checks (its __all__ lists what claims to be its) agree.
for _function in (print_exception, format_exception, format_exception_only):
    _function.__module__ = "traceback"
del _function


def thread_excepthook(args, /):
    """Print a thread's uncaught exception, as threading.excepthook does."""
    if args.exc_type is SystemExit:
        return  # a thread's way to end quietly
    thread = args.thread
    stderr = sys.stderr
    if stderr is None:
        # Gone (interpreter shutdown, pythonw): the one the thread started with.
        stderr = getattr(thread, "_stderr", None)
        if stderr is None:
            return
    name = thread.name if thread is not None else threading.get_ident()
    print("Exception in thread %s:" % name, file=stderr, flush=True)
    print_exception(args.exc_type, args.exc_value, args.exc_traceback, file=stderr)
    stderr.flush()


thread_excepthook.__module__ = "threading"  # as the hook it replaces (threading.__all__)
