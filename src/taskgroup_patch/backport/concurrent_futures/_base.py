"""3.9's signature of concurrent.futures.Executor.shutdown()."""


class Executor:

    def shutdown(self, wait=True, *, cancel_futures=False):
        """Clean-up the resources associated with the Executor.

        It is safe to call this method several times.  No other method may
        be called after it.

        Args:
            wait: If True, return only once all running futures have finished
                and the executor's resources are released.
            cancel_futures: If True, cancel all pending futures first.  Those
                that are running or done are not cancelled.
        """
