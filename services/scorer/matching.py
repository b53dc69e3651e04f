"""Find every term of every profile in a paper in one pass. Pure: text in, hits out.

All terms of all profiles are compiled into one Aho-Corasick automaton (pyahocorasick), so reading a paper
costs one walk over its text, whatever the number of profiles and keywords; the few rules a plain
substring search cannot express (an acronym ends at a word boundary) are checked on each match found.

Two ways of matching live side by side, each over its own text:
- `words` reads the folded text (see normalize.fold): a term is the key " word word", anchored at a word
  start by its leading space. A word matches every word that begins with it ("network": "networks",
  "networked"; never "subnetwork"), plus the spelling changes of two regular inflections ("efficiency":
  "efficiencies"; "decode": "decoding"). An acronym (capitals and digits, at most five, "LLM", "FP8") must
  end where its word ends, or with one plural "s" ("LLMs"). Phrase words are joined by one space, which the
  folded text also puts between words separated by spaces or hyphens.
- `reference` reproduces the reference bot: a lower-cased substring of the lower-cased title, a space and
  the abstract's first line.
Authors are looked up by their compared name (normalize.person_name), not searched in the text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import ahocorasick

from services.scorer.normalize import matching_form, person_name, plain_text

# Where a term was found; a term found in the title and in the abstract counts as found in the title.
ABSTRACT, TITLE, AUTHOR = 0, 1, 2
WHERE = {ABSTRACT: "abstract", TITLE: "title", AUTHOR: "author"}

_PREFIX, _WHOLE_WORD = 0, 1
_WORD = re.compile(r"[^\W_]+")
_ACRONYM = re.compile(r"(?=[A-Z0-9]*[A-Z])[A-Z0-9]{1,5}s?")


def is_acronym(word: str) -> bool:
    """Written in capitals (and digits), at most five of them, maybe with a plural "s": "LLM", "FP8", "LLMs"."""
    return _ACRONYM.fullmatch(word) is not None


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


@dataclass
class _Automaton:
    keys: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    built: ahocorasick.Automaton | None = None

    def add(self, key: str, term_id: int, check: int) -> None:
        self.keys.setdefault(key, []).append((term_id, check))

    def build(self) -> None:
        if self.keys:
            self.built = ahocorasick.Automaton()
            for key, values in self.keys.items():
                self.built.add_word(key, tuple(values))
            self.built.make_automaton()

    def find(self, text: str, title_end: int, found: dict[int, int]) -> None:
        if self.built is None:
            return
        for end, values in self.built.iter(text):
            where = TITLE if end < title_end else ABSTRACT
            for term_id, check in values:
                if check == _WHOLE_WORD:
                    after = text[end + 1]
                    if after != " " and not (after == "s" and text[end + 2] == " "):
                        continue
                if found.get(term_id, -1) < where:
                    found[term_id] = where


class Matcher:
    """The union of every profile's terms. Register terms with `term`, then `build`, then `find` per paper."""

    def __init__(self) -> None:
        self._ids: dict[tuple[str, str], int] = {}
        self._words = _Automaton()
        self._substrings = _Automaton()
        self._everywhere: list[int] = []  # reference terms that are substrings of any text: ""
        self._authors: dict[str, list[int]] = {}

    def __len__(self) -> int:
        return len(self._ids)

    def term(self, kind: str, text: str) -> int:
        """The id of a term; kind is "words", "reference" or "author". Equal terms share one id."""
        if kind == "words":
            keys, check = word_keys(text)
            ident = "|".join(keys) + f"#{check}"
        elif kind == "reference":
            ident = text.lower()
        elif kind == "author":
            ident = person_name(text)
            if not ident:
                raise ValueError(f"author {text!r} has no letters or digits to match")
        else:
            raise ValueError(f"unknown kind of term {kind!r}")
        term_id = self._ids.get((kind, ident))
        if term_id is not None:
            return term_id
        term_id = self._ids[(kind, ident)] = len(self._ids)
        if kind == "words":
            for key in keys:
                self._words.add(key, term_id, check)
        elif kind == "author":
            self._authors.setdefault(ident, []).append(term_id)
        elif ident:
            self._substrings.add(ident, term_id, _PREFIX)
        else:
            self._everywhere.append(term_id)
        return term_id

    def build(self) -> Matcher:
        self._words.build()
        self._substrings.build()
        return self

    @property
    def reads_words(self) -> bool:
        return self._words.built is not None

    @property
    def reads_reference(self) -> bool:
        return self._substrings.built is not None or bool(self._everywhere)

    def find(self, title: str, abstract: str, authors: tuple[str, ...] | list[str] = ()) -> dict[int, int]:
        """Every registered term this paper contains, with where it was found (TITLE, ABSTRACT or AUTHOR)."""
        found: dict[int, int] = {}
        if self.reads_words:
            folded_title = matching_form(title)
            self._words.find(folded_title + "|" + matching_form(abstract), len(folded_title), found)
        if self.reads_reference:
            title_lower = title.lower()
            self._substrings.find(f"{title_lower} {reference_abstract(abstract).lower()}", len(title_lower), found)
            found.update(dict.fromkeys(self._everywhere, TITLE))
        for name in authors if self._authors else ():
            for term_id in self._authors.get(person_name(name), ()):
                found[term_id] = AUTHOR
        return found

