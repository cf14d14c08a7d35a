from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from cess_cli.referential.loading import Referential, load_referential

from .mutation_map import not_run_for

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


# a mutant that makes a test wait forever (on a worker, a pipe) uses no CPU time, so mutmut's
# own CPU-time limit never ends it: a test still running after this many seconds fails, and
# the mutant counts as killed (the slowest test takes about 13 s under mutation)
MUTANT_TEST_SECONDS = 120


def pytest_runtest_setup(item: pytest.Item) -> None:
    if not_run_for(os.environ.get("MUTANT_UNDER_TEST", ""), item.nodeid):
        pytest.skip("mutation : ce module est jugé par d'autres tests (tests/mutation_map.py)")


class MutantTooSlow(Exception):
    """A test ran longer than MUTANT_TEST_SECONDS under mutation."""


@pytest.fixture(autouse=True)
def _mutant_time_limit() -> Iterator[None]:
    if not MUTATION:
        yield
        return

    def too_slow(signum: int, frame: object) -> None:
        raise MutantTooSlow(f"test still running after {MUTANT_TEST_SECONDS} s under mutation")

    previous = signal.signal(signal.SIGALRM, too_slow)
    signal.alarm(MUTANT_TEST_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="session")
def ref() -> Referential:
    return load_referential()
