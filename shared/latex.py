"""LaTeX in arXiv's titles (and author names, abstracts) made readable for people: `Schr\\"odinger` becomes
Schrödinger, `{\\Lambda}CDM` ΛCDM, `$O(n^2)$` O(n²). Pure, linear time, and conservative: a command it does not
know is shown as written, so nothing is silently lost. The output is plain text; escaping it for HTML or XML
is the renderer's job.

The fetcher stores this readable form beside the raw text (papers.title_text, papers.abstract_text); the
publisher (services/publisher/latex_display.py) still converts at rendering time for rows stored before.
"""
from __future__ import annotations

import re
import unicodedata

# Accent commands and the combining mark each puts on its letter.
_ACCENTS = {'"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303", "=": "\u0304",
            ".": "\u0307", "c": "\u0327", "v": "\u030c", "u": "\u0306", "H": "\u030b", "r": "\u030a",
            "k": "\u0328", "d": "\u0323", "b": "\u0331"}
# One leading character class, then a look-behind to tell `{\` from `\`: the same matches (and groups) as
# `\{?\\...`, but the regex engine jumps to the next `{` or `\` instead of trying the pattern at every
# position (5x faster on the corpus's abstracts).
_ACCENT = re.compile(r"""[{\\](?:(?<=\{)\\|(?<=\\))"""
                     r"""(?:(["'`^~=.])\s*(?:\{\s*(\\[ij]|[A-Za-z])\s*\}|(\\[ij]|[A-Za-z]))\}?"""
                     r"""|([cvuHrkdb])(?:\s*\{\s*(\\[ij]|[A-Za-z])\s*\}|\s+([A-Za-z]))\}?)""")
_TEXT_SYMBOLS = {"ss": "ß", "o": "ø", "O": "Ø", "aa": "å", "AA": "Å", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ",
                 "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ", "S": "§", "P": "¶", "dag": "†", "copyright": "©",
                 "textendash": "–", "textemdash": "—", "ldots": "…", "dots": "…", "cdots": "⋯", "textbar": "|",
                 "textasciitilde": "~", "textbackslash": "\\", "LaTeX": "LaTeX", "TeX": "TeX"}
_GREEK = {name: chr(code) for name, code in (
    ("alpha", 0x3B1), ("beta", 0x3B2), ("gamma", 0x3B3), ("delta", 0x3B4), ("epsilon", 0x3F5),
    ("varepsilon", 0x3B5), ("zeta", 0x3B6), ("eta", 0x3B7), ("theta", 0x3B8), ("vartheta", 0x3D1),
    ("iota", 0x3B9), ("kappa", 0x3BA), ("lambda", 0x3BB), ("mu", 0x3BC), ("nu", 0x3BD), ("xi", 0x3BE),
    ("pi", 0x3C0), ("varpi", 0x3D6), ("rho", 0x3C1), ("varrho", 0x3F1), ("sigma", 0x3C3), ("varsigma", 0x3C2),
    ("tau", 0x3C4), ("upsilon", 0x3C5), ("phi", 0x3D5), ("varphi", 0x3C6), ("chi", 0x3C7), ("psi", 0x3C8),
    ("omega", 0x3C9), ("Gamma", 0x393), ("Delta", 0x394), ("Theta", 0x398), ("Lambda", 0x39B), ("Xi", 0x39E),
    ("Pi", 0x3A0), ("Sigma", 0x3A3), ("Upsilon", 0x3A5), ("Phi", 0x3A6), ("Psi", 0x3A8), ("Omega", 0x3A9))}
_MATH = {"times": "×", "cdot": "·", "pm": "±", "mp": "∓", "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥",
         "neq": "≠", "ne": "≠", "approx": "≈", "sim": "∼", "simeq": "≃", "equiv": "≡", "infty": "∞", "to": "→",
         "rightarrow": "→", "leftarrow": "←", "Rightarrow": "⇒", "Leftarrow": "⇐", "leftrightarrow": "↔",
         "mapsto": "↦", "in": "∈", "notin": "∉", "subset": "⊂", "subseteq": "⊆", "cup": "∪", "cap": "∩",
         "forall": "∀", "exists": "∃", "partial": "∂", "nabla": "∇", "sum": "∑", "prod": "∏", "int": "∫",
         "sqrt": "√", "ell": "ℓ", "hbar": "ℏ", "circ": "∘", "star": "⋆", "ast": "∗", "propto": "∝", "ll": "≪",
         "gg": "≫", "lesssim": "≲", "gtrsim": "≳", "langle": "⟨", "rangle": "⟩", "emptyset": "∅", "top": "⊤",
         "perp": "⊥", "prime": "′", "neg": "¬", "wedge": "∧", "vee": "∨", "oplus": "⊕", "otimes": "⊗",
         "uparrow": "↑", "downarrow": "↓", "log": "log", "exp": "exp", "max": "max", "min": "min",
         "sin": "sin", "cos": "cos", "tan": "tan", "arg": "arg", "det": "det", "lim": "lim", "quad": " ",
         "qquad": " ", "left": "", "right": "", "big": "", "Big": "", "bigl": "", "bigr": "", "bigg": "",
         "Bigg": "", "biggl": "", "biggr": "", "odot": "⊙", "deg": "°", "bullet": "•", "setminus": "∖",
         "Vert": "‖", "vert": "|", "mid": "∣", "lceil": "⌈", "rceil": "⌉", "lfloor": "⌊", "rfloor": "⌋",
         "leqslant": "⩽", "geqslant": "⩾", "ln": "ln", "dim": "dim", "liminf": "lim inf", "limsup": "lim sup",
         "searrow": "↘", "nearrow": "↗", "longrightarrow": "⟶", "hookrightarrow": "↪", "iff": "⟺",
         "implies": "⟹", "cong": "≅", "prec": "≺", "succ": "≻", "preceq": "⪯", "succeq": "⪰", "aleph": "ℵ",
         "bigcup": "⋃", "bigcap": "⋂", "dagger": "†", "triangle": "△", "Bbbk": "𝕜", "colon": ":",
         "vdots": "⋮", "ddots": "⋱", "gtrapprox": "⪆", "lessapprox": "⪅", "triangleq": "≜", "coloneqq": "≔"}
# Old-style declarations (`{\bf x}`, `{\rm Cu}`) and size changes: the style is lost in plain text, the text stays.
_DECLARATIONS = {"rm", "bf", "it", "em", "sc", "sf", "tt", "sl", "cal", "small", "large", "Large", "normalsize",
                 "footnotesize", "scriptsize", "tiny", "huge", "Huge", "displaystyle", "textstyle", "scriptstyle",
                 "nolimits", "limits"}
# Commands whose argument is shown as it is: the font or style does not survive in plain text.
_WRAPPERS = {"mathbf", "mathrm", "mathit", "mathsf", "mathtt", "mathcal", "mathscr", "mathfrak", "text",
             "textbf", "textit", "textrm", "textsf", "texttt", "textsc", "textup", "emph", "mbox",
             "operatorname", "boldsymbol", "bm", "hat", "tilde", "bar", "vec", "widehat", "widetilde",
             "overline", "underline", "textnormal", "mathnormal", "url", "textsl", "mathbbm", "dot", "ddot"}
_BLACKBOARD = {"N": "ℕ", "Z": "ℤ", "Q": "ℚ", "R": "ℝ", "C": "ℂ", "E": "𝔼", "P": "ℙ"}
_SUPER = dict(zip("0123456789+-=()nikTt⊤*", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵏᵀᵗᵀ*", strict=True))
_SUB = dict(zip("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ", strict=True))

# Escaped characters become private-use placeholders first, so that the later passes that drop `$`, `{` and
# `}` leave the escaped ones alone.
_ESCAPES = {"&": "\ue000", "%": "\ue001", "$": "\ue002", "#": "\ue003", "_": "\ue004", "{": "\ue005",
            "}": "\ue006"}
_RESTORE = [(v, k) for k, v in _ESCAPES.items()]  # placeholder, the character it stands for
_ESCAPE = re.compile(r"\\([&%$#_{}])")
_SPACING = re.compile(r"\\[,;: ]|\\\\|\\!")
_BB = re.compile(r"\\mathbb\s*\{\s*([A-Z])\s*\}|\\mathbb\s+([A-Z])")
_COMMAND = re.compile(r"\\([A-Za-z]+)(\s*)")
_SCRIPT = re.compile(r"([\^_])(?:\{([^{}]{1,40})\}|([^\s{}\\$]))")
_DASHES = re.compile(r"-{2,3}")
_QUOTES = re.compile(r"``(.{0,400}?)''", re.DOTALL)
_MATH_DELIMITERS = re.compile(r"\\[()\[\]]")
_ENVIRONMENT = re.compile(r"\\(?:begin|end)\s*\{[A-Za-z*]{1,20}\}(?:\{[lcr|]{1,20}\})?")
_FRAC = re.compile(r"\\[dt]?frac\s*\{([^{}]{1,40})\}\s*\{([^{}]{1,40})\}")
_SIMPLE = re.compile(r"[\w.]+")
_ACCENT_HINT = re.compile(r"""\\["'`^~=.cvuHrkdb]""")  # what every match of _ACCENT contains


def _frac(match: re.Match) -> str:
    top, bottom = (part.strip() for part in (match[1], match[2]))
    return "/".join(part if _SIMPLE.fullmatch(part) else f"({part})" for part in (top, bottom))


def _accent(match: re.Match) -> str:
    mark = _ACCENTS[match[1] or match[4]]
    letter = match[2] or match[3] or match[5] or match[6]
    letter = {"\\i": "i", "\\j": "j"}.get(letter, letter)
    return unicodedata.normalize("NFC", letter + mark)


def _command(match: re.Match) -> str:
    name, space = match[1], match[2]
    if name in _TEXT_SYMBOLS:
        return _TEXT_SYMBOLS[name]  # a control word eats the space after it
    if name in _GREEK:
        return _GREEK[name] + space
    if name in _MATH:
        return _MATH[name] + space
    if name in _WRAPPERS or name in _DECLARATIONS:
        return ""  # its braces go in the last pass, its argument stays
    return match[0]  # unknown: shown as written


def _script(match: re.Match) -> str:
    table = _SUPER if match[1] == "^" else _SUB
    body = match[2] if match[2] is not None else match[3]
    if all(ch in table for ch in body):
        return "".join(table[ch] for ch in body)
    return match[1] + (f"({body})" if len(body) > 1 else body)


def readable(text: str) -> str:
    """A title (or any short arXiv field) with its LaTeX turned into the characters it stands for."""
    if "\\" not in text and "$" not in text and "{" not in text and "--" not in text and "``" not in text:
        return " ".join(text.split())  # the common case: nothing to convert
    # Each pass runs only where its pattern could match (a plain substring test is far cheaper than a regex
    # scan that finds nothing; the backfill converts thousands of abstracts a second): the same result.
    commands = "\\" in text
    if commands:
        text = _ESCAPE.sub(lambda m: _ESCAPES[m[1]], text).replace("\\''", '\\"')  # Schr\\''odinger: an umlaut
        text = _MATH_DELIMITERS.sub("", _ENVIRONMENT.sub("", text)).replace("\\|", "‖")
    if "``" in text:
        text = _QUOTES.sub(lambda m: f"\u201c{m[1]}\u201d", text)
    if commands:
        if "frac" in text:
            text = _FRAC.sub(_frac, text)
        text = _SPACING.sub(lambda m: "" if m[0] == "\\!" else " ", text)
        if _ACCENT_HINT.search(text):
            text = _ACCENT.sub(_accent, text)
        if "mathbb" in text:
            text = _BB.sub(lambda m: _BLACKBOARD.get(m[1] or m[2], m[1] or m[2]), text)
        text = _COMMAND.sub(_command, text)
    if "^" in text or "_" in text:
        text = _SCRIPT.sub(_script, text)
    if "--" in text:
        text = _DASHES.sub(lambda m: "—" if len(m[0]) == 3 else "–", text)
    text = text.replace("$", "").replace("{", "").replace("}", "")
    # Not str.translate: with a dict it looks every character up at Python level (a third of the time spent).
    for placeholder, char in _RESTORE:
        if placeholder in text:
            text = text.replace(placeholder, char)
    return " ".join(text.split())
