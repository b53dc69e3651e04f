"""LaTeX and HTML to plain text, and the folded form matching reads; inputs as arXiv really writes them."""
from __future__ import annotations

import pytest

from services.scorer.normalize import (
    fold,
    latex_to_text,
    matching_form,
    person_name,
    plain_text,
)


@pytest.mark.parametrize(("raw", "text"), [
    (r'Schr\"odinger bridges', "Schrödinger bridges"),
    (r'Schr\"{o}dinger and {\"o}', "Schrödinger and ö"),
    (r"Erd\H{o}s, \v{C}ech, G\'{e}rard, \c{c}a, na\"{\i}ve", "Erdős, Čech, Gérard, ça, naïve"),
    (r"\`a la carte, \^ile, \~n, \=a", "à la carte, île, ñ, ā"),
    (r"Stra\ss e and \o{} and \aa", "Straße and ø and å"),
    (r"An $\mathcal{O}(n)$ algorithm", "An O(n) algorithm"),
    (r"\emph{Fast} and \textbf{sparse} \textit{kernels}", "Fast and sparse kernels"),
    (r"R\&D at 50\% with \$5 and \#1", "R&D at 50% with $5 and #1"),
    (r"as shown \cite{smith2020} and in \ref{fig:1}", "as shown and in"),
    (r"{\Lambda}CDM with $\alpha$-divergence", "ΛCDM with α-divergence"),
    (r"$x_i^2 \leq \epsilon$", "x i 2 ε"),
    (r"$\mathcal{O}\left(\log_{2}L\right)$ steps", "O ( log 2L ) steps"),
    (r"a~b\\c", "a b c"),
])
def test_latex_becomes_readable_text(raw: str, text: str) -> None:
    assert plain_text(raw) == text


def test_cite_is_not_read_as_a_cedilla_accent() -> None:
    # "\c" is the cedilla only with braces or a space after it; "\cite" is a command of its own.
    assert "ite" not in latex_to_text(r"see \cite{x}")


@pytest.mark.parametrize(("raw", "text"), [
    ("Q&amp;A systems", "Q&A systems"),
    ("H<sub>2</sub>O and <i>in vivo</i>", "H 2 O and in vivo"),
    ("the <think> token and a < b", "the <think> token and a < b"),  # not a tag we know: kept
    ("&lt;SEG&gt; tokens", "<SEG> tokens"),
])
def test_html_entities_and_tags(raw: str, text: str) -> None:
    assert plain_text(raw) == text


def test_fold_joins_words_over_spaces_and_hyphens_and_breaks_at_other_punctuation() -> None:
    assert fold("Mixture-of-Experts (MoE)\n models, LLMs;  RL") == " mixture of experts | moe | models | llms | rl "
    assert fold("sub‐network non‑linear") == " sub network non linear "  # U+2010, U+2011 hyphens


def test_fold_folds_case_and_accents() -> None:
    assert fold("ÉCOLE Straße Schrödinger") == " ecole strasse schrodinger "


def test_matching_form_reads_latex_then_folds() -> None:
    assert matching_form(r'\emph{Schr\"odinger} bridge-based') == " schrodinger bridge based "


@pytest.mark.parametrize(("written", "compared"), [
    ("Yann LeCun", "yann lecun"),
    ("Yann LeCun (NYU, Meta)", "yann lecun"),
    ("  yann   LECUN ", "yann lecun"),
    ("José Núñez", "jose nunez"),
    (r"Jos\'e N\'u\~nez", "jose nunez"),
    ("Jean-Pierre Serre [IHES]", "jean pierre serre"),
])
def test_person_names_compare_folded(written: str, compared: str) -> None:
    assert person_name(written) == compared
