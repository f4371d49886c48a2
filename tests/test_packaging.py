"""Packaging (DESIGN §2): what the wheel holds, and real pip installs of the
wheel, an editable checkout and an sdist into fresh venvs, then uninstalls.

The venvs are module-scoped and each is used by one test; dependencies come
from the package index.
"""

import email.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile

import pytest

import taskgroup_patch
from conftest import PATCHED, SRC, WHEEL, base_python, clean_env, require_build_inputs, run_python

PTH_NAME = "taskgroup_patch.pth"


def expected_pth():
    """The .pth as the source tree has it."""
    require_build_inputs()
    with open(os.path.join(SRC, "src", PTH_NAME)) as f:
        return f.read()
INSTALL_TIMEOUT = 300

# What a child of an installed venv reports about start-up and asyncio.
REPORT = """
import sys
hooked = "_taskgroup_patch_startup" in sys.modules  # the .pth ran
armed = any("asyncio" in getattr(f, "actions", ()) for f in sys.meta_path)
import asyncio, taskgroup_patch
tg = getattr(asyncio, "TaskGroup", None)
print(hooked, armed, tg and tg.__module__, taskgroup_patch.__file__)
"""


def new_venv(path):
    subprocess.run([base_python(), "-m", "venv", str(path)], check=True,
                   capture_output=True, timeout=INSTALL_TIMEOUT)
    python = str(path / "bin" / "python")
    site_packages = run_python(code="import sysconfig; print(sysconfig.get_paths()['purelib'])",
                               python=python).stdout.strip()
    return python, site_packages


def pip(python, *args, cwd=None):
    result = subprocess.run([python, "-m", "pip", *args, "--disable-pip-version-check"],
                            capture_output=True, text=True, cwd=cwd, timeout=INSTALL_TIMEOUT,
                            env=clean_env())
    assert result.returncode == 0, result.stdout + result.stderr
    return result


OWNED = """
import json
from importlib.metadata import distributions
print(json.dumps(sorted({str(f).split("/")[0] for d in distributions() for f in d.files or ()})))
"""


def snapshot(site_packages):
    return set(os.listdir(site_packages))


def leftovers(python, site_packages, before):
    """Entries that appeared in site-packages since *before* and that no
    installed distribution owns (dependencies pip brought in are owned)."""
    owned = json.loads(run_python(code=OWNED, python=python).stdout)
    return sorted(snapshot(site_packages) - before - set(owned) - {"__pycache__"})


def pth_content(site_packages):
    with open(os.path.join(site_packages, "taskgroup_patch.pth")) as f:
        return f.read()


def copy_source(destination):
    """The project tree as a checkout has it (no .git, .nox, venvs or build output)."""
    ignore = shutil.ignore_patterns(".git", ".nox", ".venv*", "build", "dist", "*.egg-info",
                                    "__pycache__", "*.pyc", ".pytest_cache", ".mypy_cache")
    shutil.copytree(SRC, str(destination), ignore=ignore)
    return str(destination)


def report(python, **env):
    result = run_python(code=REPORT, python=python, env=clean_env(**env), timeout=60)
    assert result.returncode == 0, result.stderr
    hooked, armed, taskgroup, location = result.stdout.split()
    return hooked == "True", armed == "True", taskgroup, location, result.stderr


def expected_taskgroup(patched):
    if patched:
        return "taskgroup_patch.backport.taskgroups"
    return "asyncio.taskgroups" if sys.version_info >= (3, 11) else "None"


# -- the wheel ------------------------------------------------------------------


@pytest.fixture(scope="module")
def wheel():
    require_build_inputs()
    with zipfile.ZipFile(WHEEL) as archive:
        yield archive


def test_wheel_has_the_pth_at_its_root_with_one_import_line(wheel):
    content = wheel.read("taskgroup_patch.pth").decode("utf-8")
    assert content == expected_pth()
    code = [line for line in content.splitlines() if line and not line.startswith("#")]
    assert len(code) == 1 and code[0].startswith("import ")
    assert "asyncio" not in code[0] and "exceptiongroup" not in code[0]


def test_wheel_holds_the_package_py_typed_and_nothing_else(wheel):
    names = wheel.namelist()
    assert "taskgroup_patch/py.typed" in names
    for module in ("__init__", "__main__", "_cli", "_patch", "backport/taskgroups",
                   "backport/timeouts", "backport/runners", "backport/tasks",
                   "exceptstar/loader", "adapters/__init__"):
        assert "taskgroup_patch/%s.py" % module in names
    top = {name.split("/")[0] for name in names}
    dist_info = "taskgroup_patch-%s.dist-info" % taskgroup_patch.__version__
    assert top == {"taskgroup_patch.pth", "_taskgroup_patch_startup.py", "taskgroup_patch",
                   dist_info}


def test_wheel_record_lists_the_pth_so_uninstall_removes_it(wheel):
    record = wheel.read("taskgroup_patch-%s.dist-info/RECORD" % taskgroup_patch.__version__)
    paths = [line.split(",")[0] for line in record.decode("utf-8").splitlines()]
    assert "taskgroup_patch.pth" in paths
    assert "_taskgroup_patch_startup.py" in paths
    assert "taskgroup_patch/__init__.py" in paths


def wheel_metadata(wheel):
    raw = wheel.read("taskgroup_patch-%s.dist-info/METADATA" % taskgroup_patch.__version__)
    return email.parser.Parser().parsestr(raw.decode("utf-8"))


def test_wheel_metadata(wheel):
    metadata = wheel_metadata(wheel)
    assert metadata["Name"] == "taskgroup-patch"
    assert metadata["Version"] == taskgroup_patch.__version__
    assert metadata["Requires-Python"] == ">=3.8"
    requires = {}
    for requirement in metadata.get_all("Requires-Dist"):
        name = requirement.split(">")[0].split("=")[0].split(";")[0].strip()
        marker = requirement.partition(";")[2].strip()
        extra = marker.partition("extra ==")[2].strip(" '\"") or None
        requires.setdefault(extra, {})[name] = None if extra else marker
    # At run time exceptiongroup, and typing_extensions for typing's newer
    # names below 3.11; vermin only for --scan, as an extra.
    assert requires == {
        None: {"exceptiongroup": "", "typing-extensions": "python_version < '3.11'"},
        "scan": {"vermin": None}}
    assert metadata.get_all("Provides-Extra") == ["scan"]
    assert metadata["Author"] == "taskgroup-patch contributors"
    classifiers = set(metadata.get_all("Classifier"))
    assert {"Programming Language :: Python :: 3.%d" % minor
            for minor in range(8, 14)} <= classifiers
    assert {"Programming Language :: Python :: 3 :: Only",
            "Programming Language :: Python :: Implementation :: CPython"} <= classifiers
    assert any(c.startswith("Development Status :: ") for c in classifiers)
    assert any(c.startswith("Operating System :: ") for c in classifiers)


def test_wheel_ships_the_mit_license_it_declares(wheel):
    metadata = wheel_metadata(wheel)
    assert (metadata["License-Expression"], metadata.get_all("License-File")) == (
        "MIT", ["LICENSE"])
    text = wheel.read("taskgroup_patch-%s.dist-info/licenses/LICENSE"
                      % taskgroup_patch.__version__).decode("utf-8")
    assert text.startswith("MIT License\n")
    assert "Permission is hereby granted, free of charge" in text
    with open(os.path.join(SRC, "LICENSE")) as f:
        assert f.read() == text


def test_pypi_description_has_no_links_or_steps_that_need_a_checkout(wheel):
    metadata = wheel_metadata(wheel)
    assert metadata["Description-Content-Type"] == "text/markdown"
    description = metadata.get_payload()
    assert description.startswith("# taskgroup-patch\n")
    targets = re.findall(r"\]\(([^)]*)\)", description)
    assert targets and all(t.startswith("https://") for t in targets), targets
    for checkout_only in ("nox", "examples/", "../shared", ".ci/", "pip install .", "tests/"):
        assert checkout_only not in description, checkout_only


def test_pypi_description_example_runs(wheel):
    description = wheel_metadata(wheel).get_payload()
    code = description.split("```python\n", 1)[1].split("```", 1)[0]
    result = run_python("-W", "error", code=code, timeout=60)
    assert (result.returncode, result.stdout, result.stderr) == (0, "['alpha', 'beta']\n", "")


# -- wheel install without its dependency, then uninstall -----------------------


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory):
    require_build_inputs()
    python, site_packages = new_venv(tmp_path_factory.mktemp("wheel") / "venv")
    before = snapshot(site_packages)
    pip(python, "install", "--no-deps", WHEEL)
    return python, site_packages, before


def test_wheel_install_missing_dependency_warns_once_and_runs_unpatched(wheel_venv):
    # Installed with --no-deps: exceptiongroup is missing.
    python, site_packages, _ = wheel_venv
    assert pth_content(site_packages) == expected_pth()
    start = run_python(code="pass", python=python)
    assert (start.returncode, start.stderr) == (0, "")
    code = "import asyncio; print(asyncio.run(asyncio.sleep(0, 'ran')), asyncio.Task.__module__)"
    result = run_python(code=code, python=python, timeout=60)
    assert (result.returncode, result.stdout) == (0, "ran _asyncio\n")
    lines = result.stderr.splitlines()
    if PATCHED:
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("taskgroup_patch:") and "exceptiongroup" in lines[0]
    else:
        assert lines == []


def test_wheel_uninstall_leaves_nothing_behind(wheel_venv):
    python, site_packages, before = wheel_venv
    added = snapshot(site_packages) - before
    # __pycache__: pip byte-compiles the top-level start-up module there.
    assert {"taskgroup_patch.pth", "_taskgroup_patch_startup.py", "taskgroup_patch",
            "__pycache__", "taskgroup_patch-%s.dist-info" % taskgroup_patch.__version__} == added
    # Byte-code written by running it must go too.
    assert run_python("-m", "taskgroup_patch", "--version", python=python).returncode == 0
    pip(python, "uninstall", "-y", "taskgroup-patch")
    assert snapshot(site_packages) == before
    after = run_python(code="import asyncio, sys; print(any('taskgroup_patch' in m for m in sys.modules))",
                       python=python)
    assert (after.stdout, after.stderr) == ("False\n", "")


# -- editable install -----------------------------------------------------------


@pytest.fixture(scope="module")
def editable_venv(tmp_path_factory):
    require_build_inputs()
    root = tmp_path_factory.mktemp("editable")
    checkout = copy_source(root / "checkout")
    python, site_packages = new_venv(root / "venv")
    before = snapshot(site_packages)
    pip(python, "install", "-e", checkout)
    return python, site_packages, checkout, before


def test_editable_install_patches_from_the_checkout_then_uninstalls_cleanly(editable_venv):
    python, site_packages, checkout, before = editable_venv
    assert pth_content(site_packages) == expected_pth()
    hooked, armed, taskgroup, location, stderr = report(python)
    assert stderr == ""  # also: our .pth ran after the path hook that finds the checkout
    assert (hooked, armed, taskgroup) == (True, PATCHED, expected_taskgroup(PATCHED))
    assert location == os.path.join(checkout, "src", "taskgroup_patch", "__init__.py")
    hooked, armed, _, _, _ = report(python, TASKGROUP_PATCH="1")
    assert (hooked, armed) == (True, True)
    check = run_python("-m", "taskgroup_patch", "--check", python=python, timeout=60)
    assert (check.returncode, check.stderr) == (0, "")
    lines = check.stdout.splitlines()
    assert lines[1] == "package: %s" % os.path.join(checkout, "src", "taskgroup_patch")
    assert "start-up hook (.pth): runs at every start here" in lines

    pip(python, "uninstall", "-y", "taskgroup-patch")
    assert leftovers(python, site_packages, before) == []
    assert not os.path.exists(os.path.join(site_packages, "taskgroup_patch.pth"))


# -- sdist -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sdist(tmp_path_factory):
    require_build_inputs()
    root = tmp_path_factory.mktemp("sdist")
    checkout = copy_source(root / "checkout")
    python, site_packages = new_venv(root / "venv")
    pip(python, "install", "hatchling")
    out = root / "out"
    subprocess.run([python, "-m", "hatchling", "build", "-t", "sdist", "-d", str(out)],
                   check=True, capture_output=True, cwd=checkout, timeout=INSTALL_TIMEOUT)
    (archive,) = out.glob("taskgroup_patch-*.tar.gz")
    return python, site_packages, str(archive)


def test_sdist_holds_the_pth_and_the_build_config(sdist):
    _, _, archive = sdist
    with tarfile.open(archive) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    assert {"pyproject.toml", "README.md", "README.pypi.md", "LICENSE", "CHANGELOG.md",
            "src/taskgroup_patch.pth", "src/_taskgroup_patch_startup.py",
            "src/taskgroup_patch/py.typed", "src/taskgroup_patch/__init__.py",
            "mkdocs.yml", "docs/index.md", "docs/requirements.txt"} <= names
    assert not any(name.startswith((".nox", ".git/")) for name in names)


def test_sdist_install_patches_then_uninstalls_cleanly(sdist):
    python, site_packages, archive = sdist
    before = snapshot(site_packages)
    pip(python, "install", archive)
    assert pth_content(site_packages) == expected_pth()
    assert os.path.exists(os.path.join(site_packages, "taskgroup_patch", "py.typed"))
    hooked, armed, taskgroup, location, stderr = report(python)
    assert stderr == ""
    assert (hooked, armed, taskgroup) == (True, PATCHED, expected_taskgroup(PATCHED))
    assert location == os.path.join(site_packages, "taskgroup_patch", "__init__.py")
    pip(python, "uninstall", "-y", "taskgroup-patch")
    assert leftovers(python, site_packages, before) == []
    assert not os.path.exists(os.path.join(site_packages, "taskgroup_patch.pth"))
