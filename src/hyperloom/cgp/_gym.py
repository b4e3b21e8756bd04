"""A gymnasium environment as a CGP task: observations become program inputs, outputs become
actions, and a program's score is its mean return over seeded episodes.

Mapping: a Box observation gives one input per dimension, scaled into [-1, 1] linearly where
the bound is finite and by tanh where it is not (CartPole's velocities). A Discrete action of
2 is the sign of one output (> 0: action 1); of n > 2, the argmax of n outputs. A Box action
takes one output per dimension, mapped from [-1, 1] onto its bounds.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from ._decode import Program, decode
from ._genome import Genome
from ._operators import NUMERIC, OperatorSet


def _gymnasium() -> Any:
    try:
        import gymnasium
    except ImportError:
        raise ImportError("hyperloom.cgp.GymTask needs gymnasium: "
                          "pip install 'hyperloom[gym]'") from None
    return gymnasium


class GymTask:
    """Episodes of one environment (`gymnasium.make(env_id, **make_kwargs)`).

    episodes: episodes per evaluation; episode i is reset with seed `seed + i`, so every
        program meets the same starts.
    max_steps: the episode length limit (the largest return on CartPole is this number).

    `inputs_of(observation)` gives the program inputs, `action_of(outputs)` the action.
    """

    def __init__(self, env_id: str, *, episodes: int = 3, max_steps: int | None = None,
                 seed: int = 0, **make_kwargs: Any) -> None:
        if episodes < 1:
            raise ValueError(f"GymTask: `episodes` must be >= 1, got {episodes!r}")
        if max_steps is not None:
            make_kwargs["max_episode_steps"] = max_steps
        self._env_args = (env_id, make_kwargs)
        self.env = self._make()
        self._per_thread = threading.local()  # executor="threads" runs episodes in threads
        self.episodes = episodes
        self.seed = seed
        self.inputs_of = _observation_scaler(self.env.observation_space)
        self.action_of, self.n_outputs = _action_mapper(self.env.action_space)
        self.n_inputs = int(np.prod(self.env.observation_space.shape))

    def _make(self) -> Any:
        env_id, make_kwargs = self._env_args
        return _gymnasium().make(env_id, **make_kwargs)

    def __getstate__(self) -> dict[str, Any]:
        # Sent to worker processes without its environments: each process makes its own.
        return {k: v for k, v in self.__dict__.items() if k not in ("env", "_per_thread")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.env = self._make()
        self._per_thread = threading.local()

    def genome(self, *, rows: int = 1, columns: int = 10, levels_back: int | None = None,
               operators: OperatorSet = NUMERIC, feedback: bool = False) -> Genome:
        """A genome with this task's inputs and outputs."""
        return Genome(self.n_inputs, self.n_outputs, rows, columns, levels_back, operators,
                      feedback)

    def run_episode(self, program: Program, index: int) -> float:
        """The return of one episode (seed `seed + index`), the program reset first."""
        program.reset()
        env = self._thread_env()
        obs, _ = env.reset(seed=self.seed + index)
        total, done = 0.0, False
        while not done:
            outputs = program(self.inputs_of(obs))
            obs, reward, terminated, truncated, _ = env.step(self.action_of(outputs))
            total += float(reward)
            done = terminated or truncated
        return total

    def _thread_env(self) -> Any:
        if threading.current_thread() is threading.main_thread():
            return self.env
        env = getattr(self._per_thread, "env", None)
        if env is None:
            env = self._per_thread.env = self._make()
        return env

    def score(self, program: Program) -> float:
        """The mean return over the task's episodes."""
        return float(np.mean([self.run_episode(program, i) for i in range(self.episodes)]))

    def objective(self, genome: Genome) -> Callable[[Any], float]:
        """An objective for `study.optimize` (direction "maximize"): decode, then score."""
        return lambda trial: self.score(decode(genome, trial.params))


def _observation_scaler(space: Any) -> Callable[[Any], list[float]]:
    gym = _gymnasium()
    if not isinstance(space, gym.spaces.Box):
        if isinstance(space, gym.spaces.Discrete):
            n = int(space.n)
            return lambda obs: [2.0 * (int(obs) - int(space.start)) / max(n - 1, 1) - 1.0]
        raise TypeError(f"GymTask: observation space {space!r} is not a Box or Discrete")
    low, high = space.low.ravel().astype(float), space.high.ravel().astype(float)
    finite = np.isfinite(low) & np.isfinite(high) & (high > low)
    low, high = np.where(finite, low, -1.0), np.where(finite, high, 1.0)
    mid, half = (low + high) / 2, (high - low) / 2

    def scale(obs: Any) -> list[float]:
        x = np.asarray(obs, dtype=float).ravel()
        return np.where(finite, np.clip((x - mid) / half, -1.0, 1.0), np.tanh(x)).tolist()
    return scale


def _action_mapper(space: Any) -> tuple[Callable[[list[float]], Any], int]:
    gym = _gymnasium()
    if isinstance(space, gym.spaces.Discrete):
        start = int(space.start)
        if space.n == 2:
            return (lambda out: start + int(out[0] > 0)), 1
        return (lambda out: start + int(np.argmax(out))), int(space.n)
    if isinstance(space, gym.spaces.Box):
        low, high = space.low.astype(float), space.high.astype(float)

        def act(out: list[float]) -> Any:
            unit = np.clip(np.asarray(out, dtype=float).reshape(space.shape), -1.0, 1.0)
            return (low + (unit + 1.0) / 2.0 * (high - low)).astype(space.dtype)
        return act, int(np.prod(space.shape))
    raise TypeError(f"GymTask: action space {space!r} is not a Box or Discrete")
