"""RFC 9110 conditional requests (shared/conditional.py): when a client's copy is current, and when not."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from shared.conditional import http_date, not_modified

ETAG = '"7-4f2a9c"'
MODIFIED = datetime(2024, 11, 29, 6, 7, 54, 123456, tzinfo=timezone.utc)


@pytest.mark.parametrize(("header", "fresh"), [
    ('"7-4f2a9c"', True),
    ('W/"7-4f2a9c"', True),                          # weak comparison: the W/ does not matter
    ('"1-aaaa", "7-4f2a9c"', True),                  # a list
    ('"1-aaaa",W/"7-4f2a9c" , "2-b"', True),
    (' , "7-4f2a9c",, ', True),                      # empty list elements are allowed
    ('"a,b", "7-4f2a9c"', True),                     # a comma inside a tag is part of it
    ("*", True),                                     # any current representation
    (" * ", True),
    ('"7-4f2a9"', False),                            # another tag
    ('"7-4f2a9c', False),                            # unterminated: malformed, so answered in full
    ("7-4f2a9c", False),                             # not quoted
    ('w/"7-4f2a9c"', False),                         # the prefix is case-sensitive
    ('"1-aaaa" junk "7-4f2a9c"', False),
    ('"1-aaaa", *', False),                          # "*" only alone
    ("", False),
])
def test_if_none_match(header: str, fresh: bool) -> None:
    assert not_modified(header, None, ETAG, MODIFIED) is fresh


def test_a_weak_current_tag_matches_too() -> None:
    assert not_modified('"7-4f2a9c"', None, 'W/"7-4f2a9c"', MODIFIED)


@pytest.mark.parametrize(("since", "fresh"), [
    (http_date(MODIFIED), True),                                   # the very second it was made
    (http_date(MODIFIED + timedelta(days=1)), True),
    (http_date(MODIFIED - timedelta(seconds=1)), False),
    ("Fri, 29 Nov 2024 07:07:54 +0100", True),                     # the same moment in another zone
    ("Friday, 29-Nov-24 06:07:54 GMT", True),                      # RFC 850 form
    ("Fri Nov 29 06:07:54 2024", True),                            # asctime form
    ("Fri Nov 29 06:07:53 2024", False),
    ("yesterday", False),                                          # not a date: ignored
    ("", False),
    (f"{http_date(MODIFIED)}, {http_date(MODIFIED)}", False),      # more than one member: ignored
])
def test_if_modified_since(since: str, fresh: bool) -> None:
    assert not_modified(None, since, ETAG, MODIFIED) is fresh


def test_if_modified_since_is_ignored_when_if_none_match_is_present() -> None:
    later = http_date(MODIFIED + timedelta(days=1))
    assert not_modified('"other"', later, ETAG, MODIFIED) is False
    assert not_modified(ETAG, http_date(MODIFIED - timedelta(days=1)), ETAG, MODIFIED) is True


def test_without_conditions_or_validators_the_answer_is_full() -> None:
    assert not_modified(None, None, ETAG, MODIFIED) is False
    assert not_modified(None, http_date(MODIFIED), ETAG, None) is False
    assert not_modified('"x"', None, None, MODIFIED) is False


def test_http_date_is_an_imf_fixdate_in_gmt() -> None:
    assert http_date(MODIFIED) == "Fri, 29 Nov 2024 06:07:54 GMT"
    assert http_date(MODIFIED.astimezone(timezone(timedelta(hours=8)))) == "Fri, 29 Nov 2024 06:07:54 GMT"
    assert http_date(MODIFIED.replace(tzinfo=None)) == "Fri, 29 Nov 2024 06:07:54 GMT"  # naive is UTC
    assert not_modified(None, http_date(MODIFIED), ETAG, MODIFIED.replace(tzinfo=None))
