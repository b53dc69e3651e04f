"""The shapes of arXiv's names, paper identifiers and category names: one definition for every boundary
(the feed parser, the publisher's URLs).

Both shapes bound their own length, so a name that fits one always fits its database column (64 characters).
"""
from __future__ import annotations

import re

# 2411.17700 (since 2007; five digits since 2015) or archive[.SUBJECT]/YYMMNNN before that: hep-th/9901001,
# math.AG/0601001, cond-mat/0412498. At most 28 characters.
# ASCII digits only ([0-9], not \d, which also takes "٢٤١١").
ARXIV_ID = r"[0-9]{4}\.[0-9]{4,5}|[a-z]{1,8}(?:-[a-z]{1,8})?(?:\.[A-Za-z]{2})?/[0-9]{7}"
# cs.AI, hep-th, math.AG, astro-ph.CO, cond-mat.mes-hall, physics.acc-ph; the longest real one has 18 characters.
_CATEGORY = re.compile(r"[a-z]{1,16}(?:-[a-z]{1,16})?(?:\.[A-Za-z]{1,16}(?:-[a-z]{1,16})?)?")
MAX_CATEGORY_CHARS = 32


def is_category(name: str) -> bool:
    return len(name) <= MAX_CATEGORY_CHARS and _CATEGORY.fullmatch(name) is not None


# Archives whose subject classes are two capitals (cs.AI, math.CO, astro-ph.GA), and those whose subject classes are
# lowercase words (cond-mat.mes-hall, physics.acc-ph). Every archive name is lowercase.
CAPITAL_CLASSES = frozenset({"astro-ph", "cs", "econ", "eess", "math", "nlin", "q-bio", "q-fin", "stat"})
LOWERCASE_CLASSES = frozenset({"cond-mat", "physics"})


def canonical_category(name: str) -> str:
    """arXiv's own spelling of a category typed in another case (`CS.ai` -> `cs.AI`, `Cond-Mat.Mes-Hall` ->
    `cond-mat.mes-hall`): feeds list papers under that spelling only. A subject of another archive is kept."""
    archive, dot, subject = name.partition(".")
    archive = archive.lower()
    if archive in CAPITAL_CLASSES and len(subject) == 2:
        subject = subject.upper()
    elif archive in LOWERCASE_CLASSES:
        subject = subject.lower()
    return archive + dot + subject
