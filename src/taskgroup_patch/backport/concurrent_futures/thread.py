"""ThreadPoolExecutor.shutdown(cancel_futures=) (3.9)."""

import queue
from concurrent.futures import thread

from taskgroup_patch.backport import interpreters

_shutdown = interpreters(thread.ThreadPoolExecutor, "shutdown")


class ThreadPoolExecutor:

    def shutdown(self, wait=True, *, cancel_futures=False):
        """Release the pool's threads; see Executor.shutdown()."""
        if cancel_futures:
            with self._shutdown_lock:
                self._shutdown = True  # submit() accepts no more work
                # What no thread has taken yet is cancelled.
                while True:
                    try:
                        work_item = self._work_queue.get_nowait()
                    except queue.Empty:
                        break
                    if work_item is not None:  # None wakes a worker to exit
                        work_item.future.cancel()
        _shutdown(self, wait)
