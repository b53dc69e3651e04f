"""Find every term of every profile in a paper in one pass. Pure: text in, hits out.

All terms of all profiles are compiled into one Aho-Corasick automaton (pyahocorasick) per way of
matching, so reading a paper is one walk over its text whatever the number of profiles and keywords, and
every rule is in the keys themselves: no Python code runs per match.

Two ways of matching live side by side, each over its own text:
- `words` reads the folded text (see normalize.fold), where every word is preceded and followed by one
  space. A word term is the key " word": it matches every word that begins with it ("network":
  "networks", "networked"; never "subnetwork"), plus the spelling changes of two regular inflections
  ("efficiency": "efficiencies"; "decode": "decoding"). An acronym (capitals and digits, at most five,
  "LLM", "FP8") is the keys " llm " and " llms ": the whole word, or that word with one plural "s". Phrase
  words are joined by one space, which the folded text also puts between words separated by spaces or
  hyphens; the last word follows the rules above.
- `reference` reproduces the reference bot: a lower-cased substring of the lower-cased title, a space and
  the abstract's first line.
Authors are compared by their folded names (normalize.person_name) with an automaton over the author list.
"""
from __future__ import annotations

import re
from functools import lru_cache
from itertools import chain
from operator import itemgetter

import ahocorasick

from services.scorer.normalize import (
    author_list,
    matching_form,
    person_name,
    plain_text,
)

# Where a term was found; a term found in the title and in the abstract counts as found in the title.
ABSTRACT, TITLE, AUTHOR = 0, 1, 2
WHERE = {ABSTRACT: "abstract", TITLE: "title", AUTHOR: "author"}

_PREFIX, _WHOLE_WORD = 0, 1
_WORD = re.compile(r"[^\W_]+")
_ACRONYM = re.compile(r"(?=[A-Z0-9]*[A-Z])[A-Z0-9]{1,5}s?")


def is_acronym(word: str) -> bool:
    """Written in capitals (and digits), at most five of them, maybe with a plural "s": "LLM", "FP8", "LLMs"."""
    return _ACRONYM.fullmatch(word) is not None


def author_key(name: str) -> str:
    """An author's name as compared (normalize.person_name). ValueError if it has no word."""
    key = person_name(name)
    if not _WORD.search(key):
        raise ValueError(f"author {name!r} has no letters or digits to match")
    return key


@lru_cache(maxsize=1 << 16)
def word_keys(term: str) -> tuple[tuple[str, ...], int]:
    """The automaton keys for a `words` term and the check its matches need. ValueError if it has no word.

    The term is folded exactly as the text is, so punctuation inside it ("R&D", "O(n)") must stand where
    the text has punctuation too. Only a term ending in a letter or digit gets inflections or the acronym rule.
    """
    folded = matching_form(term).strip()
    if not _WORD.search(folded):
        raise ValueError(f"keyword {term!r} has no letters or digits to match")
    key = " " + folded
    if not folded[-1].isalnum():
        return (key,), _PREFIX
    last = _WORD.findall(plain_text(term))[-1]
    if is_acronym(last):
        if last.endswith("s") and len(last) > 1:
            key = key[:-1]  # "LLMs" is the acronym "LLM", plural optional
        return (key,), _WHOLE_WORD
    keys = [key]
    if len(last) > 2 and key.endswith("y") and key[-2] not in "aeiou":
        keys += [key[:-1] + "ies", key[:-1] + "ied"]
    if len(last) > 3 and key.endswith("e") and not key.endswith("ee"):
        keys.append(key[:-1] + "ing")
    return tuple(keys), _PREFIX


def reference_abstract(abstract: str) -> str:
    # The reference extracts the abstract with a pattern that stops at the first line break.
    return abstract.split("\n", 1)[0]


class _Automaton:
    """Keys, each standing for one or more term ids; finds which keys occur in a text."""

    def __init__(self) -> None:
        self.keys: dict[str, list[int]] = {}
        self.terms: list[tuple[int, ...]] = []
        self.built: ahocorasick.Automaton | None = None

    def add(self, key: str, term_id: int) -> None:
        self.keys.setdefault(key, []).append(term_id)

    def build(self) -> bool:
        if self.keys:
            self.built = ahocorasick.Automaton()
            for index, (key, term_ids) in enumerate(self.keys.items()):
                self.built.add_word(key, index)
                self.terms.append(tuple(term_ids))
            self.built.make_automaton()
        return self.built is not None

    def mark(self, text: str, where: int, found: dict[int, int]) -> None:
        """Record every term whose key occurs in text as found at `where`."""
        if self.built is not None:  # map, chain and fromkeys: the matches never reach Python code
            keys = set(map(itemgetter(1), self.built.iter(text)))
            found.update(dict.fromkeys(chain.from_iterable(map(self.terms.__getitem__, keys)), where))


class Matcher:
    """The union of every profile's terms. Register terms with `term`, then `build`, then `find` per paper."""

    def __init__(self) -> None:
        self._ids: dict[tuple[str, str], int] = {}  # by the term's compiled form
        self._known: dict[tuple[str, str], int] = {}  # by the term as written
        self._words = _Automaton()
        self._substrings = _Automaton()
        self._everywhere: list[int] = []  # reference terms that are substrings of any text: ""
        self._authors = _Automaton()
        self._reads = {"words": False, "reference": False, "authors": False}

    def __len__(self) -> int:
        return len(self._ids)

    def term(self, kind: str, text: str) -> int:
        """The id of a term; kind is "words", "reference" or "author". Equal terms share one id."""
        term_id = self._known.get((kind, text))
        if term_id is None:
            term_id = self._known[(kind, text)] = self._register(kind, text)
        return term_id

    def _register(self, kind: str, text: str) -> int:
        if kind == "words":
            keys, check = word_keys(text)
            ident = "|".join(keys) + f"#{check}"
        elif kind == "reference":
            ident = text.lower()
        elif kind == "author":
            ident = author_key(text)
        else:
            raise ValueError(f"unknown kind of term {kind!r}")
        term_id = self._ids.get((kind, ident))
        if term_id is not None:
            return term_id
        term_id = self._ids[(kind, ident)] = len(self._ids)
        if kind == "words":
            for key in keys:
                if check == _WHOLE_WORD:  # the word ends there, or after one plural "s"
                    self._words.add(key + " ", term_id)
                    self._words.add(key + "s ", term_id)
                else:
                    self._words.add(key, term_id)
        elif kind == "author":
            self._authors.add(f"| {ident} |", term_id)
        elif ident:
            self._substrings.add(ident, term_id)
        else:
            self._everywhere.append(term_id)
        return term_id

    def build(self) -> Matcher:
        self._reads["words"] = self._words.build()
        self._reads["reference"] = self._substrings.build() or bool(self._everywhere)
        self._reads["authors"] = self._authors.build()
        return self

    def find(self, title: str, abstract: str, authors: tuple[str, ...] | list[str] = ()) -> dict[int, int]:
        """Every registered term this paper contains, with where it was found (TITLE, ABSTRACT or AUTHOR)."""
        found: dict[int, int] = {}
        if self._reads["words"]:  # abstract first: a term also in the title is then marked as found there
            self._words.mark(matching_form(abstract), ABSTRACT, found)
            self._words.mark(matching_form(title), TITLE, found)
        if self._reads["reference"]:
            title_lower = title.lower()
            self._substrings.mark(f"{title_lower} {reference_abstract(abstract).lower()}", ABSTRACT, found)
            self._substrings.mark(title_lower, TITLE, found)
            found.update(dict.fromkeys(self._everywhere, TITLE))
        if self._reads["authors"] and authors:
            self._authors.mark(author_list(authors), AUTHOR, found)
        return found
