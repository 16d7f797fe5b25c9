"""Reading a newest-first listing down to where the previous run stopped, resumably.

Platforms such as Mastodon and Bluesky list the newest posts first and page downwards. One *pass* reads from the
newest post down to the mark of the previous complete pass (``since``). While a pass runs, the cursor also holds the
newest mark of this pass (``top``) and where to continue (``next``); ``since`` only moves to ``top`` when the pass is
complete. So a crash, or running out of pages, never skips posts: the next run first finishes the open pass.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from monitor.records import Page, RawPost

PageGen = Generator[Page, None, bool]
# (since, next) -> (items, next token or None at the end, newest mark among the items or None)
PageRequest = Callable[[str | None, str | None], tuple[list[RawPost], str | None, str | None]]


@dataclass(frozen=True)
class NewestFirstPass:
    keys: tuple[str, str, str]  # cursor keys for (since, top, next), e.g. ("since_id", "top", "max_id")
    max_pages: int
    what: str  # for notices, e.g. "Mastodon" or "Bluesky"
    unit: str  # what one query is, e.g. "hashtag" or "zoekterm"
    request: PageRequest
    later: Callable[[str | None, str | None], str | None]  # the newer of two marks (None counts as oldest)
    stale_error: type[Exception] | None = None  # raised by request when a saved ``next`` token has expired

    def pages(self, cursor: Mapping[str, Any]) -> Iterator[Page]:
        since, top, resume = (_opt(cursor.get(key)) for key in self.keys)
        budget = [self.max_pages]
        if top is not None and resume is not None:  # finish the pass an earlier run left open
            try:
                finished = yield from self._pass(since, top, resume, budget)
            except Exception as exc:
                if self.stale_error is None or not isinstance(exc, self.stale_error):
                    raise
                finished, top = False, None  # start afresh from the newest; dedupe absorbs the overlap
            if finished:
                since = top
            elif top is not None:
                return
        yield from self._pass(since, None, None, budget)

    def _pass(self, since: str | None, top: str | None, token: str | None, budget: list[int]) -> PageGen:
        """Read from ``token`` (or the newest) down to ``since``; True when the pass reached its end."""
        while True:
            if budget[0] <= 0:
                return (yield from self._out_of_pages(since, top, token))
            budget[0] -= 1
            items, next_token, newest = self.request(since, token)
            top = self.later(top, newest)
            if not items or not next_token:
                yield Page(items, self._cursor(top or since, None, None))
                return True
            token = next_token
            yield Page(items, self._cursor(since, top, token))

    def _out_of_pages(self, since: str | None, top: str | None, token: str | None) -> PageGen:
        if since is None:  # a first run: older posts are simply not read
            notice = (
                f"{self.what}: bij de eerste keer ophalen zijn per {self.unit} maximaal {self.max_pages} pagina's "
                "gelezen; oudere berichten zijn overgeslagen."
            )
            yield Page([], self._cursor(top, None, None), notices=(notice,))
            return True
        notice = (
            f"{self.what}: meer nieuwe berichten dan {self.max_pages} pagina's per keer (instelling `max_pages`); "
            "de rest wordt bij de volgende keer opgehaald."
        )
        yield Page([], self._cursor(since, top, token), notices=(notice,))
        return False

    def _cursor(self, since: str | None, top: str | None, token: str | None) -> dict[str, Any]:
        values = dict(zip(self.keys, (since, top, token), strict=True))
        return {key: value for key, value in values.items() if value}


def _opt(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)
