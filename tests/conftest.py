from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import settings

from cess_cli.referential.loading import Referential, load_referential

MUTATION = bool(os.environ.get("MUTANT_UNDER_TEST"))  # set by mutmut (scripts/mutation.sh)

if MUTATION:  # the same examples for every mutant: a mutant is killed or not, never by chance
    settings.register_profile("mutation", derandomize=True)
    settings.load_profile("mutation")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under mutation testing, the fastest tests first: mutmut stops at the first failure,
    so a mutant most tests kill costs the time of the fastest one (durations from mutmut's
    own first run, `mutants/mutmut-stats.json`)."""
    stats = Path("mutmut-stats.json")
    if not MUTATION or not stats.is_file():
        return
    durations = json.loads(stats.read_text(encoding="utf-8")).get("duration_by_test", {})
    items.sort(key=lambda item: durations.get(item.nodeid, 0.0))


@pytest.fixture(scope="session")
def ref() -> Referential:
    return load_referential()
