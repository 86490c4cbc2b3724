"""Shared fixtures for the datagen tests: one tiny data set per test session."""

from pathlib import Path

import pytest

import datagen


@pytest.fixture(scope="session")
def tiny(tmp_path_factory) -> tuple[Path, dict]:
    """The tiny data set for seed 42, generated once: (directory, manifest)."""
    out = tmp_path_factory.mktemp("tiny") / "data"
    return out, datagen.generate(out, "tiny", seed=42)
