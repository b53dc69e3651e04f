"""The publisher's name for shared/latex.py's `readable()`: titles stored before the fetcher kept a readable
form beside the raw one are still converted at rendering time."""
from shared.latex import readable

__all__ = ["readable"]
