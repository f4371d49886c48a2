"""extraasync 0.2.0's own test suite, a real 3.11 library's, passes.

Its suite subclasses asyncio.TaskGroup, catches with except*, and deletes
asyncio.taskgroups from sys.modules and mock.patches it (the reason it once
stopped at ModuleNotFoundError on patched 3.10).  It runs in a venv of its
own with the wheel, pytest, pytest-asyncio and the library's sdist from the
package index (its tests are in the sdist only).
"""

import subprocess
import sys
import tarfile

import pytest

from conftest import WHEEL, base_python, require_build_inputs, run_python

pytestmark = pytest.mark.skipif(sys.version_info < (3, 9),
                                reason="extraasync 0.2.0 requires Python 3.9+")

VERSION = "0.2.0"


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """(python of a venv with the library installed, folder of its sdist)."""
    require_build_inputs()
    root = tmp_path_factory.mktemp("extraasync")
    subprocess.run([base_python(), "-m", "venv", str(root / "venv")], check=True,
                   capture_output=True, timeout=300)
    python = str(root / "venv" / "bin" / "python")
    pip = [python, "-m", "pip", "--disable-pip-version-check"]
    download = subprocess.run(
        pip + ["download", "--quiet", "--no-deps", "--no-binary", ":all:",
               "-d", str(root), "extraasync==" + VERSION],
        capture_output=True, text=True, timeout=600)
    assert download.returncode == 0, download.stdout + download.stderr
    sdist = root / ("extraasync-%s.tar.gz" % VERSION)
    # The "data" filter where the interpreter has it (3.12, and security
    # releases of 3.8-3.11): without it 3.12+ warn.
    safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
    with tarfile.open(str(sdist)) as archive:
        archive.extractall(str(root), **safe)
    install = subprocess.run(
        pip + ["install", "--quiet", WHEEL, "pytest", "pytest-asyncio", str(sdist)],
        capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stdout + install.stderr
    return python, root / ("extraasync-" + VERSION)


def test_its_own_test_suite_passes(library):
    python, folder = library
    result = run_python("-m", "pytest", "-p", "no:cacheprovider", "-q",
                        "-W", "ignore::DeprecationWarning", "tests",
                        cwd=str(folder), python=python, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout, result.stdout
