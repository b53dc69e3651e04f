"""Request paths to (profile, artifact): every path the publisher serves, and what is not one."""
from __future__ import annotations

import pytest

from services.publisher.names import is_day, resolve


@pytest.mark.parametrize("path, key", [
    ("/", ("default", "index.html")), ("/readme", ("default", "README.md")), ("/rss", ("default", "feed.xml")),
    ("/rss/cs.AI", ("default", "feeds/cs.AI.xml")), ("/profiles/ml", ("ml", "index.html")),
    ("/profiles/ml/readme", ("ml", "README.md")), ("/profiles/ml/rss", ("ml", "feed.xml")),
    ("/profiles/ml/rss/cs.LG", ("ml", "feeds/cs.LG.xml")), ("/profiles/ml/2024-11-28", ("ml", "days/2024-11-28.html")),
    ("/feeds/default.rss", ("default", "feed.rss")), ("/feeds/ml.atom", ("ml", "feed.atom")),
    ("/feeds/ml.json", ("ml", "feed.json")), ("/feeds/ml/cs.AI.atom", ("ml", "feeds/cs.AI.atom")),
    ("/feeds/default/hep-th.json", ("default", "feeds/hep-th.json")),
])
def test_paths_we_serve(path: str, key: tuple[str, str]) -> None:
    assert resolve(path) == key


@pytest.mark.parametrize("path", [
    "/healthz", "/metrics", "/rss/", "//readme", "/rss/cs..AI", "/rss/cs.AI/x", "/profiles/ML", "/profiles/ml/",
    "/profiles/ml/2024-1-28", "/profiles/ml/٢٠٢٤-11-28", "/feeds/ml.xml", "/feeds/.rss", "/feeds/ml/cs.AI",
    "/feeds/ml/cs..AI.rss", "/feeds/a/b/c.rss", "/2024-11-28", "/profiles/" + "x" * 41, "/readme/x",
])
def test_paths_that_are_not_ours_go_to_the_routes(path: str) -> None:
    assert resolve(path) is None


@pytest.mark.parametrize("text, day", [("2024-11-28", True), ("2024-02-29", True), ("2024-02-30", False),
                                       ("2024-13-01", False), ("20241128", False), ("2024-W48-4", False)])
def test_a_day_is_a_dated_page_name_of_a_date_that_exists(text: str, day: bool) -> None:
    assert is_day(text) is day
