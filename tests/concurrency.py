"""Two requests at the same moment, in threads, on PostgreSQL.

SQLite runs one writer at a time, so a race there proves nothing: these tests skip on it, and fail
instead when MLFIT_REQUIRE_SERVICES=1 (CI). Each test takes `transactional_db`, so what one thread
commits the others see, and every thread closes its own database connection when it ends (else
the test database cannot be dropped).

The races are made to happen, not hoped for: one side holds its transaction open (`Holder`)
until the other side is known to be waiting on it, then commits.
"""

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection, transaction

from tests.conftest import REQUIRE_SERVICES

WAIT = 10  # seconds any side waits for the other before the test gives up


def require_postgresql() -> None:
    if connection.vendor == "postgresql":
        return
    reason = f"the test database is {connection.vendor}; races need PostgreSQL (set DATABASE_URL)"
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (MLFIT_REQUIRE_SERVICES=1, so this is a failure)", pytrace=False)
    pytest.skip(reason)


def _closing(fn: Callable[..., Any]) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        finally:
            connection.close()

    return run


def in_thread(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Future:
    """Run fn in a thread of its own, with its own database connection."""
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(_closing(fn), *args, **kwargs)
    pool.shutdown(wait=False)
    return future


def at_once(*calls: Callable[[], Any]) -> list[Future]:
    """Start every call at the same instant (a barrier), each in its own thread."""
    barrier = threading.Barrier(len(calls))

    def start(call: Callable[[], Any]) -> Any:
        barrier.wait(WAIT)
        return call()

    return [in_thread(start, call) for call in calls]


class Holder:
    """Run `fn` in a transaction in another thread and keep that transaction open until release().

    `ready` is set once fn has run (its locks and rows are held, uncommitted).
    """

    def __init__(self, fn: Callable[[], Any]) -> None:
        self.ready = threading.Event()
        self._release = threading.Event()
        self.result: Any = None

        def hold() -> Any:
            with transaction.atomic():
                self.result = fn()
                self.ready.set()
                assert self._release.wait(WAIT), "the test never released the transaction"
            return self.result

        self.future = in_thread(hold)
        deadline = time.monotonic() + WAIT
        while not self.ready.wait(0.05):
            if self.future.done():
                self.future.result()  # raises what fn raised
            assert time.monotonic() < deadline, "the holding transaction did not start"

    def release(self) -> Any:
        self._release.set()
        return self.future.result(WAIT)


def still_waiting(future: Future, seconds: float = 0.5) -> bool:
    """Whether `future` has not finished after `seconds`: it is blocked on a lock."""
    time.sleep(seconds)
    return not future.done()
