"""Functions defined in a notebook whose source Python cannot retrieve: read the `.ipynb`."""

import ast
import inspect
import linecache
import types
from collections.abc import Callable
from typing import Any


def with_source(fn: Callable[..., Any], notebook_name: str | None) -> Callable[..., Any]:
    """`fn` itself when its source is retrievable; otherwise, with `notebook_name`, the same
    function rebuilt from the `def` of that name in `<notebook_name>.ipynb`, keeping `fn`'s
    globals (so the notebook's imports and helpers still resolve)."""
    try:
        inspect.getsource(fn)
        return fn
    except (OSError, TypeError):
        if notebook_name is None:
            raise ValueError(f"template: the source of {fn.__name__!r} cannot be read; define "
                             "it in a file, or pass notebook_name='NAME' (NAME.ipynb holds "
                             "it)") from None
    source = function_source(notebook_name, fn.__name__)
    filename = f"<hyperloom notebook {notebook_name}.ipynb:{fn.__name__}>"
    lines = source.splitlines(keepends=True)
    linecache.cache[filename] = (len(source), None, lines, filename)
    module_code = compile(source, filename, "exec")
    code = next(c for c in module_code.co_consts if isinstance(c, types.CodeType))
    return types.FunctionType(code, fn.__globals__, fn.__name__, fn.__defaults__)


def function_source(notebook_name: str, name: str) -> str:
    """The source of the last `def name(...)` among the code cells of `<notebook_name>.ipynb`."""
    try:
        import nbformat
    except ImportError:
        raise ImportError("template: notebook_name needs nbformat; pip install "
                          "'hyperloom[notebook]'") from None
    path = notebook_name if notebook_name.endswith(".ipynb") else f"{notebook_name}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    found = None
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join(line for line in cell.source.splitlines()
                           if not line.lstrip().startswith(("%", "!")))  # IPython magics
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name == name:
                found = "\n".join(source.splitlines()[node.lineno - 1:node.end_lineno])
    if found is None:
        raise ValueError(f"template: no `def {name}` in a code cell of {path}; "
                         "define it there or pass the notebook that does")
    return found + "\n"
