"""RFC 9110 conditional GET (sections 13.1.2, 13.1.3, 13.2.2): is the client's copy still current? Pure.

If-None-Match decides when present, by weak comparison (W/"x" matches "x"), over a comma-separated list or
"*" (any current representation); If-Modified-Since counts only without it, and only when it is one valid
HTTP-date. Anything malformed counts as "no match", so the client gets the full answer, never a wrong 304.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime

# entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE; etagc may hold commas, so members are matched, not split, and
# empty list elements (", ,") are allowed as RFC 9110 section 5.6.1 asks.
_MEMBER = re.compile(r'[\s,]*(?:W/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*(?=,|\Z)')
_END = re.compile(r"[\s,]*\Z")


def http_date(moment: datetime) -> str:
    """An IMF-fixdate (Sun, 06 Nov 1994 08:49:37 GMT); a naive datetime is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return format_datetime(moment.astimezone(timezone.utc), usegmt=True)


def _none_match(header: str, etag: str | None) -> bool:
    """Whether If-None-Match names the current representation (so the answer is 304)."""
    if header.strip() == "*":
        return True  # "any current representation": there is one, or the caller would have answered 404
    current = _MEMBER.fullmatch(etag or "")
    if current is None:
        return False
    position = 0
    while not _END.match(header, position):
        member = _MEMBER.match(header, position)
        if member is None:
            return False  # a malformed list: answer in full
        if member[1] == current[1]:
            return True
        position = member.end()
    return False


def _parsed_date(value: str) -> datetime | None:
    if value.count(",") > 1:  # more than one member: ignored, as the RFC says
        return None
    try:
        moment = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def not_modified(if_none_match: str | None, if_modified_since: str | None, etag: str | None,
                 last_modified: datetime | None) -> bool:
    """True when a GET or HEAD should be answered 304 Not Modified."""
    if if_none_match is not None:
        return _none_match(if_none_match, etag)
    if if_modified_since is None or last_modified is None:
        return False
    since = _parsed_date(if_modified_since)
    if since is None:
        return False
    if last_modified.tzinfo is None:
        last_modified = last_modified.replace(tzinfo=timezone.utc)
    return last_modified.replace(microsecond=0) <= since  # an HTTP-date has whole seconds
