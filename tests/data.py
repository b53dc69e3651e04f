"""Where the real arXiv data beside the checkout lives; tests that need it skip when it is absent.

`../shared/data` is not part of the project (a user's clone does not have it); CI and developers have it.
"""
from __future__ import annotations

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def shared_data(relative: str) -> Path:
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"{path} is absent (real arXiv data lives beside the checkout)")
    return path
