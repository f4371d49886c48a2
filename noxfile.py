"""Test matrix: the built wheel in a fresh venv per interpreter.

    nox                      # every interpreter: patched 3.8-3.10, native 3.11-3.13
    nox -s tests-3.9         # one interpreter
    nox -s bench             # benchmark figures (not a test)

pyenv-installed interpreters are found without PYENV_VERSION: their bin
folders are put on PATH here.  A missing 3.8, 3.9 or 3.10 fails the run.
"""

import glob
import os
import pathlib
import shutil
import subprocess

import nox

ROOT = pathlib.Path(__file__).parent.resolve()
PATCHED = ["3.8", "3.9", "3.10"]
NATIVE = ["3.11", "3.12", "3.13"]

nox.options.sessions = ["tests"]
nox.options.error_on_missing_interpreters = True
nox.options.reuse_existing_virtualenvs = False


def _pyenv_bins():
    try:
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        root = os.path.expanduser("~/.pyenv")
    return sorted(glob.glob(os.path.join(root, "versions", "3.*", "bin")))


os.environ["PATH"] = os.pathsep.join(_pyenv_bins() + [os.environ.get("PATH", "")])


_built = []


def _wheel(session):
    """Build the wheel once per nox run; return its path."""
    if not _built:
        dist = ROOT / ".nox" / "_dist"
        shutil.rmtree(dist, ignore_errors=True)
        session.run("python", "-m", "pip", "wheel", "--no-deps", "--quiet",
                    "-w", str(dist), str(ROOT))
        _built.extend(str(p) for p in dist.glob("taskgroup_patch-*.whl"))
    return _built[0]


@nox.session(python=PATCHED + NATIVE)
def tests(session):
    """Run the suite against the installed wheel."""
    wheel = _wheel(session)
    session.install(wheel)
    session.install("-r", str(ROOT / "tests" / "requirements.txt"))
    session.run(
        "python", "-m", "pytest", "-p", "no:cacheprovider", *session.posargs,
        env={"TASKGROUP_PATCH_WHEEL": wheel, "TASKGROUP_PATCH_SRC": str(ROOT)},
    )


@nox.session(python=PATCHED + ["3.12", "3.13"])
def bench(session):
    """Print benchmark ratios (JSON lines) for this interpreter."""
    session.install(_wheel(session))
    session.install("-r", str(ROOT / "bench" / "requirements.txt"))
    session.run("python", str(ROOT / "bench" / "run.py"), *session.posargs)
