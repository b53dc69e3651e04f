"""DashScope's file-extract mode against the local server's files API: upload, fileid://, delete, always."""
from __future__ import annotations

from shared.runtime import Env
from tests.feeds import Item
from tests.servers import FakeArxiv, FakeLLM
from tests.summarizer.documents import corrupt_pdf, html_page, text_pdf
from tests.summarizer.runs import cfg, entry_of, outcomes, published, run, summaries

ITEMS = [Item(f"2411.{n:05d}", f"Sparse paper {n}", f"Sparse abstract {n}.") for n in range(1, 4)]


def file_config(llm: FakeLLM, wanted: int = 1):  # noqa: ANN201
    config = cfg(llm, wanted=wanted)
    config.ai_summary.upload = "dashscope-file"
    return config


async def test_the_pdf_is_uploaded_named_by_fileid_and_deleted(env: Env, arxiv: FakeArxiv, llm: FakeLLM) -> None:
    arxiv.pdf["2411.00001v1"] = text_pdf("Sparse paper 1", "FILEONE")
    arxiv.html["2411.00001v1"] = html_page("Sparse paper 1", "HTMLONE")  # the reference's way reads the PDF
    run_id = await run(env, file_config(llm), ITEMS[:1])
    (upload,) = llm.uploads
    assert upload["purpose"] == "file-extract" and upload["data"] == arxiv.pdf["2411.00001v1"]
    assert upload["filename"] == "2411.00001v1.pdf"
    (request,) = llm.requests
    assert [m["role"] for m in request["messages"]] == ["system", "system", "user"]
    assert request["messages"][1]["content"] == f"fileid://{upload['id']}"
    assert "FILEONE" not in str(request["messages"])  # the provider reads the file; its text is not sent
    assert llm.deleted == [upload["id"]] and llm.files == {}
    row = (await summaries(env))["2411.00001"]
    assert row.status == "done" and row.source == "pdf" and row.tokens_sent == row.prompt_tokens > 0
    readme, _ = await published(env, run_id)
    assert f"Summary of the full text (PDF, {row.tokens_sent:,} tokens)" in entry_of(readme, "2411.00001")


async def test_the_file_is_deleted_when_the_answer_fails(env: Env, arxiv: FakeArxiv, llm: FakeLLM) -> None:
    arxiv.pdf["2411.00001v1"] = text_pdf("Sparse paper 1", "FILEONE")
    llm.faults = [("500", 0)]
    run_id = await run(env, file_config(llm), ITEMS[:1])
    assert (await outcomes(env, run_id))["2411.00001"].status == "failed"
    assert len(llm.uploads) == 1 and llm.deleted == [llm.uploads[0]["id"]] and llm.files == {}


async def test_without_a_readable_pdf_the_text_is_sent_as_usual(env: Env, arxiv: FakeArxiv, llm: FakeLLM) -> None:
    arxiv.pdf["2411.00001v1"] = corrupt_pdf()
    arxiv.html["2411.00001v1"] = html_page("Sparse paper 1", "HTMLONE")
    await run(env, file_config(llm, wanted=2), ITEMS[:2])
    assert llm.uploads == []
    sent = {r["messages"][-1]["content"].split("\n", 1)[0]: r["messages"][-1]["content"] for r in llm.requests}
    assert "HTMLONE-method" in sent["Title: Sparse paper 1"]
    assert sent["Title: Sparse paper 2"].endswith("Abstract:\nSparse abstract 2.")
    rows = await summaries(env)
    assert (rows["2411.00001"].source, rows["2411.00002"].source) == ("html", "abstract")
