from __future__ import annotations

import hashlib
import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from cess_cli.referential.loading import Referential, load_referential

from .mutation_map import not_run_for, pdf_stand_in

COSTS = Path("test-costs.json")  # in mutants/, written by mutmut's clean run (below)


def mutant() -> str:
    """What mutmut runs (scripts/mutation.sh): a mutant's name, "stats" while it maps the
    tests, "" for its clean run and outside mutation testing. Read at each call: mutmut
    imports this file once in a server process and forks it for every mutant."""
    return os.environ.get("MUTANT_UNDER_TEST", "")


def pytest_configure(config: pytest.Config) -> None:
    if mutant():  # the same examples for every mutant: a mutant is killed or not, never by chance
        settings.register_profile("mutation", derandomize=True)
        settings.load_profile("mutation")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Against a mutant, the cheapest tests first: mutmut stops at the first failure, so a
    mutant most tests kill costs the time of the cheapest one. A test's cost is its own run
    plus the set-up of its file's shared fixtures (which the first test of a file pays), as
    measured in mutmut's clean run (`mutants/test-costs.json`)."""
    if not mutant() or not COSTS.is_file():
        return
    costs = json.loads(COSTS.read_text(encoding="utf-8"))
    setup_by_file: dict[str, float] = {}
    for nodeid, (setup, _) in costs.items():
        file = nodeid.split("::")[0]
        setup_by_file[file] = setup_by_file.get(file, 0.0) + setup
    items.sort(key=lambda item: setup_by_file.get(item.nodeid.split("::")[0], 0.0) + costs.get(item.nodeid, [0, 0])[1])


_measured: dict[str, list[float]] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when in ("setup", "call"):
        _measured.setdefault(report.nodeid, [0.0, 0.0])[report.when == "call"] += report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    # mutmut's clean run (every selected test, no mutant, from mutants/): keep the costs
    if "MUTANT_UNDER_TEST" in os.environ and not mutant() and Path.cwd().name == "mutants" and _measured:
        COSTS.write_text(json.dumps(_measured, indent=0), encoding="utf-8")


# a mutant that makes a test wait forever (on a worker, a pipe) uses no CPU time, so mutmut's
# own CPU-time limit never ends it: a test still running after this many seconds fails, and
# the mutant counts as killed (the slowest test takes about 13 s under mutation)
MUTANT_TEST_SECONDS = 120


def pytest_runtest_setup(item: pytest.Item) -> None:
    if not_run_for(mutant(), item.nodeid):
        pytest.skip("mutation : ce module est jugé par d'autres tests (tests/mutation_map.py)")


class MutantTooSlow(Exception):
    """A test ran longer than MUTANT_TEST_SECONDS under mutation."""


@pytest.fixture(autouse=True)
def _mutant_time_limit() -> Iterator[None]:
    if mutant() in ("", "stats"):
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


@pytest.fixture(autouse=True)
def _pdf_stand_in(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under a mutant of the batch's publication, the report's PDF is a stand-in made from
    its HTML (tests/mutation_map.py): the same for the same HTML, another for another."""
    if not pdf_stand_in(mutant(), request.node.nodeid):
        return
    import cess_cli.outputs.report as report

    def stand_in(html: str) -> bytes:
        return b"%PDF-1.7\n% stand-in (mutation testing)\n" + hashlib.sha256(html.encode()).hexdigest().encode()

    monkeypatch.setattr(report, "render_pdf", stand_in)


@pytest.fixture(scope="session")
def ref() -> Referential:
    return load_referential()
