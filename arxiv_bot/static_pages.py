"""`run --once`'s folder as a static site: what the publisher serves at its own paths (/feeds/default.rss,
/profiles/lab/2024-11-28) lies in the folder under the artifacts' names (feed.rss, profiles/lab/days/...).

The pages (`--pages`) get their links to our paths made relative to the file that holds them, so the folder works
from any static host (GitHub Pages, a bucket) and straight from the disk. The feeds' own links (their home and
self links, under PUBLIC_URL) are made to name the folder's files too, so a reader that follows them finds them.
"""
from __future__ import annotations

import posixpath
import re
from pathlib import PurePosixPath

from shared.profiles import DEFAULT_PROFILE
from shared.repository import Repository

from services.publisher.html import FAVICON
from services.publisher.names import INDEX, resolve
from services.publisher.pages import DAYS_LISTED

FAVICON_NAME = "favicon.svg"  # at the folder's top, as the publisher serves it at /favicon.svg
PROFILES = "profiles"  # the folder of every profile but `default`, whose files are at the top
_SERVED = re.compile(r'href="(/[^"]*)"')  # the template writes every link of ours as an absolute path


def profile_folder(profile: str) -> PurePosixPath:
    """Where a profile's files go inside the output folder."""
    return PurePosixPath(".") if profile == DEFAULT_PROFILE else PurePosixPath(PROFILES, profile)


def _file(path: str) -> PurePosixPath | None:
    """The folder's file for a path the publisher serves, or None if the path is not one of ours."""
    if path == "/" + FAVICON_NAME:
        return PurePosixPath(FAVICON_NAME)
    served = resolve(path)
    return profile_folder(served[0]) / served[1] if served else None


def relative_links(html: str, profile: str, name: str) -> str:
    """The page `name` of `profile` with each link to a path the publisher serves pointing at that file instead."""
    here = str((profile_folder(profile) / name).parent)

    def relative(match: re.Match[str]) -> str:
        target = _file(match.group(1))
        return f'href="{posixpath.relpath(str(target), here)}"' if target else match.group(0)

    return _SERVED.sub(relative, html)


def folder_urls(content: str, public_url: str) -> str:
    """`content` (a feed) with each `PUBLIC_URL/<our path>` naming the folder's file; a profile's page is its
    folder's address, which a static host answers with index.html, or with README.md where there is no page."""
    base = public_url.rstrip("/")
    if base not in content:
        return content

    def at_folder(match: re.Match[str]) -> str:
        target = _file(match.group(1) or "/")
        if target is None:
            return match.group(0)
        path = str(target.parent) + "/" if target.name == INDEX else str(target)
        return base + "/" + ("" if path == "./" else path)

    return re.sub(re.escape(base) + r'(/[^"<>\s]*)?(?=["<>\s])', at_folder, content)


async def page_files(repo: Repository, profile: str) -> list[tuple[str, str]]:
    """(name, content) of the profile's page and of the day pages it lists, links made relative."""
    names = [INDEX, *await repo.day_pages(profile, DAYS_LISTED)]
    return [(page.name, relative_links(page.content, profile, page.name))
            for page in await repo.current_of(profile, names)]


def favicon() -> str:
    return FAVICON.decode("utf-8")
