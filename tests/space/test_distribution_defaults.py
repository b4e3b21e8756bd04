"""A distribution may carry a default for front ends (graph tweaks); it changes neither the
space's identity nor its stored form."""

import pickle

import pytest

import hyperloom as hl

CASES = [hl.Uniform(0, 0.5, default=0.1), hl.LogUniform(1e-4, 1, default=0.01),
         hl.QUniform(0, 1, 0.25, default=0.5), hl.IntUniform(1, 9, default=4),
         hl.Normal(0, 1, default=0.3), hl.LogNormal(0, 1, default=1.5),
         hl.QNormal(0, 1, 0.5, default=1.0), hl.Choice(["a", "b"], default="b")]


@pytest.mark.parametrize("dist", CASES, ids=lambda d: type(d).__name__)
def test_a_default_is_kept_but_is_not_part_of_identity_or_json(dist):
    plain = hl.space.distribution_from_dict(dist.to_dict())
    assert dist.has_default and not plain.has_default
    assert dist == plain and hash(dist) == hash(plain)
    assert "default" not in dist.to_dict()
    assert pickle.loads(pickle.dumps(dist)).default == dist.default


@pytest.mark.parametrize("make", [lambda: hl.Uniform(0, 1, default=2),
                                  lambda: hl.IntUniform(1, 3, default=1.5),
                                  lambda: hl.Choice(["a", "b"], default="c")])
def test_a_default_outside_the_distribution_is_refused_naming_it(make):
    with pytest.raises(ValueError, match="`default` .* is not a value of"):
        make()


def test_a_choice_default_may_be_the_live_option():
    assert hl.Choice([ValueError, KeyError], default=KeyError).default is KeyError
