"""python-telegram-bot's HTTP layer on aiohttp instead of httpx.

PTB lets a bot use any `BaseRequest`. Its default, on httpx/httpcore, spends most of a
broadcast's CPU in its connection pool (it walks every pooled connection and asks each
socket for its peer on every request); aiohttp's pool does not, so one delivery worker
pushes about twice as many messages a second (`cchc-bot campaign bench --only a`).

What the delivery engine needs from the errors is preserved: a request that never left
this machine (no free connection within the pool timeout, the connection refused or not
opened in time) is raised with a `NotSent` cause (see `sent_nothing`), so it is retried;
anything after the request went out (a read timeout, a dropped connection) is raised as
PTB's `TimedOut` / `NetworkError` with the aiohttp error as cause, i.e. "maybe delivered"."""

from __future__ import annotations

import asyncio
import json

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput, UploadFileDict
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class NotSent(Exception):
    """Cause of a PTB error raised before the request left this machine."""


def sent_nothing(exc: BaseException) -> bool:
    """Whether a PTB error raised by `AiohttpRequest` proves the request never left."""
    return isinstance(exc.__cause__, NotSent)


class AiohttpRequest(BaseRequest):
    """A `BaseRequest` on one `aiohttp.ClientSession` with a bounded connection pool.

    Timeouts mean what they mean for PTB's `HTTPXRequest`: `pool_timeout` to get one of
    the `connection_pool_size` connections, `connect_timeout` to open one, `read_timeout`
    between two reads of the answer. aiohttp has no write timeout; an upload is bounded by
    `media_write_timeout` + `read_timeout` in all."""

    __slots__ = ("_pool", "_pool_size", "_session", "_timeouts", "_media_write_timeout")

    def __init__(self, connection_pool_size: int = 64, read_timeout: float | None = 5.0,
                 connect_timeout: float | None = 5.0, pool_timeout: float | None = 1.0,
                 media_write_timeout: float | None = 20.0) -> None:
        self._pool_size = connection_pool_size
        self._timeouts = {"read": read_timeout, "connect": connect_timeout, "pool": pool_timeout}
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._pool: asyncio.Semaphore | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._timeouts["read"]

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=0,
                                             keepalive_timeout=30)
            self._session = aiohttp.ClientSession(connector=connector, auto_decompress=True,
                                                  headers={"User-Agent": self.USER_AGENT})
            self._pool = asyncio.Semaphore(self._pool_size)

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def _timeout(self, name: str, value: ODVInput[float]) -> float | None:
        return self._timeouts[name] if isinstance(value, DefaultValue) else value

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
                         write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
                         connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
                         pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        if self._session is None or self._session.closed or self._pool is None:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        read = self._timeout("read", read_timeout)
        total = None
        if files:
            write = self._media_write_timeout if isinstance(write_timeout, DefaultValue) else write_timeout
            total = None if write is None or read is None else write + read
        timeout = aiohttp.ClientTimeout(total=total, sock_connect=self._timeout("connect", connect_timeout),
                                        sock_read=read)
        try:
            async with asyncio.timeout(self._timeout("pool", pool_timeout)):
                await self._pool.acquire()
        except TimeoutError:
            raise TimedOut("Pool timeout: All connections in the connection pool are occupied. "
                           "Request was *not* sent to Telegram.") from NotSent("pool")
        try:
            body = _body(request_data, files)
            headers = _JSON if isinstance(body, bytes) else None
            async with self._session.request(method, url, data=body, headers=headers,
                                             timeout=timeout) as response:
                return response.status, await response.read()
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            error = TimedOut if isinstance(exc, aiohttp.ConnectionTimeoutError) else NetworkError
            raise error(f"aiohttp.{type(exc).__name__}: {exc}") from NotSent(repr(exc))
        except (aiohttp.SocketTimeoutError, TimeoutError) as exc:
            raise TimedOut(f"aiohttp.{type(exc).__name__}: {exc}") from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc
        finally:
            self._pool.release()


_JSON = {"Content-Type": "application/json"}


def _body(request_data: RequestData | None, files: UploadFileDict | None) -> aiohttp.FormData | bytes | None:
    """Parameters as one JSON object (the Bot API takes JSON bodies; encoding them once is
    far cheaper than a urlencoded form, field by field), or a multipart form when there
    are files to upload."""
    if request_data is None:
        return None
    if not files:
        return json.dumps(request_data.parameters, ensure_ascii=False).encode()
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in files.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
