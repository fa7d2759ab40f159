"""Multinomial logistic regression in NumPy: the small trained heads on top of sentence embeddings.

Intents, scope and sentiment are all "which of these labels fits this 384-d vector"; a linear softmax head
is accurate enough on MiniLM embeddings, fits thousands of examples in seconds on two cores and predicts in
microseconds. Fitted by L-BFGS on the L2-regularised mean cross-entropy (convex: the same data gives the same
weights), so no optimiser library is needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float32]


@dataclass(frozen=True)
class SoftmaxModel:
    labels: tuple[str, ...]
    weights: Floats  # (features, classes)
    bias: Floats  # (classes,)

    def probabilities(self, features: Floats) -> Floats:
        """Class probabilities, (n, classes) for (n, features) input or (classes,) for one vector."""
        return _softmax(features @ self.weights + self.bias)

    def save(self, path: str) -> None:
        np.savez_compressed(path, labels=np.array(self.labels), weights=self.weights, bias=self.bias)

    @classmethod
    def load(cls, path: str) -> SoftmaxModel:
        with np.load(path, allow_pickle=False) as data:
            return cls(
                labels=tuple(str(label) for label in data["labels"]),
                weights=data["weights"].astype(np.float32),
                bias=data["bias"].astype(np.float32),
            )


def fit_softmax(
    features: Floats,
    labels: Sequence[str],
    *,
    l2: float = 1e-3,
    sample_weight: npt.NDArray[np.float64] | None = None,
    max_iter: int = 300,
    tolerance: float = 1e-6,
) -> SoftmaxModel:
    """Fit softmax(features @ W + b) to the labels. `l2` scales the squared-norm penalty on W (not b);
    `sample_weight` (mean 1 by convention) lets rare classes count more."""
    names = tuple(sorted(set(labels)))
    if len(names) < 2:
        raise ValueError("need examples of at least two labels")
    index = {name: i for i, name in enumerate(names)}
    y = np.array([index[label] for label in labels])
    x = np.asarray(features, dtype=np.float64)
    n, d = x.shape
    k = len(names)
    weight = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    weight = weight / weight.sum()
    onehot = np.zeros((n, k))
    onehot[np.arange(n), y] = 1.0

    def loss_and_gradient(theta: npt.NDArray[np.float64]) -> tuple[float, npt.NDArray[np.float64]]:
        w = theta[: d * k].reshape(d, k)
        b = theta[d * k :]
        logits = x @ w + b
        logits -= logits.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(logits).sum(axis=1, keepdims=True))
        log_p = logits - log_norm
        loss = -float((weight * (log_p * onehot).sum(axis=1)).sum()) + 0.5 * l2 * float((w * w).sum())
        residual = (np.exp(log_p) - onehot) * weight[:, None]
        grad_w = x.T @ residual + l2 * w
        grad_b = residual.sum(axis=0)
        return loss, np.concatenate([grad_w.ravel(), grad_b])

    theta = _lbfgs(loss_and_gradient, np.zeros(d * k + k), max_iter=max_iter, tolerance=tolerance)
    return SoftmaxModel(
        labels=names,
        weights=theta[: d * k].reshape(d, k).astype(np.float32),
        bias=theta[d * k :].astype(np.float32),
    )


def _softmax(logits: Floats) -> Floats:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)  # type: ignore[no-any-return]


def _lbfgs(
    function: object,
    theta: npt.NDArray[np.float64],
    *,
    max_iter: int,
    tolerance: float,
    memory: int = 10,
) -> npt.NDArray[np.float64]:
    """Limited-memory BFGS with a backtracking (Armijo) line search; enough for a smooth convex loss."""
    evaluate = function  # (theta) -> (loss, gradient)
    loss, grad = evaluate(theta)  # type: ignore[operator]
    steps: list[tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], float]] = []
    for _ in range(max_iter):
        # Two-loop recursion: direction = -H grad.
        q = grad.copy()
        alphas = []
        for s, y, rho in reversed(steps):
            alpha = rho * float(s @ q)
            alphas.append(alpha)
            q -= alpha * y
        if steps:
            s, y, _ = steps[-1]
            q *= float(s @ y) / float(y @ y)
        else:
            q /= max(1.0, float(np.linalg.norm(q)))
        for (s, y, rho), alpha in zip(steps, reversed(alphas), strict=True):
            beta = rho * float(y @ q)
            q += (alpha - beta) * s
        direction = -q
        slope = float(grad @ direction)
        if slope >= 0:  # not a descent direction: restart from steepest descent
            steps.clear()
            direction = -grad
            slope = -float(grad @ grad)
        step = 1.0
        while True:
            candidate = theta + step * direction
            new_loss, new_grad = evaluate(candidate)  # type: ignore[operator]
            if new_loss <= loss + 1e-4 * step * slope or step < 1e-10:
                break
            step *= 0.5
        s_vec, y_vec = candidate - theta, new_grad - grad
        theta, grad = candidate, new_grad
        converged = abs(loss - new_loss) <= tolerance * max(1.0, abs(loss))
        loss = new_loss
        sy = float(s_vec @ y_vec)
        if sy > 1e-12:
            steps.append((s_vec, y_vec, 1.0 / sy))
            if len(steps) > memory:
                steps.pop(0)
        if converged or float(np.abs(grad).max()) < 1e-7:
            break
    return theta
