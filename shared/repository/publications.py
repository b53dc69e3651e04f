"""Published artifacts per profile."""
from __future__ import annotations

from sqlmodel import col, select

from shared.models import Publication
from shared.repository.base import Queries


class PublicationQueries(Queries):
    async def current_publication(self, profile: str, name: str) -> Publication | None:
        """The artifact of the newest announcement (then the newest row): a late old run never wins."""
        rows = await self.session.exec(
            select(Publication).where(col(Publication.profile) == profile, col(Publication.name) == name)
            .order_by(col(Publication.announced).desc().nulls_last(), col(Publication.id).desc()).limit(1))
        return rows.first()

    async def current_publications(self, profile: str) -> list[Publication]:
        """Every artifact name of the profile's current digest (the newest README's run)."""
        readme = await self.current_publication(profile, "README.md")
        if readme is None:
            return []
        rows = await self.session.exec(select(Publication).where(
            col(Publication.profile) == profile, col(Publication.run_id) == readme.run_id,
            col(Publication.digest_key) == readme.digest_key).order_by(col(Publication.name)))
        return list(rows)
