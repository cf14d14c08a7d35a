"""Print the score of the last mutation run (scripts/mutation.sh), per module.

A mutant is *killed* when a test failed with it (a timeout counts as killed: the mutant made
the code loop); *survived* when every test passed; *no tests* when no selected test runs
the mutated function. Reads mutmut's own results in `mutants/` (`<module>.meta`).
"""

from __future__ import annotations

import json
import sys
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests", 34: "skipped", 36: "timeout"}
STATUS |= {-24: "timeout", 24: "timeout", 152: "timeout", 255: "timeout", None: "not checked"}


def main() -> int:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mutmut"]
    rows, total = [], Counter()
    for module in config["only_mutate"]:
        meta = ROOT / "mutants" / f"{module}.meta"
        if not meta.is_file():
            rows.append((module, None))
            continue
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        counts = Counter(STATUS.get(code, "suspicious") for code in codes.values())
        total += counts
        rows.append((module, counts))
    cols = ("killed", "timeout", "survived", "no tests", "not checked")
    print(
        f"{'module':42} {'killed':>7} {'timeout':>8} {'survived':>9} {'no tests':>9} {'not run':>8} {'other':>6} {'total':>6}"
    )
    for module, counts in [*rows, ("total", total)]:
        if counts is None:
            print(f"{module:42} (not run)")
            continue
        other = sum(counts.values()) - sum(counts[k] for k in cols)
        print(
            f"{module:42} {counts['killed']:>7} {counts['timeout']:>8} {counts['survived']:>9} "
            f"{counts['no tests']:>9} {counts['not checked']:>8} {other:>6} {sum(counts.values()):>6}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
