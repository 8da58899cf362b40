"""When and how long to wait before sending a request again.

Exponential backoff with jitter for network errors and 5xx; 429 and 503 wait as long as
the server's ``Retry-After`` says (seconds or an HTTP date), within a cap.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Statuses that say the server did not carry the request out: safe to repeat any request.
NOT_PROCESSED_STATUSES = frozenset({429, 503})


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5            # total tries of one request, the first included
    base_delay: float = 0.5      # seconds before the first retry
    max_delay: float = 20.0
    max_retry_after: float = 120.0

    def delay(self, retry_number: int, retry_after: str | None = None) -> float:
        """Seconds to wait before retry ``retry_number`` (1 = the first retry)."""
        wanted = parse_retry_after(retry_after)
        if wanted is not None:
            return min(max(wanted, 0.0), self.max_retry_after)
        ceiling = min(self.max_delay, self.base_delay * (2 ** (retry_number - 1)))
        # "Equal jitter": never less than half the step, so retries do spread out.
        return ceiling / 2 + random.uniform(0, ceiling / 2)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return max(0.0, (moment - (now or datetime.now(timezone.utc))).total_seconds())
