"""Shared fixtures."""

import pytest


@pytest.fixture
def anyio_backend():
    """Async tests (marked `@pytest.mark.anyio`) run on asyncio, as the product does."""
    return "asyncio"
