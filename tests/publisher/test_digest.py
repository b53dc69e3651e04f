"""What the digest says about each summary's source and about the run's cost."""
from __future__ import annotations

from services.publisher.digest import cost_line, summary_label
from tests.publisher.entries import digest, entry


def test_labels_say_what_the_summary_read() -> None:
    assert summary_label(entry(summary_source="html", summary_tokens=18_200)) == \
        "Summary of the full text (HTML, 18,200 tokens)"
    assert summary_label(entry(summary_source="pdf", summary_tokens=24_000, summary_cut=True)) == \
        "Summary of the full text (PDF, cut to 24,000 tokens)"
    assert summary_label(entry(summary_source="abstract")) == "Summary of the abstract only (no full text available)"
    assert summary_label(entry(summary_source="abstract", summary_detail="the PDF is encrypted")) == \
        "Summary of the abstract only (the PDF is encrypted)"
    assert summary_label(entry()) == ""  # no summary, nothing to say


def test_the_cost_line_counts_summaries_reused_and_tokens() -> None:
    done = entry(1, summary="S", summary_status="done")
    assert cost_line(digest(done, entry(2), tokens_total=52_310, summaries_reused=1)) == \
        "AI summaries: 1 (1 reused from earlier runs); 52,310 tokens used by this run"
    assert cost_line(digest(entry(1))) == ""


def test_the_cost_line_is_not_part_of_the_digests_identity() -> None:
    done = entry(1, summary="S", summary_status="done")
    assert digest(done, tokens_total=10).key() == digest(done, tokens_total=0, summaries_reused=1).key()


def test_the_key_of_a_digest_never_changes_across_versions_of_the_code() -> None:
    # Stored keys decide whether a run's digest is new (and owed to webhook subscribers): computing the same
    # content's key differently would republish every unchanged digest once. Pinned from the stored format.
    d = digest(entry(1, summary="S", summary_status="done", why="LLM (title)"), entry(2), near_misses=[entry(3)])
    assert d.key() == "e37522dce6728d18c2506f00ad8f27a9f617eef7765719b3bbbb086f055d8b8f"
    assert d.key() == d.key() and digest(entry(1)).key() != d.key()
