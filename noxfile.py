"""Test matrix: the built wheel in a fresh venv per interpreter.

    nox                      # every interpreter: patched 3.8-3.10, native 3.11-3.13
    nox -s tests-3.9         # one interpreter
    nox -s bench             # benchmark figures (not a test)
    nox -s bench-except-star # except* support's costs (not a test)
    nox -s release-check     # build the sdist and wheel, twine check them
    nox -s docs              # build the documentation (docs/), warnings as errors

pyenv-installed interpreters are found without PYENV_VERSION: their bin
folders are put on PATH here.  Any missing interpreter fails the run.
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
# The stdlib venv: current virtualenv releases can no longer create 3.8 envs.
nox.options.default_venv_backend = "venv"


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


@nox.session(name="release-check", python="3.13")
def release_check(session):
    """Build the sdist, and the wheel from it, as a release would; check their metadata."""
    dist = ROOT / ".nox" / "_release"
    shutil.rmtree(dist, ignore_errors=True)
    session.install("build", "twine")
    session.run("python", "-m", "build", "--outdir", str(dist), str(ROOT))
    session.run("python", "-m", "twine", "check", "--strict", *sorted(map(str, dist.iterdir())))


@nox.session(python=PATCHED + ["3.12", "3.13"])
def bench(session):
    """Print benchmark ratios (JSON lines) for this interpreter."""
    session.install(_wheel(session))
    session.install("-r", str(ROOT / "bench" / "requirements.txt"))
    session.run("python", str(ROOT / "bench" / "run.py"), *session.posargs)


@nox.session(name="bench-except-star", python=PATCHED)
def bench_except_star(session):
    """Print except* support's cost figures (JSON lines) for this interpreter."""
    session.install(_wheel(session))
    session.install("-r", str(ROOT / "bench" / "requirements.txt"))
    session.run("python", str(ROOT / "bench" / "except_star.py"), *session.posargs)


# Differential testing (issue 7): random asyncio programs on patched 3.8-3.10
# must behave exactly as on native 3.13 (3.12 native is shown for information).
# The driver runs here (3.13 + hypothesis); each interpreter gets a venv of its
# own under .nox/difftest-venvs: the wheel in 3.8-3.10, nothing in 3.12/3.13,
# which therefore run their native asyncio.

DIFFTEST_VENVS = ROOT / ".nox" / "difftest-venvs"


def _difftest_wheel(session):
    # A folder of its own: _wheel()'s is emptied by any other nox run.
    dist = ROOT / ".nox" / "_difftest_dist"
    shutil.rmtree(dist, ignore_errors=True)
    session.run("python", "-m", "pip", "wheel", "--no-deps", "--quiet",
                "-w", str(dist), str(ROOT))
    return str(next(dist.glob("taskgroup_patch-*.whl")))


def _difftest(session, defaults):
    wheel = _difftest_wheel(session)
    session.install("-r", str(ROOT / "difftest" / "requirements.txt"))
    for version in PATCHED + ["3.12", "3.13"]:
        python = shutil.which("python" + version)
        if python is None:
            session.error("CPython %s not found (pyenv)" % version)
        venv = DIFFTEST_VENVS / version
        session.run(python, "-m", "venv", "--clear", str(venv), external=True, silent=True)
        if version in PATCHED:
            session.run(str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                        "--disable-pip-version-check", wheel, external=True, silent=True)
    # Later arguments win: `nox -s fuzz -- --programs 50000 --seed 7`.
    session.run("python", "-m", "difftest", *defaults, *session.posargs)


@nox.session(python="3.13")
def difftest(session):
    """Bounded smoke run of the differential tester (CI)."""
    _difftest(session, ["--programs", "200", "--seed", "0"])


@nox.session(python="3.13")
def fuzz(session):
    """Long differential run: nox -s fuzz -- --programs 10000 --seed N."""
    _difftest(session, ["--programs", "10000", "--seed", "1", "--progress", "1000"])


@nox.session(python="3.13")
def docs(session):
    """Build the documentation (docs/, MkDocs); any warning, a broken link or anchor too, fails."""
    session.install("-r", str(ROOT / "docs" / "requirements.txt"))
    # NO_MKDOCS_2_WARNING: the theme's banner about its successor, not about our pages.
    session.run("python", "-m", "mkdocs", "build", "--strict", "--clean",
                "--config-file", str(ROOT / "mkdocs.yml"), env={"NO_MKDOCS_2_WARNING": "1"})
