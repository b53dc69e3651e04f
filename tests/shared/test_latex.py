"""LaTeX in titles made readable: accents, Greek, math, escapes; unknown commands kept, plain text untouched."""
from __future__ import annotations

import pytest

from services.fetcher.arxiv import parse_feed
from shared.latex import readable
from tests.data import shared_data


@pytest.mark.parametrize("raw, shown", [
    ('Schr\\"odinger bridges', "Schrödinger bridges"),
    ('Schr\\"{o}dinger and {\\"u}ber', "Schrödinger and über"),
    ("Erd\\H{o}s, P\\'{o}lya, \\c{C}a\\u{g}lar, \\v{S}koda", "Erdős, Pólya, Çağlar, Škoda"),
    ('Na\\"{\\i}ve \\ss{} {\\o}', "Naïve ß ø"),
    ("{\\Lambda}CDM cosmology", "ΛCDM cosmology"),
    ("$O(n^2)$ attention with $\\alpha < \\beta$", "O(n²) attention with α < β"),
    ("$x_{t+1}$ and $x^{-1}$ and $W^\\top$", "xₜ₊₁ and x⁻¹ and Wᵀ"),
    ("$\\mathbb{R}^d$ and $\\mathcal{O}(\\log n)$", "ℝ^d and O(log n)"),
    ("Q\\&A: 100\\% of \\$5 for \\#1 in a\\_b", "Q&A: 100% of $5 for #1 in a_b"),
    ("\\textbf{Bold} and \\emph{emphasis}", "Bold and emphasis"),
    ("Pre-training --- a study -- of things", "Pre-training — a study – of things"),
    ("$10\\times$ faster, $\\leq 5\\%$", "10× faster, ≤ 5%"),
    ("``Quoted'' words", "“Quoted” words"),
    ("$\\frac{1}{2}$ and $\\frac{a+b}{n}$", "1/2 and (a+b)/n"),
    ("{\\rm Cu} and {\\bf bold} and {\\cal L}", "Cu and bold and L"),
    ("\\(x^2\\) at \\url{https://example.org}", "x² at https://example.org"),
    ("$\\|x\\|_2 \\odot y$", "‖x‖₂ ⊙ y"),
    ("\\begin{equation}E=mc^2\\end{equation}", "E=mc²"),
    ("Fran\\c{c}ois Ma\\~nana and \\'Ecole \\`a", "François Maňana and École à".replace("ň", "ñ")),
])
def test_latex_becomes_the_characters_it_stands_for(raw: str, shown: str) -> None:
    assert readable(raw) == shown


def test_plain_text_is_only_folded() -> None:
    assert readable("  A plain\n title  ") == "A plain title"


def test_an_unknown_command_keeps_its_name_so_nothing_disappears() -> None:
    assert "\\frobnicate" in readable("The \\frobnicate{x} method")


def test_markup_characters_are_left_for_the_renderer_to_escape() -> None:
    # readable() makes text, not HTML: escaping is the renderers' job, so <, & and " come out as they are.
    assert readable('A <b>"bold"</b> & $a<b$') == 'A <b>"bold"</b> & a<b'


def test_long_hostile_input_is_handled_in_linear_time() -> None:
    text = "{\\" * 50_000 + "$^" * 50_000
    assert isinstance(readable(text), str)


def test_a_real_days_known_commands_all_become_text() -> None:
    """Every accent, font and style command on the all-archives day of 2024-11-28 (1,504 papers) is converted;
    what stays are authors' own macros (\\eg, \\Hcal), shown as written."""
    day = parse_feed(shared_data("arxiv/rss/rss2_all-archives_2024-11-28.xml").read_bytes(), "all")
    known = ("\\\"", "\\'", "\\`", "\\emph", "\\textbf", "\\textit", "\\mathcal", "\\mathbf", "\\mathrm",
             "\\rm ", "\\bf ", "\\alpha", "\\times", "\\leq", "---", "\\begin{")
    shown = [readable(text) for item in day.items for text in (item.title, item.abstract)]
    assert len(shown) == 2 * 1504
    leftover = [(k, s[:80]) for s in shown for k in known if k in s]
    assert leftover == []
    converted = sum(raw != readable(raw) for item in day.items for raw in (item.title,) if "\\" in raw)
    assert converted > 50  # titles with LaTeX on that day: all of them changed
