"""Tell the user when the answer is wrong: a non-minimizer for Implicit, NaN from a diverged run,
an exhausted generator, randomness across recomputation, defaults nobody chose, and layers that
torch.func cannot transform."""

from __future__ import annotations

import warnings

import pytest
import torch

import hyperloom.hypergrad as hg
from hypergrad_toys import ridge_toy
from hyperloom.exceptions import HyperloomError

pytestmark = pytest.mark.torch


def test_implicit_at_a_point_that_is_not_a_minimizer_warns_and_at_the_minimizer_does_not():
    inner, outer = ridge_toy()
    lam = torch.tensor(0.1)
    method = hg.Implicit()
    with pytest.warns(hg.NotAMinimumWarning, match="not a minimizer.*norm 1 >") as record:
        wrong = hg.hypergradient(inner, outer, {"w": torch.zeros(3)}, {"lam": lam}, method=method)
    assert record[0].filename == __file__  # the warning points at the caller's line
    assert float(wrong["lam"]) == 0.0 and method.info["inner_grad_rel"] == pytest.approx(1.0)
    w_star = torch.full((3,), 1.0 / 1.1)  # argmin of (w - 1)^2 + 0.1 w^2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        right = hg.hypergradient(inner, outer, {"w": w_star}, {"lam": lam}, method=method)
    # dE/dlam = 2 (w* - 0.5) . dw*/dlam, dw*/dlam = -1 / 1.1^2 per coordinate
    assert float(right["lam"]) == pytest.approx(3 * 2 * (1 / 1.1 - 0.5) * (-1 / 1.21), rel=1e-10)
    assert method.info["inner_grad_rel"] < 1e-12
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hg.hypergradient(inner, outer, {"w": torch.zeros(3)}, {"lam": lam},
                         method=hg.Implicit(stationarity_tol=None))


def test_a_diverging_inner_run_is_refused_and_leaves_the_hyperparameters_alone():
    inner, outer = ridge_toy()
    lam = hg.hyperparameter(0.1, "positive")
    hopt = hg.HyperOptimizer(hg.Reverse(200), hg.SGD(lr=30.0), lambda ps: torch.optim.SGD(ps, lr=0.1),
                             inner_loss=inner, outer_loss=outer, params={"w": torch.zeros(3)},
                             hparams={"lam": lam})
    before = lam.raw.detach().clone()
    with pytest.raises(hg.HypergradientError, match=r"hypergradient of \['lam'\] is not finite"
                       r".*refused.*lam=0.1.*lower the inner learning rate") as err:
        hopt.step(None, None)
    assert isinstance(err.value, HyperloomError)
    assert torch.equal(lam.raw.detach(), before) and lam.raw.grad is None
    assert hopt.history == [] and torch.equal(hopt.params["w"], torch.zeros(3))


def test_an_exhausted_generator_says_so_and_what_to_pass_instead():
    inner, outer = ridge_toy()
    hopt = hg.HyperOptimizer(hg.Reverse(4), hg.SGD(lr=0.1), lambda ps: torch.optim.SGD(ps, lr=0.1),
                             inner_loss=inner, outer_loss=outer, params={"w": torch.zeros(3)},
                             hparams={"lam": hg.hyperparameter(0.1, "positive")})
    batches = (torch.zeros(1) for _ in range(4))
    hopt.step(batches, None)
    with pytest.raises(ValueError, match="train_batches is an exhausted one-shot iterator.*pass a "
                                         "list of batches, a DataLoader"):
        hopt.step(batches, None)
    with pytest.raises(ValueError, match="train_data yielded no batch"):
        hg.hypergradient(inner, outer, {"w": torch.zeros(3)}, {"lam": torch.tensor(0.1)},
                         method=hg.Reverse(2), inner_optimizer=hg.SGD(lr=0.1), train_data=range(0))


class _Dropout:
    """A two-layer net whose training loss applies dropout: every recomputation draws again."""

    def __init__(self):
        g = torch.Generator().manual_seed(0)
        self.p0 = {"w1": torch.randn(4, 8, generator=g), "w2": torch.randn(8, 1, generator=g)}
        self.batches = [(torch.randn(16, 4, generator=g), torch.randn(16, 1, generator=g))
                        for _ in range(3)]

    def pred(self, p, x, train):
        return torch.nn.functional.dropout(torch.tanh(x @ p["w1"]), 0.5, train) @ p["w2"]

    def inner(self, p, h, b):
        reg = h["l2"][0] * (p["w1"] ** 2).sum() + h["l2"][1] * (p["w2"] ** 2).sum()
        return ((self.pred(p, b[0], True) - b[1]) ** 2).mean() + reg

    def outer(self, p, h, b):
        return ((self.pred(p, b[0], False) - b[1]) ** 2).mean()

    def hparams(self):
        return {"lr": hg.hyperparameter(0.1, "positive"),
                "l2": hg.hyperparameter([1e-2, 2e-2], "positive")}

    def unroll(self, steps):
        h = self.hparams()
        vals = {k: v.value() for k, v in h.items()}
        p = {k: v.clone().requires_grad_(True) for k, v in self.p0.items()}
        buf = {k: torch.zeros_like(v) for k, v in p.items()}
        for t in range(steps):
            grads = torch.autograd.grad(self.inner(p, vals, self.batches[t % 3]), list(p.values()),
                                        create_graph=True)
            buf = {k: 0.5 * buf[k] + g for k, g in zip(p, grads)}
            p = {k: p[k] - vals["lr"] * buf[k] for k in p}
        out = self.outer(p, vals, self.batches[0])
        return dict(zip(h, torch.autograd.grad(out, [v.raw for v in h.values()])))


@pytest.mark.parametrize("method", [
    hg.Reverse(7), hg.Reverse(7, checkpoint=2), hg.Reverse(7, truncate=7, checkpoint="sqrt"),
    hg.Forward(7), hg.Forward(7, chunk_size=1), hg.Forward(7, vectorize=False),
], ids=repr)
def test_dropout_draws_the_same_masks_when_steps_are_recomputed(method, rel):
    d = _Dropout()
    torch.manual_seed(5)
    ref = d.unroll(7)
    after_unroll = torch.rand(1)
    torch.manual_seed(5)
    h = d.hparams()
    got = hg.hypergradient(d.inner, d.outer, d.p0, h, method=method,
                           inner_optimizer=hg.SGD(lr=h["lr"], momentum=0.5),
                           train_data=d.batches, val_data=d.batches[0])
    for key in ref:
        assert rel(got[key], ref[key]) < 1e-10, key
    assert torch.equal(torch.rand(1), after_unroll)  # the user's random stream goes on as after one run


def test_defaults_nobody_chose_are_named_in_a_warning():
    inner, outer = ridge_toy()
    args = (inner, outer, {"w": torch.zeros(3)}, {"lam": torch.tensor(0.1)})
    with pytest.warns(hg.DefaultUsedWarning, match=r"no method given, using Reverse\(steps=100\)"):
        hg.hypergradient(*args, inner_optimizer=hg.SGD(lr=0.1))
    with pytest.warns(hg.DefaultUsedWarning, match=r"no inner_optimizer given.*SGD\(lr=0.1\)"):
        hg.hypergradient(*args, method=hg.Reverse(5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hg.hypergradient(*args, method=hg.Reverse(5), inner_optimizer=hg.SGD(lr=0.1))
        hg.hypergradient(inner, outer, {"w": torch.full((3,), 1 / 1.1)}, {"lam": torch.tensor(0.1)},
                         method=hg.Implicit())  # at the solution: nothing to train, no optimizer


def _batchnorm_problem():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.BatchNorm1d(8), torch.nn.Tanh(),
                                torch.nn.Linear(8, 1))
    x, y = torch.randn(16, 4), torch.randn(16, 1)

    def loss(p, h, b):
        out = torch.func.functional_call(model, p, (b[0],))
        return ((out - b[1]) ** 2).mean() + h["l2"] * sum((v**2).sum() for v in p.values())

    return model, loss, (x, y)


def test_batchnorm_works_with_every_method_and_vectorized_episodes_name_the_fix(rel):
    model, loss, data = _batchnorm_problem()
    start = {k: v.clone() for k, v in model.named_buffers()}
    kw = dict(inner_optimizer=hg.SGD(lr=0.1), train_data=data, val_data=data)
    full = hg.hypergradient(loss, loss, model, {"l2": torch.tensor(0.01)}, method=hg.Reverse(5), **kw)
    after_one_run = {k: v.clone() for k, v in model.named_buffers()}
    assert not torch.equal(after_one_run["1.running_mean"], start["1.running_mean"])
    model.load_state_dict({**dict(model.named_parameters()), **start})
    ck = hg.hypergradient(loss, loss, model, {"l2": torch.tensor(0.01)},
                          method=hg.Reverse(5, checkpoint=2), **kw)
    assert rel(ck["l2"], full["l2"]) < 1e-10
    for k, v in model.named_buffers():  # recomputed steps do not update the statistics again
        assert torch.equal(v, after_one_run[k]), k
    model.load_state_dict({**dict(model.named_parameters()), **start})
    fwd = hg.hypergradient(loss, loss, model, {"l2": torch.tensor(0.01)}, method=hg.Forward(5),
                           **kw)
    assert rel(fwd["l2"], full["l2"]) < 1e-10
    hopt = hg.HyperOptimizer(hg.RTHO(5), hg.SGD(lr=0.1), lambda ps: torch.optim.SGD(ps, lr=1e-3),
                             inner_loss=loss, outer_loss=loss, params=model,
                             hparams={"l2": hg.hyperparameter(0.01, "positive")})
    hopt.step(data, data)
    assert torch.isfinite(hopt.last_hypergradient["l2"])
    with pytest.raises(hg.HypergradientError, match="episodes\\(vectorize=True\\) runs the inner "
                       "step inside torch.func.*BatchNorm's running statistics.*vectorize=False"):
        hg.hypergradient(loss, loss, model, {"l2": torch.tensor(0.01)}, method=hg.Reverse(5),
                         inner_optimizer=hg.SGD(lr=0.1),
                         train_data=hg.episodes([(data, data), (data, data)], vectorize=True))


def test_lstm_in_float32_works_with_forward_mode_too(rel):
    """In float32 on CPU torch runs nn.LSTM with a fused kernel that has no forward-mode rule;
    Forward never pushes tangents through the loss itself (reverse-over-reverse), so it works."""
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(3, 4, batch_first=True).float()
    x, y = torch.randn(5, 6, 3).float(), torch.randn(5, 4).float()

    def loss(p, h, b):
        out, _ = torch.func.functional_call(lstm, p, (b[0],))
        return ((out[:, -1] - b[1]) ** 2).mean() + h["l2"] * sum((v**2).sum() for v in p.values())

    kw = dict(inner_optimizer=hg.SGD(lr=0.1), train_data=(x, y), val_data=(x, y))
    l2 = torch.tensor(0.01, dtype=torch.float32)
    rev = hg.hypergradient(loss, loss, lstm, {"l2": l2}, method=hg.Reverse(3), **kw)
    fwd = hg.hypergradient(loss, loss, lstm, {"l2": l2}, method=hg.Forward(3), **kw)
    assert torch.isfinite(rev["l2"]) and rel(fwd["l2"], rev["l2"]) < 1e-4
