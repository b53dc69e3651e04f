"""A page's links to the publisher's paths, made relative to where `run --once --pages` writes it."""
from __future__ import annotations

import pytest

from arxiv_bot.static_pages import folder_urls, relative_links


@pytest.mark.parametrize(("profile", "name", "href", "expected"), [
    ("default", "index.html", "/feeds/default.rss", "feed.rss"),
    ("default", "index.html", "/feeds/default/cs.AI.atom", "feeds/cs.AI.atom"),
    ("default", "index.html", "/profiles/default/2024-11-28", "days/2024-11-28.html"),
    ("default", "index.html", "/favicon.svg", "favicon.svg"),
    ("default", "days/2024-11-28.html", "/", "../index.html"),
    ("default", "days/2024-11-28.html", "/feeds/default.json", "../feed.json"),
    ("lab", "index.html", "/feeds/lab/cs.CL.rss", "feeds/cs.CL.rss"),
    ("lab", "index.html", "/favicon.svg", "../../favicon.svg"),
    ("lab", "days/2024-11-29.html", "/profiles/lab", "../index.html"),
    ("lab", "days/2024-11-29.html", "/profiles/lab/2024-11-28", "2024-11-28.html"),
])
def test_each_link_of_ours_points_at_the_file_beside_it(profile: str, name: str, href: str, expected: str) -> None:
    assert relative_links(f'<a href="{href}">x</a>', profile, name) == f'<a href="{expected}">x</a>'


@pytest.mark.parametrize("href", ["https://arxiv.org/abs/2411.00001", "/api/v1/papers", "/profiles/Bad Name",
                                  "#top", "mailto:someone@example.org"])
def test_links_that_are_not_to_a_published_file_are_left_alone(href: str) -> None:
    page = f'<link href="{href}"><p>a paper\'s text: href=&#34;/feeds/default.rss&#34;</p>'  # text is escaped
    assert relative_links(page, "default", "index.html") == page


BASE = "https://me.github.io/digest"


@pytest.mark.parametrize(("served", "expected"), [
    ("/feeds/default.rss", "/feed.rss"),
    ("/feeds/lab/cs.AI.json", "/profiles/lab/feeds/cs.AI.json"),
    ("/rss", "/feed.xml"),
    ("/profiles/lab/rss/cs.CL", "/profiles/lab/feeds/cs.CL.xml"),
    ("/", "/"),  # a profile's page is its folder: index.html there, or README.md where there is no page
    ("", "/"),
    ("/profiles/lab", "/profiles/lab/"),
    ("/profiles/lab/2024-11-28", "/profiles/lab/days/2024-11-28.html"),
])
def test_a_feeds_links_under_public_url_name_the_folders_files(served: str, expected: str) -> None:
    xml = '<link>{0}</link><atom:link href="{0}" rel="self"/>'
    assert folder_urls(xml.format(BASE + served), BASE + "/") == xml.format(BASE + expected)
    assert folder_urls(f'{{"feed_url": "{BASE}{served}"}}', BASE) == f'{{"feed_url": "{BASE}{expected}"}}'


def test_other_addresses_are_left_alone() -> None:
    content = (f'<link>https://arxiv.org/abs/2411.00001</link><link>{BASE}/api/v1/papers</link>'
               f'<link>{BASE}extra/feed.rss</link><link>https://elsewhere.org/feeds/default.rss</link>')
    assert folder_urls(content, BASE) == content
