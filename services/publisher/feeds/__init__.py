"""The feeds of a profile: RSS 2.0 (rss.py), Atom 1.0 (atom.py) and JSON Feed 1.1 (jsonfeed.py) over the
history window of feed items (items.py), and the reference-compatible RSS of one digest (legacy.py).

Every renderer is pure: items and the channel's description in, a document out. XML goes through lxml's
serializer (never string concatenation), JSON through json.dumps.
"""
