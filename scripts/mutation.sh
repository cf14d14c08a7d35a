#!/usr/bin/env bash
# Mutation testing of the modules where a silent bug costs most (README *Development*,
# docs/mutation.md): mutmut changes one thing at a time in the code ([tool.mutmut] of
# pyproject.toml lists the modules and the tests it runs) and checks that a test fails.
# Run it on purpose, never in CI: a full run takes hours (about 10 minutes of set-up, then
# seconds to minutes per mutant, about 1,700 mutants; it resumes where it stopped).
#
#   scripts/mutation.sh            run (mutmut reuses the results of unchanged functions)
#   scripts/mutation.sh --fresh    forget every previous result first
#   scripts/mutation.sh --score    only print the score of the last run, per module
#
# Then `.venv/bin/mutmut results` lists the survivors and `.venv/bin/mutmut show NAME`
# shows one as a diff; docs/mutation.md says how to read them and lists the equivalent ones.
set -euo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python
[ -x "$py" ] || { echo "Créez d'abord l'environnement : python3 -m venv .venv && .venv/bin/pip install -e '.[test]'"; exit 2; }
"$py" -c "import mutmut" 2>/dev/null || .venv/bin/pip install -q "mutmut>=3.3,<4"

case "${1:-}" in
  --fresh) rm -rf mutants; shift ;;
  --score) shift; exec "$py" scripts/mutation_score.py ;;
esac
# mutmut copies the package once and afterwards refreshes only its Python files: bring the
# other files (report templates and CSS, gettext catalogues, the referential) up to date, or
# the tests would run against stale ones and fail for no mutant
if [ -d mutants/cess_cli ]; then
  "$py" - <<'PY'
import filecmp, shutil
from pathlib import Path
copied = [Path(p) for p in ("schemas", "sample_reports", "scripts", "cess.toml", "README.md")]  # also_copy
files = [f for f in Path("cess_cli").rglob("*") if f.suffix not in {".py", ".pyc"}]
files += [f for p in copied for f in ([p] if p.is_file() else p.rglob("*"))]
for src in files:
    if src.is_file() and "__pycache__" not in src.parts:
        dst = Path("mutants") / src
        if not dst.exists() or not filecmp.cmp(src, dst, shallow=False):
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
PY
fi
# the tests that judge each module (tests/mutation_map.py) in mutmut's own map
"$py" scripts/mutation_focus.py
# one mutant at a time per core; the tests start worker processes of their own
.venv/bin/mutmut run --max-children "${MUTMUT_CHILDREN:-2}" "$@" || true
"$py" scripts/mutation_score.py
