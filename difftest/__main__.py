import sys

from difftest.run import main

sys.exit(main())
