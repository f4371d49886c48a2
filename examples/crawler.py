"""A crawler: fan out over links with a concurrency limit and per-request timeouts.

It starts a small web site of its own on 127.0.0.1 (no internet needed),
crawls it from "/" with at most LIMIT requests in flight, gives each request
TIMEOUT seconds, and reports every page it found.  Plain asyncio, 3.11 style;
with taskgroup-patch installed it runs unmodified on 3.8-3.10 too:

    python examples/crawler.py
"""

import asyncio
import re
from typing import Dict, List, Tuple

HOST = "127.0.0.1"
LIMIT = 3        # requests in flight at once
TIMEOUT = 0.25   # seconds per request

# The site: each page's links.  /slow never answers in time, /missing is a
# 404, /broken a 500; they are linked from the pages like any other.
SITE: Dict[str, List[str]] = {
    "/": ["/docs", "/blog", "/about", "/slow", "/missing"],
    "/docs": ["/", "/docs/install", "/docs/usage"],
    "/docs/install": [],
    "/docs/usage": ["/docs/install", "/docs"],
    "/blog": ["/blog/1", "/blog/2", "/broken"],
    "/blog/1": ["/blog/2"],
    "/blog/2": ["/blog/1", "/about"],
    "/about": [],
}


# --- the site ---------------------------------------------------------------

async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answer one HTTP/1.0 request, then close the connection."""
    try:
        async with asyncio.timeout(5):
            request = await reader.readuntil(b"\r\n\r\n")
        path = request.split(b" ")[1].decode()
        await asyncio.sleep(0.01)  # some work
        if path == "/slow":
            await asyncio.sleep(10)
        if path in SITE:
            status = "200 OK"
            body = "".join('<a href="%s">%s</a>\n' % (link, link) for link in SITE[path])
        elif path == "/broken":
            status, body = "500 Internal Server Error", "oops\n"
        else:
            status, body = "404 Not Found", "no such page\n"
        data = body.encode()
        writer.write(b"HTTP/1.0 %s\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n"
                     % (status.encode(), len(data)) + data)
        await writer.drain()
    except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
        pass  # a client that gave up or sent nothing useful
    finally:
        writer.close()


async def serve_site(port: "asyncio.Future[int]") -> None:
    """Serve SITE until cancelled; every connection is a task of one group."""
    async with asyncio.TaskGroup() as connections:
        server = await asyncio.start_server(
            lambda reader, writer: connections.create_task(handle(reader, writer)),
            HOST, 0)
        try:
            port.set_result(server.sockets[0].getsockname()[1])
            await asyncio.Event().wait()  # until cancelled
        finally:
            # Stop listening; leaving the group then cancels open connections.
            server.close()


# --- the crawler --------------------------------------------------------------

LINK = re.compile(r'href="([^"]+)"')


class Crawler:
    def __init__(self, port: int) -> None:
        self.port = port
        self.limit = asyncio.Semaphore(LIMIT)
        self.seen = {"/"}
        self.results: Dict[str, str] = {}
        self.in_flight = 0
        self.max_in_flight = 0

    async def fetch(self, path: str) -> Tuple[int, str]:
        """GET one page: (status, body).  At most LIMIT run at once."""
        async with self.limit:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            try:
                async with asyncio.timeout(TIMEOUT):
                    reader, writer = await asyncio.open_connection(HOST, self.port)
                    try:
                        writer.write(b"GET %s HTTP/1.0\r\nHost: %s\r\n\r\n"
                                     % (path.encode(), HOST.encode()))
                        response = await reader.read()
                    finally:
                        writer.close()
                        await writer.wait_closed()
            finally:
                self.in_flight -= 1
        head, _, body = response.decode().partition("\r\n\r\n")
        return int(head.split(" ")[1]), body

    async def visit(self, path: str, group: asyncio.TaskGroup) -> None:
        # A failed request is a result, not a reason to stop the crawl:
        # handle it here so that it does not cancel the other tasks.
        try:
            status, body = await self.fetch(path)
        except TimeoutError:
            self.results[path] = "timeout"
            return
        except OSError as error:
            self.results[path] = "error: %s" % error
            return
        if status != 200:
            self.results[path] = str(status)
            return
        links = LINK.findall(body)
        self.results[path] = "200 (%d link%s)" % (len(links), "" if len(links) == 1 else "s")
        for link in links:
            if link not in self.seen:
                self.seen.add(link)
                group.create_task(self.visit(link, group))

    async def crawl(self) -> Dict[str, str]:
        # The group waits for every page, including pages found meanwhile.
        async with asyncio.TaskGroup() as group:
            group.create_task(self.visit("/", group))
        return self.results


async def main() -> None:
    async with asyncio.TaskGroup() as group:
        port: "asyncio.Future[int]" = asyncio.get_running_loop().create_future()
        site = group.create_task(serve_site(port))
        crawler = Crawler(await port)
        results = await crawler.crawl()
        site.cancel()  # a cancelled child is no error for the group

    for path in sorted(results):
        print("%-14s %s" % (path, results[path]))
    print("%d pages, at most %d requests at a time (limit %d)"
          % (len(results), crawler.max_in_flight, LIMIT))


if __name__ == "__main__":
    asyncio.run(main())
