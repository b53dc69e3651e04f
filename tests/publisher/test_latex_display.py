"""LaTeX in titles made readable: accents, Greek, math, escapes; unknown commands kept, plain text untouched."""
from __future__ import annotations

import pytest

from services.publisher.latex_display import readable


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
