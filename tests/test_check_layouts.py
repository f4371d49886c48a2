"""`python -m taskgroup_patch --check` in each install layout tells the truth.

Layouts: pip into a venv (started plain, -I, -E, -s, -S), a second copy on
PYTHONPATH, pip --target + PYTHONPATH, pip --user, uv pip (with and without
-e), a missing or broken exceptiongroup.  (Editable pip installs:
tests/test_packaging.py.  Read-only site-packages cannot be had as root,
and --system-site-packages would need writing into the base interpreter.)

What it says about the .pth is compared with what a plain `python script.py`
does in the same layout, and the workarounds it (and README) gives are run.
Real venvs and real pip installs of the built wheel; dependencies come from
the package index.
"""

import os
import shutil
import subprocess

import pytest

from conftest import PATCHED, SRC, WHEEL, base_python, clean_env, require_build_inputs, run_python

INSTALL_TIMEOUT = 300
TIMEOUT = 60
RUNS = "start-up hook (.pth): runs at every start here"
NOT_PROCESSED = "start-up hook (.pth): NOT processed here, so a plain run is not patched"
PATCHED_HERE = "asyncio: patched in a plain run ("
NOT_PATCHED_HERE = "asyncio: nothing is replaced in a plain run; the runner and install() replace ("
# What a script sees: where TaskGroup comes from (None: not there).
SCRIPT = ("import asyncio; tg = getattr(asyncio, 'TaskGroup', None); "
          "print(tg and tg.__module__)\n")
OURS = "taskgroup_patch.backport.taskgroups"
UNPATCHED = "None" if PATCHED else "asyncio.taskgroups"


def new_venv(path, *options):
    subprocess.run([base_python(), "-m", "venv", *options, str(path)], check=True,
                   capture_output=True, timeout=INSTALL_TIMEOUT)
    return str(path / "bin" / "python")


def pip(python, *args):
    result = subprocess.run([python, "-m", "pip", *args, "--disable-pip-version-check"],
                            capture_output=True, text=True, timeout=INSTALL_TIMEOUT,
                            env=clean_env())
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def purelib(python):
    return run_python(code="import sysconfig; print(sysconfig.get_path('purelib'))",
                      python=python).stdout.strip()


def says(lines, start):
    return any(line.startswith(start) for line in lines)


def check(python, *flags, **env):
    result = run_python(*flags, "-m", "taskgroup_patch", "--check", python=python,
                        env=clean_env(**env), timeout=TIMEOUT)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stdout.splitlines(), result.stderr


def plain_run(python, script, *flags, **env):
    result = run_python(*flags, str(script), python=python, env=clean_env(**env),
                        timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def runner_run(python, script, *flags, **env):
    result = run_python(*flags, "-m", "taskgroup_patch", str(script), python=python,
                        env=clean_env(**env), timeout=TIMEOUT)
    assert (result.returncode, result.stderr) == (0, "")
    return result.stdout.strip()


@pytest.fixture(scope="module")
def script(tmp_path_factory):
    path = tmp_path_factory.mktemp("script") / "which.py"
    path.write_text(SCRIPT)
    return path


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A venv with the wheel and its dependency pip-installed: (python, site-packages)."""
    require_build_inputs()
    python = new_venv(tmp_path_factory.mktemp("installed") / "venv")
    pip(python, "install", WHEEL)
    return python, purelib(python)


# -- a pip install into a venv, started in every way -------------------------------


@pytest.mark.parametrize("flags", [[], ["-I"], ["-E"], ["-s"]],
                         ids=["plain", "isolated", "ignore-environment", "no-user-site"])
def test_pip_install_runs_the_pth(installed, script, flags):
    python, site_packages = installed
    status, lines, stderr = check(python, *flags)
    assert (status, stderr) == (0, "")
    assert lines[1] == "package: %s" % os.path.join(site_packages, "taskgroup_patch")
    assert RUNS in lines
    assert (says(lines, PATCHED_HERE), says(lines, NOT_PATCHED_HERE)) == (PATCHED, not PATCHED)
    assert plain_run(python, script, *flags) == (OURS if PATCHED else UNPATCHED)


def test_no_site_says_the_pth_is_not_processed_and_the_workaround_works(installed, script):
    python, site_packages = installed
    # README: under -S, PYTHONPATH puts site-packages back for the runner.
    status, lines, stderr = check(python, "-S", PYTHONPATH=site_packages)
    assert (status, stderr) == (0, "")
    assert NOT_PROCESSED in lines
    assert "  (python -S skips site-packages and every .pth file)" in lines
    assert says(lines, NOT_PATCHED_HERE)
    # True: a plain run is unpatched, the runner patches.
    assert plain_run(python, script, "-S", PYTHONPATH=site_packages) == UNPATCHED
    assert runner_run(python, script, "-S", PYTHONPATH=site_packages) == OURS


def test_readme_no_site_command_runs_the_script_patched(installed, script):
    python, _ = installed
    bin_dir = os.path.dirname(python)
    command = ('PYTHONPATH="$(python -c \'import sysconfig; print(sysconfig.get_path("purelib"))\')"'
               ' python -S -m taskgroup_patch %s' % script)
    env = clean_env(PATH=bin_dir + os.pathsep + os.environ["PATH"])
    result = subprocess.run(["sh", "-c", command], capture_output=True, text=True, env=env,
                            timeout=TIMEOUT)
    assert (result.returncode, result.stdout, result.stderr) == (0, OURS + "\n", "")


def test_a_second_copy_on_pythonpath_is_named_and_the_installed_one_said_shadowed(
        installed, tmp_path):
    python, site_packages = installed
    shutil.copytree(os.path.join(site_packages, "taskgroup_patch"),
                    str(tmp_path / "taskgroup_patch"),
                    ignore=shutil.ignore_patterns("__pycache__"))
    status, lines, _ = check(python, PYTHONPATH=str(tmp_path))
    assert status == 0
    assert lines[1] == "package: %s" % (tmp_path / "taskgroup_patch")
    assert lines[2] == "  shadows another copy, not used: %s" % os.path.join(
        site_packages, "taskgroup_patch")
    assert RUNS in lines


# -- pip install --target DIR, used through PYTHONPATH ------------------------------


@pytest.fixture(scope="module")
def target(installed, tmp_path_factory):
    """(python without the package, DIR) for a `pip install --target DIR` layout."""
    python, _ = installed
    root = tmp_path_factory.mktemp("target")
    directory = str(root / "lib")
    pip(python, "install", "--target", directory, WHEEL)
    return new_venv(root / "venv", "--without-pip"), directory


def test_target_layout_says_the_pth_is_not_processed(target, script):
    python, directory = target
    status, lines, stderr = check(python, PYTHONPATH=directory)
    assert (status, stderr) == (0, "")
    assert lines[1] == "package: %s" % os.path.join(directory, "taskgroup_patch")
    assert NOT_PROCESSED in lines
    assert ("  (%s is on sys.path through PYTHONPATH or --target, not as a site directory: "
            "its .pth files are not read)" % directory) in lines
    assert "  use python -m taskgroup_patch script.py, or call taskgroup_patch.install()" in lines
    assert plain_run(python, script, PYTHONPATH=directory) == UNPATCHED
    assert runner_run(python, script, PYTHONPATH=directory) == OURS


# -- pip install --user ----------------------------------------------------------------


@pytest.fixture(scope="module")
def user_site(tmp_path_factory):
    """(the base interpreter, PYTHONUSERBASE, user site-packages) with a --user install."""
    require_build_inputs()
    base = tmp_path_factory.mktemp("userbase")
    python = base_python()
    env = clean_env(PYTHONUSERBASE=str(base), PIP_USER="1", PIP_BREAK_SYSTEM_PACKAGES="1")
    result = subprocess.run([python, "-m", "pip", "install", "--user",
                             "--disable-pip-version-check", WHEEL], capture_output=True,
                            text=True, env=env, timeout=INSTALL_TIMEOUT)
    assert result.returncode == 0, result.stdout + result.stderr
    site_packages = run_python(code="import site; print(site.getusersitepackages())",
                               python=python, env=clean_env(PYTHONUSERBASE=str(base))).stdout
    return python, str(base), site_packages.strip()


def test_user_install_runs_the_pth_and_dash_s_says_why_not(user_site, script):
    python, base, site_packages = user_site
    status, lines, stderr = check(python, PYTHONUSERBASE=base)
    assert (status, stderr) == (0, "")
    assert lines[1] == "package: %s" % os.path.join(site_packages, "taskgroup_patch")
    assert RUNS in lines
    status, lines, _ = check(python, "-s", PYTHONUSERBASE=base, PYTHONPATH=site_packages)
    assert status == 0
    assert NOT_PROCESSED in lines
    assert "  (python -s skips the user site-packages, where it is installed)" in lines
    assert plain_run(python, script, "-s", PYTHONUSERBASE=base,
                     PYTHONPATH=site_packages) == UNPATCHED


# -- a missing or broken dependency -----------------------------------------------------


@pytest.fixture(scope="module")
def no_deps(tmp_path_factory):
    require_build_inputs()
    python = new_venv(tmp_path_factory.mktemp("nodeps") / "venv")
    pip(python, "install", "--no-deps", WHEEL)
    return python


def dependency_line(lines):
    (line,) = [line for line in lines if line.startswith("asyncio: ")]
    return line


def test_missing_dependency_is_one_line_and_a_failure(no_deps):
    status, lines, _ = check(no_deps)
    assert status == 1
    assert dependency_line(lines) == (
        "asyncio: cannot be patched: its dependency exceptiongroup: ModuleNotFoundError: "
        "No module named 'exceptiongroup' (pip install exceptiongroup)")
    assert lines[-1] == dependency_line(lines)


@pytest.mark.parametrize("exception", ["RuntimeError", "SystemExit"])
def test_broken_dependency_is_one_line_and_a_failure(installed, tmp_path, exception):
    python, _ = installed
    (tmp_path / "exceptiongroup.py").write_text("raise %s('broken on purpose')\n" % exception)
    status, lines, _ = check(python, PYTHONPATH=str(tmp_path))
    assert status == 1
    assert dependency_line(lines) == (
        "asyncio: cannot be patched: its dependency exceptiongroup: %s: broken on purpose "
        "(pip install exceptiongroup)" % exception)



# -- uv pip install, with and without -e; installs without byte-code ----------------


@pytest.fixture(scope="module")
def uv(tmp_path_factory):
    """The uv command, pip-installed from the package index into a venv of its own."""
    python = new_venv(tmp_path_factory.mktemp("uv") / "venv")
    pip(python, "install", "uv")
    return os.path.join(os.path.dirname(python), "uv")


def uv_venv(uv, path, *install):
    subprocess.run([uv, "venv", "--quiet", "--python", base_python(), str(path)], check=True,
                   capture_output=True, timeout=INSTALL_TIMEOUT, env=clean_env())
    python = str(path / "bin" / "python")
    result = subprocess.run([uv, "pip", "install", "--quiet", "--python", python, *install],
                            capture_output=True, text=True, timeout=INSTALL_TIMEOUT,
                            env=clean_env())
    assert result.returncode == 0, result.stdout + result.stderr
    return python


@pytest.mark.parametrize("editable", [False, True], ids=["wheel", "editable"])
def test_uv_install_runs_the_pth(uv, tmp_path, script, editable):
    require_build_inputs()
    if editable:
        ignore = shutil.ignore_patterns(".git", ".nox", ".venv*", "build", "dist", "__pycache__")
        checkout = str(tmp_path / "checkout")
        shutil.copytree(SRC, checkout, ignore=ignore)
        python = uv_venv(uv, tmp_path / "venv", "-e", checkout)
        package = os.path.join(checkout, "src", "taskgroup_patch")
    else:
        python = uv_venv(uv, tmp_path / "venv", WHEEL)
        package = os.path.join(purelib(python), "taskgroup_patch")
    status, lines, _ = check(python)
    assert status == 0
    assert lines[1] == "package: %s" % package
    assert RUNS in lines
    assert says(lines, PATCHED_HERE) is PATCHED
    assert plain_run(python, script) == (OURS if PATCHED else UNPATCHED)


@pytest.mark.parametrize("how", ["uv", "pip --no-compile"])
def test_install_without_byte_code_imports_asyncio_silently(uv, tmp_path, how):
    require_build_inputs()
    if how == "uv":
        python = uv_venv(uv, tmp_path / "venv", WHEEL)
    else:
        python = new_venv(tmp_path / "venv")
        pip(python, "install", "--no-compile", WHEEL)
    result = run_python(code=SCRIPT, python=python, timeout=TIMEOUT)
    assert (result.returncode, result.stdout, result.stderr) == (
        0, (OURS if PATCHED else UNPATCHED) + "\n", "")
