"""CGP on CartPole-v1 (250 steps, 3 seeded episodes, a 5x5 grid, levels back 3): how many
objective evaluations each sampler needs to reach the perfect score of 250, per seed.

Samplers are compared **per evaluation**, not per generation: the summary counts the runs of
each that are solved within the same number of evaluations (`--budget`, default 1,000, the
budget of TPE and "auto", whose proposals get slower as trials accumulate). Genetic runs up to
`--budget-genetic` evaluations (default 4,804: 300 generations with population 4 and lambda 4),
which checks the acceptance target (perfect within 300 generations). A run stops at the
first perfect trial. Genetic: `GeneticSampler(population_size=4, lambda_=4,
mutation_prob=(0.02, 0.2), crossover=None)`, a (4 + 16) evolution close to CGP's classic
(1 + 4); its generation count is given too.

Usage: ./run bench graph [--seeds N] [--budget EVALS] [--budget-genetic EVALS]
                         [--samplers genetic,tpe,auto]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_table, reproduce_command, write_json  # noqa: E402

import hyperloom as hl  # noqa: E402
from hyperloom import cgp  # noqa: E402
from hyperloom.samplers import AutoSampler, GeneticSampler, TPESampler  # noqa: E402

PERFECT = 250.0
SAMPLERS = {
    "genetic": lambda seed: GeneticSampler(population_size=4, lambda_=4,
                                           mutation_prob=(0.02, 0.2), crossover=None, seed=seed),
    "tpe": lambda seed: TPESampler(seed=seed),
    "auto": lambda seed: AutoSampler(seed=seed),
}


def solve(sampler_name: str, seed: int, budget: int) -> dict[str, Any]:
    """One run: evaluations until the first perfect score (None when the budget ran out)."""
    task = cgp.GymTask("CartPole-v1", episodes=3, max_steps=250, seed=0)
    genome = task.genome(rows=5, columns=5, levels_back=3)
    sampler = SAMPLERS[sampler_name](seed)
    study = hl.create_study(sampler=sampler, space=genome.search_space(), direction="maximize")

    def stop_when_perfect(study: hl.Study, trial: hl.FrozenTrial) -> None:
        if trial.value is not None and trial.value >= PERFECT:
            study.stop()

    start = time.perf_counter()
    study.optimize(task.objective(genome), n_trials=budget, callbacks=[stop_when_perfect])
    evaluations = len(study.trials)
    solved = study.best_value >= PERFECT
    row = {"sampler": sampler_name, "seed": seed, "budget": budget, "solved": solved,
           "evaluations": evaluations if solved else None, "best": study.best_value,
           "seconds": round(time.perf_counter() - start, 1)}
    if isinstance(sampler, GeneticSampler):
        row["generations"] = sampler.generation_of(evaluations - 1) if solved else None
    return row


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--budget", type=int, default=1000,
                        help="evaluations per run, and the per-evaluation comparison")
    parser.add_argument("--budget-genetic", type=int, default=4 + 300 * 16,
                        help="evaluations per genetic run (default: 300 generations)")
    parser.add_argument("--samplers", default="genetic,tpe,auto")
    parser.add_argument("--out", default=None, help="folder for graph.json")
    args = parser.parse_args(argv)

    rows = []
    for name in args.samplers.split(","):
        budget = args.budget_genetic if name == "genetic" else args.budget
        for seed in range(args.seeds):
            rows.append(solve(name, seed, budget))
            print(f"  {name} seed {seed}: {rows[-1]}", file=sys.stderr, flush=True)
    print_table(["sampler", "seed", "solved", "evaluations", "generations", "best", "seconds"],
                [[r["sampler"], r["seed"], r["solved"], r["evaluations"], r.get("generations"),
                  f"{r['best']:.1f}", r["seconds"]] for r in rows])
    summary = _summary(rows, args.budget)
    print()
    print_table(["sampler", "budget", "solved", f"solved within {args.budget} evaluations",
                 "median evaluations (solved runs)"],
                [[s["sampler"], s["budget"], f"{s['solved']}/{s['runs']}",
                  f"{s['solved_within_common_budget']}/{s['runs']}", s["median_evaluations"]]
                 for s in summary])
    path = write_json("graph", {"budget": args.budget, "budget_genetic": args.budget_genetic,
                                "rows": rows, "summary": summary}, args.out)
    print(f"\nwrote {path}")
    print(reproduce_command("graph", sys.argv[1:] if argv is None else argv))


def _summary(rows: list[dict[str, Any]], common_budget: int) -> list[dict[str, Any]]:
    out = []
    for name in dict.fromkeys(r["sampler"] for r in rows):
        runs = [r for r in rows if r["sampler"] == name]
        solved = [r["evaluations"] for r in runs if r["solved"]]
        out.append({"sampler": name, "budget": runs[0]["budget"], "runs": len(runs),
                    "solved": len(solved),
                    "solved_within_common_budget": sum(e <= common_budget for e in solved),
                    "median_evaluations": statistics.median(solved) if solved else None})
    return out


if __name__ == "__main__":
    main()
