"""Which tests judge which mutated module (scripts/mutation.sh, docs/mutation.md).

The batch's end-to-end tests (seconds each: worker processes, a whole run, a kill at every
publishing step) judge the modules of publication; a mutant of a consolidation module or of
safe text is judged by the library's own tests, which reach the same functions in
milliseconds, and a mutant of the atomic writes by its own tests, the hostile conditions and
the kills. A survivor gets a test of its own, never a longer run.

Used twice: `tests/conftest.py` skips these tests under such a mutant, and
`scripts/mutation_focus.py` removes them from mutmut's map of the tests that reach each
function, so that its time estimates, its order (cheapest first) and its clean run agree.
"""

from __future__ import annotations

END_TO_END = ("tests/test_batch.py", "tests/test_batch_hostile.py", "tests/test_kills.py")
# the report and the printed workbook show figures the consolidation tests pin by hand; their
# own tests (seconds each: a PDF, a LibreOffice or Chromium rendering) judge how they show them
RENDERING = (
    "tests/outputs/test_report.py",
    "tests/outputs/test_report_layout.py",
    "tests/outputs/test_workbook_print.py",
)
NOT_RUN_FOR = {
    "cess_cli.consolidation.": END_TO_END + RENDERING,
    "cess_cli.outputs.safety.": END_TO_END,
    "cess_cli.outputs.atomic.": ("tests/test_batch.py",),
}


# the batch's publication places, names and guards the report's files but never makes their
# content: under its mutants the PDF (WeasyPrint, about two thirds of a batch test's time)
# is a stand-in made from the HTML, so that a mutant changing what the report is given still
# changes the PDF's bytes; the tests that read the PDF itself keep the real one
PDF_STAND_IN_FOR = ("cess_cli.batch.", "cess_cli.batch_lock.")
PDF_READ_BY = ("tests/outputs/test_safety.py", "tests/outputs/test_report")


def pdf_stand_in(name: str, test: str) -> bool:
    """True when, under the mutant `name`, the test `test` (a pytest node id) gets the
    report's stand-in PDF (`tests/conftest.py`)."""
    return name.startswith(PDF_STAND_IN_FOR) and not test.startswith(PDF_READ_BY)


def not_run_for(name: str, test: str) -> bool:
    """True when `test` (a pytest node id) does not judge the mutant or function `name`
    (mutmut's dotted name, « cess_cli.consolidation.figures.x_figures__mutmut_3 »)."""
    return any(name.startswith(module) and test.startswith(tests) for module, tests in NOT_RUN_FOR.items())
