"""Trim mutmut's map of the tests that reach each function to the tests that judge its module
(tests/mutation_map.py), in `mutants/mutmut-stats.json`. Run by scripts/mutation.sh before
mutmut when that map exists (mutmut writes it on its first run and reuses it after).

Without it mutmut would count, for a consolidation function, the batch's end-to-end tests
that the mutation run skips there: its estimates would put the consolidation mutants last,
and its clean run would run those tests for nothing.

It also gives a function the map does not know (new, renamed or moved since mutmut's first
run: mutmut then records no test for it, and its mutants would « survive » untested) every
test recorded for its module: more tests than it needs, never fewer.
"""

from __future__ import annotations

import ast
import json
import sys
import tomllib
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
    by_function: dict[str, list[str]] = stats["tests_by_mangled_function_name"]
    for function, tests in by_function.items():
        kept = [t for t in tests if not not_run_for(function, t)]
        removed += len(tests) - len(kept)
        by_function[function] = kept
    unknown = [f for f in mutated_functions() if not by_function.get(f)]
    for function in unknown:
        module = function.rsplit(".", 1)[0]
        by_function[function] = sorted(
            {t for f, ts in by_function.items() if f.rsplit(".", 1)[0] == module for t in ts}
        )
    if unknown:
        print(f"mutation_focus: {len(unknown)} function(s) unknown to the map judged by their module's tests")
    tmp = stats_file.with_suffix(".tmp")
    tmp.write_text(json.dumps(stats, indent=2), encoding="utf-8")
    tmp.replace(stats_file)
    print(f"mutation_focus: {removed} (function, test) pairs left out (tests/mutation_map.py)")
    return 0


def mutated_functions() -> list[str]:
    """mutmut's names of the functions and methods of the modules it mutates
    (`[tool.mutmut] only_mutate`): « package.module.x_function », « package.module.xǁClassǁmethod »."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mutmut"]
    names = []
    for path in config["only_mutate"]:
        module = path.removesuffix(".py").replace("/", ".")
        tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                names.append(f"{module}.x_{node.name}")
            elif isinstance(node, ast.ClassDef):
                names += [
                    f"{module}.xǁ{node.name}ǁ{item.name}"
                    for item in node.body
                    if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                ]
    return names


if __name__ == "__main__":
    sys.exit(main())
