"""What CPython 3.9 added to functools: cache."""

import sys
from functools import lru_cache

GAINED = ("cache",) if sys.version_info < (3, 9) else ()


def cache(user_function, /):
    """Memoize *user_function* without a size limit: lru_cache(maxsize=None).

    Lighter than a bounded cache, which must track recency; the wrapper has
    cache_info(), cache_clear() and (as from 3.9 on) cache_parameters().
    """
    wrapper = lru_cache(maxsize=None)(user_function)
    if not hasattr(wrapper, "cache_parameters"):  # 3.8's lru_cache has none
        wrapper.cache_parameters = lambda: {"maxsize": None, "typed": False}
    return wrapper
