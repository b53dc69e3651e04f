"""The pure RSS 2.0 parser (services/fetcher/arxiv.py).

Three sources of input: arXiv's real feeds beside the checkout (skipped when absent), small hand-written
fixtures in arXiv's layout under tests/fixtures/feeds (always run), and hostile bytes built right here.
"""
from __future__ import annotations

import re
import tempfile
import time
from collections import Counter
from dataclasses import FrozenInstanceError
from datetime import date

import pytest

from services.fetcher.arxiv import Feed, FeedError, FeedItem, UnknownCategory, parse_feed, split_authors
from services.fetcher.safe_xml import CHUNK
from tests.data import FIXTURES, shared_data
from tests.feeds import Item, feed

DAY = date(2024, 11, 28)
DAY_FEEDS = {"cs.AI": 194, "cs.CL": 102, "cs.DC": 19, "cs.LG": 218}
TYPES = {"new", "cross", "replace", "replace-cross"}


def fixture(name: str) -> bytes:
    return (FIXTURES / "feeds" / name).read_bytes()


def by_id(feed: Feed) -> dict[str, FeedItem]:
    return {item.arxiv_id: item for item in feed.items}


def real(relative: str, category: str = "all") -> Feed:
    return parse_feed(shared_data(relative).read_bytes(), category)


# --- arXiv's real feeds -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("category", "count"), DAY_FEEDS.items())
def test_a_real_day_feed_parses_every_item(category: str, count: int) -> None:
    feed = real(f"arxiv/day-2024-11-28/{category}.xml", category)
    assert (len(feed.items), feed.bad_items, feed.announced) == (count, [], DAY)
    for item in feed.items:
        assert re.fullmatch(r"\d{4}\.\d{4,5}", item.arxiv_id), item.arxiv_id
        assert item.version >= 1 and item.pdf_url.endswith(f"{item.arxiv_id}v{item.version}")
        assert item.title and item.title == " ".join(item.title.split())
        assert item.categories and category in item.categories  # a day feed lists the items carrying it
        assert len(set(item.categories)) == len(item.categories)
        assert item.announced == DAY  # midnight US Eastern, read in arXiv's own offset
        assert item.announce_type in TYPES and item.authors
        # the "arXiv:... Announce Type: ..." head is cut off, the abstract itself is not
        assert item.abstract and not item.abstract.startswith(("Abstract:", "arXiv:", " "))


def test_line_breaks_inside_real_abstracts_are_kept() -> None:
    # The reference scorer depends on them: exactly 23 of the day's 533 category items have one.
    feeds = [real(f"arxiv/day-2024-11-28/{c}.xml", c) for c in DAY_FEEDS]
    items = [item for feed in feeds for item in feed.items]
    assert len(items) == 533
    assert sum("\n" in item.abstract for item in items) == 23


@pytest.fixture(scope="module")
def all_archives() -> Feed:
    return real("arxiv/rss/rss2_all-archives_2024-11-28.xml")


def test_the_all_archives_day_has_every_item_and_announce_type(all_archives: Feed) -> None:
    assert len(all_archives.items) == 1504 and all_archives.bad_items == []
    assert Counter(i.announce_type for i in all_archives.items) == {"new": 926, "cross": 9, "replace": 569}
    assert len(by_id(all_archives)) == 1504  # one item per paper, no id parsed twice


def test_the_guid_carries_the_version_and_the_link_does_not(all_archives: Feed) -> None:
    item = by_id(all_archives)["2411.17700"]
    assert (item.version, item.announce_type, item.categories) == (1, "new", ["cs.CY"])
    assert item.abs_url == "https://arxiv.org/abs/2411.17700"
    assert item.pdf_url == "https://arxiv.org/pdf/2411.17700v1"


def test_a_ten_year_old_replacement_parses(all_archives: Feed) -> None:
    item = by_id(all_archives)["1401.3665"]
    assert (item.version, item.announce_type, item.primary_category) == (4, "replace", "math.CO")


def test_the_longest_real_author_list_splits_into_its_authors(all_archives: Feed) -> None:
    # 2,516 characters in dc:creator, starting with a space; the space goes, all 207 authors stay.
    item = by_id(all_archives)["2403.07266"]
    assert len(item.authors) == 207 and item.authors[0] == "NOvA Collaboration"
    assert len(", ".join(item.authors)) == 2516 - 1


def test_real_affiliations_with_commas_stay_with_their_author(all_archives: Feed) -> None:
    first = by_id(all_archives)["2411.17817"].authors[0]
    assert first == ("Tianliang Yan (University of Birmingham, School of Physics and Astronomy, "
                     "Birmingham, United Kingdom)")
    # Had any comma inside parentheses split an author, some piece would have unbalanced parentheses.
    authors = [a for item in all_archives.items for a in item.authors]
    assert all(a.count("(") == a.count(")") for a in authors)


def test_a_real_empty_channel_is_an_empty_feed_not_an_error() -> None:
    feed = real("arxiv/rss/rss2_test-archive_EMPTY_2024-11-28.xml", "test")
    assert (feed.category, feed.announced, feed.items, feed.bad_items) == ("test", DAY, [], [])


def test_arxivs_real_error_channel_names_the_bad_category_as_a_configuration_error() -> None:
    with pytest.raises(UnknownCategory, match=r"^configuration error: arXiv knows no category 'astroph' \(it "
                                              r"answered 'Feed error for query"):
        real("arxiv/rss/rss2_bad-archive_ERROR_2024-11-28.xml", "astroph")


@pytest.mark.parametrize("category", ["cs.AI", "cs.CL", "cs.LG"])
def test_the_2026_feeds_still_parse(category: str) -> None:
    feed = real(f"arxiv/rss/rss2_{category}_2026_TRIMMED_3items.xml", category)
    assert len(feed.items) == 3 and feed.bad_items == []
    assert {i.announced for i in feed.items} == {feed.announced} == {date(2026, 4, 27)}  # -0400 in April
    assert all(i.arxiv_id.startswith("2604.") and category in i.categories for i in feed.items)


@pytest.mark.parametrize(("relative", "root"), [
    ("arxiv/rss/rss1_rdf_hep-ex_2018-05-23_TRIMMED_3items.xml", "RDF"),
    ("arxiv/rss/atomfeed_cs.AI_2025-08-20_repaired_prefix.xml", "feed")])
def test_rss1_and_atom_are_refused_clearly_not_crashed_on(relative: str, root: str) -> None:
    with pytest.raises(FeedError, match=rf"not an RSS 2.0 feed \(root element <.*\b{root}>\)"):
        real(relative)


# --- hand-written fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small() -> Feed:
    return parse_feed(fixture("cs.DL_small.xml"), "cs.DL")


def test_a_small_feed_in_arxivs_layout(small: Feed) -> None:
    assert [(i.arxiv_id, i.version, i.announce_type) for i in small.items] == [
        ("2412.90001", 1, "new"), ("2412.90002", 1, "cross"), ("1401.0042", 4, "replace"),
        ("hep-th/9901001", 2, "replace-cross")]
    assert (small.category, small.announced, small.bad_items) == ("cs.DL", date(2024, 12, 3), [])


def test_titles_are_folded_but_abstract_line_breaks_are_kept(small: Feed) -> None:
    item = small.items[0]
    assert item.title == "Folding Titles Across Lines in Library Catalogues"
    assert item.abstract == ("We catalogue folded titles.\n"
                             "  A second line follows the first and must stay on its own line.")


def test_categories_are_deduplicated_in_order_and_the_first_is_primary(small: Feed) -> None:
    first, cross = small.items[0], small.items[1]
    assert first.categories == ["cs.DL", "cs.IR"] and first.primary_category == "cs.DL"
    assert cross.categories == ["cs.LG", "cs.DL"] and cross.primary_category == "cs.LG"  # not the feed's


def test_latex_and_escaped_html_stay_literal_text(small: Feed) -> None:
    item = small.items[1]
    assert item.title == r'Schr\"odinger Bridges for {\Lambda}CDM \& Friends: <b>bold</b> claims at $O(n^2)$'
    assert item.abstract == r"Bridges & ladders for $x < y$ in the {\Lambda}CDM model."
    assert item.authors == [r'Erwin Schr\"odinger', "Paul Dirac"]


def test_authors_with_leading_space_and_nested_affiliations(small: Feed) -> None:
    assert small.items[0].authors == ["Ada Lovelace (Analytical Engines, Ltd., London)", "Charles Babbage",
                                      "Grace Hopper"]
    assert small.items[2].authors == ["Jane Roe (Dept. of Physics (Theory Group, Room 3), Some University)",
                                      "John Doe [on behalf of the X, Y and Z Collaborations]"]


def test_legacy_and_old_ids_build_the_right_urls(small: Feed) -> None:
    legacy, old = by_id(small)["hep-th/9901001"], by_id(small)["1401.0042"]
    assert (legacy.abs_url, legacy.pdf_url) == ("https://arxiv.org/abs/hep-th/9901001",
                                                "https://arxiv.org/pdf/hep-th/9901001v2")
    assert legacy.categories == ["hep-th", "cs.DL"]
    assert (old.abs_url, old.pdf_url) == ("https://arxiv.org/abs/1401.0042",
                                          "https://arxiv.org/pdf/1401.0042v4")


def test_without_announce_type_element_the_description_decides() -> None:
    feed = parse_feed(fixture("no_announce_type.xml"), "math.HO")
    crossing, uncategorised = feed.items
    assert (crossing.announce_type, uncategorised.announce_type) == ("replace-cross", "cross")
    assert crossing.version == 3  # the guid has no version here: the description's arXiv:...v3 gives it
    assert uncategorised.categories == ["math.HO"]  # no <category> at all: the feed's own category
    assert crossing.announced == date(2025, 4, 7)


def test_items_without_id_or_title_are_skipped_and_reported() -> None:
    feed = parse_feed(fixture("bad_items.xml"), "cs.SE")
    assert [i.arxiv_id for i in feed.items] == ["2412.90021", "2412.90024"]
    assert len(feed.bad_items) == 2
    assert feed.bad_items[0].startswith("item 1: no arXiv id")
    assert "urn:uuid:not-an-arxiv-guid" in feed.bad_items[0]  # enough of the guid to find the item again
    assert feed.bad_items[1] == "item 2: 2412.90023: empty title"
    assert feed.items[0].announced == date(2024, 12, 4)


def test_a_name_that_is_not_an_arxiv_category_is_left_out_not_the_paper(caplog: pytest.LogCaptureFixture) -> None:
    # Mirrors mix ACM and MSC classes into the categories (the corpus's third-party crawls do: "I.2.7", "68T50");
    # the names go into URL paths and file names, so they are left out, and the paper is kept.
    parsed = parse_feed(feed("cs.CL", [Item("2510.17389", "Fine", categories=["cs.CL", "I.2.7", "cs.AI"]),
                                       Item("2510.17390", "Only odd names", categories=["68T50", "../x"])]), "cs.CL")
    assert [(i.arxiv_id, i.categories) for i in parsed.items] == [("2510.17389", ["cs.CL", "cs.AI"]),
                                                                   ("2510.17390", ["cs.CL"])]
    assert parsed.bad_items == []
    assert "2510.17389: left out what is not an arXiv category name: 'I.2.7'" in caplog.text
    assert "'68T50', '../x'" in caplog.text


def test_own_empty_and_error_fixtures() -> None:
    empty = parse_feed(fixture("empty.xml"), "cs.DL")
    assert (empty.items, empty.announced) == ([], date(2024, 12, 7))
    with pytest.raises(FeedError, match="Feed error for query"):
        parse_feed(fixture("error.xml"), "cs.NOPE")


# --- hostile and broken input -----------------------------------------------------------------------------

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY lol "lol">
""" + b"".join(b'  <!ENTITY lol%d "%s">\n' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
               for n in range(1, 10)) + b"""]>
<rss version="2.0"><channel><title>&lol9;</title></channel></rss>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>t</title><item><title>&xxe;</title>
<guid>oai:arXiv.org:2412.90099v1</guid><description>Abstract: x</description></item></channel></rss>"""

EXTERNAL_DTD = b'<?xml version="1.0"?>\n<!DOCTYPE rss SYSTEM "http://127.0.0.1:9/evil.dtd">\n<rss/>'


@pytest.mark.parametrize("data", [LAUGHS, XXE, EXTERNAL_DTD], ids=["billion-laughs", "xxe", "external-dtd"])
def test_entity_attacks_are_refused_before_any_expansion(data: bytes) -> None:
    started = time.perf_counter()
    with pytest.raises(FeedError, match=r"cs.DL: forbidden XML construct \(DTDForbidden\)") as caught:
        parse_feed(data, "cs.DL")
    assert time.perf_counter() - started < 1.0  # 10**9 "lol"s would take far longer
    assert "lol" not in str(caught.value) and "root:" not in str(caught.value)  # nothing expanded or read
    assert caught.value.__cause__ is None


@pytest.mark.parametrize("data", [
    fixture("cs.DL_small.xml")[:1500],  # cut off mid-item, as a dropped connection leaves it
    b"", b"<rss><channel></rss>", b"\x89PNG\r\n\x1a\n\x00\x00"],
    ids=["truncated", "empty", "mismatched", "binary"])
def test_malformed_xml_is_a_feed_error(data: bytes) -> None:
    with pytest.raises(FeedError, match="cs.DL: malformed XML"):
        parse_feed(data, "cs.DL")


def test_an_html_page_is_not_an_rss_feed() -> None:
    with pytest.raises(FeedError, match=r"not an RSS 2.0 feed \(root element <html>\)"):
        parse_feed(b"<html><body><h1>503 Service Unavailable</h1></body></html>", "cs.DL")


def test_invalid_utf8_in_one_abstract_costs_one_replacement_character() -> None:
    data = fixture("cs.DL_small.xml").replace(b"Bridges &amp; ladders", b"Bridges \xff\xfe ladders")
    feed = parse_feed(data, "cs.DL")
    assert len(feed.items) == 4 and feed.bad_items == []
    assert feed.items[1].abstract.startswith("Bridges \ufffd\ufffd ladders for $x < y$")


def test_a_raw_xml_illegal_control_character_costs_nothing_but_itself() -> None:
    data = fixture("cs.DL_small.xml").replace(b"Ten years later,", b"Ten years\x0c\x01 later,")
    feed = parse_feed(data, "cs.DL")
    assert len(feed.items) == 4
    assert feed.items[2].abstract == "Ten years later, the fourth version."


def test_a_byte_order_mark_before_the_declaration_is_accepted() -> None:
    assert len(parse_feed(b"\xef\xbb\xbf" + fixture("cs.DL_small.xml"), "cs.DL").items) == 4


# --- split_authors and FeedItem ---------------------------------------------------------------------------


@pytest.mark.parametrize(("creator", "authors"), [
    ("Ada Lovelace, Alan Turing", ["Ada Lovelace", "Alan Turing"]),
    ("  Ada Lovelace", ["Ada Lovelace"]),                      # arXiv lists sometimes start with a space
    ("A. One, , B. Two,,  ,", ["A. One", "B. Two"]),           # empty pieces vanish
    ("", []), ("   ", []),
    ("A (X, Y (Z, W)), B", ["A (X, Y (Z, W))", "B"]),          # nested parentheses
    ("A [X, Y], B (P, [Q, R])", ["A [X, Y]", "B (P, [Q, R])"]),  # brackets, also inside parentheses
    ("Jean\n  Dupont,\tMarie   Curie", ["Jean Dupont", "Marie Curie"]),  # inner whitespace folded
    ("A), B, C", ["A)", "B", "C"]),                            # a stray ")" does not drive depth negative
])
def test_split_authors(creator: str, authors: list[str]) -> None:
    assert split_authors(creator) == authors


def test_feed_items_are_immutable_and_primary_category_tolerates_none() -> None:
    item = FeedItem(arxiv_id="2412.90001", version=1, title="T", abstract="A", authors=[], categories=[],
                    announce_type="new", announced=None, abs_url="", pdf_url="")
    assert item.primary_category == ""
    with pytest.raises(FrozenInstanceError):
        item.title = "changed"  # type: ignore[misc]


def test_an_unclosed_parenthesis_does_not_glue_the_authors_together() -> None:
    assert split_authors("Ada Lovelace (Analytical Engines, Alan Turing, Grace Hopper") == [
        "Ada Lovelace (Analytical Engines", "Alan Turing", "Grace Hopper"]


# --- bounds: one absurd item is skipped and named, its neighbours are kept -------------------------------

GOOD_BEFORE, GOOD_AFTER = Item("2411.00001", "Before"), Item("2411.00003", "After")


def around(bad: Item) -> bytes:
    return feed("cs.AI", [GOOD_BEFORE, bad, GOOD_AFTER])


@pytest.mark.parametrize(("bad", "reason"), [
    # The four fields that overflowed the store in the issue.
    (Item("2411.00002", "T", version=12345678901234567890), "2411.00002: version 12345678901234567890 is outside"),
    # A category too long for the store is left out (not an arXiv category name), the paper kept.
    (Item("2411.00002", "T", categories=["cs.AI", "c" * 100]), None),
    (Item("a" * 80 + "/1234567", "T"), "no arXiv id in guid 'oai:arXiv.org:aaaa"),
    (Item("2411.00002", "T", type="x" * 43), "2411.00002: announce type 'xxxx"),
    # And the rest of the bounds.
    (Item("2411.00002", "T", version=0), "2411.00002: version 0 is outside 1..1000"),
    (Item("2411.00002", "T", version=1001), "2411.00002: version 1001 is outside 1..1000"),
    (Item("2411.00002", "T" * 1001), "2411.00002: title of 1001 characters exceeds 1000"),
    (Item("2411.00002", "T", abstract="a" * 10_001), "2411.00002: abstract of 10001 characters exceeds 10000"),
    (Item("2411.00002", "T", authors="A, " * 40_000), "2411.00002: author list of 120000 characters exceeds"),
    (Item("2411.00002", "T", categories=[f"cs.A{chr(65 + i % 26)}{chr(65 + i // 26)}" for i in range(65)]),
     "2411.00002: 65 categories exceed 64"),
    (Item("2411.00002", "T", categories=["I.2.7; H.3.3"]), None),  # an ACM class: left out, the paper kept
    (Item("2411.00002", "T", categories=["cs.AI\n"]), None),  # surrounding whitespace is not part of it
    (Item("2411.00002", "T", type="new; drop table"), "2411.00002: announce type 'new; drop table'"),
    (Item("2411.00002", "T", type="Replace-Cross"), None),  # arXiv's words in any case are fine
    (Item("2411.00002", "T", type="withdrawn"), None),  # so is a word arXiv may add one day
    (Item("2411.000020", "T"), "no arXiv id"),  # six digits after the dot is no id
    (Item("\u0662\u0664\u0661\u0661.\u0661\u0667\u0667\u0660\u0660", "T"), "no arXiv id"),  # digits, not ASCII ones
    (Item("2411.0002", "T", version=1000), None),  # four digits (before 2015) and the largest version
    (Item("math.AG/0601001", "T"), None),
    (Item("cond-mat/0412498", "T"), None),
])
def test_an_absurd_field_skips_only_its_item(bad: Item, reason: str | None) -> None:
    parsed = parse_feed(around(bad), "cs.AI")
    kept = [i.arxiv_id for i in parsed.items]
    if reason is None:
        assert kept == ["2411.00001", bad.id, "2411.00003"] and parsed.bad_items == []
    else:
        assert kept == ["2411.00001", "2411.00003"]
        (named,) = parsed.bad_items
        assert named.startswith(f"item 1: {reason}"), named
        assert len(named) < 300  # named, not copied: a 100,000-character field does not reach the run record


def test_a_skipped_item_is_logged_once_with_its_reason(caplog: pytest.LogCaptureFixture) -> None:
    parse_feed(around(Item("2411.00002", "T", type="x" * 43)), "cs.AI")
    warnings = [r.getMessage() for r in caplog.records if r.name == "services.fetcher.arxiv"]
    assert warnings == ["cs.AI: skipping item 1: 2411.00002: announce type '" + "x" * 40 + "' is not a word of "
                        "at most 20 letters"]


def test_an_id_of_the_right_shape_but_wrong_guid_still_comes_from_the_link() -> None:
    body = around(Item("2411.00002", "T")).replace(b"oai:arXiv.org:2411.00002v1", b"urn:x:2411.00002v1")
    (item,) = [i for i in parse_feed(body, "cs.AI").items if i.title == "T"]
    assert (item.arxiv_id, item.version) == ("2411.00002", 1)  # the link has no version, the description has


def test_the_description_gives_the_version_only_for_the_same_paper() -> None:
    body = around(Item("2411.00002", "T", version=7)).replace(b"oai:arXiv.org:2411.00002v7", b"2411.00002")
    body = body.replace(b"arXiv:2411.00002v7", b"arXiv:2411.99999v7")  # another paper's id and version
    (item,) = [i for i in parse_feed(body, "cs.AI").items if i.title == "T"]
    assert item.version == 1


def test_every_real_item_is_within_the_bounds(all_archives: Feed) -> None:
    # The whole real day passes; no bound sits anywhere near what arXiv really serves.
    assert len(all_archives.items) == 1504 and all_archives.bad_items == []
    assert max(len(i.title) for i in all_archives.items) * 4 < 1000
    assert max(len(", ".join(i.authors)) for i in all_archives.items) * 20 < 100_000


def test_an_absurd_item_in_a_real_feed_costs_only_itself() -> None:
    data = shared_data("arxiv/day-2024-11-28/cs.DC.xml").read_bytes()
    victim = re.search(rb"oai:arXiv.org:(\d{4}\.\d{5})v(\d+)", data)
    assert victim
    spoiled = data.replace(victim[0], victim[0][:-len(victim[2])] + b"12345678901234567890", 1)
    parsed = parse_feed(spoiled, "cs.DC")
    assert len(parsed.items) == 18 and victim[1].decode() not in by_id(parsed)
    assert parsed.bad_items == [f"item 0: {victim[1].decode()}: version 12345678901234567890 is outside 1..1000"]


# --- character references XML forbids --------------------------------------------------------------------


def with_reference(reference: str, where: str = "abstract") -> bytes:
    """A feed whose middle item holds `reference` unescaped in `where` (the builder escapes its '&')."""
    field = {"abstract": "before MARK after", "title": "Title MARK", "authors": "Ada MARK Lovelace"}[where]
    bad = Item("2411.00002", field if where == "title" else "T", **({where: field} if where != "title" else {}))
    return around(bad).replace(b"MARK", reference.encode())


ILLEGAL_REFERENCES = ["&#xFFFE;", "&#xFFFF;", "&#xD800;", "&#xdfff;", "&#0;", "&#x0;", "&#12;", "&#x1F;",
                      "&#65534;", "&#55296;", "&#x110000;", "&#1114112;", "&#99999999999999999999999;",
                      "&#x00000000000000D800;", "&#" + "9" * 5000 + ";"]


@pytest.mark.parametrize("reference", ILLEGAL_REFERENCES, ids=lambda r: r[:24])
@pytest.mark.parametrize("where", ["abstract", "title", "authors"])
def test_a_reference_to_a_forbidden_character_drops_its_item_not_the_feed(reference: str, where: str) -> None:
    parsed = parse_feed(with_reference(reference, where), "cs.AI")
    assert [i.arxiv_id for i in parsed.items] == ["2411.00001", "2411.00003"]
    assert parsed.bad_items == [(f"item 1: 2411.00002: character reference {reference[:24]} names a character "
                                 "XML forbids")]


def test_a_forbidden_reference_in_the_guid_is_named_without_the_parsers_mark() -> None:
    body = around(Item("2411.00002", "T")).replace(b"oai:arXiv.org:2411.00002v1", b"oai:arXiv.org:&#xFFFE;")
    with_link = parse_feed(body, "cs.AI")  # the link still names the paper
    assert with_link.bad_items == ["item 1: 2411.00002: character reference &#xFFFE; names a character XML forbids"]
    parsed = parse_feed(body.replace(b"arxiv.org/abs/2411.00002", b"arxiv.org/abs/&#xFFFE;"), "cs.AI")
    assert len(parsed.items) == 2
    assert parsed.bad_items == ["item 1: character reference &#xFFFE; names a character XML forbids"]


@pytest.mark.parametrize(("reference", "char"), [("&#x41;", "A"), ("&#65;", "A"), ("&#x0000041;", "A"),
                                                  ("&#9;", "\t"), ("&#xD7FF;", "\ud7ff"), ("&#xE000;", "\ue000"),
                                                  ("&#x10FFFF;", "\U0010ffff"), ("&#xFFFD;", "\ufffd")])
def test_references_to_allowed_characters_are_decoded(reference: str, char: str) -> None:
    parsed = parse_feed(with_reference(reference), "cs.AI")
    assert parsed.bad_items == [] and parsed.items[1].abstract == f"before {char} after"


def test_a_forbidden_reference_outside_items_costs_nothing() -> None:
    body = around(Item("2411.00002", "T")).replace(b"cs.AI updates on arXiv.org</title>",
                                                   b"cs.AI &#xFFFE;updates on arXiv.org</title>")
    parsed = parse_feed(body, "cs.AI")
    assert len(parsed.items) == 3 and parsed.bad_items == [] and parsed.announced == DAY


def test_inside_cdata_a_reference_is_text_and_harms_nothing() -> None:
    body = around(Item("2411.00002", "T")).replace(b"We study things.</description>",
                                                   b"<![CDATA[x &#xFFFE; y]]></description>", 1)
    parsed = parse_feed(body, "cs.AI")
    assert parsed.bad_items == [] and parsed.items[0].abstract == "x &#xFFFE; y"


def test_noncharacters_already_in_the_text_are_not_mistaken_for_marks() -> None:
    body = around(Item("2411.00002", "T", abstract="\ufdd0 0 \ufdd0 and \ufdd1")).replace(b"MARK", b"")
    body = body.replace(b"We study things.", b"x &#xFFFE; y", 1)  # the first item holds a real one
    parsed = parse_feed(body, "cs.AI")
    assert [i.arxiv_id for i in parsed.items] == ["2411.00002", "2411.00003"]
    assert parsed.items[0].abstract == "\ufdd0 0 \ufdd0 and \ufdd1"
    assert parsed.bad_items == ["item 0: 2411.00001: character reference &#xFFFE; names a character XML forbids"]


def test_a_feed_holding_every_possible_mark_is_refused_whole() -> None:
    every = "".join(chr(c) for c in range(0xFDD0, 0xFDF0))
    body = around(Item("2411.00002", "T", abstract=every)).replace(b"We study things.", b"&#xFFFE;", 1)
    with pytest.raises(FeedError, match="every mark"):
        parse_feed(body, "cs.AI")
    assert len(parse_feed(around(Item("2411.00002", "T", abstract=every)), "cs.AI").items) == 3  # no reference


def test_a_forbidden_reference_in_a_real_feed_costs_only_its_item() -> None:
    data = shared_data("arxiv/day-2024-11-28/cs.DC.xml").read_bytes()
    victims = re.findall(rb"oai:arXiv.org:(\d{4}\.\d{5})v", data)
    spoiled = data.replace(b"Abstract: ", b"Abstract: &#xD800;", 2)  # the first two items
    parsed = parse_feed(spoiled, "cs.DC")
    assert len(parsed.items) == 17
    assert [b.split(":")[1].strip() for b in parsed.bad_items] == [v.decode() for v in victims[:2]]


@pytest.mark.parametrize("date_text", ["Thu, 28 Nov 9999999999999999999 00:00:00 -0500",
                                       "Thu, 28 Nov 2024 00:00:00 -9999999999999999999", "not a date"])
def test_an_absurd_pubdate_costs_only_the_date(date_text: str) -> None:
    body = feed("cs.AI", [GOOD_BEFORE, Item("2411.00002", "T")], pub=date_text)
    parsed = parse_feed(body, "cs.AI")
    assert parsed.announced is None and [i.announced for i in parsed.items] == [None, None]
    assert len(parsed.items) == 2 and parsed.bad_items == []


# --- a body parsed from the file it was downloaded to ------------------------------------------------------


def from_file(data: bytes) -> Feed:
    with tempfile.TemporaryFile() as body:
        body.write(data)
        return parse_feed(body, "cs.AI")


def test_a_feed_parsed_from_a_file_is_the_feed_parsed_from_memory() -> None:
    items = [Item(f"2411.{n:05d}", f"Paper {n} on caf\u00e9s", abstract="\u00e9" * 3000) for n in range(60)]
    data = feed("cs.AI", items, built="Thu, 28 Nov 2024 05:00:00 GMT")
    assert len(data) > 3 * CHUNK  # several blocks, accented characters split across some of them
    assert from_file(data) == parse_feed(data, "cs.AI")


@pytest.mark.parametrize("shift", [-1, 0, 1])
def test_a_forbidden_reference_across_two_blocks_of_a_file_is_still_found(shift: int) -> None:
    data = with_reference("&#xFFFE;")
    # A comment pushes the reference so that it starts just before, at or after a block's end.
    padding = CHUNK - data.index(b"&#") + shift
    data = data.replace(b"<channel>", b"<channel><!--" + b"x" * (padding - 7) + b"-->", 1)
    assert data.index(b"&#") == CHUNK + shift
    parsed = from_file(data)  # streamed, the reference would make the whole feed malformed
    assert [i.arxiv_id for i in parsed.items] == ["2411.00001", "2411.00003"]
    assert parsed == parse_feed(data, "cs.AI")
