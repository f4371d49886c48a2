"""The examples run, unmodified, and print what they promise.

On patched 3.8-3.10 they run in this venv, with the package.  On native
3.11+ they run in a venv of this interpreter without the package (what they
are written for), in this venv, and in this venv with TASKGROUP_PATCH=1.
"""

import os
import signal
import subprocess
import sys

import pytest

from conftest import PATCHED, SRC, base_python, clean_env, require_build_inputs

TIMEOUT = 60
WAYS = ["with the package"] if PATCHED else ["without the package", "with the package",
                                               "TASKGROUP_PATCH=1"]


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory):
    """This interpreter in a new venv that has not got the package."""
    venv = tmp_path_factory.mktemp("examples") / "venv"
    subprocess.run([base_python(), "-m", "venv", "--without-pip", str(venv)], check=True,
                   capture_output=True, timeout=120)
    python = str(venv / "bin" / "python")
    probe = subprocess.run([python, "-c", "import taskgroup_patch"], capture_output=True,
                           env=clean_env(), timeout=TIMEOUT)
    assert probe.returncode == 1, "the package is importable in the bare venv"
    return python


@pytest.fixture(params=WAYS)
def way(request):
    """(python, env) for one way of running an example."""
    if request.param == "without the package":
        return request.getfixturevalue("bare_python"), clean_env()
    if request.param == "TASKGROUP_PATCH=1":
        return sys.executable, clean_env(TASKGROUP_PATCH="1")
    return sys.executable, clean_env()


def example(name):
    require_build_inputs()
    return os.path.join(SRC, "examples", name)


def run_example(way, name):
    python, env = way
    return subprocess.run([python, "-W", "error", example(name)], capture_output=True,
                          text=True, env=env, timeout=TIMEOUT)


def test_every_example_is_tested():
    require_build_inputs()
    tested = {"quickstart.py", "crawler.py", "exception_groups.py", "graceful_shutdown.py"}
    assert set(n for n in os.listdir(os.path.join(SRC, "examples")) if n.endswith(".py")) == tested


QUICKSTART_OUTPUT = """\
fetched: alpha: ok, beta: ok
failed: ['broken: connection refused']
timeout expired: True
wait_for timed out
cancel requests pending: 1
after uncancel: 0
"""


def test_quickstart(way):
    result = run_example(way, "quickstart.py")
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


def test_crawler(way):
    result = run_example(way, "crawler.py")
    assert result.stderr == ""
    assert result.returncode == 0
    assert result.stdout == CRAWLER_OUTPUT


EXCEPTION_GROUPS_OUTPUT = """\
all good: ['alpha: up', 'beta: up']
except* with a handler per kind of error:
  invalid: ["'no such host!': not a valid host name", "'what?': not a valid host name"]
  refused: ['blocked.example: blocked']
except* lets the rest through:
  invalid: ["'what?': not a valid host name"]
  left over: ['blocked.example: blocked']
split(): slow-gamma timed out
split(): other errors: ['down-delta: connection refused']
"""


def test_exception_groups(way):
    # Uses except*: on 3.8-3.10 that takes the package's except* support.
    result = run_example(way, "exception_groups.py")
    assert result.stderr == ""
    assert result.returncode == 0
    assert result.stdout == EXCEPTION_GROUPS_OUTPUT


GRACEFUL_SHUTDOWN_OUTPUT = """\
serving with 3 workers; press Ctrl-C to stop
stopped: worker-0, worker-1, worker-2
state saved
interrupted: shut down cleanly
"""


def test_graceful_shutdown_on_ctrl_c(way):
    # A real SIGINT, as Ctrl-C in a terminal sends it, once the program serves.
    python, env = way
    proc = subprocess.Popen([python, "-W", "error", example("graceful_shutdown.py")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
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
