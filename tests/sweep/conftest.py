"""Fixtures for the sweep tests: a Gin config that is clean before and after each test.
gin-config and lark are dev dependencies: a missing one fails the tests, it is not skipped."""

from __future__ import annotations

import gin
import pytest


@pytest.fixture
def clean_gin():
    gin.clear_config()
    yield gin
    gin.clear_config()
