"""What code rewritten by exceptstar.transform calls: PEP 654's except*.

A try statement with except* clauses is rewritten (on 3.8-3.10) into

    try:
        BODY
    except _exceptstar_runtime.BaseException as _exceptstar_1:
        _exceptstar_1 = _exceptstar_runtime.ExceptStar(_exceptstar_1)
        if _exceptstar_1.match(T1):
            try:
                NAME = _exceptstar_1.matched
                HANDLER
            except _exceptstar_runtime.BaseException:
                _exceptstar_1.collect()
            finally:
                NAME = None
                del NAME
        ...
        if _exceptstar_1.reraise():
            raise

(on 3.10 the final check sits in both branches of the last clause's
``if``, for the line numbers a tracer sees), so the state of one except* dispatch lives in one local name that the
except clause itself deletes.  The methods follow what CPython 3.13 does
in CHECK_EG_MATCH and PREP_RERAISE_STAR; the final bare ``raise`` happens
in the user's frame, so no frame of this module is left in a traceback,
and it adds no traceback entry and no __context__, as CPython's RERAISE.
"""

import _ctypes
import builtins
import ctypes
import sys

from exceptiongroup import BaseExceptionGroup

__all__ = ["BaseException", "ExceptStar"]

# The generated code names the base class through this module, so that a
# user's own global called BaseException cannot change what is caught.
BaseException = builtins.BaseException

# The matched subgroup must become the handled exception (sys.exc_info(),
# sys.exception(), a bare raise) without being raised: raising it would add
# a traceback entry and rebind its __context__, and CPython tells re-raised
# parts from new ones by the identity of exactly those.  3.11 has
# PyErr_SetHandledException; before it PyErr_SetExcInfo does the same.  It
# steals its three references, hence the increments (_ctypes' own, a plain C
# function: a quarter of the cost of calling Py_IncRef through ctypes).
_set_exc_info = ctypes.PYFUNCTYPE(
    None, ctypes.py_object, ctypes.py_object, ctypes.py_object,
)(("PyErr_SetExcInfo", ctypes.pythonapi))
_incref = _ctypes.Py_INCREF


def _set_handled(exc):
    """Make *exc* the exception being handled in the calling frame."""
    cls = type(exc)
    tb = exc.__traceback__
    _incref(cls)
    _incref(exc)
    _incref(tb)
    _set_exc_info(cls, exc, tb)


def _reraise_in_caller(exc):
    """Prepare a bare ``raise`` in a method the generated code called.

    In C, CPython's except* leaves no trace of its own in a traceback; here
    the frames of this module are cut off, and the bare raise that follows
    adds none (nor a __context__: the error already chained to what was
    being handled when it was raised).
    """
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_globals is _GLOBALS:
        tb = tb.tb_next
    exc.__traceback__ = tb
    _set_handled(exc)


_GLOBALS = globals()

_NOT_AN_EXCEPTION_CLASS = (
    "catching classes that do not inherit from BaseException is not allowed"
)
_GROUP_CLASS = (
    "catching ExceptionGroup with except* is not allowed. Use except instead."
)


def _check_match_type(match_type):
    """Raise TypeError for what an except* clause may not name."""
    if isinstance(match_type, type):  # the common case, in two C calls
        if not issubclass(match_type, BaseException):
            raise TypeError(_NOT_AN_EXCEPTION_CLASS)
        if issubclass(match_type, BaseExceptionGroup):
            raise TypeError(_GROUP_CLASS)
        return
    types = match_type if isinstance(match_type, tuple) else (match_type,)
    for cls in types:
        if not (isinstance(cls, type) and issubclass(cls, BaseException)):
            raise TypeError(_NOT_AN_EXCEPTION_CLASS)
    for cls in types:
        if issubclass(cls, BaseExceptionGroup):
            raise TypeError(_GROUP_CLASS)


def _given_matches(exc, match_type):
    """Whether except* matches *exc* whole: by the class's MRO, as
    PyErr_GivenExceptionMatches (no __instancecheck__)."""
    mro = type(exc).__mro__
    if isinstance(match_type, tuple):
        for cls in match_type:
            if cls in mro:
                return True
        return False
    return match_type in mro


def _split(group, match_type):
    """group.split(match_type), which is what CPython calls."""
    if type(group).split is _PLAIN_SPLIT:
        return _plain_split(group, match_type)
    pair = group.split(match_type)
    if type(pair) is not tuple:
        raise TypeError(
            f"{type(group).__name__}.split must return a tuple, "
            f"not {type(pair).__name__}")
    if len(pair) != 2:
        raise TypeError(
            f"{type(group).__name__}.split must return a 2-tuple, "
            f"got tuple of size {len(pair)}")
    return pair


_PLAIN_SPLIT = BaseExceptionGroup.split


def _plain_split(group, match_type):
    """What exceptiongroup's own split() returns, without its overhead.

    The backport's split is most of the cost of an except* (it builds a
    condition function, then walks each leaf's MRO through it); this one
    gives the same parts through the same derive() calls and attribute
    copies, matching by the MRO as it does.
    """
    if _given_matches(group, match_type):
        return group, None
    matching = []
    rest = []
    for exc in group.exceptions:
        if isinstance(exc, BaseExceptionGroup):
            if type(exc).split is _PLAIN_SPLIT:
                part, other = _plain_split(exc, match_type)
            else:
                # As the backport does: a nested split() gets a condition.
                part, other = exc.split(
                    lambda e, match_type=match_type: _given_matches(e, match_type))
            if part is not None:
                matching.append(part)
            if other is not None:
                rest.append(other)
        elif _given_matches(exc, match_type):
            matching.append(exc)
        else:
            rest.append(exc)
    return (
        _backport_derive(group, matching) if matching else None,
        _backport_derive(group, rest) if rest else None,
    )


def _backport_derive(group, excs):
    """A part of group, as exceptiongroup's split() copies it."""
    part = group.derive(excs)
    if not isinstance(part, BaseExceptionGroup):
        raise TypeError("derive must return an instance of BaseExceptionGroup")
    part.__cause__ = group.__cause__
    part.__context__ = group.__context__
    part.__traceback__ = group.__traceback__
    if hasattr(group, "__notes__"):
        part.__notes__ = list(group.__notes__)
    return part


class ExceptStar:
    """The state of one except* dispatch: what is left, what was raised."""

    __slots__ = ("original", "rest", "matched", "raised", "retraced")

    def __init__(self, exc):
        self.original = exc
        self.rest = exc
        self.matched = None
        self.raised = []
        # (exception, its __traceback__ at a bare raise, the one the raise
        # will put back), while a handler re-raises one it gave a new traceback.
        self.retraced = None

    def match(self, match_type):
        """Split off the part of what is left that *match_type* matches.

        Returns whether something matched; if so it is ``self.matched`` and
        is now the handled exception.
        """
        try:
            _check_match_type(match_type)
            rest = self.rest
            if rest is None:
                return False
            if _given_matches(rest, match_type):
                if isinstance(rest, BaseExceptionGroup):
                    match = rest
                else:
                    # A naked exception is wrapped for matching; 3.13 gives
                    # the wrapper no traceback.
                    match = BaseExceptionGroup("", (rest,))
                self.rest = None
            elif isinstance(rest, BaseExceptionGroup):
                match, self.rest = _split(rest, match_type)
                if match is None:
                    return False
            else:
                return False
        except BaseException as exc:
            _reraise_in_caller(exc)
            raise
        self.matched = match
        _set_handled(match)
        return True

    def reraising(self):
        """Called just before a bare ``raise`` in a handler.

        On 3.8-3.10 that raise puts back the traceback the exception was
        handled with, where 3.13 keeps the one it has: a handler that set
        __traceback__ (or called with_traceback()) and re-raised has made,
        for 3.13, a new exception, not a re-raised one (_combine() tells
        them apart by that).  collect() restores what was set.
        """
        _, exc, handled_tb = sys.exc_info()
        if exc is not None and exc.__traceback__ is not handled_tb:
            self.retraced = (exc, exc.__traceback__, handled_tb)

    def collect(self):
        """Record the exception a handler body let out."""
        exc = sys.exc_info()[1]
        retraced = self.retraced
        if retraced is not None:
            self.retraced = None
            # Only if that bare raise is what arrives, untouched since.
            if retraced[0] is exc and exc.__traceback__ is retraced[2]:
                exc.__traceback__ = retraced[1]
        self.raised.append(exc)

    def reraise(self):
        """Return whether an exception leaves the try; if so, make it the
        handled one, for the caller's bare ``raise``."""
        excs = self.raised
        if self.rest is not None:
            excs.append(self.rest)
        if not excs:
            return False
        try:
            result = _combine(self.original, excs)
        except BaseException as exc:
            _reraise_in_caller(exc)
            raise
        if result is None:
            return False
        _set_handled(result)
        return True


def _combine(original, excs):
    """What leaves an except* try, as CPython's _PyExc_PrepReraiseStar.

    Parts re-raised unchanged (same traceback, cause and context as the
    original group) keep the original tree shape; new exceptions are grouped
    with that shape in a new ExceptionGroup("", ...).
    """
    if not isinstance(original, BaseExceptionGroup):
        # A naked exception: at most one handler ran.
        return excs[0]
    raised = []
    reraised = []
    for exc in excs:
        # Notes do not count: split() gives each part a copy of the list,
        # and 3.13 still takes such a part as re-raised.
        if (exc.__traceback__ is original.__traceback__
                and exc.__cause__ is original.__cause__
                and exc.__context__ is original.__context__):
            reraised.append(exc)
        else:
            raised.append(exc)
    reraised_group = _project(original, reraised)
    if not raised:
        return reraised_group
    if reraised_group is not None:
        raised.append(reraised_group)
    if len(raised) == 1:
        return raised[0]
    return BaseExceptionGroup("", raised)


def _project(group, keep):
    """The part of *group* whose leaves are the leaves of *keep*, or None."""
    if not keep:
        return None
    leaf_ids = set()
    for exc in keep:
        _collect_leaf_ids(exc, leaf_ids)
    return _select(group, leaf_ids)


def _collect_leaf_ids(exc, leaf_ids):
    if isinstance(exc, BaseExceptionGroup):
        for child in exc.exceptions:
            _collect_leaf_ids(child, leaf_ids)
    else:
        leaf_ids.add(id(exc))


def _select(exc, leaf_ids):
    # Only leaves have their ids collected: a group is rebuilt from its
    # kept children even when it keeps them all, as in 3.13.
    if id(exc) in leaf_ids:
        return exc
    if not isinstance(exc, BaseExceptionGroup):
        return None
    kept = []
    for child in exc.exceptions:
        part = _select(child, leaf_ids)
        if part is not None:
            kept.append(part)
    if not kept:
        return None
    return _derive(exc, kept)


def _derive(group, excs):
    """group.derive(excs) with group's metadata, as split() builds parts."""
    part = group.derive(excs)
    if not isinstance(part, BaseExceptionGroup):
        raise TypeError("derive must return an instance of BaseExceptionGroup")
    if group.__traceback__ is not None:
        part.__traceback__ = group.__traceback__
    part.__context__ = group.__context__
    part.__cause__ = group.__cause__
    notes = getattr(group, "__notes__", None)
    if notes is not None and _is_sequence(notes):
        # A copy, so the parts have independent notes lists.
        part.__notes__ = list(notes)
    return part


def _is_sequence(obj):
    cls = type(obj)
    return hasattr(cls, "__getitem__") and not issubclass(cls, dict)
