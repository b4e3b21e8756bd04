"""`hyperloom.cgp` loads on first use, and gymnasium only when a GymTask is made."""

import subprocess
import sys


def _modules_after(statement: str) -> set[str]:
    code = f"{statement}; import sys; print('\\n'.join(sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    return set(done.stdout.split())


def test_import_hyperloom_loads_no_cgp_module():
    assert not any(m.startswith("hyperloom.cgp") for m in _modules_after("import hyperloom"))


def test_cgp_loads_on_attribute_access_without_gymnasium():
    loaded = _modules_after("import hyperloom as hl; hl.cgp.Genome")
    assert "hyperloom.cgp" in loaded
    assert "gymnasium" not in loaded
