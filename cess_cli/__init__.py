"""cess — suivi du contrat économique sectoriel ESS Rhône-Alpes 2014-2016.

The library API, for a notebook, a test or another program (the `cess` command is a
thin wrapper over it). The flow, one package per step:

    referential/   the contract as data      load_referential(folder) -> Referential
    reading/       files -> cells            (pre-flight, calamine, isolated workers)
    checking/      cells -> findings         validate_workbook(path, ref) -> FileResult
    pipeline.py    files -> findings, bilans validate_paths(paths, ref) -> Report
                                             collect(paths, ref) -> Collection
    consolidation/ which bilans count, figures
                                             consolidate(collection, ref, years) -> Evaluation
    outputs/       what people read          write_evaluation, write_tidy_csv, write_financing_csv,
                                             write_template, write_feedback
    batch.py       the unattended run        run_batch(config, ref) -> BatchResult

Names are imported on first use, so that `import cess_cli` (and `cess --help`) stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_API = {
    "load_referential": "cess_cli.referential.loading",
    "check_referential": "cess_cli.referential.loading",
    "Referential": "cess_cli.referential.loading",
    "validate_workbook": "cess_cli.checking.validate",
    "read_bilan": "cess_cli.checking.validate",
    "Bilan": "cess_cli.checking.bilan",
    "Finding": "cess_cli.findings",
    "FileResult": "cess_cli.findings",
    "Report": "cess_cli.findings",
    "Severity": "cess_cli.findings",
    "CessError": "cess_cli.findings",
    "validate_paths": "cess_cli.pipeline",
    "collect": "cess_cli.pipeline",
    "Collection": "cess_cli.consolidation.sources",
    "consolidate": "cess_cli.consolidation.evaluation",
    "Evaluation": "cess_cli.consolidation.evaluation",
    "write_evaluation": "cess_cli.outputs.evaluation_workbook",
    "write_tidy_csv": "cess_cli.outputs.tidy_csv",
    "write_financing_csv": "cess_cli.outputs.tidy_csv",
    "write_template": "cess_cli.outputs.template",
    "write_feedback": "cess_cli.outputs.feedback",
    "run_batch": "cess_cli.batch",
    "resolve": "cess_cli.config",
}

__all__ = [
    "Bilan",
    "CessError",
    "Collection",
    "Evaluation",
    "FileResult",
    "Finding",
    "Referential",
    "Report",
    "Severity",
    "__version__",
    "check_referential",
    "collect",
    "consolidate",
    "load_referential",
    "read_bilan",
    "resolve",
    "run_batch",
    "validate_paths",
    "validate_workbook",
    "write_evaluation",
    "write_feedback",
    "write_financing_csv",
    "write_template",
    "write_tidy_csv",
]

if TYPE_CHECKING:
    from cess_cli.batch import run_batch
    from cess_cli.checking.bilan import Bilan
    from cess_cli.checking.validate import read_bilan, validate_workbook
    from cess_cli.config import resolve
    from cess_cli.consolidation.evaluation import Evaluation, consolidate
    from cess_cli.consolidation.sources import Collection
    from cess_cli.findings import CessError, FileResult, Finding, Report, Severity
    from cess_cli.outputs.evaluation_workbook import write_evaluation
    from cess_cli.outputs.feedback import write_feedback
    from cess_cli.outputs.template import write_template
    from cess_cli.outputs.tidy_csv import write_financing_csv, write_tidy_csv
    from cess_cli.pipeline import collect, validate_paths
    from cess_cli.referential.loading import Referential, check_referential, load_referential


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'cess_cli' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
