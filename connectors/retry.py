"""Retries with backoff for platform API calls (tenacity): timeouts, 5xx and 429 are tried again; the platform's
own wait hint (Retry-After, x-rate-limit-reset) is honoured up to a ceiling, so a run never hangs for hours."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from connectors.base import SourceUnavailableError, TransientError

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4  # in total, the first try included
    backoff: float = 2.0  # seconds, doubled each retry
    max_backoff: float = 60.0
    wait_cap: float = 900.0  # the longest we honour a platform's "come back in N seconds"


def _wait(policy: RetryPolicy) -> Callable[[RetryCallState], float]:
    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        hint = exc.wait if isinstance(exc, TransientError) else None
        if hint is not None:
            return float(min(max(hint, 0.0), policy.wait_cap))
        return float(min(policy.backoff * 2 ** (state.attempt_number - 1), policy.max_backoff))

    return wait


def call_with_retries(call: Callable[[], T], policy: RetryPolicy, what: str) -> T:
    """Run ``call``; on TransientError wait and try again, up to ``policy.attempts`` tries in all."""

    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        reason = str(exc).rstrip(".")
        attempt = state.attempt_number + 1
        log.warning("%s: %s; opnieuw proberen (poging %d van %d)", what, reason, attempt, policy.attempts)

    retrying = Retrying(
        stop=stop_after_attempt(max(policy.attempts, 1)),
        wait=_wait(policy),
        retry=retry_if_exception_type(TransientError),
        before_sleep=before_sleep,
        reraise=True,
    )
    try:
        return retrying(call)
    except TransientError as exc:
        tries = "1 poging" if policy.attempts == 1 else f"{policy.attempts} pogingen"
        raise SourceUnavailableError(f"{what}: {exc} (opgegeven na {tries})") from None
