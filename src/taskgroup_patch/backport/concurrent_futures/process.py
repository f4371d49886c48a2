"""ProcessPoolExecutor.shutdown(cancel_futures=) (3.9)."""

from concurrent.futures import process

from taskgroup_patch.backport import interpreters

_shutdown = interpreters(process.ProcessPoolExecutor, "shutdown")


class ProcessPoolExecutor:

    def shutdown(self, wait=True, *, cancel_futures=False):
        """Release the pool's processes; see Executor.shutdown()."""
        if cancel_futures:
            with self._shutdown_lock:
                self._shutdown_thread = True  # submit() accepts no more work
                # A work item's future is set running when it is handed to
                # the worker processes; cancel() refuses those, and the queue
                # management thread drops the cancelled ones.
                for work_item in list(self._pending_work_items.values()):
                    work_item.future.cancel()
        _shutdown(self, wait)
