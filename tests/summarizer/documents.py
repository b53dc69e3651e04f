"""Papers' full texts built by the tests: arXiv-style HTML pages (LaTeXML's markup) and real PDFs (fpdf2), each
with sentences a test can look for in what the model was sent."""
from __future__ import annotations

from html import escape

from fpdf import FPDF
from fpdf.enums import EncryptionMethod
from PIL import Image, ImageDraw

FILLER = ("The measurements were repeated on three clusters with identical configuration and the variance "
          "between repetitions stayed below two per cent in every setting that we report here. ")


def sections(marker: str) -> list[tuple[str, str]]:
    """A paper's sections; each holds `marker` and its own name, e.g. "QUOKKA-intro"."""
    return [
        ("1 Introduction", f"{marker}-intro: we study why marsupials hop. " + FILLER * 4),
        ("2 Related Work", f"{marker}-related: others studied kangaroos. " + FILLER * 4),
        ("3 Method", f"{marker}-method: we count hops per second. " + FILLER * 4),
        ("4 Results", f"{marker}-results: quokkas reach 42.0 hops per second. " + FILLER * 4),
        ("5 Conclusion", f"{marker}-conclusion: quokkas hop fastest. " + FILLER * 2),
    ]


def html_page(title: str, marker: str, body: list[tuple[str, str]] | None = None) -> bytes:
    parts = []
    for number, (heading, text) in enumerate(body or sections(marker), start=1):
        tag, _, name = heading.partition(" ")
        parts.append(f'<section id="S{number}" class="ltx_section"><h2 class="ltx_title ltx_title_section">'
                     f'<span class="ltx_tag ltx_tag_section">{escape(tag)} </span>{escape(name)}</h2>'
                     f'<div class="ltx_para"><p class="ltx_p">{escape(text)} Energy is '
                     f'<math alttext="E=mc^{{2}}" display="inline"><semantics><mi>E</mi></semantics></math>.'
                     f'<span class="ltx_note ltx_role_footnote"><span class="ltx_note_outer">{marker}-footnote'
                     f'</span></span></p></div></section>')
    parts.append(f'<figure class="ltx_figure"><figcaption class="ltx_caption">Figure 1: {marker}-caption of the '
                 f'hop counter.</figcaption></figure>')
    return (f'<!DOCTYPE html><html><head><title>{escape(title)}</title><script>var x = "{marker}-script";</script>'
            f'</head><body><nav class="ltx_page_navbar">{marker}-navigation</nav>'
            f'<article class="ltx_document"><h1 class="ltx_title ltx_title_document">{escape(title)}</h1>'
            f'<div class="ltx_abstract"><p>Abstract text.</p></div>{"".join(parts)}'
            f'<section class="ltx_bibliography"><h2 class="ltx_title">References</h2><ul><li>{marker}-reference '
            f'Kangaroo, K. Hopping. 2020.</li></ul></section></article></body></html>').encode()


def _pdf() -> FPDF:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    return pdf


def text_pdf(title: str, marker: str, pages: int = 1, encrypt: bool = False) -> bytes:
    pdf = _pdf()

    def paragraph(text: str) -> None:
        pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")

    paragraph(title)
    paragraph("Ada Lovelace, Alan Turing")
    for page in range(pages):
        if page:
            pdf.add_page()
        for heading, text in sections(marker):
            pdf.ln(3)
            paragraph(heading)
            paragraph(text)
    paragraph("References")
    paragraph(f"[1] {marker}-reference Kangaroo K. Hopping far, 2020.")
    if encrypt:
        pdf.set_encryption(owner_password="owner", user_password="reader", encryption_method=EncryptionMethod.RC4)
    return bytes(pdf.output())


def scanned_pdf() -> bytes:
    """Pages that are pictures of text, as a scanner makes them: no text layer at all."""
    image = Image.new("RGB", (800, 200), "white")
    ImageDraw.Draw(image).text((20, 80), "1 Introduction  We study why marsupials hop.", fill="black")
    pdf = _pdf()
    pdf.image(image, x=10, y=10, w=180)
    return bytes(pdf.output())


def corrupt_pdf(title: str = "Broken", marker: str = "BROKEN") -> bytes:
    """A real PDF's start with its body and cross-reference table gone, as a cut-off download leaves it."""
    return text_pdf(title, marker)[:400]
