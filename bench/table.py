"""Turn bench/run.py's JSON lines (any number of interpreters) into the
Markdown tables of bench/README.md.

    python bench/table.py results-*.jsonl > table.md
    nox -db venv -s bench-3.8 bench-3.9 bench-3.10 bench-3.12 bench-3.13 | python bench/table.py

Lines that are not JSON figure lines (nox's own output) are ignored.  The
taskgroup_failure goal (ratio <= native 3.12's) is judged here, when a 3.12
run is among the inputs.
"""

import fileinput
import json

ORDER = ["startup", "import_asyncio", "startup_instructions", "import_asyncio_instructions",
         "exceptiongroup_instructions", "pth_floor_instructions",
         "create_gather", "cancel", "taskgroup", "taskgroup_empty",
         "timeout_empty", "timeout_fires", "taskgroup_failure", "memory"]

TITLES = {
    "startup": "`python -c pass`, CPU of the child",
    "import_asyncio": "`python -c \"import asyncio\"`, CPU of the child",
    "startup_instructions": "`python -c pass`, instructions (callgrind)",
    "import_asyncio_instructions": "`python -c \"import asyncio\"`, instructions (callgrind)",
    "exceptiongroup_instructions": "of that, `import exceptiongroup` alone (instructions)",
    "pth_floor_instructions": "`python -c pass`, a `.pth` importing an empty module (instructions)",
    "create_gather": "create+gather 100,000 trivial tasks",
    "cancel": "cancel 10,000 tasks waiting on an Event",
    "taskgroup": "10,000 trivial tasks in a TaskGroup",
    "taskgroup_empty": "empty `async with asyncio.TaskGroup()`",
    "timeout_empty": "empty `async with asyncio.timeout(10)`",
    "timeout_fires": "a timeout that fires",
    "taskgroup_failure": "10,000-task group, one fails: cancel all and raise",
    "memory": "memory per pending task (100,000 tasks)",
}

BASELINES = {
    "startup": "twin venv without the package",
    "import_asyncio": "twin venv without the package",
    "startup_instructions": "twin venv without the package",
    "import_asyncio_instructions": "twin venv without the package",
    "exceptiongroup_instructions": "`import asyncio`, both without the package",
    "pth_floor_instructions": "twin venv without the package",
    "create_gather": "C task, package off",
    "cancel": "C task, package off",
    "taskgroup": "`asyncio.gather` of the same",
    "taskgroup_empty": "absolute, µs",
    "timeout_empty": "`async_timeout.timeout(10)`; absolute µs",
    "timeout_fires": "`asyncio.wait_for`",
    "taskgroup_failure": "`gather` of the same tasks; native 3.12's ratio",
    "memory": "C task, package off",
}

GOALS = {
    "startup": "≤ 1.05", "import_asyncio": "≤ 1.15", "startup_instructions": "(≤ 1.05)",
    "import_asyncio_instructions": "(≤ 1.15)",
    "exceptiongroup_instructions": "(the floor under ≤ 1.15)",
    "pth_floor_instructions": "(the floor under ≤ 1.05)", "create_gather": "≤ 1.03",
    "cancel": "≤ 1.25", "taskgroup": "≤ 1.10", "taskgroup_empty": "≤ 2 µs",
    "timeout_empty": "≤ 1.0 and ≤ 5 µs", "timeout_fires": "≤ 0.7",
    "taskgroup_failure": "≤ 3.12's ratio", "memory": "≤ 1.05",
}

UNITS = {"ms CPU": "ms", "M instructions": "M", "us per block": "µs", "us per timeout": "µs", "bytes per task": "B"}


def _mark(met):
    return {True: " ✅", False: " ❌", None: ""}[met]


def _error_name(note):
    # "does not run on this interpreter: ExceptionGroup: AttributeError: ..."
    names = [w.rstrip(":") for w in note.split() if w.endswith("Error:")]
    return "fails: " + names[-1] if names else "fails"


def _num(x):
    if x is None:
        return "?"
    if abs(x) >= 100:
        return "%.0f" % x
    if abs(x) >= 10:
        return "%.1f" % x
    return "%.2f" % x


def _cell(line, met=None):
    unit = UNITS.get(line["unit"], line["unit"])
    if line["figure"] == "taskgroup_empty":
        return "**%s µs**%s" % (_num(line["value"]), _mark(met))
    # Instruction counts repeat run after run: their third digit means something.
    digits = 3 if line["unit"] == "M instructions" else 2
    text = "**%.*f** (%.*f–%.*f)" % (digits, line["ratio"], digits, line["min"],
                                      digits, line["max"])
    if line["figure"] == "timeout_empty":
        text += "; **%s µs**" % _num(line["value"])
    elif line["figure"] == "memory":
        text += "; %s vs %s B" % (_num(line["value"]), _num(line["baseline"]))
    else:
        text += "; %s vs %s %s" % (_num(line["value"]), _num(line["baseline"]), unit)
    return text + _mark(met)


def main():
    ours, theirs, na, versions = {}, {}, {}, []
    for raw in fileinput.input():
        raw = raw.strip()
        if not raw.startswith("{"):
            continue
        line = json.loads(raw)
        if "figure" not in line:
            continue
        py = line["python"]
        if py not in versions:
            versions.append(py)
        if line.get("applies") is False and "impl" not in line:
            ours[(line["figure"], py)] = line
        elif line.get("applies") is False:
            na[(line["figure"], line["impl"].split(" ")[0], py)] = line["note"]
        elif line.get("comparison"):
            theirs[(line["figure"], line["impl"].split(" ")[0], py)] = line
        else:
            ours[(line["figure"], py)] = line
    versions.sort(key=lambda v: tuple(int(p) for p in v.split(".")))
    native312 = next((v for v in versions if v.startswith("3.12.")), None)

    def head(v):
        patched = tuple(int(p) for p in v.split(".")[:2]) < (3, 11)
        return "%s %s" % (v, "patched" if patched else "native")

    cols = [head(v) for v in versions]
    print("| figure | baseline | goal (3.10) | " + " | ".join(cols) + " |")
    print("|---|---|---|" + "---|" * len(cols))
    for fig in ORDER:
        cells = []
        for v in versions:
            line = ours.get((fig, v))
            if line is None:
                cells.append("–")
                continue
            if line.get("applies") is False:
                cells.append("n/a (%s)" % line["note"])
                continue
            met = line.get("met")
            if fig == "taskgroup_failure" and native312 and line["mode"] == "patched":
                ref = ours.get((fig, native312))
                met = line["ratio"] <= ref["ratio"] if ref else None
            cells.append(_cell(line, met))
        print("| %s | %s | %s | %s |" % (TITLES[fig], BASELINES[fig], GOALS[fig], " | ".join(cells)))

    print()
    print("Other libraries, each against the same baseline in a child with the package off "
          "(asyncio as their users have it); ✅/❌: taskgroup_patch has both the lower ratio "
          "and the lower absolute figure on that interpreter (3.8–3.10 only).")
    print()
    print("| figure | library | " + " | ".join(cols) + " |")
    print("|---|---|" + "---|" * len(cols))
    libs = []
    for key in list(theirs) + list(na):
        if key[:2] not in libs:
            libs.append(key[:2])
    libs.sort(key=lambda k: (ORDER.index(k[0]), k[1]))
    for fig, lib in libs:
        cells = []
        seen = []
        for v in versions:
            line = theirs.get((fig, lib, v))
            if line is None:
                cells.append("n/a (%s)" % _error_name(na[(fig, lib, v)])
                             if (fig, lib, v) in na else "–")
                continue
            version = line["impl"].split(" ")[1]
            if version not in seen:
                seen.append(version)
            if fig == "taskgroup_empty":
                text = "%s µs" % _num(line["value"])
            else:
                text = "%.2f; %s %s" % (line["ratio"], _num(line["value"]),
                                        UNITS.get(line["unit"], line["unit"]))
            cells.append(text + _mark(line.get("met")))
        name = {"taskgroup": "`taskgroup` backport"}.get(lib, lib)
        print("| %s | %s %s | %s |" % (TITLES[fig], name, "/".join(seen), " | ".join(cells)))


if __name__ == "__main__":
    main()
