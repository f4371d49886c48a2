"""What 3.11-3.13 added to asyncio.streams.

``StreamWriter.start_tls()`` (3.11) upgrades a stream's connection to TLS;
``StreamReader.readuntil()`` takes a tuple of separators too (3.13).
"""

from asyncio import exceptions


class StreamReader:

    async def readuntil(self, separator=b"\n"):
        """Read data from the stream until *separator* is found.

        On success the data and the separator are consumed from the buffer,
        and returned, the separator at the end.  *separator* may also be a
        tuple of separators: then the data returned is the shortest that
        ends with one of them.

        The stream's limit caps the length of the data returned, separator
        excluded (for a tuple, that of the separator found).  Over it,
        LimitOverrunError is raised and the data stays in the buffer, to be
        read again.  At EOF without a complete separator,
        IncompleteReadError is raised with what was read (the buffer is
        emptied); its .partial may end with part of a separator.
        """
        # Shortest first: of two matches that end at the same place, the
        # shorter separator counts (for the limit).
        separators = sorted(separator, key=len) if isinstance(separator, tuple) else [separator]
        if not separators:
            raise ValueError("Separator should contain at least one element")
        shortest = len(separators[0])
        longest = len(separators[-1])
        if shortest == 0:
            raise ValueError("Separator should be at least one-byte string")
        if self._exception is not None:
            raise self._exception

        # The buffer holds no separator before `offset`.  A separator may
        # still begin in its last `longest - 1` bytes, which are searched
        # again when more data arrives.
        offset = 0
        while True:
            buffered = len(self._buffer)
            if buffered - offset >= shortest:
                end = None
                for sep in separators:
                    start = self._buffer.find(sep, offset)
                    if start != -1 and (end is None or start + len(sep) < end):
                        end = start + len(sep)
                        found = start
                if end is not None:
                    break
                offset = max(0, buffered + 1 - longest)
                if offset > self._limit:
                    raise exceptions.LimitOverrunError(
                        "Separator is not found, and chunk exceed the limit", offset)
            # Checked after the search: the last data before EOF may have
            # completed a separator.
            if self._eof:
                chunk = bytes(self._buffer)
                self._buffer.clear()
                raise exceptions.IncompleteReadError(chunk, None)
            # This resumes the transport's reading if it was paused.
            await self._wait_for_data("readuntil")

        if found > self._limit:
            raise exceptions.LimitOverrunError(
                "Separator is found, but chunk is longer than limit", found)
        chunk = self._buffer[:end]
        del self._buffer[:end]
        self._maybe_resume_transport()
        return bytes(chunk)


class StreamWriter:

    async def start_tls(self, sslcontext, *,
                        server_hostname=None,
                        ssl_handshake_timeout=None,
                        ssl_shutdown_timeout=None):
        """Upgrade the stream's connection to TLS.

        What was written before is flushed first; what is written and read
        afterwards goes through TLS.  The server side of a connection (a
        stream of start_server()) takes the server's part of the handshake.
        """
        protocol = self._protocol
        server_side = protocol._client_connected_cb is not None
        options = {}
        if ssl_shutdown_timeout is not None:
            # Only then: a loop of another kind (uvloop...) may not take it.
            options["ssl_shutdown_timeout"] = ssl_shutdown_timeout
        await self.drain()
        transport = await self._loop.start_tls(
            self._transport, protocol, sslcontext, server_side=server_side,
            server_hostname=server_hostname, ssl_handshake_timeout=ssl_handshake_timeout,
            **options)
        # The connection goes on over the TLS transport.
        self._transport = transport
        protocol._transport = transport
        protocol._over_ssl = transport.get_extra_info("sslcontext") is not None
