"""Request paths to (profile, artifact): every path the publisher serves, and what is not one."""
from __future__ import annotations

import pytest

from services.publisher.names import resolve


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
