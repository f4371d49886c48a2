"""The examples run, unmodified, and print what they promise."""

import os

from conftest import SRC, require_build_inputs, run_python

QUICKSTART_OUTPUT = """\
fetched: alpha: ok, beta: ok
failed: ['broken: connection refused']
timeout expired: True
wait_for timed out
cancel requests pending: 1
after uncancel: 0
"""


def test_quickstart():
    require_build_inputs()
    script = os.path.join(SRC, "examples", "quickstart.py")
    result = run_python("-W", "error", script)
    assert result.stderr == ""
    assert result.returncode == 0
    assert result.stdout == QUICKSTART_OUTPUT
