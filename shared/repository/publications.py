"""Published artifacts per profile."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert
from sqlmodel import col, select

from shared.models import Profile, Publication
from shared.repository.base import Queries


class PublicationQueries(Queries):
    async def add_publications(self, rows: list[dict[str, Any]]) -> None:
        """A publication's artifacts in one executemany: dozens of rows of up to hundreds of KB each, for
        which the ORM's unit of work would only add cost."""
        if rows:
            await self.session.exec(insert(Publication.__table__), params=rows)  # type: ignore[attr-defined,call-overload]

    async def current_publication(self, profile: str, name: str) -> Publication | None:
        """The artifact of the newest announcement (then the newest row): a late old run never wins."""
        rows = await self.session.exec(
            select(Publication).where(col(Publication.profile) == profile, col(Publication.name) == name)
            .order_by(col(Publication.announced).desc().nulls_last(), col(Publication.id).desc()).limit(1))
        return rows.first()

    async def current_of(self, profile: str, names: list[str]) -> list[Publication]:
        """`current_publication` of each of `names` that exists, in one statement, by name."""
        newest = select(col(Publication.id), func.row_number().over(
            partition_by=col(Publication.name),
            order_by=(col(Publication.announced).desc().nulls_last(), col(Publication.id).desc())).label("n")) \
            .where(col(Publication.profile) == profile, col(Publication.name).in_(names)).subquery()
        rows = await self.session.exec(select(Publication).join(newest, newest.c.id == col(Publication.id))
                                       .where(newest.c.n == 1).order_by(col(Publication.name)))
        return list(rows)

    async def current_publications(self, profile: str) -> list[Publication]:
        """Every artifact of the profile's current digest (the newest README's run)."""
        return await self._current(profile, select(Publication))

    async def current_names(self, profile: str) -> list[str]:
        """The names of `current_publications`, without reading their content."""
        return await self._current(profile, select(Publication.name))

    async def _current(self, profile: str, query: Any) -> list[Any]:
        readme = await self.current_publication(profile, "README.md")
        if readme is None:
            return []
        rows = await self.session.exec(query.where(
            col(Publication.profile) == profile, col(Publication.run_id) == readme.run_id,
            col(Publication.digest_key) == readme.digest_key).order_by(col(Publication.name)))
        return list(rows)

    async def day_pages(self, profile: str, limit: int = 60) -> list[str]:
        """The names of the profile's day pages (days/<date>.html), newest day first."""
        rows = await self.session.exec(
            select(Publication.name).where(col(Publication.profile) == profile,
                                           col(Publication.name).like("days/%")).distinct()
            .order_by(col(Publication.name).desc()).limit(limit))
        return list(rows)

    async def published_names(self, profile: str, prefix: str) -> list[str]:
        """Every artifact name under `prefix` the profile's publications still in the store have had."""
        rows = await self.session.exec(select(Publication.name).where(
            col(Publication.profile) == profile, col(Publication.name).startswith(prefix, autoescape=True)).distinct())
        return list(rows)

    async def serving_version(self) -> tuple[Any, ...]:
        """What the publisher's memory cache compares once a second, in one statement: the newest
        publication and the profiles' last change (a profile deleted or changed stops or starts being served)."""
        newest = select(func.max(Publication.id)).scalar_subquery()
        profiles = select(func.count()).select_from(Profile).where(col(Profile.deleted).is_(False)).scalar_subquery()
        changed = select(func.max(Profile.updated_at)).scalar_subquery()
        return tuple((await self.session.exec(select(newest, profiles, changed))).one())
