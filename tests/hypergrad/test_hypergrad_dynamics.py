"""Inner dynamics you can write: learnable parametric schedules (Hype's decays) and inner steps
written as plain update rules (``hg.inner_optimizer``), including a random one (HMC)."""

from __future__ import annotations

import pytest
import torch

import hyperloom.hypergrad as hg

pytestmark = pytest.mark.torch


def _regression():
    g = torch.Generator().manual_seed(0)
    X, y = torch.randn(30, 4, generator=g), torch.randn(30, generator=g)

    def inner(p, h, b):
        return 0.5 * ((X @ p["w"] - y) ** 2).mean() + 0.5 * 1e-2 * (p["w"] ** 2).sum()

    def outer(p, h, b):
        return 0.5 * ((X[:10] @ p["w"] - y[:10]) ** 2).mean()

    return inner, outer


def _fd(value_at, raw: dict[str, torch.Tensor], key: str, eps: float = 1e-6) -> float:
    up = {k: v.clone() for k, v in raw.items()}
    down = {k: v.clone() for k, v in raw.items()}
    up[key] += eps
    down[key] -= eps
    return (value_at(up) - value_at(down)) / (2 * eps)


def test_a_parametric_schedule_gets_the_hypergradient_of_its_parameters():
    inner, outer = _regression()
    T = 12

    def decay(h, t):
        return h["lr0"] * h["decay"] ** t

    def hypergrad(method):
        hp = {"lr0": hg.hyperparameter(0.3, "positive"), "decay": hg.hyperparameter(0.9, "unit")}
        return hg.hypergradient(inner, outer, {"w": torch.zeros(4)}, hp, method=method,
                                inner_optimizer=hg.SGD(lr=hg.schedule(decay), momentum=0.5))

    rev, fwd = hypergrad(hg.Reverse(T)), hypergrad(hg.Forward(T))

    def value_at(raw):
        lr0, dec = raw["lr0"].exp(), torch.sigmoid(raw["decay"])
        opt = hg.SGD(lr=hg.schedule(lambda h, t: lr0 * dec**t), momentum=0.5)
        p = {"w": torch.zeros(4)}
        s = opt.init(p)
        for t in range(T):
            p, s = opt.update(p, s, torch.func.grad(inner)(p, {}, None), {}, t)
        return float(outer(p, {}, None))

    raw = {"lr0": torch.tensor(0.3).log(), "decay": torch.logit(torch.tensor(0.9))}
    for key in raw:
        fd = _fd(value_at, raw, key)
        assert abs(fd) > 1e-4, key
        assert abs(float(rev[key]) - fd) < 1e-7 * max(1.0, abs(fd)), key
        assert abs(float(fwd[key]) - fd) < 1e-7 * max(1.0, abs(fd)), key


def test_schedule_function_errors_name_the_argument():
    inner, outer = _regression()
    hp = {"lr0": hg.hyperparameter(0.3, "positive")}
    with pytest.raises(ValueError, match=r"SGD\(lr=schedule\(function\)\): the function read "
                                         r"hparams\['decay'\], which is not in hparams"):
        hg.hypergradient(inner, outer, {"w": torch.zeros(4)}, hp, method=hg.Reverse(3),
                         inner_optimizer=hg.SGD(lr=hg.schedule(lambda h, t: h["decay"] ** t)))
    with pytest.raises(TypeError, match="must return a number or a tensor"):
        hg.hypergradient(inner, outer, {"w": torch.zeros(4)}, hp, method=hg.Reverse(3),
                         inner_optimizer=hg.SGD(lr=hg.schedule(lambda h, t: "fast")))


def test_an_update_rule_written_by_the_user_matches_the_builtin_optimizer(rel):
    inner, outer = _regression()

    def heavy_ball(p, s, g, h, t):
        buf = {k: h["mom"] * s["buf"][k] + g[k] for k in p}
        return {k: p[k] - h["lr"] * buf[k] for k in p}, {"buf": buf}

    def hypergrad(make):
        hp = {"lr": hg.hyperparameter(0.2, "positive"), "mom": hg.hyperparameter(0.6, "unit")}
        return hg.hypergradient(inner, outer, {"w": torch.zeros(4)}, hp, method=hg.Reverse(15),
                                inner_optimizer=make(hp))

    mine = hypergrad(lambda hp: hg.inner_optimizer(heavy_ball, slots=("buf",), lr=hp["lr"],
                                                   mom=hp["mom"]))
    builtin = hypergrad(lambda hp: hg.SGD(lr=hp["lr"], momentum=hp["mom"]))
    for key in builtin:
        assert rel(mine[key], builtin[key]) < 1e-12, key
    opt = hg.inner_optimizer(heavy_ball, slots=("buf",), lr=0.1, mom=0.5)
    assert repr(opt) == "heavy_ball(lr=0.1, mom=0.5)"


def test_update_rule_errors_say_what_was_expected():
    inner, outer = _regression()
    args = (inner, outer, {"w": torch.zeros(4)}, {"lr": torch.tensor(0.1)})
    forgot_slot = hg.inner_optimizer(
        lambda p, s, g, h, t: ({k: p[k] - h["lr"] * g[k] for k in p}, {"buf": g}), lr="lr")
    with pytest.raises(ValueError, match=r"returned params \['w'\] and state slots \['buf'\]; "
                                         r"expected params \['w'\] and slots \[\]"):
        hg.hypergradient(*args, method=hg.Reverse(2), inner_optimizer=forgot_slot)
    with pytest.raises(TypeError, match="must return \\(new_params, new_state\\)"):
        hg.hypergradient(*args, method=hg.Reverse(2),
                         inner_optimizer=hg.inner_optimizer(lambda p, s, g, h, t: p, lr="lr"))
    with pytest.raises(TypeError, match="must be a function"):
        hg.inner_optimizer(0.1)


def _hmc(steps: int, refresh: int = 4):
    """Hype's example in small: HMC (leapfrog, momentum refreshed every few steps, no
    accept/reject) on a narrow 2-D Gaussian with learnable per-dimension step sizes."""
    scales = torch.tensor([1.0, 0.1])

    def potential(p, h, b):
        return 0.5 * ((p["q"] / scales) ** 2).sum()

    def leapfrog(p, s, g, h, t):
        m = s["m"]["q"]
        if t % refresh == 0:
            m = torch.randn_like(m)  # momentum refresh: a random draw, replayed on recompute
        m = m - h["eps"] * g["q"]
        return {"q": p["q"] + h["eps"] * m}, {"m": {"q": m}}

    def mismatch(p, h, b):  # the chains' second moments against the target's
        return (((p["q"] ** 2).mean(0) - scales**2) ** 2 / scales**4).sum()

    q0 = torch.full((64, 2), 2.0)
    return potential, leapfrog, mismatch, q0


@pytest.mark.parametrize("method", [hg.Reverse(12), hg.Reverse(12, checkpoint=3)], ids=repr)
def test_hmc_step_sizes_get_their_hypergradient_through_random_momentum_refreshes(method, rel):
    potential, leapfrog, mismatch, q0 = _hmc(12)

    def hypergrad(m):
        eps = hg.hyperparameter([0.05, 0.05], "positive", name="eps")
        torch.manual_seed(3)
        return hg.hypergradient(potential, mismatch, {"q": q0}, {"eps": eps}, method=m,
                                inner_optimizer=hg.inner_optimizer(leapfrog, slots=("m",), eps=eps))

    got = hypergrad(method)

    def value_at(raw):
        torch.manual_seed(3)
        opt = hg.inner_optimizer(leapfrog, slots=("m",), eps=raw["eps"].exp())
        p = {"q": q0}
        s = opt.init(p)
        for t in range(12):
            p, s = opt.update(p, s, torch.func.grad(potential)(p, {}, None), {}, t)
        return float(mismatch(p, {}, None))

    raw = {"eps": torch.tensor([0.05, 0.05]).log()}
    for i in range(2):
        e = torch.zeros(2)
        e[i] = 1e-6
        fd = (value_at({"eps": raw["eps"] + e}) - value_at({"eps": raw["eps"] - e})) / 2e-6
        assert abs(float(got["eps"][i]) - fd) < 1e-6 * max(1.0, abs(fd)), (i, got, fd)
    assert float(got["eps"][0]) < 0  # the wide dimension wants a larger step
