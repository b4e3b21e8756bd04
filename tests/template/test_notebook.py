"""Functions of a notebook: found in the .ipynb by name, and a real notebook run end to end."""

import inspect

import pytest

nbformat = pytest.importorskip("nbformat", reason="the notebook tests need nbformat")

from hyperloom.template._notebook import function_source, with_source  # noqa: E402

MODEL_CELL = '''
def model(x):
    """A template whose loss is smallest at x near 2."""
    offset = {{uniform(0, 4)}}
    return {"loss": (offset - 2.0) ** 2 + x, "status": "ok", "model": offset}
'''


def _notebook(path, *cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, str(path))


def _sourceless(source, name, namespace=None):
    """A function whose source Python cannot retrieve, as in some notebook kernels."""
    namespace = {} if namespace is None else namespace
    exec(compile(source, "<kernel cell>", "exec"), namespace)
    return namespace[name]


def test_notebook_name_finds_a_function_by_name_in_the_ipynb(tmp_path):
    _notebook(tmp_path / "exp.ipynb", "%matplotlib inline\nimport math", MODEL_CELL,
              "def other():\n    return 1")
    assert "def model(x):" in function_source(str(tmp_path / "exp"), "model")
    assert function_source(str(tmp_path / "exp.ipynb"), "other").startswith("def other")


def test_a_function_without_source_is_rebuilt_from_the_notebook_in_its_own_globals(tmp_path):
    _notebook(tmp_path / "exp.ipynb", "def f(x):\n    return helper(x) + 1")
    f = _sourceless("def f(x):\n    return helper(x) + 1", "f", {"helper": lambda x: 10 * x})
    with pytest.raises(OSError):
        inspect.getsource(f)
    rebuilt = with_source(f, str(tmp_path / "exp"))
    assert "helper(x) + 1" in inspect.getsource(rebuilt)
    assert rebuilt(2) == 21


def test_a_function_with_source_is_used_as_it_is(tmp_path):
    assert with_source(test_a_function_with_source_is_used_as_it_is, "missing") \
        is test_a_function_with_source_is_used_as_it_is


def test_no_source_and_no_notebook_name_says_how_to_fix_it(tmp_path):
    f = _sourceless("def f():\n    return 1", "f")
    with pytest.raises(ValueError, match="notebook_name="):
        with_source(f, None)
    _notebook(tmp_path / "exp.ipynb", "x = 1")
    with pytest.raises(ValueError, match="no `def f`"):
        with_source(f, str(tmp_path / "exp"))


def test_minimize_with_notebook_name_tunes_functions_whose_source_is_lost(tmp_path):
    from hyperloom import template

    data_cell = "def data():\n    return (0.5,)"
    _notebook(tmp_path / "exp.ipynb", data_cell, MODEL_CELL)
    model = _sourceless(MODEL_CELL, "model")
    data = _sourceless(data_cell, "data")
    run, offset = template.minimize(model, data, max_evals=15, seed=0,
                                    notebook_name=str(tmp_path / "exp"))
    assert set(run) == {"offset"} and abs(offset - 2.0) < 1.0


NOTEBOOK_CELLS = [
    "import numpy as np\nfrom hyperloom import template",
    "def scale(v):\n    return 10 * v",
    "def data():\n    xs = np.linspace(0, 1, 5)\n    return (xs,\n            xs ** 2)",
    "def model(xs, ys):\n    w = {{uniform(0, 2)}}\n"
    "    return float(np.mean((scale(w) * xs - 10 * ys) ** 2))",
    "best_run, _ = template.minimize(model, data, max_evals=20, seed=0)\n"
    "assert set(best_run) == {'w'}, best_run\nprint('BEST', best_run)",
]


@pytest.mark.slow
def test_a_notebook_run_by_nbclient_defines_data_and_model_and_calls_minimize(tmp_path):
    nbclient = pytest.importorskip("nbclient", reason="running a notebook needs nbclient")
    pytest.importorskip("ipykernel", reason="the python3 kernel needs ipykernel")
    path = tmp_path / "tune.ipynb"
    _notebook(path, *NOTEBOOK_CELLS)
    nb = nbformat.read(str(path), as_version=4)
    client = nbclient.NotebookClient(nb, timeout=180, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError:
        raise
    except Exception as exc:  # noqa: BLE001 - a kernel that cannot start is an environment gap
        pytest.skip(f"the python3 kernel could not start: {type(exc).__name__}: {exc}")
    printed = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    assert "BEST {'w':" in printed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tune.ipynb"]
