"""The examples run, unmodified, and print what they promise."""

import os
import signal
import subprocess
import sys

from conftest import SRC, clean_env, require_build_inputs, run_python

QUICKSTART_OUTPUT = """\
fetched: alpha: ok, beta: ok
failed: ['broken: connection refused']
timeout expired: True
wait_for timed out
cancel requests pending: 1
after uncancel: 0
"""


def example(name):
    require_build_inputs()
    return os.path.join(SRC, "examples", name)


def test_quickstart():
    require_build_inputs()
    script = os.path.join(SRC, "examples", "quickstart.py")
    result = run_python("-W", "error", script)
    assert result.stderr == ""
    assert result.returncode == 0
    assert result.stdout == QUICKSTART_OUTPUT


CRAWLER_OUTPUT = """\
/              200 (5 links)
/about         200 (0 links)
/blog          200 (3 links)
/blog/1        200 (1 link)
/blog/2        200 (2 links)
/broken        500
/docs          200 (3 links)
/docs/install  200 (0 links)
/docs/usage    200 (2 links)
/missing       404
/slow          timeout
11 pages, at most 3 requests at a time (limit 3)
"""


def test_crawler():
    result = run_python("-W", "error", example("crawler.py"))
    assert result.stderr == ""
    assert result.returncode == 0
    assert result.stdout == CRAWLER_OUTPUT


EXCEPTION_GROUPS_OUTPUT = """\
all good: ['alpha: up', 'beta: up']
catch() with a handler per kind of error:
  invalid: ["'no such host!': not a valid host name", "'what?': not a valid host name"]
  refused: ['blocked.example: blocked']
catch() lets the rest through:
  invalid: ["'what?': not a valid host name"]
  left over: ['blocked.example: blocked']
split(): slow-gamma timed out
split(): other errors: ['down-delta: connection refused']
"""


def test_exception_groups():
    result = run_python("-W", "error", example("exception_groups.py"))
    assert result.stderr == ""
    assert result.returncode == 0
    assert result.stdout == EXCEPTION_GROUPS_OUTPUT


GRACEFUL_SHUTDOWN_OUTPUT = """\
serving with 3 workers; press Ctrl-C to stop
stopped: worker-0, worker-1, worker-2
state saved
interrupted: shut down cleanly
"""


def test_graceful_shutdown_on_ctrl_c():
    # A real SIGINT, as Ctrl-C in a terminal sends it, once the program serves.
    proc = subprocess.Popen([sys.executable, "-W", "error", example("graceful_shutdown.py")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=clean_env())
    try:
        first = proc.stdout.readline()
        assert first.startswith("serving"), first + proc.stderr.read()
        proc.send_signal(signal.SIGINT)
        rest, errors = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert errors == ""
    assert proc.returncode == 130
    assert first + rest == GRACEFUL_SHUTDOWN_OUTPUT
