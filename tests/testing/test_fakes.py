"""The hash embedder is a deterministic, model-free stand-in that still behaves like an embedder."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from frontdesk.providers.embedders import Embedder
from frontdesk.testing.fakes import HashEmbedder


def cosine(embedder: HashEmbedder, a: str, b: str) -> float:
    first, second = embedder.embed([a, b])
    return float(first @ second)


def test_it_satisfies_the_embedder_protocol() -> None:
    typed: Embedder = HashEmbedder()
    assert (typed.name, typed.dimension) == ("hash", 384)


def test_rows_are_unit_length_float32_vectors_of_the_chosen_dimension() -> None:
    vectors = HashEmbedder(dimension=64).embed(["refund policy", "Where is my parcel?", "a"])
    assert vectors.shape == (3, 64)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)


def test_texts_without_words_get_one_fixed_unit_vector_and_no_nans() -> None:
    vectors = HashEmbedder().embed(["", "   ", "?!"])
    assert np.isfinite(vectors).all()
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)
    np.testing.assert_array_equal(vectors[0], vectors[2])


def test_an_empty_batch_gives_zero_rows() -> None:
    assert HashEmbedder(dimension=32).embed([]).shape == (0, 32)


def test_case_and_punctuation_do_not_matter() -> None:
    first, second = HashEmbedder().embed(["Refund, please!", "refund please"])
    np.testing.assert_array_equal(first, second)


def test_texts_sharing_words_are_closer_than_unrelated_texts() -> None:
    embedder = HashEmbedder()
    related = cosine(embedder, "how do I reset my password", "reset password link")
    unrelated = cosine(embedder, "how do I reset my password", "store opening hours on sunday")
    assert related > 0.3
    assert abs(unrelated) < 0.2


def test_word_variants_overlap_through_character_trigrams() -> None:
    embedder = HashEmbedder()
    assert cosine(embedder, "refunds", "refund") > cosine(embedder, "refunds", "shipping") + 0.25


def test_vectors_are_identical_across_instances_and_processes() -> None:
    texts = ["shipping to Canada", "cancel my subscription"]
    here = HashEmbedder().embed(texts)
    np.testing.assert_array_equal(here, HashEmbedder().embed(texts))
    script = (
        "import sys; from frontdesk.testing.fakes import HashEmbedder; "
        f"sys.stdout.buffer.write(HashEmbedder().embed({texts!r}).tobytes())"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}  # Python's own str hash would differ; ours must not
    other = subprocess.run([sys.executable, "-c", script], capture_output=True, check=True, env=env).stdout
    np.testing.assert_array_equal(np.frombuffer(other, dtype=np.float32).reshape(here.shape), here)


def test_a_single_string_is_rejected_instead_of_embedded_per_character() -> None:
    with pytest.raises(TypeError):
        HashEmbedder().embed("hello")


def test_a_too_small_dimension_is_rejected() -> None:
    with pytest.raises(ValueError):
        HashEmbedder(dimension=1)
