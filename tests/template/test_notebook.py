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
