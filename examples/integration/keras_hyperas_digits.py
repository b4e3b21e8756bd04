"""The Hyperas README model (a Dense/Dropout MLP) on scikit-learn's digits instead of MNIST,
with its hyperparameters marked inline by `{{...}}` templates and tuned by
`hyperloom.template.minimize`. Keras runs on the torch backend on the CPU.

Run: python examples/integration/keras_hyperas_digits.py
"""

# ruff: noqa: F821 - `uniform` and `choice` inside {{...}} are template markers, not names

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras.layers import Activation, Dense, Dropout  # noqa: E402

from hyperloom import template  # noqa: E402

EPOCHS = 10  # a module global: the templated model sees it, as any global of its module


def data():
    """Digits scaled to [0, 1] with one-hot labels: 75% to train on, 25% to test."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(
        (x / 16.0).astype("float32"), y, test_size=0.25, random_state=0, stratify=y)
    return (x_train, keras.utils.to_categorical(y_train, 10),
            x_test, keras.utils.to_categorical(y_test, 10))


def create_model(x_train, y_train, x_test, y_test):
    """Hyperas' README model: a dropout rate, a layer width, an activation, a second dropout,
    an optional extra layer, an optimizer and a batch size, all marked inline."""
    model = keras.Sequential([keras.Input((64,)), Dense(512), Activation("relu")])
    model.add(Dropout({{uniform(0, 1)}}))
    model.add(Dense({{choice([256, 512, 1024])}}))
    model.add(Activation({{choice(['relu', 'sigmoid'])}}))
    model.add(Dropout({{uniform(0, 1)}}))
    if {{choice(['three', 'four'])}} == 'four':  # an extra layer only on this branch
        model.add(Dense(100))
        model.add(Activation("relu"))
    model.add(Dense(10))
    model.add(Activation("softmax"))
    model.compile(loss="categorical_crossentropy", metrics=["accuracy"],
                  optimizer={{choice(['rmsprop', 'adam', 'sgd'])}})
    history = model.fit(x_train, y_train, batch_size={{choice([64, 128])}}, epochs=EPOCHS,
                        verbose=0, validation_split=0.1)
    best_val_accuracy = float(np.max(history.history["val_accuracy"]))
    return {"loss": -best_val_accuracy, "status": "ok", "model": model}


def main(max_evals: int = 8, epochs: int = 10, seed: int = 0):
    """Tune, then return `(best_run, best_model, test accuracy of best_model)`."""
    global EPOCHS
    EPOCHS = epochs
    keras.utils.set_random_seed(seed)
    best_run, best_model = template.minimize(create_model, data, algo="tpe",
                                             max_evals=max_evals, seed=seed)
    _, _, x_test, y_test = data()
    _, accuracy = best_model.evaluate(x_test, y_test, verbose=0)
    return best_run, best_model, float(accuracy)


if __name__ == "__main__":
    run, _, test_accuracy = main()
    print(f"best run {run}; test accuracy of the best model {test_accuracy:.3f}")
