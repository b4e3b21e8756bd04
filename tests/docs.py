"""Reading the code of docs and READMEs that tests run as written."""

from __future__ import annotations

import re

_PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def python_blocks(text: str) -> list[str]:
    """The ```python blocks of a Markdown text, in order."""
    return _PYTHON_BLOCK.findall(text)
