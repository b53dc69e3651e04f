"""Paper text as a reader sees it, and the folded form that matching reads. Pure functions.

arXiv titles and abstracts carry raw LaTeX (`Schr\\"odinger`, `$\\mathcal{O}(n)$`, `\\emph{x}`) and now and
then HTML (`&amp;`, `<sub>`). `plain_text` turns them into readable Unicode; `fold` then turns that into the
form every keyword is compared with: case-folded, accents removed, one space between the words of a run of
words, and a ` | ` wherever other punctuation stood, so that a phrase matches across spaces and hyphens
("Mixture-of-Experts") but never across a comma or a full stop.
"""
from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence

# Accent commands and the combining mark each one puts on the next letter.
_SYMBOL_ACCENTS = {'"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303", "=": "\u0304",
                   ".": "\u0307"}
_LETTER_ACCENTS = {"u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "r": "\u030a", "k": "\u0328",
                   "d": "\u0323", "b": "\u0331"}
_SYMBOL_ACCENT = re.compile(r"""\\(["'`^~=.])\s*(?:\{\s*(\\?[A-Za-z])\s*\}|(\\?[A-Za-z]))""")
# Letter-named accents need braces or a space after them, else `\cite` would read as a cedilla on "ite".
_LETTER_ACCENT = re.compile(r"\\([uvHcrkdb])(?:\s*\{\s*(\\?[A-Za-z])\s*\}|\s+([A-Za-z]))")
_LETTERS = {"ss": "ß", "o": "ø", "O": "Ø", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "aa": "å", "AA": "Å",
            "l": "ł", "L": "Ł", "i": "i", "j": "j"}
_GREEK = {name: chr(code) for name, code in [
    ("alpha", 0x3B1), ("beta", 0x3B2), ("gamma", 0x3B3), ("delta", 0x3B4), ("epsilon", 0x3B5),
    ("varepsilon", 0x3B5), ("zeta", 0x3B6), ("eta", 0x3B7), ("theta", 0x3B8), ("vartheta", 0x3B8),
    ("iota", 0x3B9), ("kappa", 0x3BA), ("lambda", 0x3BB), ("mu", 0x3BC), ("nu", 0x3BD), ("xi", 0x3BE),
    ("pi", 0x3C0), ("rho", 0x3C1), ("sigma", 0x3C3), ("tau", 0x3C4), ("upsilon", 0x3C5), ("phi", 0x3C6),
    ("varphi", 0x3C6), ("chi", 0x3C7), ("psi", 0x3C8), ("omega", 0x3C9), ("Gamma", 0x393), ("Delta", 0x394),
    ("Theta", 0x398), ("Lambda", 0x39B), ("Xi", 0x39E), ("Pi", 0x3A0), ("Sigma", 0x3A3), ("Phi", 0x3A6),
    ("Psi", 0x3A8), ("Omega", 0x3A9)]}
# Operators that read as words: "$O(\log n)$" reads "O( log n)".
_OPERATORS = {"log", "ln", "exp", "sin", "cos", "tan", "max", "min", "sup", "inf", "lim", "det", "arg", "argmax",
              "argmin", "mod", "gcd", "Pr"}
# Commands that only style their argument: the argument stays, the command goes.
_STYLE = re.compile(r"\\(?:emph|text(?:bf|it|tt|sc|rm|sf|up|normal)?|math(?:rm|bf|it|cal|bb|sf|tt|frak|scr)|"
                    r"boldsymbol|bm|operatorname|underline|overline|widetilde|widehat|tilde|hat|bar|vec|dot|"
                    r"mbox|hbox|textsuperscript|textsubscript|url)\*?\s*(?=\{)")
# Commands whose argument is not prose: citations, labels, link targets.
_DROP_ARG = re.compile(r"\\(?:cite[pt]?|ref|eqref|label|footnote|href)\*?\s*\{[^{}]*\}")
_ESCAPED = re.compile(r"\\([&%$#_{}])")
_PROTECT = {c: chr(0xE000 + i) for i, c in enumerate("&%$#_{}")}  # private-use stand-ins
# A letter command eats the space after it, as in TeX: "Stra\\ss e" is "Straße".
_COMMAND = re.compile(r"\\([A-Za-z]+)(?:\*|(?<=ss|ae|AE|oe|OE|aa|AA|\\[oOlLij]) )?")
_HTML_TAG = re.compile(r"</?(?:a|b|i|u|s|em|strong|sub|sup|p|br|span|div|tt|code|small|big|font)\b[^<>]*/?>",
                       re.IGNORECASE)
_MATH_SPACING = re.compile(r"\\[,;:! ()\[\]]")

# Folding runs on every paper: plain ASCII (nearly every abstract) takes a one-to-one str.translate, which
# CPython runs at memory speed; other text takes the regular expressions.
_ASCII_FOLD = bytes.maketrans(bytes(c for c in range(128) if not chr(c).isalnum()),
                              bytes(32 if chr(c).isspace() or chr(c) == "-" else 124
                                    for c in range(128) if not chr(c).isalnum()))
_PUNCT = re.compile(r"[^\w\s\-\u2010\u2011]+|_")
_COMBINING = re.compile(r"[\u0300-\u036f]+")
_TOKEN = re.compile(r"[^\W_]+")


def _accent(mark: str, letter: str) -> str:
    if letter.startswith("\\"):  # \"\i: the dotless i under an accent
        letter = _LETTERS.get(letter[1:], letter[1:])
    return unicodedata.normalize("NFC", letter + mark)


def _command(match: re.Match[str]) -> str:
    name = match.group(1)
    if name in _GREEK:
        return _GREEK[name]
    if name in _LETTERS:
        return _LETTERS[name]
    if name in _OPERATORS:
        return f" {name} "
    # Any other command (\times, \leq, \left, ...) is a symbol or spacing: keep it apart from its neighbours.
    return " "


def latex_to_text(text: str) -> str:
    """Readable Unicode for LaTeX markup: accents composed, styling dropped, math delimiters removed."""
    if "\\" in text:
        text = text.replace("\\\\", " ")  # a forced line break
        text = _SYMBOL_ACCENT.sub(lambda m: _accent(_SYMBOL_ACCENTS[m[1]], m[2] or m[3]), text)
        text = _LETTER_ACCENT.sub(lambda m: _accent(_LETTER_ACCENTS[m[1]], m[2] or m[3]), text)
        text = _DROP_ARG.sub(" ", text)
        text = _STYLE.sub("", text)
        text, protected = _ESCAPED.subn(lambda m: _PROTECT[m[1]], text)  # kept safe from the math removal
        text = _MATH_SPACING.sub(" ", _COMMAND.sub(_command, text))
        text = _math(text)
        for original, stand_in in _PROTECT.items() if protected else ():
            text = text.replace(stand_in, original)
        return text
    return _math(text)


def _math(text: str) -> str:
    # str.replace runs at memory speed; a regular expression over every abstract would cost ten times more.
    return (text.replace("$", "").replace("{", "").replace("}", "")
            .replace("^", " ").replace("_", " ").replace("~", " "))


def html_to_text(text: str) -> str:
    if "&" in text:
        text = html.unescape(text)
    if "<" in text:
        text = _HTML_TAG.sub(" ", text)
    return text


def plain_text(text: str) -> str:
    """What a reader sees: HTML entities and tags, then LaTeX, turned into Unicode text; spacing collapsed."""
    return " ".join(latex_to_text(html_to_text(text)).split())


def fold_accents(text: str) -> str:
    if text.isascii():
        return text
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text))


def fold(text: str) -> str:
    """The matching form of plain text: ` word word | word `, case- and accent-folded.

    Spaces and hyphens between two words become one space; any other punctuation becomes ` | `, a break
    no phrase matches across. Starts and ends with a space, so every word is preceded by one.
    """
    text = fold_accents(text).casefold()
    if text.isascii():
        text = text.encode().translate(_ASCII_FOLD).decode().replace("|", " | ")
        while "  " in text:  # each pass halves every run of spaces
            text = text.replace("  ", " ")
        return f" {text.strip(' ')} "
    text = _PUNCT.sub(" | ", text).replace("-", " ").replace("\u2010", " ").replace("\u2011", " ")
    return f" {' '.join(text.split())} "


def matching_form(text: str) -> str:
    """Raw arXiv text (LaTeX, HTML, line breaks) to the folded form, in one call."""
    return fold(latex_to_text(html_to_text(text)))


def tokens(text: str) -> list[str]:
    """The words of raw text, folded: what a keyword is made of."""
    return _TOKEN.findall(fold_accents(plain_text(text)).casefold())


_AFFILIATION = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")


def person_name(name: str) -> str:
    """An author's name as compared: affiliations in parentheses dropped, accents and case folded.

    "Yann LeCun (NYU)", "yann  lecun" and "Yann LECUN" all become "yann lecun"; "Jean-Pierre" becomes
    "jean pierre" (a hyphen separates words), "J. Smith" becomes "j | smith".
    """
    return matching_form(_AFFILIATION.sub(" ", name)).strip()


def author_list(names: Sequence[str]) -> str:
    """All authors of a paper in one folded text, each name between bars: " | yann lecun | ada lovelace | "."""
    joined = "| " + " | ".join(names) + " |"
    if "(" in joined or "[" in joined:
        joined = _AFFILIATION.sub(" ", joined)
    return matching_form(joined)
