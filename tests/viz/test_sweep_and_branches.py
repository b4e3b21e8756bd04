"""The sweep view, on a real `hyperloom run` of a grid (child processes, SQLite), and the
chosen-branches view, on a real graph study with two switches, in both backends: each heat-map
cell, bar and marker holds the mean, best or count of the trials it stands for, as computed
here from the trials themselves; and the report and the dashboard show both views with their
tables."""

from __future__ import annotations

import io
import json
import re
import warnings
from collections import defaultdict

import numpy as np
import pytest

import hyperloom as hl
import hyperloom.viz as viz

pytest.importorskip("matplotlib.figure")
pytest.importorskip("plotly.graph_objects")
pytest.importorskip("starlette")
with warnings.catch_warnings():  # starlette 1.x asks for httpx2; httpx still works
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

LRS, LAYERS, ACTS = [0.1, 0.01, 0.001], [1, 2], ["relu", "tanh"]


def values_by(study: hl.Study, *names: str) -> dict[tuple, list[float]]:
    """The values of the completed trials, by their values of `names`."""
    out = defaultdict(list)
    for t in study.get_trials([hl.TrialState.COMPLETE]):
        out[tuple(t.params[n] for n in names)].append(t.value)
    return out


def png(fig) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=40)  # draws every artist
    return out.getvalue()


def figures_of(text: str) -> dict:
    """The figures a report draws, read back from its page."""
    return json.loads(re.search(r"const FIGURES = (.*?);\n", text).group(1).replace("<\\/", "</"))


def counts_by(study: hl.Study, name: str) -> dict:
    """How many trials (any state) had each value of `name`."""
    out: dict = defaultdict(int)
    for t in study.trials:
        if name in t.params:
            out[t.params[name]] += 1
    return out


# -- the sweep view ---------------------------------------------------------------------------
@pytest.mark.slow  # runs the sweep: 12 child processes (about 1.5 s)
def test_the_heat_map_holds_the_mean_of_each_cell_of_the_two_swept_parameters_that_matter(
        sweep_study):
    fig = viz.plot_sweep(sweep_study)
    (heat,) = fig.data
    assert heat.type == "heatmap"
    # lr and layers explain most of the objective: they are the axes, act is averaged over
    assert list(heat.x) == ["0.1", "0.01", "0.001"] and list(heat.y) == ["1", "2"]
    means = values_by(sweep_study, "lr", "layers")
    for i, layers in enumerate(LAYERS):
        for j, lr in enumerate(LRS):
            cell = means.get((lr, layers))
            if cell is None:  # lr=0.001 with 2 layers failed for both acts
                assert np.isnan(heat.z[i][j]) and heat.customdata[i][j] == 0
            else:
                assert heat.z[i][j] == pytest.approx(np.mean(cell))
                assert heat.customdata[i][j] == len(cell) == 2
    assert "over every value of act" in fig.layout.title.text


@pytest.mark.slow
def test_the_best_of_each_cell_when_asked_and_which_parameters_it_was_taken_over(sweep_study):
    data = viz.sweep_data(sweep_study, params=["lr", "act"], statistic="best")
    assert (data.x.name, data.y.name, data.averaged_over) == ("lr", "act", ("layers",))
    best = values_by(sweep_study, "lr", "act")
    expected = [[min(best[(lr, act)]) for lr in LRS] for act in ACTS]
    assert np.allclose(data.z, expected)
    drawn = viz.plot_sweep(sweep_study, ["lr", "act"], statistic="best").data[0]
    assert np.allclose(np.asarray(drawn.z, dtype=float), expected)


@pytest.mark.slow
def test_one_swept_parameter_is_a_bar_of_its_means_and_a_marker_of_its_best(sweep_study):
    bars, best = viz.plot_sweep(sweep_study, params=["act"]).data
    by_act = values_by(sweep_study, "act")
    assert list(bars.x) == ACTS
    assert np.allclose(bars.y, [np.mean(by_act[(a,)]) for a in ACTS])
    assert np.allclose(best.y, [min(by_act[(a,)]) for a in ACTS])
    assert list(bars.customdata) == [len(by_act[(a,)]) for a in ACTS]


@pytest.mark.slow
def test_the_sweep_in_matplotlib_paints_the_same_cells(sweep_study):
    fig = viz.plot_sweep(sweep_study, backend="matplotlib")
    (image,) = fig.axes[0].images
    cells = np.ma.filled(image.get_array().astype(float), np.nan)
    assert np.allclose(cells, viz.sweep_data(sweep_study).z, equal_nan=True)
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["0.1", "0.01", "0.001"]
    written = {t.get_text() for t in fig.axes[0].texts}
    assert f"{np.mean(values_by(sweep_study, 'lr', 'layers')[(0.01, 1)]):.4g}" in written
    bars = viz.plot_sweep(sweep_study, ["layers"], backend="matplotlib").axes[0].patches
    by_layers = values_by(sweep_study, "layers")
    assert np.allclose([b.get_height() for b in bars],
                       [np.mean(by_layers[(n,)]) for n in LAYERS])
    assert png(fig).startswith(b"\x89PNG")


@pytest.mark.slow
def test_the_groups_count_every_run_and_average_the_completed_ones(sweep_study):
    groups = {g.name: g for g in viz.param_groups(sweep_study)}
    assert list(groups) == ["lr", "layers", "act"]
    lr = groups["lr"]
    assert lr.labels == ("0.1", "0.01", "0.001")
    assert list(lr.n_trials) == [4, 4, 4] and list(lr.n_complete) == [4, 4, 2]
    by_lr = values_by(sweep_study, "lr")
    assert np.allclose(lr.mean, [np.mean(by_lr[(x,)]) for x in LRS])
    assert lr.influence > groups["layers"].influence > groups["act"].influence


def test_a_study_of_sampled_parameters_has_no_sweep_and_is_told_where_to_look(make_synthetic):
    with pytest.raises(viz.PlotError, match="plot_contour"):
        viz.plot_sweep(make_synthetic(200))


def test_sweep_mistakes_name_the_argument_and_the_fix(single_study):
    with pytest.raises(viz.PlotError, match="one or two parameter names"):
        viz.sweep_data(single_study, params=["layers", "act", "x"])
    with pytest.raises(viz.PlotError, match="its parameters are"):
        viz.sweep_data(single_study, params=["depth"])
    with pytest.raises(viz.PlotError, match="'x' was sampled, not swept.*plot_contour"):
        viz.sweep_data(single_study, params=["x", "act"])
    with pytest.raises(viz.PlotError, match="'mean' or 'best'"):
        viz.sweep_data(single_study, statistic="median")


# -- the chosen-branches view -----------------------------------------------------------------
def test_each_switch_shows_how_often_each_branch_was_chosen_and_what_it_scored(graph_study):
    data = viz.branch_data(graph_study)
    assert [c.name for c in data.choices] == ["shape.op", "shape.post"]
    op, post = data.choices
    assert op.labels == ("power", "shift") and post.labels == ("0", "1")  # keys; list indices
    for choice, options in ((op, ["power", "shift"]), (post, [0, 1])):
        chosen = counts_by(graph_study, choice.name)
        scores = values_by(graph_study, choice.name)
        assert list(choice.n_trials) == [chosen[o] for o in options]
        assert np.allclose(choice.mean, [np.mean(scores[(o,)]) for o in options])
        assert np.allclose(choice.best, [max(scores[(o,)]) for o in options])  # maximized
    fig = viz.plot_branches(graph_study)
    chosen, mean, best = fig.data[:3]
    assert list(chosen.y) == ["power", "shift"] and list(chosen.x) == list(op.n_trials)
    assert np.allclose(mean.x, op.mean) and np.allclose(best.x, op.best)
    assert list(fig.data[3].x) == list(post.n_trials)
    assert fig.layout.yaxis3.type == "category"  # "0" and "1" are branches, not numbers


@pytest.mark.slow  # over 0.4 s: ./run test runs it, the fast tier not
def test_the_branches_in_matplotlib_have_a_bar_per_branch(graph_study):
    fig = viz.plot_branches(graph_study, backend="matplotlib")
    op = viz.branch_data(graph_study).choices[0]
    chosen, value = fig.axes[0], fig.axes[1]
    assert [p.get_width() for p in chosen.patches] == list(op.n_trials)
    assert np.allclose([p.get_width() for p in value.patches], op.mean)
    assert [t.get_text() for t in chosen.get_yticklabels()] == ["power", "shift"]
    assert png(fig).startswith(b"\x89PNG")


def test_a_branch_never_chosen_is_shown_with_no_trial():
    space = hl.SearchSpace({"model": hl.Choice({"tree": {"depth": hl.IntUniform(1, 5)},
                                                "linear": {"c": hl.Uniform(0, 1)}})})
    study = hl.create_study()
    for depth in (1, 2, 3):
        study.enqueue_trial({"model": "tree", "depth": depth})
    study.optimize(lambda t: t.params["depth"], n_trials=3, space=space)
    (model,) = viz.branch_data(study).choices
    assert model.labels == ("tree", "linear")
    assert list(model.n_trials) == [3, 0] and np.isnan(model.mean[1])


def test_a_study_without_switches_has_no_branches_and_is_told_where_to_look(single_study):
    with pytest.raises(viz.PlotError, match="plot_slice"):
        viz.plot_branches(single_study)


# -- in the report and the dashboard ----------------------------------------------------------
def table_rows(text: str, title: str) -> list[list[str]]:
    """The cells of the table under the heading `title`."""
    table = text.split(f"<h2>{title}</h2>")[1].split("</table>")[0]
    return [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in table.split("<tr>")[2:]]


@pytest.mark.slow  # the report's importance imports scikit-learn
def test_the_report_of_a_sweep_has_its_heat_map_and_table(sweep_study):
    text = viz.report_html(sweep_study)
    figures = figures_of(text)
    assert list(figures)[:2] == ["history", "sweep"] and "branches" not in figures
    assert figures["sweep"]["data"][0]["type"] == "heatmap"
    rows = table_rows(text, "Results by swept parameter")
    assert rows[0][:4] == ["lr", "0.1", "4", "4"]
    assert rows[2][:4] == ["", "0.001", "4", "2"]  # two of its four configs failed
    by_lr = values_by(sweep_study, "lr")
    assert float(rows[2][4]) == pytest.approx(np.mean(by_lr[(0.001,)]), rel=1e-5)
    assert [r[1] for r in rows] == ["0.1", "0.01", "0.001", "1", "2", "relu", "tanh"]


@pytest.mark.slow
def test_the_report_of_a_graph_study_has_its_chosen_branches(graph_study):
    text = viz.report_html(graph_study)
    assert list(figures_of(text))[:2] == ["history", "branches"]
    rows = table_rows(text, "Chosen branches")
    op = viz.branch_data(graph_study).choices[0]
    assert rows[0][:3] == ["shape.op", "power", str(op.n_trials[0])]
    assert "Results by swept parameter" not in text


@pytest.mark.slow
def test_the_dashboard_shows_the_sweep_view_and_its_table(sweep_study):
    client = TestClient(viz.dashboard_app(sweep_study.storage))
    info = client.get("/api/study", params={"study": "grid"}).json()
    assert "sweep" in info["plots"]
    assert "<h2>Results by swept parameter</h2>" in info["groups_html"]
    heat = client.get("/api/plot", params={"study": "grid", "plot": "sweep"}).json()
    assert heat["data"][0]["z"][0][1] == pytest.approx(
        np.mean(values_by(sweep_study, "lr", "layers")[(0.01, 1)]))
