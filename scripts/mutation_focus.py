"""Trim mutmut's map of the tests that reach each function to the tests that judge its module
(tests/mutation_map.py), in `mutants/mutmut-stats.json`. Run by scripts/mutation.sh before
mutmut when that map exists (mutmut writes it on its first run and reuses it after).

Without it mutmut would count, for a consolidation function, the batch's end-to-end tests
that the mutation run skips there: its estimates would put the consolidation mutants last,
and its clean run would run those tests for nothing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.mutation_map import not_run_for  # noqa: E402


def main() -> int:
    stats_file = ROOT / "mutants" / "mutmut-stats.json"
    if not stats_file.is_file():
        return 0
    stats = json.loads(stats_file.read_text(encoding="utf-8"))
    removed = 0
    for function, tests in stats["tests_by_mangled_function_name"].items():
        kept = [t for t in tests if not not_run_for(function, t)]
        removed += len(tests) - len(kept)
        stats["tests_by_mangled_function_name"][function] = kept
    tmp = stats_file.with_suffix(".tmp")
    tmp.write_text(json.dumps(stats, indent=2), encoding="utf-8")
    tmp.replace(stats_file)
    print(f"mutation_focus: {removed} (function, test) pairs left out (tests/mutation_map.py)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
