"""Public API: hyperparameters, inner optimizers, HyperOptimizer, online methods and user errors."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import torch

import hyperloom.hypergrad as hg
from hypergrad_toys import ridge_toy

pytestmark = pytest.mark.torch


# -- hyperparameters ---------------------------------------------------------------------------
def test_hyperparameter_constraints_by_reparametrization():
    h = hg.hyperparameter(0.25, "positive", name="lr")
    assert h.raw.is_leaf and h.raw.requires_grad
    assert abs(float(h.raw.detach()) - torch.log(torch.tensor(0.25)).item()) < 1e-12
    assert abs(h.item() - 0.25) < 1e-12
    u = hg.hyperparameter(torch.tensor([0.1, 0.9]), "unit")
    assert torch.allclose(u.raw, torch.logit(torch.tensor([0.1, 0.9])))
    with torch.no_grad():
        u.raw.add_(100.0)  # any raw value stays in (0, 1)
    assert ((u.detach() > 0) & (u.detach() <= 1)).all()
    free = hg.hyperparameter([[1.0, -2.0]])
    assert free.shape == (1, 2) and free.raw.dtype == torch.float64
    assert hg.parameters({"a": h, "b": u}) == [h.raw, u.raw]
    assert torch.allclose(hg.values({"a": h})["a"], torch.tensor(0.25))


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(init=1.0, constraint="log"), ValueError, "unknown constraint='log'"),
        (dict(init=-1.0, constraint="positive"), ValueError, "needs init > 0"),
        (dict(init=1.0, constraint="unit"), ValueError, "0 < init < 1"),
        (dict(init="abc"), TypeError, "init must be a number"),
        (dict(init=float("nan")), ValueError, "finite"),
    ],
)
def test_hyperparameter_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        hg.hyperparameter(**kwargs)


# -- inner optimizers are PyTorch's rules as pure functions ------------------------------------
@pytest.mark.parametrize(
    "ours, theirs",
    [
        (lambda: hg.SGD(lr=0.1), lambda ps: torch.optim.SGD(ps, lr=0.1)),
        (
            lambda: hg.SGD(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
            lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
        ),
        (
            lambda: hg.Adam(lr=0.05, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.1),
            lambda ps: torch.optim.Adam(ps, lr=0.05, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.1),
        ),
        (
            lambda: hg.RMSProp(lr=0.01, alpha=0.9, momentum=0.5),
            lambda ps: torch.optim.RMSprop(ps, lr=0.01, alpha=0.9, momentum=0.5),
        ),
    ],
    ids=["sgd", "nesterov", "adam", "rmsprop"],
)
def test_inner_optimizers_match_torch_optim(ours, theirs):
    target = torch.randn(7)
    w = torch.randn(7, requires_grad=True)
    ref = theirs([w])
    opt = ours()
    p = {"w": w.detach().clone()}
    state = opt.init(p)
    for t in range(6):
        ref.zero_grad()
        loss = ((w - target) ** 4).sum()
        loss.backward()
        ref.step()
        g = {"w": 4 * (p["w"] - target) ** 3}
        p, state = opt.update(p, state, g, step=t)
        assert torch.allclose(p["w"], w.detach(), rtol=1e-10, atol=1e-12), t


def test_optimizer_argument_errors():
    with pytest.raises(ValueError, match="learning rate must be > 0"):
        hg.SGD(lr=0)
    with pytest.raises(ValueError, match=r"momentum=1.5\) must be in \[0, 1\)"):
        hg.SGD(lr=0.1, momentum=1.5)
    with pytest.raises(ValueError, match="nesterov=True\\) needs momentum"):
        hg.SGD(lr=0.1, nesterov=True)
    with pytest.raises(TypeError, match="hypergrad.schedule"):
        hg.SGD(lr=[0.1, 0.2])
    with pytest.raises(TypeError, match="betas"):
        hg.Adam(betas=0.9)
    with pytest.raises(ValueError, match="got a scalar"):
        hg.schedule(torch.tensor(0.1))


def test_user_errors_name_the_argument_and_the_fix():
    inner, outer = ridge_toy()
    lam = torch.tensor(0.1)
    with pytest.raises(TypeError, match="params must be a dict"):
        hg.hypergradient(inner, outer, torch.zeros(3), {"lam": lam})
    with pytest.raises(TypeError, match=r"hparams\['lam'\] must be a torch.Tensor"):
        hg.hypergradient(inner, outer, {"w": torch.zeros(3)}, {"lam": 0.1})
    with pytest.raises(ValueError, match="hparams is empty"):
        hg.hypergradient(inner, outer, {"w": torch.zeros(3)}, {})
    with pytest.raises(TypeError, match="method must be"):
        hg.hypergradient(inner, outer, {"w": torch.zeros(3)}, {"lam": lam}, method="reverse")
    with pytest.raises(TypeError, match="HyperOptimizer"):
        hg.hypergradient(inner, outer, {"w": torch.zeros(3)}, {"lam": lam}, method=hg.RTHO(5))
    with pytest.raises(TypeError, match="torch.optim optimizers update in place"):
        hg.hypergradient(
            inner, outer, {"w": torch.zeros(3)}, {"lam": lam},
            inner_optimizer=torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1),
        )
    lrs = hg.hyperparameter(torch.full((4,), 0.1), "positive")
    with pytest.raises(ValueError, match="wrap it: SGD\\(lr=hypergrad.schedule"):
        hg.hypergradient(inner, outer, {"w": torch.zeros(3)}, {"lam": lam, "lrs": lrs},
                         inner_optimizer=hg.SGD(lr=lrs))
    with pytest.raises(ValueError, match="schedule for lr has 4 entries but inner step 4"):
        hg.hypergradient(inner, outer, {"w": torch.zeros(3)}, {"lam": lam, "lrs": lrs},
                         method=hg.Reverse(5), inner_optimizer=hg.SGD(lr=hg.schedule(lrs)))
    with pytest.raises(ValueError, match="not in hparams"):
        hg.hypergradient(inner, outer, {"w": torch.zeros(3)}, {"lam": lam},
                         inner_optimizer=hg.SGD(lr=hg.hyperparameter(0.1)))
    with pytest.raises(ValueError, match=r"no hyperparameter 'eta' in hparams"):
        hg.hypergradient(inner, outer, {"w": torch.zeros(3)}, {"lam": lam},
                         inner_optimizer=hg.SGD(lr="eta"))
    with pytest.raises(ValueError, match="inner_loss must return a scalar"):
        hg.hypergradient(lambda p, h, b: p["w"] ** 2, outer, {"w": torch.zeros(3)}, {"lam": lam})
    with pytest.raises(ValueError, match="different shapes"):
        hg.hypergradient(inner, outer, {"w": torch.zeros(3)}, {"lam": lam},
                         train_data=[torch.zeros(5, 2), torch.zeros(5)])
    with pytest.raises(ValueError, match="Implicit\\(solver='bfgs'\\)"):
        hg.Implicit("bfgs")
    with pytest.raises(ValueError, match="Reverse\\(steps=0\\)"):
        hg.Reverse(0)


def test_implicit_solver_errors():
    inner, outer = ridge_toy()
    lam = torch.tensor(0.1)
    with pytest.raises(ValueError, match="not positive definite"):
        hg.hypergradient(lambda p, h, b: -inner(p, h, b), outer, {"w": torch.zeros(3)},
                         {"lam": lam}, method=hg.Implicit())
    with pytest.raises(ValueError, match="needs a step size"):
        hg.hypergradient(inner, outer, {"w": torch.zeros(3)}, {"lam": lam},
                         method=hg.Implicit("neumann"))
    with pytest.raises(ValueError, match="SGD"):
        hg.hypergradient(inner, outer, {"w": torch.zeros(3)}, {"lam": lam},
                         method=hg.Implicit("fixed_point"), inner_optimizer=hg.Adam())
    with pytest.raises(ValueError, match="diverged"):
        hg.hypergradient(inner, outer, {"w": torch.zeros(3)}, {"lam": lam},
                         method=hg.Implicit("fixed_point", iters=2000), inner_optimizer=hg.SGD(lr=5.0))


# -- the bilevel loop ---------------------------------------------------------------------------
def _ridge():
    g = torch.Generator().manual_seed(3)
    d = 20
    w_true = torch.randn(d, generator=g)
    X = torch.randn(30, d, generator=g)
    Xv = torch.randn(100, d, generator=g)
    train = (X, X @ w_true + torch.randn(30, generator=g))
    val = (Xv, Xv @ w_true + torch.randn(100, generator=g))

    def inner(p, h, b):
        x, y = b
        return 0.5 * ((x @ p["w"] - y) ** 2).mean() + 0.5 * h["lam"] * (p["w"] ** 2).sum()

    def outer(p, h, b):
        x, y = b
        return 0.5 * ((x @ p["w"] - y) ** 2).mean()

    def val_at(lam):
        w = torch.linalg.solve(X.T @ X / 30 + lam * torch.eye(d), X.T @ train[1] / 30)
        return float(outer({"w": w}, {}, val))

    return inner, outer, train, val, val_at


@pytest.mark.slow  # four bilevel runs, about 2.5 s: ./run test runs them, the fast tier not
@pytest.mark.parametrize(
    "method", [hg.Reverse(60), hg.Implicit(steps=60), hg.RTHO(k=20), hg.TRHO(k=20)],
    ids=["reverse", "implicit", "rtho", "trho"],
)
def test_hyperoptimizer_improves_validation_loss(method):
    inner, outer, train, val, val_at = _ridge()
    lam = hg.hyperparameter(1e-3, "positive")
    hopt = hg.HyperOptimizer(
        method, hg.SGD(lr=0.1), lambda ps: torch.optim.Adam(ps, lr=0.3),
        inner_loss=inner, outer_loss=outer, params={"w": torch.zeros(20)}, hparams={"lam": lam},
    )
    first = hopt.step(train, val)
    for _ in range(24):
        last = hopt.step(train, val)
    assert lam.item() > 1e-2  # moved towards the optimum (about 0.1)
    assert val_at(lam.item()) < val_at(1e-3) - 0.1
    if isinstance(method, hg.Reverse):  # restarts each step, so the values are comparable
        assert last < first
    assert set(hopt.last_hypergradient) == {"lam"}
    assert hopt.params["w"].shape == (20,)


def test_hyperoptimizer_checks_outer_optimizer_and_writes_module():
    inner, outer, train, val, _ = _ridge()
    lam = hg.hyperparameter(1e-3, "positive")
    with pytest.raises(ValueError, match="outer_optimizer does not hold hyperparameter 'lam'"):
        hg.HyperOptimizer(
            hg.Reverse(5), hg.SGD(lr=0.1), torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1),
            inner_loss=inner, outer_loss=outer, params={"w": torch.zeros(20)}, hparams={"lam": lam},
        )
    with pytest.raises(ValueError, match="Implicit\\(steps=...\\) >= 1"):
        hg.HyperOptimizer(
            hg.Implicit(), hg.SGD(lr=0.1), torch.optim.SGD(hg.parameters({"lam": lam}), lr=1),
            inner_loss=inner, outer_loss=outer, params={"w": torch.zeros(20)}, hparams={"lam": lam},
        )
    model = torch.nn.Linear(20, 1, bias=False)
    torch.nn.init.zeros_(model.weight)

    def inner_m(p, h, b):
        x, y = b
        pred = torch.func.functional_call(model, p, (x,)).squeeze(-1)
        return 0.5 * ((pred - y) ** 2).mean() + 0.5 * h["lam"] * (p["weight"] ** 2).sum()

    def outer_m(p, h, b):
        x, y = b
        return 0.5 * ((torch.func.functional_call(model, p, (x,)).squeeze(-1) - y) ** 2).mean()

    outer_opt = torch.optim.Adam(hg.parameters({"lam": lam}), lr=0.1)
    hopt = hg.HyperOptimizer(
        hg.Reverse(20), hg.SGD(lr=0.1), outer_opt,
        inner_loss=inner_m, outer_loss=outer_m, params=model, hparams={"lam": lam},
    )
    before = lam.item()
    hopt.step([train], val)
    assert lam.item() != before
    assert torch.equal(model.weight.detach(), hopt.params["weight"])
    assert float(model.weight.detach().abs().sum()) > 0


def test_import_hyperloom_does_not_import_torch_and_missing_torch_says_how_to_install():
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'torch':\n"
        "            raise ImportError(\"No module named 'torch'\")\n"
        "sys.meta_path.insert(0, Block())\n"
        "import hyperloom\n"
        "assert 'torch' not in sys.modules\n"
        "try:\n    import hyperloom.hypergrad\nexcept ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, env=dict(os.environ), capture_output=True, text=True
    )
    assert "pip install hyperloom[torch]" in out.stdout


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine")
def test_device_follows_the_tensors_on_cuda(rel):
    dev = "cuda"
    X, y = torch.randn(20, 4, device=dev), torch.randn(20, device=dev)

    def inner(p, h, b):
        return 0.5 * ((X @ p["w"] - y) ** 2).mean() + 0.5 * h["lam"] * (p["w"] ** 2).sum()

    def outer(p, h, b):
        return ((X @ p["w"] - y) ** 2).mean()

    hp = {"lam": hg.hyperparameter(0.1, "positive", device=dev)}
    opt = hg.Adam(lr=0.05)
    p0 = {"w": torch.zeros(4, device=dev)}
    out = {
        m: hg.hypergradient(inner, outer, p0, hp, method=meth, inner_optimizer=opt)["lam"]
        for m, meth in {"rev": hg.Reverse(15), "fwd": hg.Forward(15)}.items()
    }
    assert out["rev"].device.type == "cuda"
    assert rel(out["rev"].cpu(), out["fwd"].cpu()) < 1e-6
