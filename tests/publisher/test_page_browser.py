"""The page in a real browser: Debian's headless Chromium driven by Playwright (never a downloaded browser),
against `arxiv-bot serve publisher` with two workers, over a day of 30 published papers.

With CI=true a missing Chromium or Playwright fails these tests (.ci/run installs both); elsewhere they skip.
"""
from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import delete_topology, env_on
from tests.publisher.day import HOSTILE_ID, KEY_ENV, READABLE_TITLE, papers, publish_day, summary_answer
from tests.publisher.served import serve_publisher
from tests.servers import FakeLLM

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def missing(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing; CI must provide it (.ci/run installs it)", pytrace=False)
    pytest.skip(f"{what} is missing")


@pytest.fixture(scope="module")
async def browser(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[object]:
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        missing("the playwright package")
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        missing(f"Chromium ({CHROMIUM})")
    profile = tmp_path_factory.mktemp("chromium-profile")  # empty: nothing of a person's browser leaks in
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield context
        finally:
            await context.close()


@pytest.fixture(scope="module")
async def site(pg_url: str, amqp_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """One published day and one server for the module (publishing 30 papers and starting two workers is
    most of these tests' time); the database is emptied afterwards."""
    prefix = f"test_{uuid.uuid4().hex[:10]}"  # the server's own queues, deleted afterwards
    os.environ[KEY_ENV] = "test-key"
    try:
        async with env_on(pg_url) as env:
            with FakeLLM(summary_answer) as llm:
                await publish_day(env, papers(), llm)
            with serve_publisher(pg_url, amqp_url, prefix, tmp_path_factory.mktemp("publisher"), workers=2) as url:
                yield url
    finally:
        os.environ.pop(KEY_ENV, None)
        await delete_topology(amqp_url, prefix)


def watch(page) -> dict[str, list[str]]:  # noqa: ANN001
    """Everything the page does that it should not: console errors, dialogs (alert, confirm), page errors."""
    seen: dict[str, list[str]] = {"console": [], "dialogs": [], "errors": []}
    page.on("console", lambda m: seen["console"].append(m.text) if m.type in ("error", "warning") else None)

    async def dialog(d) -> None:  # noqa: ANN001
        seen["dialogs"].append(d.message)
        await d.dismiss()

    page.on("dialog", dialog)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    return seen


async def test_the_page_lists_30_papers_and_a_summary_expands(browser, site: str) -> None:  # noqa: ANN001
    page = await browser.new_page()
    seen = watch(page)
    response = await page.goto(site + "/")
    assert response.status == 200 and "default-src 'none'" in response.headers["content-security-policy"]
    assert await page.locator("#papers > li").count() == 30
    assert "30 papers" in await page.locator("#status").inner_text()
    summary = page.locator("details.summary").first
    body = summary.locator("div")
    assert not await body.is_visible()
    await summary.locator("summary").click()
    assert await body.is_visible() and "Key result" in await body.inner_text()
    assert seen == {"console": [], "dialogs": [], "errors": []}


async def test_the_page_announces_its_feeds_and_a_feed_link_leads_to_the_feed(browser, site: str) -> None:  # noqa: ANN001
    page = await browser.new_page()
    await page.goto(site + "/")
    discovered = await page.eval_on_selector_all(
        "link[rel=alternate]", "links => links.map(l => [l.type, new URL(l.href).pathname])")
    assert discovered == [["application/rss+xml", "/feeds/default.rss"],
                          ["application/atom+xml", "/feeds/default.atom"],
                          ["application/feed+json", "/feeds/default.json"]]
    link = page.locator("#feeds a", has_text="Atom").first
    href = await link.get_attribute("href")
    async with page.expect_response(lambda r: r.url.endswith(href)) as arrival:
        try:
            await link.click()
        except Exception:  # noqa: BLE001 - a browser may download a feed instead of showing it; the response counts
            pass
    response = await arrival.value
    assert response.status == 200 and response.headers["content-type"].startswith("application/atom+xml")
    assert "<feed" in (await response.text())


async def test_a_hostile_title_shows_as_text_and_runs_nothing(browser, site: str) -> None:  # noqa: ANN001
    page = await browser.new_page()
    seen = watch(page)
    await page.goto(site + "/")
    paper = page.locator(f'li[data-arxiv-id="{HOSTILE_ID}"]')
    assert await paper.locator("h3").inner_text() == READABLE_TITLE
    await paper.locator("details.summary summary").click()
    await paper.locator("details.abstract summary").click()
    assert await page.locator("script").count() == 0 and await page.locator("img").count() == 0
    assert await page.evaluate("document.querySelectorAll('[onerror],[onmouseover],[onload]').length") == 0
    assert await page.evaluate("[...document.links].every(a => /^https?:$/.test(a.protocol))")
    await page.wait_for_timeout(300)  # time for anything that was going to run, to run
    assert seen == {"console": [], "dialogs": [], "errors": []}


async def test_the_page_fits_a_phone(browser, site: str) -> None:  # noqa: ANN001
    page = await browser.new_page()
    await page.set_viewport_size({"width": 375, "height": 740})
    await page.goto(site + "/")
    viewport = await page.get_attribute("meta[name=viewport]", "content")
    assert viewport == "width=device-width, initial-scale=1"
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375  # nothing runs off the side
    assert await page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 16
