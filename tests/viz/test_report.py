"""The HTML report: one file with plotly.js inlined once, no address outside the file, the
summary and best trials of the study, the figures' data rounded and sampled; under 10 MB
and 5 s at 100,000 trials; and the `hyperloom report` command."""

from __future__ import annotations

import json
import re
import time

import numpy as np
import pytest
from click.testing import CliRunner

import hyperloom as hl
import hyperloom.viz as viz
from hyperloom.cli import main

pytest.importorskip("plotly")
pytest.importorskip("sklearn")


def figures_of(text: str) -> dict:
    """The figures a report draws, read back from its page."""
    found = re.search(r"const FIGURES = (.*?);\n", text)
    assert found, "no FIGURES in the report"
    return json.loads(found.group(1).replace("<\\/", "</"))


@pytest.fixture(scope="module")
def single_report(single_study, tmp_path_factory) -> str:
    path = viz.report(single_study, tmp_path_factory.mktemp("r") / "report.html")
    return path.read_text(encoding="utf-8")


@pytest.mark.slow  # the importance imports scikit-learn
def test_the_report_inlines_plotly_once_and_reaches_for_nothing_outside(single_report):
    from plotly.offline import get_plotlyjs

    plotly_js = get_plotlyjs()
    assert single_report.count(plotly_js) == 1
    ours = single_report.replace(plotly_js, "")  # plotly.js names addresses it never uses here
    assert not re.search(r"""<(script|link|img|iframe)[^>]+(src|href)=""", ours)
    assert not re.search(r"https?://", ours)


@pytest.mark.slow
def test_the_report_has_the_summary_and_the_best_trials(single_study, single_report):
    counts = {s: len(single_study.get_trials([s])) for s in hl.TrialState}
    for state in ("complete", "pruned", "failed"):
        assert f"<b>{counts[hl.TrialState[state.upper()]]:,}</b> {state}" in single_report
    best = single_study.best_trial
    assert f"(trial {best.number})" in single_report
    table = single_report.split("<h2>Best trials</h2>")[1].split("</table>")[0]
    first_row = table.split("<tbody>")[1].split("</tr>")[0]
    assert f"<td class='num'>{best.number}</td>" in first_row
    assert table.count("<tr>") == 1 + 10  # the header and the 10 best


@pytest.mark.slow
def test_the_reports_figures_hold_the_studys_data_rounded(single_study, single_report):
    figures = figures_of(single_report)
    assert list(figures) == ["history", "importance", "parallel", "slice", "contour", "edf",
                             "intermediate", "timeline"]
    values = [t.value for t in single_study.get_trials([hl.TrialState.COMPLETE])]
    shown = figures["history"]["data"][0]["y"]
    assert np.allclose(shown, values, rtol=1e-5)
    assert all(len(repr(v)) <= 12 for v in shown)  # six significant digits, not seventeen
    assert "template" not in figures["history"]["layout"]  # given once for the page


@pytest.mark.slow
def test_the_reports_parallel_coordinates_are_svg_lines_one_per_trial(single_study,
                                                                      single_report):
    figure = figures_of(single_report)["parallel"]
    *bands, scale = figure["data"]
    assert {t["type"] for t in bands} == {"scatter"}  # SVG: no WebGL Parcoords on a page
    assert figure["layout"]["xaxis"]["ticktext"] == ["objective value", "x", "lr", "layers",
                                                     "act", "slope"]
    lines = [np.asarray(t["y"][i:i + 6], dtype=float) for t in bands
             for i in range(0, len(t["y"]), 7)]  # six axes, then a gap
    values = np.sort([t.value for t in single_study.get_trials([hl.TrialState.COMPLETE])])
    assert len(lines) == len(values)
    first = np.sort([line[0] for line in lines])
    assert np.allclose(first, (values - values[0]) / (values[-1] - values[0]), atol=1e-5)
    assert 0.0 in bands[-1]["y"][::7]  # the band of the best trial is drawn last, on top
    assert scale["marker"]["showscale"] and scale["marker"]["reversescale"]


@pytest.mark.slow
def test_a_multi_objective_report_shows_the_pareto_front(multi_study, tmp_path):
    text = viz.report(multi_study, tmp_path / "multi.html").read_text()
    figures = figures_of(text)
    assert list(figures)[:3] == ["pareto", "history", "history_1"]
    assert f"Pareto front: <b>{len(multi_study.best_trials)}</b> trials" in text
    table = text.split("<h2>Best trials</h2>")[1].split("</table>")[0]
    assert table.count("<tr>") == 1 + len(multi_study.best_trials)


@pytest.mark.slow
def test_names_from_the_study_cannot_break_out_of_the_page(tmp_path):
    study = hl.create_study(study_name="<b>bold</b>")
    study.optimize(lambda t: t.suggest_float("</script><script>alert(1)</script>", 0, 1)
                   + t.suggest_float("y", 0, 1), n_trials=5)
    text = viz.report(study, tmp_path / "r.html", importance="permutation").read_text()
    assert text.count("</script>") == 2  # the page's own two scripts end, nothing else
    assert "<th>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;</th>" in text
    assert "<h1>Study &lt;b&gt;bold&lt;/b&gt;" in text
    slice_fig = figures_of(text)["slice"]
    assert slice_fig["data"][0]["name"] == "</script><script>alert(1)</script>"


def test_an_empty_study_gives_a_report_that_says_so(tmp_path):
    text = viz.report(hl.create_study(study_name="empty"), tmp_path / "e.html").read_text()
    assert "no trials yet" in text and "No completed trial yet" in text


@pytest.mark.timed
@pytest.mark.slow
def test_a_100000_trial_report_in_under_5_seconds_and_10_mb(big_study, tmp_path):
    table = viz.trial_table(big_study)
    viz.importances(table, max_trials=100)  # scikit-learn imported once, as in a session
    started = time.perf_counter()
    path = viz.report(table, tmp_path / "big.html")
    elapsed = time.perf_counter() - started
    size = path.stat().st_size
    assert elapsed < 5.0 and size < 10e6, (elapsed, size)
    figures = figures_of(path.read_text())
    assert len(figures["history"]["data"][0]["x"]) == 10_000
    # what a browser draws quickly: 5,000 SVG points over the slice panels, 2,000 contour dots
    assert [len(t["x"]) for t in figures["slice"]["data"]] == [5_000 // 3] * 3
    assert len(figures["contour"]["data"][1]["x"]) == 2_000
    assert "10,000 of 98,000 completed trials shown" in figures["history"]["layout"]["title"][
        "text"]


@pytest.mark.slow
def test_the_report_command_writes_the_file_and_prints_its_path(make_single, tmp_path):
    url = f"sqlite:///{tmp_path / 'study.db'}"
    make_single(storage=url, n_trials=15, name="cli-study")
    out = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["report", "--storage", url, "--study", "cli-study",
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(out)
    assert "Study cli-study" in out.read_text()
    wrong = CliRunner().invoke(main, ["report", "--storage", url, "--study", "nope",
                                      "--out", str(out)])
    assert wrong.exit_code == 1 and "no study named 'nope'" in wrong.output
