"""python -m taskgroup_patch: see taskgroup_patch._cli."""

import sys

from taskgroup_patch._cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
