"""What 3.9 added to the classes of asyncio.transports."""


class WriteTransport:

    def get_write_buffer_limits(self):
        """Return the (low, high) water limits of write flow control."""
        raise NotImplementedError
