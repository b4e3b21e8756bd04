"""Reverse, Forward and a plain autograd unroll agree on small random networks (float64)."""

from __future__ import annotations

import pytest
import torch

import hyperloom.hypergrad as hg

pytestmark = pytest.mark.torch


def _net(seed: int = 0, d: int = 4, h: int = 5, n: int = 12):
    g = torch.Generator().manual_seed(seed)
    params = {
        "w1": torch.randn(d, h, generator=g) * 0.5,
        "b1": torch.zeros(h),
        "w2": torch.randn(h, 1, generator=g) * 0.5,
    }
    batches = [
        (torch.randn(n, d, generator=g), torch.randn(n, 1, generator=g)) for _ in range(3)
    ]
    val = (torch.randn(n, d, generator=g), torch.randn(n, 1, generator=g))
    return params, batches, val


def _predict(p, x):
    return torch.tanh(x @ p["w1"] + p["b1"]) @ p["w2"]


def inner_loss(p, h, batch):
    x, y = batch
    reg = sum((h["l2"] * (v**2)).sum() for k, v in p.items() if k.startswith("w"))
    return ((_predict(p, x) - y) ** 2).mean() + reg


def outer_loss(p, h, batch):
    x, y = batch
    return ((_predict(p, x) - y) ** 2).mean()


def _hparams():
    return {
        "lr": hg.hyperparameter(0.1, "positive"),
        "mom": hg.hyperparameter(0.5, "unit"),
        "l2": hg.hyperparameter(torch.tensor([1e-2, 2e-2, 3e-2, 4e-2, 5e-2]), "positive"),
    }


OPTIMIZERS = {
    "sgd": lambda h: hg.SGD(lr=h["lr"]),
    "momentum": lambda h: hg.SGD(lr=h["lr"], momentum=h["mom"]),
    "nesterov": lambda h: hg.SGD(lr=h["lr"], momentum=h["mom"], nesterov=True, weight_decay=1e-3),
    "adam": lambda h: hg.Adam(lr="lr", betas=(h["mom"], 0.99)),
    "rmsprop": lambda h: hg.RMSProp(lr=h["lr"], alpha=0.9, momentum=h["mom"]),
}


def _unrolled(params, hparams, batches, val, steps, make_opt, truncate=None):
    """Independent reference: differentiate through an autograd graph of the whole run."""
    leaves = hg.parameters(hparams)
    values = {k: v.value() for k, v in hparams.items()}
    opt = make_opt(hparams)
    p = {k: v.clone().requires_grad_(True) for k, v in params.items()}
    state = opt.init(p)
    for t in range(steps):
        if truncate is not None and t == steps - truncate:
            p = {k: v.detach().requires_grad_(True) for k, v in p.items()}
            state = {s: {k: v.detach() for k, v in d.items()} for s, d in state.items()}
        loss = inner_loss(p, values, batches[t % len(batches)])
        grads = torch.autograd.grad(loss, list(p.values()), create_graph=True)
        p, state = opt.update(p, state, dict(zip(p, grads)), values, t)
    out = outer_loss(p, values, val)
    return dict(zip(hparams, torch.autograd.grad(out, leaves, allow_unused=True)))


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_reverse_equals_forward_and_unrolled_autograd(name, rel):
    params, batches, val = _net()
    hparams = _hparams()
    steps = 8
    common = dict(
        inner_optimizer=OPTIMIZERS[name](hparams), train_data=batches, val_data=val
    )
    rev = hg.hypergradient(inner_loss, outer_loss, params, hparams, method=hg.Reverse(steps), **common)
    fwd = hg.hypergradient(inner_loss, outer_loss, params, hparams, method=hg.Forward(steps), **common)
    ref = _unrolled(params, hparams, batches, val, steps, OPTIMIZERS[name])
    for key in hparams:
        if ref[key] is None:  # not used by this optimizer
            assert float(rev[key].abs().max()) == 0.0 and float(fwd[key].abs().max()) == 0.0
            continue
        assert rel(rev[key], fwd[key]) < 1e-6, (key, rev[key], fwd[key])
        assert rel(rev[key], ref[key]) < 1e-6, (key, rev[key], ref[key])
    assert float(rev["lr"].abs()) > 0


def test_checkpointing_and_truncation(rel):
    params, batches, val = _net(seed=1)
    hparams = _hparams()
    make = OPTIMIZERS["momentum"]
    common = dict(inner_optimizer=make(hparams), train_data=batches, val_data=val)
    full = hg.hypergradient(inner_loss, outer_loss, params, hparams, method=hg.Reverse(10), **common)
    for ck in (1, 3, 4, "sqrt", 10, 50):
        got = hg.hypergradient(
            inner_loss, outer_loss, params, hparams, method=hg.Reverse(10, checkpoint=ck), **common
        )
        for key in hparams:
            assert rel(got[key], full[key]) < 1e-10, (ck, key)
    same = hg.hypergradient(
        inner_loss, outer_loss, params, hparams, method=hg.Reverse(10, truncate=10), **common
    )
    assert rel(same["lr"], full["lr"]) < 1e-12
    trunc = hg.hypergradient(
        inner_loss, outer_loss, params, hparams,
        method=hg.Reverse(10, truncate=3, checkpoint=2), **common,
    )
    ref = _unrolled(params, hparams, batches, val, 10, make, truncate=3)
    for key in hparams:
        assert rel(trunc[key], ref[key]) < 1e-8, key
    assert rel(trunc["lr"], full["lr"]) > 1e-3  # truncation really drops the early steps


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_learning_rate_schedule_and_learned_initialization(rel):
    params, batches, val = _net(seed=2)
    steps = 6
    hparams = {
        "lrs": hg.hyperparameter(torch.full((steps,), 0.2), "positive"),
        "w2": hg.hyperparameter(params["w2"]),  # learned initialization of a layer
        "l2": torch.full((5,), 1e-2),
    }
    p0 = dict(params, w2=hparams["w2"])
    opt = hg.SGD(lr=hg.schedule(hparams["lrs"]), momentum=0.3)
    common = dict(inner_optimizer=opt, train_data=batches, val_data=val)
    rev = hg.hypergradient(inner_loss, outer_loss, p0, hparams, method=hg.Reverse(steps), **common)
    fwd = hg.hypergradient(inner_loss, outer_loss, p0, hparams, method=hg.Forward(steps, chunk_size=4), **common)
    loop = hg.hypergradient(
        inner_loss, outer_loss, p0, hparams, method=hg.Forward(steps, vectorize=False), **common
    )
    for key in hparams:
        assert rel(rev[key], fwd[key]) < 1e-6, key
        assert rel(loop[key], fwd[key]) < 1e-10, key
    assert rev["lrs"].shape == (steps,) and rev["w2"].shape == params["w2"].shape
    # finite differences on the last step's learning rate and on one initial weight
    hraw = {k: (v.raw if isinstance(v, hg.Hyperparameter) else v).detach() for k, v in hparams.items()}

    def value_at(key, index, eps):
        h = {k: v.clone() for k, v in hraw.items()}
        h[key].view(-1)[index] += eps
        new = {
            "lrs": hg.hyperparameter(h["lrs"].exp(), "positive"),
            "w2": hg.hyperparameter(h["w2"]),
            "l2": h["l2"],
        }
        p = dict(params, w2=new["w2"].detach())
        o = hg.SGD(lr=hg.schedule(new["lrs"].detach()), momentum=0.3)
        state = o.init(p)
        for t in range(steps):
            g = torch.func.grad(inner_loss)(p, {"l2": h["l2"]}, batches[t % 3])
            p, state = o.update(p, state, g, None, t)
        return float(outer_loss(p, {}, val))

    for key, index in (("lrs", steps - 1), ("lrs", 0), ("w2", 2)):
        eps = 1e-6
        fd = (value_at(key, index, eps) - value_at(key, index, -eps)) / (2 * eps)
        assert abs(fd - float(rev[key].view(-1)[index])) < 1e-6 * max(1.0, abs(fd)), (key, index)


def test_float32_forward_keeps_dtype_and_matches_reverse(rel):
    """torch's forward-over-reverse can promote tangents to float64 (``0.5 * lam * ...``)."""
    g = torch.Generator().manual_seed(0)
    X, y = torch.randn(30, 6, generator=g).float(), torch.randn(30, generator=g).float()

    def inner(p, h, b):
        return 0.5 * ((X @ p["w"] - y) ** 2).mean() + 0.5 * h["lam"] * (p["w"] ** 2).sum()

    def outer(p, h, b):
        return ((X[:10] @ p["w"] - y[:10]) ** 2).mean()

    hparams = {"lam": hg.hyperparameter(0.1, "positive", dtype=torch.float32)}
    common = dict(inner_optimizer=hg.SGD(lr=0.1, momentum=0.5), train_data=None)
    p0 = {"w": torch.zeros(6, dtype=torch.float32)}
    fwd = hg.hypergradient(inner, outer, p0, hparams, method=hg.Forward(20), **common)
    rev = hg.hypergradient(inner, outer, p0, hparams, method=hg.Reverse(20), **common)
    assert fwd["lam"].dtype == torch.float32 and rev["lam"].dtype == torch.float32
    assert rel(fwd["lam"], rev["lam"]) < 1e-4
