"""The publisher's renderings in memory: a request that finds its artifact here touches no database.

An artifact is loaded from the store on its first request (one load however many ask at once), compressed
once, and kept until something new is published. Whether something was is a one-statement version check
(the newest publication, the profiles' last change) made at most once per PUBLISHER_CACHE_CHECK_SECONDS: in
the background when a request found its artifact (it is answered at once from what is here), awaited when
one did not. A new version drops every entry; each is loaded again on its next request. "Not published"
answers are kept too, so a flood of requests for nothing costs no queries either.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker

from shared.repository import Repository

from services.publisher.respond import Rendered, render

log = logging.getLogger(__name__)
MAX_ENTRIES = 1024  # artifacts (and misses) per process; the least recently used go first
Key = tuple[str, str]  # (profile, artifact name)


@dataclass(frozen=True)
class Missing:
    detail: str  # the 404's reason


class ArtifactCache:
    def __init__(self, sessions: Callable[[], async_sessionmaker], check_seconds: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._sessions, self.check_seconds, self._clock = sessions, check_seconds, clock
        self.entries: OrderedDict[Key, Rendered | Missing] = OrderedDict()
        self.version: tuple[Any, ...] | None = None
        self.generation = 0  # bumped with every new version: a load begun before it is not kept
        self.loads = 0  # artifacts read from the store (for tests and the benchmark)
        self._checked = float("-inf")
        self._checking: asyncio.Task | None = None
        self._loading: dict[Key, asyncio.Task] = {}

    def _due(self) -> bool:
        return self._clock() - self._checked >= self.check_seconds

    def _start_check(self) -> asyncio.Task:
        if self._checking is None:  # one check at a time: whoever comes while it runs shares it
            self._checking = asyncio.get_running_loop().create_task(self._check())
        return self._checking

    def peek(self, key: Key) -> Rendered | Missing | None:
        """What is here for `key`, without waiting for anything; a due version check starts in the background."""
        if self._due():
            self._start_check()
        entry = self.entries.get(key)
        if entry is not None:
            self.entries.move_to_end(key)
        return entry

    async def get(self, key: Key) -> Rendered | Missing:
        """What is here for `key`, after a due version check, loading it from the store if need be."""
        if self._due():
            await asyncio.shield(self._start_check())
        entry = self.entries.get(key)
        if entry is not None:
            self.entries.move_to_end(key)
            return entry
        task = self._loading.get(key)
        if task is None:
            task = self._loading[key] = asyncio.get_running_loop().create_task(self._load(key))
            task.add_done_callback(lambda _: self._loading.pop(key, None))
        return await asyncio.shield(task)

    async def check(self) -> None:
        """Compare the store's version with ours now, whenever the last check was."""
        await asyncio.shield(self._start_check())

    async def _check(self) -> None:
        self._checked = self._clock()
        try:
            async with self._sessions()() as session:
                version = await Repository(session).serving_version()
            if version != self.version:
                self.version, self.generation = version, self.generation + 1
                self.entries.clear()
        except Exception:  # noqa: BLE001 - keep serving what we have; the next check tries again
            log.warning("publisher cache: version check failed; serving what is in memory", exc_info=True)
        finally:
            self._checking = None

    async def _load(self, key: Key) -> Rendered | Missing:
        generation, (profile, name) = self.generation, key
        async with self._sessions()() as session:
            repo = Repository(session)
            known = await repo.get_profile(profile)
            publication = await repo.current_publication(profile, name) if known and not known.deleted else None
        self.loads += 1
        entry: Rendered | Missing
        if known is None or known.deleted:
            entry = Missing(f"no profile named {profile!r}")
        elif publication is None:
            entry = Missing(f"nothing published as {name} for profile {profile!r} yet")
        else:
            tag = f"{publication.id}-{publication.digest_key[:16]}"
            entry = await asyncio.to_thread(render, publication.content, publication.content_type, tag,
                                            publication.created_at)
        if generation == self.generation:
            self.entries[key] = entry
            while len(self.entries) > MAX_ENTRIES:
                self.entries.popitem(last=False)
        return entry
