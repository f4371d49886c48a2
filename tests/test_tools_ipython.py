"""IPython's terminal and a Jupyter kernel run cells that use except*.

Real IPython, ipykernel and jupyter_client, the newest that install on this
interpreter (IPython 8.12 on 3.8, 8.18 on 3.9, 8.39 on 3.10; ipykernel 6.29
on 3.8, 6.31 on 3.9, 7 on 3.10+), in a venv of their own with the wheel: they would bring
a dozen packages into the suite's venv.  Making it costs about 30 s; each
kernel start about 2 s.  The kernel listens on loopback TCP.

Nothing is configured: the package adapts IPython when it is imported.
"""

import sys
import textwrap

import pytest

from conftest import WHEEL, base_python, clean_env, require_build_inputs, run_python

CELL = """\
import asyncio
try:
    raise ExceptionGroup("g", [ValueError(1), TypeError(2)])
except* ValueError as group:
    print("value", group.exceptions)
except* TypeError:
    print("type")
async def main():
    async with asyncio.TaskGroup() as group:
        task = group.create_task(asyncio.sleep(0, "slept"))
    return task.result()
await main()
"""

KERNEL_DRIVER = """\
import gc
import json
import sys

from jupyter_client.manager import start_new_kernel

cells = json.loads(sys.argv[1])
manager, client = start_new_kernel(kernel_name="python3")
try:
    for cell in cells:
        output = []

        def collect(message):
            content = message["content"]
            kind = message["msg_type"]
            if kind == "stream":
                output.append(content["text"])
            elif kind == "execute_result":
                output.append(content["data"]["text/plain"] + "\\n")
            elif kind == "error":
                output.append("%s: %s\\n" % (content["ename"], content["evalue"]))

        reply = client.execute_interactive(cell, timeout=60, output_hook=collect)
        print(json.dumps([reply["content"]["status"], "".join(output)]))
        client.is_complete(cell)
        print(json.dumps(client.get_shell_msg(timeout=30)["content"]["status"]))
finally:
    client.stop_channels()
    manager.shutdown_kernel(now=True)
    del client, manager
    gc.collect()
"""


@pytest.fixture(scope="module")
def python(tmp_path_factory):
    """A venv with the wheel, IPython, ipykernel and jupyter_client; its python."""
    require_build_inputs()
    import subprocess
    path = tmp_path_factory.mktemp("ipython") / "venv"
    subprocess.run([base_python(), "-m", "venv", str(path)], check=True,
                   capture_output=True, timeout=300)
    venv_python = str(path / "bin" / "python")
    install = subprocess.run(
        [venv_python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         WHEEL, "ipython", "ipykernel", "jupyter_client"],
        capture_output=True, text=True, timeout=900)
    assert install.returncode == 0, install.stdout + install.stderr
    return venv_python


def env(tmp_path, **changes):
    # Jupyter's files (connection files, the IPython profile) in the test's folder.
    return clean_env(IPYTHONDIR=str(tmp_path / "ipython"), JUPYTER_RUNTIME_DIR=str(
        tmp_path / "runtime"), JUPYTER_PLATFORM_DIRS="1", **changes)


def ipython(python, tmp_path, *args, input=None, **changes):
    return run_python("-m", "IPython", "--no-banner", "--colors=NoColor", *args,
                      python=python, cwd=str(tmp_path), env=env(tmp_path, **changes),
                      input=input, timeout=120)


def test_ipython_c_runs_a_cell_with_except_star(python, tmp_path):
    result = ipython(python, tmp_path, "-c", CELL)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("value (ValueError(1),)\ntype\n"), result.stdout
    assert "'slept'" in result.stdout


def test_terminal_reads_cells_with_several_handlers(python, tmp_path):
    # Each cell as typed, line by line: the terminal must not end the cell
    # after the first handler's body.
    typed = textwrap.dedent("""\
        import asyncio
        try:
            raise ExceptionGroup("g", [ValueError(1), TypeError(2)])
        except* ValueError as group:
            print("value", group.exceptions)
        except* TypeError:
            print("type")

        x = 5
        try:
            await asyncio.sleep(0)
            raise ExceptionGroup("h", [KeyError(x)])
        except* KeyError as group:
            print("key", group.exceptions)

        """)
    result = ipython(python, tmp_path, "--simple-prompt", input=typed)
    assert result.returncode == 0, result.stdout + result.stderr
    printed = [line.rpartition(":")[2].strip() for line in result.stdout.splitlines()]
    assert [line for line in printed if line] == [
        "value (ValueError(1),)", "type", "key (KeyError(5),)",
        "Do you really want to exit ([y]/n)?"], result.stdout


def test_a_misuse_is_reported_as_a_syntax_error(python, tmp_path):
    result = ipython(python, tmp_path, "-c",
                     "try:\n    pass\nexcept ValueError:\n    pass\nexcept* TypeError:\n    pass\n")
    assert "SyntaxError: cannot have both 'except' and 'except*' on the same 'try'" in (
        result.stdout + result.stderr), result.stdout + result.stderr


def test_run_magic_runs_a_script_with_except_star(python, tmp_path):
    (tmp_path / "script.py").write_text(CELL.replace("await main()", "print(asyncio.run(main()))"))
    result = ipython(python, tmp_path, "-c", "%run script.py")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == "value (ValueError(1),)\ntype\nslept\n"


def test_ipython_starts_under_the_compile_opt_in(python, tmp_path):
    result = ipython(python, tmp_path, "-c", "print(1)", TASKGROUP_PATCH_COMPILE="1")
    assert (result.returncode, result.stdout) == (0, "1\n"), result.stderr


def test_jupyter_kernel_runs_cells_with_except_star(python, tmp_path):
    import json
    cells = [CELL, "try:\n    raise ExceptionGroup('g', [OSError(3)])\n"
                   "except* OSError as group:\n    print('os', group.exceptions)\n"]
    result = run_python("-c", KERNEL_DRIVER, json.dumps(cells), python=python,
                        cwd=str(tmp_path), env=env(tmp_path), timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines == [
        ["ok", "value (ValueError(1),)\ntype\n'slept'\n"], "complete",
        ["ok", "os (OSError(3),)\n"], "complete",
    ]
    assert "Traceback" not in result.stderr, result.stderr


@pytest.mark.skipif(sys.version_info >= (3, 11), reason="3.11+ reads except* natively")
def test_without_the_patch_a_cell_with_except_star_fails(python, tmp_path):
    """The control: TASKGROUP_PATCH=0 leaves IPython as it is."""
    result = ipython(python, tmp_path, "-c", CELL, TASKGROUP_PATCH="0")
    assert "SyntaxError" in result.stdout + result.stderr
    assert "value" not in result.stdout
