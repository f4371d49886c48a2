"""What CPython 3.11 added to datetime: UTC."""

import sys
from datetime import timezone

GAINED = ("UTC",) if sys.version_info < (3, 11) else ()

# 3.11's alias: the same object, so `moment.tzinfo is UTC` holds either way.
UTC = timezone.utc
