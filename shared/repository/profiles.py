"""Profiles as data: config.json's are imported at each fetch; the API writes its own."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import col, select

from shared.models import Profile, ProfileVersion
from shared.profiles import DEFAULT_PROFILE
from shared.repository.base import Queries
from shared.stages import ProfileOrigin


class ProfileQueries(Queries):
    async def active_profiles(self) -> list[Profile]:
        """Every profile not deleted, `default` first, then by name (the fetch order of their categories)."""
        rows = list(await self.session.exec(select(Profile).where(col(Profile.deleted).is_(False))))
        return sorted(rows, key=lambda p: (p.name != DEFAULT_PROFILE, p.name))

    async def all_profiles(self) -> list[Profile]:
        return list(await self.session.exec(select(Profile).order_by(col(Profile.name))))

    async def get_profile(self, name: str) -> Profile | None:
        return await self.session.get(Profile, name)

    async def write_profile(self, name: str, settings: dict[str, Any] | None, origin: str, now: datetime) -> Profile:
        """Create, change or (settings None) delete a profile; a new version only when something changed."""
        profile = await self.get_profile(name)
        deleted = settings is None
        if profile is None:
            profile = Profile(name=name, version=1, settings=settings or {}, origin=origin, deleted=deleted,
                              updated_at=now)
        elif profile.settings == (settings or profile.settings) and profile.deleted == deleted \
                and profile.origin == origin:
            return profile
        else:
            profile.version += 1
            profile.settings = settings if settings is not None else profile.settings
            profile.origin, profile.deleted, profile.updated_at = origin, deleted, now
        self.session.add(profile)
        self.session.add(ProfileVersion(name=name, version=profile.version, settings=profile.settings,
                                        origin=origin, deleted=deleted, created_at=now))
        await self.session.flush()
        return profile

    async def import_config_profiles(self, resolved: dict[str, dict[str, Any]], now: datetime) -> None:
        """config.json's profiles become the store's, except those the API has taken over; a profile gone from
        config.json is deleted (the API's are left alone)."""
        existing = {p.name: p for p in await self.all_profiles()}
        for name, settings in resolved.items():
            current = existing.get(name)
            if current is None or current.origin == ProfileOrigin.CONFIG:
                await self.write_profile(name, settings, ProfileOrigin.CONFIG, now)
        for name, current in existing.items():
            if name not in resolved and current.origin == ProfileOrigin.CONFIG and not current.deleted:
                await self.write_profile(name, None, ProfileOrigin.CONFIG, now)
