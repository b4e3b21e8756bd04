"""Evolve a CartPole-v1 controller with Cartesian genetic programming and save the plot of the
best score per evaluation for genetic, TPE and the default sampler.

Usage: python examples/cgp/cartpole.py PLOT.png [--trials N] [--seed S]
"""

from __future__ import annotations

import argparse

import hyperloom as hl
from hyperloom import cgp
from hyperloom.samplers import AutoSampler, GeneticSampler, TPESampler

PERFECT = 250.0


def best_so_far(sampler: hl.samplers.BaseSampler, n_trials: int) -> tuple[list[float], list[str]]:
    """Best mean return after each evaluation, and the best program's formula."""
    task = cgp.GymTask("CartPole-v1", episodes=3, max_steps=250, seed=0)
    genome = task.genome(rows=5, columns=5, levels_back=3)
    study = hl.create_study(sampler=sampler, space=genome.search_space(), direction="maximize")

    def stop_when_perfect(study: hl.Study, trial: hl.FrozenTrial) -> None:
        if trial.value >= PERFECT:
            study.stop()

    study.optimize(task.objective(genome), n_trials=n_trials, callbacks=[stop_when_perfect])
    curve, best = [], float("-inf")
    for trial in study.trials:
        best = max(best, trial.value)
        curve.append(best)
    return curve, cgp.to_expression(genome, study.best_params)


def save_plot(curves: dict[str, list[float]], path: str) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise SystemExit("the plot needs matplotlib: pip install 'hyperloom[viz]'") from None
    fig, ax = plt.subplots(figsize=(7, 4))
    for name, curve in curves.items():
        ax.plot(range(1, len(curve) + 1), curve, label=name)
    ax.set(xlabel="evaluation", ylabel="best mean return", title="CGP on CartPole-v1")
    ax.legend()
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("plot", help="where to save the PNG")
    parser.add_argument("--trials", type=int, default=1000, help="evaluations per sampler")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    samplers = {
        "genetic": GeneticSampler(population_size=4, lambda_=4, mutation_prob=(0.02, 0.2),
                                  crossover=None, seed=args.seed),
        "tpe": TPESampler(seed=args.seed),
        "auto": AutoSampler(seed=args.seed),
    }
    curves = {}
    for name, sampler in samplers.items():
        curves[name], formula = best_so_far(sampler, args.trials)
        print(f"{name}: best {curves[name][-1]:.1f} after {len(curves[name])} evaluations; "
              f"action = 1 if {formula[0]} > 0")
    save_plot(curves, args.plot)
    print(f"saved {args.plot}")


if __name__ == "__main__":
    main()
