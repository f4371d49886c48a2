"""README.md, a newcomer's page (issue 22): short, and every command in it runs as written.

The commands are taken from README.md's ``sh`` blocks mechanically, and each is run in a
subprocess in a copy of the checkout, as a newcomer would run it from a clone: the install
command and the example for real; the test-matrix command up to nox itself, which is then
asked to --list the sessions it would run (running the matrix inside the matrix would take
an hour); the documentation's build for real, and its preview server until it serves.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import unicodedata
import urllib.request

import pytest

from conftest import SRC, clean_env, require_build_inputs, run_python

MAX_LINES = 200
INSTALL_TIMEOUT = 600
# These commands do not depend on the interpreter that runs the suite; they are run once
# per matrix, on the interpreter that also builds the documentation.
RUNS_COMMANDS = sys.version_info[:2] == (3, 13)
ONCE = pytest.mark.skipif(not RUNS_COMMANDS, reason="README's commands are run once per "
                          "matrix, under 3.13: they do not depend on the suite's interpreter")


def read(name):
    require_build_inputs()
    with open(os.path.join(SRC, name), encoding="utf-8") as f:
        return f.read()


def blocks(text, language):
    return re.findall(r"^```%s\n(.*?)^```$" % language, text, re.S | re.M)


def commands(text):
    """Each shell command of *text*'s sh blocks: continuation lines joined, comments cut."""
    found = []
    for block in blocks(text, "sh"):
        for line in block.replace("\\\n", " ").splitlines():
            # A comment starts at a `#` after blanks, outside quotes (none of ours quotes one).
            command = re.split(r"\s+#\s", line, maxsplit=1)[0].strip()
            if command:
                found.append(command)
    return found


INSTALL = re.compile(r'^"\$\(pyenv prefix (3\.\d+)\)/bin/python" -m venv (\S+) && '
                     r'(\S+)/bin/pip install \. && (\S+)/bin/python examples/quickstart\.py$')
MATRIX = re.compile(r"^python3 -m venv (\S+) && (\S+)/bin/pip install nox && (\S+)/bin/nox$")
DOCS_BUILD = re.compile(r"^(\S+)/bin/nox -s docs$")
DOCS_SERVE = re.compile(r"^\.nox/docs/bin/python -m mkdocs serve -a (127\.0\.0\.1):(\d+)$")
KINDS = {"install": INSTALL, "matrix": MATRIX, "docs build": DOCS_BUILD, "docs serve": DOCS_SERVE}


def command(kind):
    (found,) = [c for c in commands(read("README.md")) if KINDS[kind].match(c)]
    return found


def bash(line, cwd, timeout=INSTALL_TIMEOUT):
    return subprocess.run(["bash", "-c", line], cwd=cwd, env=clean_env(), capture_output=True,
                          text=True, timeout=timeout)


# -- what a newcomer reads -------------------------------------------------------


def test_readme_is_at_most_200_lines():
    assert read("README.md").count("\n") <= MAX_LINES


def test_every_command_in_the_readme_is_one_this_file_runs():
    found = commands(read("README.md"))
    kinds = {command: [kind for kind, pattern in KINDS.items() if pattern.match(command)]
             for command in found}
    assert all(len(k) == 1 for k in kinds.values()), kinds
    assert sorted(k for (k,) in kinds.values()) == sorted(KINDS)


def test_the_commands_use_one_venv_each_from_the_root_of_the_clone():
    install = INSTALL.match(command("install")).groups()
    assert install[0] in ("3.8", "3.9", "3.10") and len(set(install[1:])) == 1
    matrix = MATRIX.match(command("matrix")).groups()
    assert len(set(matrix)) == 1
    assert DOCS_BUILD.match(command("docs build")).group(1) == matrix[0]


def test_the_readme_example_is_the_pypi_page_example_and_runs():
    (example,) = blocks(read("README.md"), "python")
    assert blocks(read("README.pypi.md"), "python") == [example]
    assert len([line for line in example.splitlines() if line.strip()]) <= 10
    result = run_python("-W", "error", code=example, timeout=60)
    assert (result.returncode, result.stdout, result.stderr) == (0, "['alpha', 'beta']\n", "")


def slug(heading):
    """The anchor MkDocs (Python-Markdown's toc) gives a heading."""
    text = re.sub(r"[`*]|\[([^]]*)\]\([^)]*\)", r"\1", heading)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def anchors(path):
    with open(path, encoding="utf-8") as f:
        text = re.sub(r"^```.*?^```$", "", f.read(), flags=re.S | re.M)
    return {slug(h) for h in re.findall(r"^#+ (.*)$", text, re.M)}


def test_the_readme_links_to_pages_and_sections_that_exist():
    links = re.findall(r"\]\(([^)]+)\)", read("README.md"))
    assert links
    for link in links:
        assert not link.startswith(("http:", "https:")), link
        path, _, anchor = link.partition("#")
        target = os.path.join(SRC, path)
        assert os.path.exists(target), link
        if anchor:
            assert anchor in anchors(target), link


# -- the commands, run as written --------------------------------------------------


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    """The project as a fresh clone has it, without anything built or installed."""
    require_build_inputs()
    ignore = shutil.ignore_patterns(".git", ".nox", ".venv*", "build", "dist", "*.egg-info",
                                    "__pycache__", "*.pyc", ".pytest_cache", ".mypy_cache")
    destination = tmp_path_factory.mktemp("readme") / "clone"
    shutil.copytree(SRC, str(destination), ignore=ignore)
    return str(destination)


@ONCE
def test_install_command_installs_into_an_old_interpreter_and_runs_the_example(clone):
    version, venv, _, _ = INSTALL.match(command("install")).groups()
    result = bash(command("install"), clone)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    # The example's own output, after pip's.
    assert result.stdout.endswith("fetched: alpha: ok, beta: ok\n"
                                  "failed: ['broken: connection refused']\n"
                                  "timeout expired: True\n"
                                  "wait_for timed out\n"
                                  "cancel requests pending: 1\n"
                                  "after uncancel: 0\n"), result.stdout[-3000:]
    assert "Traceback" not in result.stderr
    python = os.path.join(clone, venv, "bin", "python")
    check = run_python(code="import sys; print('%d.%d' % sys.version_info[:2])", python=python)
    assert check.stdout == version + "\n"


@pytest.fixture(scope="module")
def nox_venv(clone):
    """The matrix command as written, but its last step: nox --list instead of nox."""
    *setup, run_nox = command("matrix").split(" && ")
    result = bash(" && ".join(setup), clone)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return run_nox


@ONCE
def test_matrix_command_runs_the_suite_on_all_six_interpreters(clone, nox_venv):
    result = bash(nox_venv + " --list", clone, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    selected = set(re.findall(r"^\* (\S+)", result.stdout, re.M))
    assert selected == {"tests-3.%d" % minor for minor in range(8, 14)}, result.stdout


@ONCE
def test_docs_commands_build_the_site_and_serve_it(clone, nox_venv):
    result = bash(command("docs build"), clone)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert os.path.exists(os.path.join(clone, ".nox", "_site", "index.html"))
    assert os.path.exists(os.path.join(clone, ".nox", "_site", "development", "layout",
                                       "index.html"))

    host, port = DOCS_SERVE.match(command("docs serve")).groups()
    with socket.socket() as probe:
        if probe.connect_ex((host, int(port))) == 0:
            pytest.skip("%s:%s is in use by another program here" % (host, port))
    server = subprocess.Popen(["bash", "-c", "exec " + command("docs serve")], cwd=clone,
                              env=clean_env(), stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen("http://%s:%s/" % (host, port), timeout=5) as page:
                    body = page.read().decode("utf-8")
                break
            except OSError:
                assert server.poll() is None, server.stderr.read()
                assert time.monotonic() < deadline, "mkdocs serve did not answer"
                time.sleep(0.2)
        assert "<title>taskgroup-patch</title>" in body
    finally:
        server.terminate()
        server.wait(timeout=30)
        server.stderr.close()
