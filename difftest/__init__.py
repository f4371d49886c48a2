"""Differential tester: random asyncio programs, patched 3.8-3.10 vs native 3.13."""
