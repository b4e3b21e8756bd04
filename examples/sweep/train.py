"""A toy trainer configured with Gin: `python train.py CONFIG.gin`.

It "trains" for a few steps on a synthetic problem whose loss depends on the learning rate,
the model's width and depth and the dropout, then reports the final loss to hyperloom
(`hyperloom.sweep.report_result`), which `hyperloom run` records as the trial's value. Run on its own, it
prints the value instead.
"""

from __future__ import annotations

import math
import os
import random
import sys

import gin

from hyperloom.sweep import report_result

# Relative `include` lines are looked up next to this file too (Gin resolves them against the
# working directory otherwise).
gin.add_config_file_search_path(os.path.dirname(os.path.abspath(__file__)))


@gin.configurable
class Model:
    def __init__(self, width: int = 32, depth: int = 2, dropout: float = 0.0,
                 activation: str = "relu") -> None:
        self.width, self.depth, self.dropout, self.activation = width, depth, dropout, activation

    def capacity(self) -> float:
        bonus = 1.1 if self.activation == "gelu" else 1.0
        return bonus * math.log2(self.width) * math.sqrt(self.depth) * (1 - self.dropout / 2)


@gin.configurable
def optimizer(name: str = "sgd", lr: float = 0.1, momentum: float = 0.0) -> dict:
    return {"name": name, "lr": lr, "momentum": momentum}


@gin.configurable
def train(model: Model = gin.REQUIRED, opt: dict = gin.REQUIRED, steps: int = 50,
          seed: int = 0) -> float:
    """A loss that falls with steps, best near lr = 0.01 and for larger models, plus noise."""
    rng = random.Random(seed)
    lr = opt["lr"]
    speed = 1 + opt["momentum"] + (0.3 if opt["name"] == "adam" else 0.0)
    loss = 1.0
    for _ in range(steps):
        step = speed * lr / (1 + 50 * abs(math.log10(lr) + 2) ** 2)
        loss = loss * (1 - step) + 0.001 * rng.random()
    return loss + 1.0 / model.capacity()


def main(path: str) -> None:
    gin.parse_config_file(path)
    loss = train(model=Model(), opt=optimizer())
    print(f"final loss {loss:.5f}")
    report_result(loss)


if __name__ == "__main__":
    main(sys.argv[1])
