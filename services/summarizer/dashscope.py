"""DashScope's file-extract mode, as the reference bot uses it: the PDF itself goes to the provider.

The file is uploaded to the compatible-mode files endpoint (`POST {base_url}/files`, purpose `file-extract`),
named in a system message as `fileid://<id>`, and deleted afterwards, whether the answer came or not: files
left there count against the account's storage.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import asyncio
import logging

if TYPE_CHECKING:  # openai costs ~30 MB and ~1 s to import: only when a summary is asked
    from openai import AsyncOpenAI


log = logging.getLogger(__name__)
PURPOSE = "file-extract"
DELETE_SECONDS = 30.0


async def upload(client: AsyncOpenAI, pdf: bytes, name: str) -> str:
    uploaded = await client.files.create(file=(name, pdf, "application/pdf"), purpose=PURPOSE)  # type: ignore[arg-type]
    return uploaded.id


async def delete(client: AsyncOpenAI, file_id: str) -> None:
    """Best effort, bounded: a file that cannot be deleted is logged for the operator, never a paper's failure."""
    try:
        async with asyncio.timeout(DELETE_SECONDS):
            await client.files.delete(file_id)
    except Exception as exc:  # noqa: BLE001 - the summary stands; the leftover file is the operator's to remove
        log.warning("could not delete uploaded file %s: %s", file_id, exc)


def file_messages(system: str, file_id: str, header: str) -> list[dict]:
    return [{"role": "system", "content": system},
            {"role": "system", "content": f"fileid://{file_id}"},
            {"role": "user", "content": f"{header}\n\nSummarize the attached paper (the PDF file above)."}]
