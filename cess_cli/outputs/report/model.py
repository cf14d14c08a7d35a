"""The shapes the report's templates render: plain values, every figure already a French string.

The builders (`view.py`, `sections.py`) fill these from the `Evaluation` and the referential;
the Jinja2 templates only lay them out. Nothing here computes a figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cess_cli.outputs.report.drawing import Chart


@dataclass
class Table:
    """A table as the reader sees it: `headers`, `rows` of French strings, the indexes of the
    numeric columns (right-aligned, header too), an optional caption and note."""

    headers: list[str]
    rows: list[list[str]]
    numeric: set[int] = field(default_factory=set)
    caption: str = ""
    note: str = ""
    row_classes: list[str] = field(default_factory=list)
    keep: bool = False  # printed whole on one page (it fits: see fit.py)


@dataclass
class FigureRow:
    """One year (or the period) of an indicator: French strings; `rule` says how the period
    target was set; `partial` when fewer bilans counted than expected."""

    annee: str
    valeur: str
    cible: str
    taux: str
    couverture: str
    rule: str = ""
    partial: bool = False
    period: bool = False


@dataclass
class IndicatorView:
    """One indicator of an effect: its label, unit, aggregation kind and its figures."""

    libelle: str
    unite: str
    nature: str
    rows: list[FigureRow]


@dataclass
class EffectView:
    """An expected effect (verbatim), its indicators and its chart; `computed` names what cess
    computes itself for it (département breakdown, completeness); `indirect` says, in French,
    why its figures measure it only indirectly (the referential's `mesure_indirecte`), or "";
    `keep`: printed whole on one page (it fits: see fit.py)."""

    libelle: str
    indicators: list[IndicatorView]
    chart: Chart | None
    computed: list[str] = field(default_factory=list)
    indirect: str = ""
    keep: bool = False


@dataclass
class Block:
    """A titled block of a chapter: an introduction, tables and charts (printed above the
    first table, which they illustrate); `keep`: its heading, charts and first table printed
    on one page (they fit: see fit.py)."""

    title: str
    intro: str = ""
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    keep: bool = False


@dataclass
class Chapter:
    """A chapter: an evaluative question (verbatim) with its effects, or a thematic chapter
    (financing, completeness) made of blocks."""

    anchor: str
    number: str
    title: str
    precision: str = ""
    intro: str = ""
    effects: list[EffectView] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)


@dataclass
class GridCell:
    """One action-year of the completeness grid: a symbol and a word (never colour alone)."""

    symbol: str
    text: str
    css: str


@dataclass
class GridRow:
    action: str
    libelle: str
    cells: list[GridCell]


@dataclass
class Anomaly:
    fichier: str
    emplacement: str
    message: str
    conseil: str


@dataclass
class AnomalyGroup:
    """The anomalies of one kind. Beyond a few dozen, `listing` holds them as plain lines
    (one text block: the PDF renderer lays out a thousand lines in a fraction of the time
    a thousand list items take) and `hint` the advice they share, if they share one."""

    kind: str
    severity: str
    items: list[Anomaly]
    listing: str = ""
    hint: str = ""


@dataclass
class ActionTexts:
    """The qualitative bilans of one action: for each rubrique, the text of each year (whole,
    « — » where the bilan says nothing), and the file each year's texts come from."""

    code: str
    libelle: str
    axe: str
    years: list[str]
    rubriques: list[tuple[str, list[str]]]
    sources: list[str]
    long: list[bool] = field(default_factory=list)  # per rubrique: may break across pages (fit.py)


@dataclass
class Report:
    """Everything the report shows, in reading order."""

    title: str
    contract: str
    period: str
    period_text: str
    date: str
    iso_date: str
    coverage: str
    cess_version: str
    referential_hash: str
    referential_folder: str
    key_figures: list[tuple[str, str, str]]  # label, French figure, coverage (« 55 / 63 bilans » or « »)
    key_note: str
    chapters: list[Chapter]
    financing: Chapter
    completeness: Chapter
    grid_years: list[str]
    grid: list[GridRow]
    legend: list[GridCell]
    anomalies: list[AnomalyGroup]
    qualitative: list[ActionTexts]
    method: list[tuple[str, str]]
    sources: Table
    sources_listing: str = ""
