"""3.11's except* on CPython 3.8-3.10.

``transform`` rewrites a try statement with except* clauses into plain code
that calls ``runtime``; ``loader`` compiles modules, scripts and strings that
may use except* and caches the result beside the standard .pyc.
"""
