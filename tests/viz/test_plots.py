"""Every plot, in both backends, drawn for real studies (conditional and categorical
parameters, pruned and failed trials, several objectives with constraints): the figure holds
the study's data, not only "no exception"."""

from __future__ import annotations

import io

import numpy as np
import pytest

import hyperloom as hl
import hyperloom.viz as viz

matplotlib_figure = pytest.importorskip("matplotlib.figure")
go = pytest.importorskip("plotly.graph_objects")

COMPLETE = hl.TrialState.COMPLETE


def complete(study: hl.Study) -> list[hl.FrozenTrial]:
    return study.get_trials([COMPLETE])


def renders(fig) -> bytes:
    """The PNG a matplotlib figure saves to (it draws every artist)."""
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=40)
    return out.getvalue()


def test_the_test_study_has_every_kind_of_trial_and_parameter(single_study):
    states = {t.state for t in single_study.trials}
    assert {hl.TrialState.COMPLETE, hl.TrialState.PRUNED, hl.TrialState.FAILED} <= states
    table = viz.trial_table(single_study)
    assert table.params["act"].kind == "categorical" and table.params["slope"].conditional
    assert table.params["lr"].log and table.params["layers"].kind == "int"


# -- optimization history ---------------------------------------------------------------------
def test_history_shows_each_completed_value_and_the_running_best(single_study):
    fig = viz.plot_optimization_history(single_study)
    points, best = fig.data
    done = complete(single_study)
    assert list(points.x) == [t.number for t in done]
    assert np.allclose(points.y, [t.value for t in done])
    running = np.minimum.accumulate([t.value for t in done])
    # the step line holds, at each completed trial, the best value so far
    at = np.searchsorted(best.x, [t.number for t in done], side="right") - 1
    assert np.allclose(np.asarray(best.y)[at], running)
    assert best.line.shape == "hv" and best.y[-1] == single_study.best_value


def test_history_overlays_several_studies(single_study, make_single):
    other = make_single(n_trials=25, name="other", seed=3)
    fig = viz.plot_optimization_history([single_study, other])
    assert [t.name for t in fig.data] == ["single: objective value", "single: best so far",
                                          "other: objective value", "other: best so far"]
    assert fig.data[3].y[-1] == other.best_value


def test_history_in_matplotlib_has_the_same_points(single_study):
    fig = viz.plot_optimization_history(single_study, backend="matplotlib")
    assert isinstance(fig, matplotlib_figure.Figure)
    offsets = fig.axes[0].collections[0].get_offsets()
    assert np.allclose(offsets[:, 1], [t.value for t in complete(single_study)])
    assert renders(fig).startswith(b"\x89PNG")


# -- parallel coordinates ---------------------------------------------------------------------
def test_parallel_coordinates_has_one_axis_per_parameter_in_one_trace(single_study):
    fig = viz.plot_parallel_coordinate(single_study)
    (trace,) = fig.data
    assert isinstance(trace, go.Parcoords)
    dims = {d.label: d for d in trace.dimensions}
    assert list(dims) == ["objective value", "x", "lr", "layers", "act", "slope"]
    done = complete(single_study)
    assert np.allclose(dims["objective value"].values, [t.value for t in done])
    assert np.allclose(dims["lr"].values, np.log10([t.params["lr"] for t in done]))
    assert list(dims["act"].ticktext) == ["relu", "tanh"]
    # slope exists only for relu: tanh trials sit on an "(absent)" tick below the range
    slope = np.asarray(dims["slope"].values)
    absent = np.asarray([t.params["act"] == "tanh" for t in done])
    assert absent.any() and dims["slope"].ticktext[0] == "(absent)"
    assert (slope[absent] == dims["slope"].tickvals[0]).all()
    assert (slope[~absent] > dims["slope"].tickvals[0]).all()


def test_parallel_coordinates_in_matplotlib_draws_a_line_per_trial(single_study):
    fig = viz.plot_parallel_coordinate(single_study, backend="matplotlib")
    lines = fig.axes[0].collections[0]
    assert len(lines.get_segments()) == len(complete(single_study))
    assert np.allclose(lines.get_array(), [t.value for t in complete(single_study)])
    renders(fig)


# -- slice ------------------------------------------------------------------------------------
def test_slice_has_one_trace_per_parameter_with_its_trials(single_study):
    fig = viz.plot_slice(single_study)
    by_name = {t.name: t for t in fig.data}
    assert list(by_name) == ["x", "lr", "layers", "act", "slope"]
    done = complete(single_study)
    assert np.allclose(by_name["x"].x, [t.params["x"] for t in done])
    assert np.allclose(by_name["x"].y, [t.value for t in done])
    relu = [t for t in done if "slope" in t.params]
    assert list(by_name["slope"].marker.color) == [t.number for t in relu]
    assert fig.layout.xaxis2.type == "log"  # lr
    assert list(fig.layout.xaxis4.ticktext) == ["relu", "tanh"]


def test_slice_in_matplotlib_has_a_panel_per_parameter(single_study):
    fig = viz.plot_slice(single_study, params=["x", "act"], backend="matplotlib")
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.get_xlabel()]
    assert [ax.get_xlabel() for ax in panels] == ["x", "act"]
    assert [t.get_text() for t in panels[1].get_xticklabels()] == ["relu", "tanh"]
    renders(fig)


# -- contour ----------------------------------------------------------------------------------
def test_contour_grid_follows_the_objective(make_synthetic):
    study = make_synthetic(2_000, value=lambda a, b, c: a + 2 * b)
    fig = viz.plot_contour(study, params=["a", "b"])
    contour, dots = fig.data
    z = np.asarray(contour.z)
    assert z.shape == (viz.contour_data(study).z.shape) == (40, 40)
    assert not np.isnan(z).any()
    assert z[:, -1].mean() > z[:, 0].mean() + 0.8  # grows along a (by about 1)
    assert z[-1, :].mean() > z[0, :].mean() + 1.6  # and twice as fast along b
    assert len(dots.x) == 2_000


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_contour_of_a_categorical_and_a_log_parameter(single_study):
    fig = viz.plot_contour(single_study, params=["act", "lr"])
    contour = fig.data[0]
    assert len(contour.x) == 2 and list(fig.layout.xaxis.ticktext) == ["relu", "tanh"]
    assert fig.layout.yaxis.type == "log"
    assert "grid" in fig.layout.title.text
    mpl = viz.plot_contour(single_study, params=["act", "lr"], backend="matplotlib")
    assert mpl.axes[0].get_yscale() == "log"
    renders(mpl)


# -- empirical distribution -------------------------------------------------------------------
def test_edf_rises_from_the_best_to_the_worst_value(single_study, make_single):
    other = make_single(n_trials=20, name="other2", seed=5)
    fig = viz.plot_edf([single_study, other])
    first = fig.data[0]
    values = sorted(t.value for t in complete(single_study))
    assert np.allclose(first.x, values) and first.y[-1] == 1.0
    assert np.allclose(first.y, np.arange(1, len(values) + 1) / len(values))
    assert [t.name for t in fig.data] == ["single", "other2"]
    renders(viz.plot_edf(single_study, backend="matplotlib"))


# -- intermediate values ----------------------------------------------------------------------
def test_intermediate_values_mark_where_pruned_trials_stopped(single_study):
    fig = viz.plot_intermediate_values(single_study)
    names = [t.name for t in fig.data]
    pruned = [t for t in single_study.trials if t.state == hl.TrialState.PRUNED]
    assert f"pruned ({len(pruned)})" in names and "pruned here" in names
    marks = fig.data[names.index("pruned here")]
    assert list(marks.customdata) == [t.number for t in pruned]
    assert list(marks.x) == [t.last_step for t in pruned]
    curves = fig.data[names.index(f"complete ({len(complete(single_study))})")]
    assert np.isnan(curves.y).sum() == len(complete(single_study)) - 1  # one gap between curves
    mpl = viz.plot_intermediate_values(single_study, backend="matplotlib")
    assert any(t.get_text() == "pruned here" for t in mpl.axes[0].get_legend().get_texts())
    renders(mpl)


# -- Pareto front -----------------------------------------------------------------------------
def test_pareto_front_marks_the_front_and_infeasible_trials(multi_study):
    fig = viz.plot_pareto_front(multi_study)
    traces = {t.name.split(" (")[0]: t for t in fig.data}
    assert set(traces) == {"other trials", "infeasible", "Pareto front"}
    front = traces["Pareto front"]
    assert sorted(front.customdata) == sorted(t.number for t in multi_study.best_trials)
    assert all(multi_study.trials[n].feasible for n in front.customdata)
    assert all(not multi_study.trials[n].feasible for n in traces["infeasible"].customdata)
    assert np.all(np.diff(front.x) >= 0)  # drawn along the first objective
    shown = sum(len(t.x) for t in fig.data)
    assert shown == len(complete(multi_study))
    renders(viz.plot_pareto_front(multi_study, backend="matplotlib"))


def test_pareto_front_of_three_objectives_is_drawn_in_3d():
    study = hl.create_study(directions=["minimize", "maximize", "minimize"],
                            sampler=hl.samplers.RandomSampler(seed=0))
    study.optimize(lambda t: (t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1),
                              t.suggest_float("z", 0, 1)), n_trials=60)
    fig = viz.plot_pareto_front(study)
    assert all(isinstance(t, go.Scatter3d) for t in fig.data)
    front = next(t for t in fig.data if t.name.startswith("Pareto front"))
    assert sorted(front.customdata) == sorted(t.number for t in study.best_trials)
    renders(viz.plot_pareto_front(study, backend="matplotlib"))


def test_a_pareto_front_of_one_objective_is_refused_with_the_fix(single_study):
    with pytest.raises(viz.PlotError, match="one objective.*optimization history"):
        viz.plot_pareto_front(single_study)


# -- timeline ---------------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore:trial 4 failed")
def test_timeline_lanes_are_workers_when_trials_name_them():
    study = hl.create_study(sampler=hl.samplers.RandomSampler(seed=0))

    def objective(trial):
        trial.set_user_attr("worker", f"host-{trial.number % 3}")
        if trial.number == 4:
            raise RuntimeError("out of memory")
        return trial.suggest_float("x", 0, 1)

    study.optimize(objective, n_trials=12, catch=(RuntimeError,))
    fig = viz.plot_timeline(study)
    assert list(fig.layout.yaxis.ticktext) == ["host-0", "host-1", "host-2"]
    failed = next(t for t in fig.data if t.name.startswith("failed"))
    assert list(failed.customdata[::3]) == [4] and failed.y[0] == 1  # host-1
    starts = next(t for t in fig.data if t.name.startswith("complete")).x[0::3]
    assert np.allclose(starts, [t.datetime_start * 1000 for t in complete(study)])
    assert fig.layout.xaxis.type == "date"


def test_timeline_without_workers_puts_overlapping_trials_on_separate_lanes(make_single):
    study = make_single(n_trials=30, name="threads", n_jobs=2)
    data = viz.timeline_data(study)
    assert data.lane_source.startswith("lanes by overlap")
    assert 1 <= len(data.lanes) <= 2
    spans: dict[int, list[tuple[float, float]]] = {}
    for state in data.start:
        for s, e, lane in zip(data.start[state], data.end[state], data.lane[state]):
            spans.setdefault(int(lane), []).append((s, e))
    for lane_spans in spans.values():
        lane_spans.sort()
        assert all(a[1] <= b[0] for a, b in zip(lane_spans, lane_spans[1:]))
    assert sum(len(v) for v in data.numbers.values()) == 30
    renders(viz.plot_timeline(study, backend="matplotlib"))


# -- importance -------------------------------------------------------------------------------
@pytest.mark.slow  # imports scikit-learn (1.5 s)
def test_importance_plot_shows_the_shares(single_study):
    fig = viz.plot_param_importances(single_study)
    (bars,) = fig.data
    assert set(bars.y) == {"x", "lr", "layers", "act", "slope"}
    assert np.isclose(sum(bars.x), 1.0) and bars.y[-1] == "x"  # the top bar matters most
    mpl = viz.plot_param_importances(single_study, method="permutation",
                                     backend="matplotlib")
    widths = [p.get_width() for p in mpl.axes[0].patches]
    assert np.isclose(sum(widths), 1.0)
    renders(mpl)


# -- studies read back from storage, mistakes -------------------------------------------------
@pytest.mark.slow
def test_a_study_loaded_from_sqlite_plots_the_same_as_in_memory(make_single, sqlite_url):
    written = make_single(storage=sqlite_url, n_trials=25, name="stored")
    loaded = hl.load_study(study_name="stored", storage=sqlite_url)
    a, b = viz.plot_slice(written), viz.plot_slice(loaded)
    assert [list(t.x) for t in a.data] == [list(t.x) for t in b.data]
    assert list(viz.plot_optimization_history(loaded).data[0].y) == [
        t.value for t in complete(written)]


def test_mistakes_name_the_argument_and_the_fix(single_study):
    with pytest.raises(ValueError, match="backend must be 'plotly'.*'matplotlib'"):
        viz.plot_edf(single_study, backend="bokeh")
    with pytest.raises(viz.PlotError, match="no parameter 'dropout'.*'act'"):
        viz.plot_slice(single_study, params=["dropout"])
    with pytest.raises(viz.PlotError, match="objective=1.*1 objective"):
        viz.plot_optimization_history(single_study, objective=1)
    with pytest.raises(viz.PlotError, match="two parameters"):
        viz.plot_contour(single_study, params=["x"])


def test_an_empty_study_gives_empty_figures_not_errors():
    study = hl.create_study()
    for plot in (viz.plot_optimization_history, viz.plot_edf, viz.plot_slice,
                 viz.plot_parallel_coordinate, viz.plot_intermediate_values,
                 viz.plot_timeline):
        fig = plot(study)
        assert sum(len(t.x) for t in fig.data if getattr(t, "x", None) is not None) == 0


# -- large studies ----------------------------------------------------------------------------
@pytest.mark.slow
def test_plots_of_100000_trials_show_a_sample_and_say_so(big_study):
    n_complete = len(complete(big_study))
    table = viz.trial_table(big_study)
    fig = viz.plot_optimization_history(table)
    points, best = fig.data
    assert isinstance(points, go.Scattergl) and len(points.x) == 20_000
    assert f"20,000 of {n_complete:,} completed trials shown" in fig.layout.title.text
    values = table.values[table.complete_mask, 0]
    assert best.y[-1] == values.min()  # the best so far is exact, not sampled
    assert set(best.y) <= set(points.y)  # every new best is among the points shown
    parallel = viz.plot_parallel_coordinate(table)
    assert len(parallel.data[0].dimensions[0].values) == 5_000
    assert "5,000 of" in parallel.layout.title.text
    timeline = viz.plot_timeline(table)
    failed = next(t for t in timeline.data if t.name.startswith("failed"))
    assert len(failed.x) == 3 * 2_000  # every failure kept
    assert sum(len(t.x) for t in timeline.data) == 3 * 20_000
    assert len(viz.plot_edf(table).data[0].x) <= 1_000


# -- every plot of a multi-objective study, on the objective asked for -----------------------
@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_every_plot_of_a_multi_objective_study_uses_the_objective_asked(multi_study):
    done = complete(multi_study)
    second = [t.values[1] for t in done]
    history = viz.plot_optimization_history(multi_study, objective=1)
    assert np.allclose(history.data[0].y, second)
    assert history.layout.yaxis.title.text == "objective 1"
    slices = {t.name: t for t in viz.plot_slice(multi_study, objective=1).data}
    assert np.allclose(slices["y"].y, second) and list(slices) == ["x", "y", "kind"]
    parallel = viz.plot_parallel_coordinate(multi_study, objective=1).data[0]
    assert np.allclose(parallel.dimensions[0].values, second)
    assert np.allclose(viz.plot_edf(multi_study, objective=1).data[0].x, sorted(second))
    contour = viz.plot_contour(multi_study, params=["x", "kind"], objective=1).data[0]
    assert np.asarray(contour.z).shape == (2, 40)  # one row per option of "kind"
    timeline = viz.plot_timeline(multi_study)
    assert sum(len(t.x) for t in timeline.data) == 3 * len(multi_study.trials)
    assert viz.plot_intermediate_values(multi_study).data == ()  # nothing was reported


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
@pytest.mark.parametrize("plot", ["plot_optimization_history", "plot_parallel_coordinate",
                                  "plot_slice", "plot_contour", "plot_edf",
                                  "plot_intermediate_values", "plot_pareto_front",
                                  "plot_timeline"])
@pytest.mark.parametrize("backend", ["plotly", "matplotlib"])
def test_every_plot_draws_both_kinds_of_study_in_both_backends(plot, backend, single_study,
                                                               multi_study):
    for study in (single_study, multi_study):
        if plot == "plot_pareto_front" and study is single_study:
            continue
        fig = getattr(viz, plot)(study, backend=backend)
        if backend == "plotly":
            assert fig.to_dict()["data"] or plot == "plot_intermediate_values"
        else:
            assert renders(fig).startswith(b"\x89PNG")
