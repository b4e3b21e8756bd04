"""CGP genomes, decoding, formulas and symbolic regression through a Study."""

import numpy as np
import pytest

import hyperloom as hl
from hyperloom import cgp
from hyperloom.samplers import GeneticSampler

ARITHMETIC = cgp.NUMERIC.select(include=["arithmetic", "constant"])


def _params(genome, **genes):
    """Params that wire every cell to input 0 with the first operator, overridden by `genes`."""
    params = {}
    for k in range(genome.n_cells):
        params |= {f"cell{k}.op": genome.operators.names[0], f"cell{k}.const": 0.0, f"cell{k}.in0": 0,
                   f"cell{k}.in1": 0}
    return params | {f"out{j}": 0 for j in range(genome.outputs)} | genes


def test_cell_sources_respect_levels_back_and_may_repeat():
    genome = cgp.Genome(2, 1, rows=2, columns=4, levels_back=1)
    space = genome.search_space()
    # cell 6 sits in column 3: it reads the inputs or column 2 (cells 4, 5 -> sources 6, 7)
    assert space["cell6.in0"].options == (0, 1, 6, 7)
    assert space["cell6.in1"].options == (0, 1, 6, 7)
    assert space["cell0.const"] == hl.Uniform(-1.0, 1.0)
    assert space["out0"].options == tuple(range(2 + 8))


def test_unreachable_cells_never_execute():
    calls = []

    @cgp.operator
    def counted(a, b):
        calls.append(1)
        return a + b

    genome = cgp.Genome(2, 1, rows=1, columns=5, operators=cgp.OperatorSet([counted]))
    # output reads cell 2 (source 4), which reads cell 0 (source 2) and input 1
    params = _params(genome, **{"out0": 4, "cell2.in0": 2, "cell2.in1": 1, "cell0.in1": 1})
    program = cgp.decode(genome, params)
    assert program([1.0, 2.0]) == [5.0]
    assert len(calls) == 2
    assert program.active_sources == [2, 4]


def test_numeric_operators_keep_values_in_unit_range():
    for op in cgp.NUMERIC:
        for a, b in [(1.0, 1.0), (-1.0, 1.0), (0.5, 0.0), (-1.0, -1.0)]:
            value = op(*(a, b)[:op.arity], c=-1.0)
            assert -1.0 <= value <= 1.0, op.name


def test_select_by_group_and_name_and_unknown_name_is_named():
    chosen = cgp.NUMERIC.select(include=["trig", "add"], exclude=["cos"])
    assert chosen.names == ["add", "sin", "tanh"]
    with pytest.raises(ValueError, match="'trigo'"):
        cgp.NUMERIC.select(include=["trigo"])


def test_delay_gives_the_previous_input_and_reset_clears_it():
    genome = cgp.Genome(1, 1, rows=1, columns=1)
    program = cgp.decode(genome, _params(genome, **{"cell0.op": "delay", "out0": 1}))
    assert [program([x])[0] for x in (0.1, 0.2, 0.3)] == [0.0, 0.1, 0.2]
    program.reset()
    assert program([0.9]) == [0.0]


def test_feedback_link_reads_the_previous_value_of_a_later_cell():
    genome = cgp.Genome(1, 1, rows=1, columns=2, feedback=True)
    # cell 0 = x0 + previous(cell 1); cell 1 = cell 0 * 1 (scale by const 1)
    params = _params(genome, **{"cell0.in1": 2, "cell1.op": "scale", "cell1.const": 1.0,
                                "cell1.in0": 1, "out0": 2})
    program = cgp.decode(genome, params)
    assert [program([0.25])[0] for _ in range(3)] == [0.25, 0.5, 0.75]
    with pytest.raises(ValueError, match="feedback"):
        cgp.to_expression(genome, params)


def test_formula_of_a_program_reproduces_its_outputs_with_delays():
    genome = cgp.Genome(2, 2, rows=2, columns=3, operators=cgp.NUMERIC)
    rng = np.random.default_rng(3)
    inputs = rng.uniform(-1, 1, (20, 2)).tolist()
    space = genome.search_space()
    for trial_seed in range(30):
        params = {n: d.sample(np.random.default_rng(trial_seed)) for n, d in space.items()}
        program = cgp.decode(genome, params)
        formulas = [cgp.Formula(text, cgp.NUMERIC) for text in cgp.to_expression(genome, params)]
        for x in inputs:
            assert program(x) == [f(x) for f in formulas]


def test_formula_rejects_anything_but_inputs_and_operators():
    with pytest.raises(ValueError, match="__import__"):
        cgp.Formula("__import__('os').system('true')", cgp.NUMERIC)
    with pytest.raises(ValueError, match="takes 2 arguments"):
        cgp.Formula("add(x0)", cgp.NUMERIC)


def test_integer_set_computes_with_ints_and_has_no_constant_genes():
    genome = cgp.Genome(2, 1, rows=1, columns=2, operators=cgp.INTEGER)
    assert not any(name.endswith(".const") for name in genome.search_space())
    params = _params(genome, **{"cell0.op": "mod", "cell0.in1": 1, "cell1.op": "mul",
                                "cell1.in0": 2, "cell1.in1": 0, "out0": 3})
    assert cgp.decode(genome, params)([7, 4]) == [21]
    assert cgp.to_expression(genome, params) == ["(mod(x0, x1) * x0)"]


def test_missing_gene_is_named():
    genome = cgp.Genome(1, 1, rows=1, columns=1)
    with pytest.raises(KeyError, match="out0"):
        cgp.decode(genome, {})


@pytest.mark.slow
def test_symbolic_regression_fits_and_its_formula_reproduces_the_program():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (40, 2))
    y = x[:, 0] * x[:, 1] + 0.5 * np.abs(x[:, 0])
    genome = cgp.Genome(2, 1, rows=3, columns=4, operators=ARITHMETIC)

    def mse(trial):
        program = cgp.decode(genome, trial.params)
        return float(np.mean([(program(list(p))[0] - t) ** 2 for p, t in zip(x, y)]))

    sampler = GeneticSampler(population_size=4, lambda_=4, mutation_prob=(0.02, 0.2),
                             crossover=None, seed=0)
    study = hl.create_study(sampler=sampler, space=genome.search_space())
    study.optimize(mse, n_trials=2000)
    assert study.best_value < 0.06
    program = cgp.decode(genome, study.best_params)
    [formula] = [cgp.Formula(t, ARITHMETIC) for t in cgp.to_expression(genome, study.best_params)]
    assert [formula(list(p)) for p in x] == [program(list(p))[0] for p in x]


@pytest.mark.slow  # over 0.4 s: ./run test runs it, the fast tier not
def test_a_cgp_study_resumes_from_sqlite_and_its_best_params_decode_to_its_best_value(tmp_path):
    genome = cgp.Genome(1, 1, rows=2, columns=3, operators=ARITHMETIC)
    xs = np.linspace(-1, 1, 9)

    def error(trial):
        program = cgp.decode(genome, trial.params)
        return float(np.mean([(program([x])[0] - x * x) ** 2 for x in xs]))

    options = dict(storage=f"sqlite:///{tmp_path}/cgp.db", study_name="cgp",
                   space=genome.search_space(), load_if_exists=True)
    hl.create_study(sampler=GeneticSampler(seed=0), **options).optimize(error, n_trials=15)
    study = hl.create_study(sampler=GeneticSampler(seed=0), **options)
    study.optimize(error, n_trials=15)
    assert len(study.trials) == 30
    assert error(study.best_trial) == study.best_value


def test_two_operators_with_the_same_infix_are_refused():
    plus = cgp.operator(lambda a, b: a + b, name="plus", infix="+")
    with pytest.raises(ValueError, match="same infix"):
        cgp.NUMERIC | [plus]
