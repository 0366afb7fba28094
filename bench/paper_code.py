"""The paper's own training code, as a benchmark peer.

Restated from ``shared/seed/inner-workings-of-ml.txt`` (appendix "Neural Network Code") with the
update rules listed in ``shared/PAPER.md`` (errata): scalar per-layer biases, activations applied
element by element with ``math.exp`` through ``np.vectorize`` (a fresh ``np.vectorize`` object on
every call, as the paper wrote it), the derivative evaluated at the layer's *output*, weight steps
summed over the cases and bias steps the mean of the deltas. The only change is that the
per-epoch ``print`` calls are left out (terminal I/O would dominate the timing) and the loss is
kept in a preallocated array rather than a list.
"""

from __future__ import annotations

import math

import numpy as np

# the paper's data, exactly as written (integer inputs)
TRAINING_SETS = np.array([[0, 0, 1], [1, 1, 1], [1, 0, 1], [0, 1, 1]])
TRAINING_OUTPUTS = np.array([[0, 1, 1, 0]]).T


def sigmoid(x, derivitive=False):
    if derivitive:
        value = sigmoid(x) * (1 - sigmoid(x))
    else:
        if x < 0:
            value = 1 - 1 / (1 + math.exp(x))
        else:
            value = 1 / (1 + math.exp(-x))
    return value


def tanh(x, derivitive=False):
    if derivitive:
        value = 4 * sigmoid(2 * x) * (sigmoid(2 * x) - 1)  # the paper's sign error (erratum 2)
    else:
        value = 2 * sigmoid(2 * x) - 1
    return value


def mse(y_hat, y, derivitive=False):
    if derivitive:
        return 2 * (y - y_hat)
    return (y - y_hat) ** 2


def backpropogation(previous_layer, layer, error_derivitive, learning_rate, activation_function):
    delta = error_derivitive * np.vectorize(activation_function)(layer, True) * learning_rate
    weight = previous_layer.T.dot(delta)
    return delta, weight


def initial_values(seed: int = 1) -> tuple[np.ndarray, np.ndarray, float, float]:
    """``np.random.seed(1)`` then S0, S1, b0, b1 in the paper's order (legacy generator)."""
    rs = np.random.RandomState(seed)
    syn0 = 2 * rs.rand(3, 2) - 1
    syn1 = 2 * rs.rand(2, 1) - 1
    bias0 = rs.uniform(-1, 1)
    bias1 = rs.uniform(-1, 1)
    return syn0, syn1, bias0, bias1


def train(epochs: int, activation=sigmoid, learning_rate: float = 0.5, seed: int = 1):
    """Run the paper's loop; return ``(syn0, syn1, bias0, bias1, error_plotted)``."""
    syn0, syn1, bias0, bias1 = initial_values(seed)
    error_plotted = np.empty(epochs)
    training_outputs = TRAINING_OUTPUTS
    for epoch in range(epochs):
        layer0 = TRAINING_SETS
        temp = layer0.dot(syn0) + bias0
        layer1 = np.vectorize(activation)(temp)
        temp = layer1.dot(syn1) + bias1
        if activation is tanh:
            layer2 = (np.vectorize(activation)(temp) + 1) / 2
        else:
            layer2 = np.vectorize(activation)(temp)
        error = mse(layer2, training_outputs, True)
        error_plotted[epoch] = np.mean(mse(layer2, training_outputs))

        layer2_delta, summed_weight = backpropogation(
            layer1, layer2, error, learning_rate, activation
        )
        new_syn1 = syn1 + summed_weight  # update_synapse(); the 1/n factor is commented out
        bias1 = bias1 - -1 * np.mean(layer2_delta)
        layer1_error = layer2_delta.dot(syn1.T)  # S1 before its update
        layer1_delta, summed_weight = backpropogation(
            layer0, layer1, layer1_error, learning_rate, activation
        )
        syn0 = syn0 + summed_weight
        bias0 = bias0 - -1 * np.mean(layer1_delta)
        syn1 = new_syn1
    return syn0, syn1, bias0, bias1, error_plotted
