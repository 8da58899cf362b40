"""Cancellation as the caller likes it: a ``threading.Event`` or a callable returning True."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from app.sync.errors import PushCancelled

CancelSource = threading.Event | Callable[[], bool] | None


class CancelToken:
    """Asks the caller's event or callable; waits that wake up as soon as it is set."""

    def __init__(self, source: "CancelSource | CancelToken" = None) -> None:
        if isinstance(source, CancelToken):
            source = source._source
        self._source = source

    def is_set(self) -> bool:
        if self._source is None:
            return False
        if isinstance(self._source, threading.Event):
            return self._source.is_set()
        return bool(self._source())

    def raise_if_set(self) -> None:
        if self.is_set():
            raise PushCancelled("Push cancelled; what was sent is recorded and the next push "
                                "continues from there.")

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True if cancelled meanwhile."""
        if seconds <= 0:
            return self.is_set()
        if isinstance(self._source, threading.Event):
            return self._source.wait(seconds)
        deadline = time.monotonic() + seconds
        while True:
            if self.is_set():
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(0.05, left))
