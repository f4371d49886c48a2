"""Executor.shutdown(cancel_futures=) (3.9), for 3.8's concurrent.futures.

One module per module of concurrent.futures whose class gains it.
"""
