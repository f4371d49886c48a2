"""Run __main__'s code as the interpreter does: in a frame with no caller.

``python script.py`` runs the script in a frame whose ``f_back`` is None:
pdb's ``where``, ``traceback.print_stack()`` and ``sys._getframe().f_back``
show nothing below it.  When a Python function of this package runs the
script instead (the runner, or sys.excepthook for a script that uses except*
on 3.8-3.10), that function would be the frame's caller.

On 3.8-3.10 a new frame's caller is the thread's current frame, a field of
its PyThreadState (after ``prev``, ``next`` and ``interp``): emptied for the
call, the call's frame has no caller; the field is put back when the call
returns.  The field is found by checking that it holds the calling frame,
and left alone where it does not (then the frames show, nothing worse).
"""

import sys

__all__ = ["call_at_top"]

if sys.version_info < (3, 11):
    import ctypes

    _thread_state = ctypes.PYFUNCTYPE(ctypes.c_void_p)(("PyThreadState_Get", ctypes.pythonapi))
    _FRAME_OFFSET = 3 * ctypes.sizeof(ctypes.c_void_p)


def call_at_top(function, *args):
    """Return function(*args), whose frame (or, for exec, its code's) has no f_back."""
    if sys.version_info >= (3, 11) or sys.getprofile() is not None:
        # 3.11+ keeps frames elsewhere.  A profiler is told of C calls with
        # the current frame, which must then exist.
        return function(*args)
    current = ctypes.c_void_p.from_address(_thread_state() + _FRAME_OFFSET)
    here = current.value
    if here != id(sys._getframe()):
        return function(*args)
    current.value = None
    try:
        return function(*args)
    finally:
        current.value = here
