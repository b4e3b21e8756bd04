"""A sweep file cannot exhaust the machine: every expression, function, nesting and grid that
would compute for minutes, allocate gigabytes or overflow the stack is a SweepError naming
file:line:column, within a second, in bounded memory.

Each case runs in a child process limited to 1 GiB of address space, so that a regression fails
fast (MemoryError, or the child killed) instead of eating the machine running the tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time

import pytest

from hyperloom.sweep import Sweep, SweepError, expand

# Runs one sweep file in a child under RLIMIT_AS = 1 GiB and prints what happened as JSON.
CHILD = textwrap.dedent("""
    import json, resource, sys, time
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
    import hyperloom.sweep as hs
    path, action = sys.argv[1], sys.argv[2]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.process_time()
    out = {"error": None}
    try:
        if action == "space":
            hs.Sweep(path).search_space()
        else:
            hs.expand(path)
    except hs.SweepError as exc:
        out = {"error": "SweepError", "file": exc.file, "line": exc.line, "column": exc.column,
               "message": exc.message}
    except BaseException as exc:
        out = {"error": type(exc).__name__, "message": str(exc)[:300]}
    out["seconds"] = time.process_time() - start  # CPU time: other tests may load the machine
    out["grown_mib"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    print(json.dumps(out))
""")

pytestmark = pytest.mark.timed  # every refusal is bounded in CPU seconds

GRID_1E10 = "".join(f"A.k{i}: range(10)\n" for i in range(10))


def run_limited(tmp_path, text: str, action: str = "expand") -> dict:
    path = tmp_path / "big.hyp"
    path.write_text(text)
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-c", CHILD, str(path), action], capture_output=True,
                          text=True, timeout=60, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return {**json.loads(proc.stdout.splitlines()[-1]), "path": str(path)}


def assert_refused_fast(out: dict, line: int, column: int, match: str) -> None:
    assert out["error"] == "SweepError", out
    assert (out["file"], out["line"], out["column"]) == (out["path"], line, column), out
    assert match in out["message"], out["message"]
    assert out["seconds"] < 1.0, out
    assert out["grown_mib"] < 200, out


def nested(open_: str, close: str, depth: int) -> str:
    return open_ * depth + "1" + close * depth


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
@pytest.mark.parametrize("text, line, column, match", [
    pytest.param("A.x = (10 ** 10000) ** 10000\n", 1, 8, "too large", id="power of a power"),
    pytest.param("A.x = 10 ** 10 ** 10\n", 1, 7, "too large", id="power tower"),
    pytest.param("A.x = 2 << 10 ** 9\n", 1, 7, "too large", id="shift"),
    pytest.param("A.x = 7 ** 5000 * 7 ** 3000\n", 1, 7, "too large", id="product of big ints"),
    pytest.param("A.x = '%0999999999d' % 1\n", 1, 7, "too large", id="format width"),
    pytest.param("A.x = '%.999999999f' % 1.0\n", 1, 7, "too large", id="format precision"),
    pytest.param("A.x = '%*d' % (10 ** 9, 1)\n", 1, 7, "too large", id="format star width"),
    pytest.param("A.x = b'%0999999999d' % 1\n", 1, 7, "too large", id="bytes format"),
    pytest.param("A.x = 'ab' * 10 ** 9\n", 1, 7, "too large", id="string repeat"),
    pytest.param("A.x = [0] * 10 ** 9\n", 1, 7, "too large", id="list repeat"),
    pytest.param("a = 'x' * 10 ** 6\nA.x = [%a] * 1000\n", 2, 7, "too large",
                 id="repeat of a macro per config"),
    pytest.param("a = 'x' * 10 ** 6\nA.x = [%a, %a, %a]\n", 2, 7, "too large",
                 id="list of long macros"),
    pytest.param("a = 'x' * 10 ** 6\nA.x = %a + %a\n", 2, 7, "too large", id="concatenation"),
    pytest.param("A.x: linspace(0, 1, 10 ** 9)\n", 1, 6, "1,000,000,000 values", id="linspace"),
    pytest.param("A.x: logspace(0, 1, 10 ** 9)\n", 1, 6, "1,000,000,000 values", id="logspace"),
    pytest.param("A.x: range(10 ** 12)\n", 1, 6, "1,000,000,000,000 values", id="range"),
    pytest.param("repeat: 10 ** 9\n", 1, 9, "more than 10,000,000 seeds", id="repeat"),
])
def test_expressions_that_would_exhaust_the_machine_are_refused_within_a_second(
        tmp_path, text, line, column, match):
    assert_refused_fast(run_limited(tmp_path, text), line, column, match)


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
@pytest.mark.parametrize("text, line, column, match", [
    pytest.param("A.x = " + nested("(", ")", 5000) + "\n", 1, 107, "brackets nest more than 100",
                 id="parentheses"),
    pytest.param("A.x = " + nested("[", "]", 5000) + "\n", 1, 107, "brackets nest more than 100",
                 id="lists"),
    pytest.param("m = 1\nA.x = " + "not " * 5000 + "%m\n", 2, 7, "nests more than 100",
                 id="not not not"),
    pytest.param("m = 1\nA.x = " + "-" * 5000 + "%m\n", 2, 4906, "nests more than 100",
                 id="unary minus"),
    pytest.param("m = 1\nA.x = " + " + ".join(["%m"] * 5000) + "\n", 2, 7, "nests more than 100",
                 id="long sum of macros"),
    # 1,500 macros: deeper than Python's recursion limit even at one frame a macro, so an
    # unguarded evaluator raises RecursionError; longer chains only time the parser.
    pytest.param("".join(f"m{i} = %m{i + 1} + 1\n" for i in range(1500)) + "m1500 = 0\n",
                 101, 8, "macros and expressions nest more than 200", id="macro chain"),
    pytest.param("".join("    " * i + "union:\n" for i in range(300)) + "    " * 300 + "x: [1]\n",
                 101, 401, "blocks nest more than 100", id="nested blocks"),
])
def test_deep_nesting_is_a_sweep_error_not_a_recursion_error(tmp_path, text, line, column, match):
    assert_refused_fast(run_limited(tmp_path, text), line, column, match)


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
@pytest.mark.parametrize("action", ["expand", "space"])
def test_a_grid_of_ten_billion_configs_is_counted_not_made_and_the_error_says_how_to_sample(
        tmp_path, action):
    out = run_limited(tmp_path, GRID_1E10, action)
    assert_refused_fast(out, 1, 1, "10,000,000,000 configs")
    assert "--sampler tpe --n-trials N" in out["message"]


def test_counting_a_huge_grid_and_walking_it_lazily_still_work():
    sweep = Sweep(GRID_1E10)
    assert len(sweep) == 10 ** 10
    assert sweep[-1]["A.k9"] == 9
    with pytest.raises(SweepError, match="10,000,000,000 configs"):
        list(sweep)


def test_macros_that_use_a_macro_twice_evaluate_in_linear_time_not_exponential():
    text = "".join(f"m{i} = %m{i + 1} + %m{i + 1}\n" for i in range(60)) + "m60 = 1\n"
    start = time.process_time()
    (config,) = expand(text)
    assert time.process_time() - start < 1.0
    assert config.resolved_values()["m0"] == 2 ** 60


def test_macros_doubling_a_string_stop_at_the_size_limit():
    text = "".join(f"m{i} = %m{i + 1} + %m{i + 1}\n" for i in range(40)) + "m40 = 'ab'\n"
    with pytest.raises(SweepError, match="too large"):
        expand(text)


def list_nested(depth: int) -> list:
    value: list = [1]
    for _ in range(depth - 1):
        value = [value]
    return value


@pytest.mark.parametrize("text, value", [
    ("A.x = 10 ** 4299\n", 10 ** 4299),
    ("A.x = 'a' * 10 ** 6\n", "a" * 10 ** 6),
    ("A.x = '%0500d' % 7\n", "7".zfill(500)),
    ("A.x = " + nested("[", "]", 100) + "\n", list_nested(100)),
])
def test_values_just_under_the_limits_are_computed(text, value):
    (config,) = expand(text)
    assert config["A.x"] == value
    config.to_gin()


def test_a_value_over_the_limit_names_its_expression_briefly():
    with pytest.raises(SweepError) as err:
        expand("A.x = 'ab' * 10 ** 5 * 10 ** 5\n")
    assert len(err.value.message) < 250
