"""Charts of the COPIL report as inline SVG, drawn by matplotlib without a display or a browser.

Every chart has a title, axis labels with their unit and a text alternative (`Chart.alt`,
also written into the SVG as <title> and <desc>); numbers are in French forms; series
differ by hatch, outline and marker as well as by colour, so they survive black-and-white
printing. Text stays text in the SVG (`svg.fonttype: none`), so it is searchable and read
by screen readers. Ids are prefixed with the chart's id, so several charts can share one
HTML page. Figures are built with `matplotlib.figure.Figure` (no pyplot, no global state).
Inside `drawing.drawn_together()` the two chart functions are drawn together, on every core.
"""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import matplotlib
from markupsafe import escape
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath
from matplotlib.ticker import FuncFormatter, MaxNLocator

from cess_cli.consolidation.shared import coverage
from cess_cli.outputs.report.drawing import Chart, deferrable
from cess_cli.outputs.report.french import by_unit, is_number

INK = "#1a1a1a"
DARK = "#2f4f7f"  # prints as a dark grey
MID = "#8fa8c8"  # prints as a light grey
UNIT_AXIS = {"nombre": "nombre", "ETP": "ETP", "euros": "milliers d'euros", "%": "%"}
UNIT_WORDS = {"nombre": "nombre", "ETP": "ETP", "euros": "euros", "%": "%"}
WIDTH_IN = 6.9  # the text width of an A4 page with 15 mm margins (7.1 in), less a little
TOP_IN, PANEL_IN, PANEL_TITLE_IN, TICKS_IN, LEGEND_IN = 0.45, 2.1, 0.42, 0.38, 0.3
RC: Any = {
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.size": 8.5,
    "axes.titlesize": 9,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": INK,
    "hatch.linewidth": 0.6,
    "hatch.color": INK,
}


@dataclass
class Panel:
    """One indicator in a small-multiples chart: a bar per year (value) and a marker (target).
    `values`, `targets` in the indicator's unit (fractions for %); `coverage` is each year's
    (bilans received, bilans expected), shown under its year as « 3 / 5 » and worded in the
    text alternative."""

    label: str
    unit: str
    years: list[str]
    values: list[float | None]
    targets: list[float | None]
    coverage: list[tuple[int, int]] = field(default_factory=list)
    value_label: str = "Valeur"
    target_label: str = "Cible"


@deferrable
def panels_chart(chart_id: str, title: str, panels: Sequence[Panel], per_row: int = 3, heading: str = "") -> Chart:
    """Small multiples, one panel per indicator: for each year a solid bar (the value) beside a
    white outlined bar (the target), over light grid lines; the exact figures are in the
    text alternative and in the tables beside the chart. `title` names the chart
    for the text alternative; `heading` is drawn above the panels (default: `title`). The
    figure is as wide as its columns need (at most the A4 text width)."""
    rows = -(-len(panels) // per_row)
    cols = min(per_row, len(panels))
    gap = 0.82
    axes_w = min(2.4, (WIDTH_IN - 0.82 - (cols - 1) * gap) / cols)
    width = max(3.4, 0.82 + cols * axes_w + (cols - 1) * gap)
    # each panel's title starts at its axes' left edge and may use a little of the margin
    titles = [_wrap(p.label, axes_w + 0.1) for p in panels]
    title_in = max(PANEL_TITLE_IN, 0.06 + 0.15 * max((t.count("\n") + 1 for t in titles), default=1))
    panel_in = PANEL_IN - PANEL_TITLE_IN + title_in
    height = TOP_IN + rows * panel_in + LEGEND_IN
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(width, height))
        axes = fig.subplots(rows, cols, squeeze=False)
        # fixed margins (constrained layout would cost a second drawing of every chart)
        axes_h = panel_in - title_in - TICKS_IN
        fig.subplots_adjust(
            left=0.72 / width,
            right=(0.72 + cols * axes_w + (cols - 1) * gap) / width,
            top=1 - (TOP_IN + title_in) / height,
            bottom=(LEGEND_IN + TICKS_IN) / height,
            hspace=(title_in + TICKS_IN) / axes_h,
            wspace=gap / axes_w,
        )
        for ax, panel, panel_title in zip(axes.flat, panels, titles, strict=False):
            _panel(ax, panel, panel_title)
        for ax in list(axes.flat)[len(panels) :]:
            ax.set_visible(False)
        handles, labels = axes.flat[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", ncols=2, frameon=False, bbox_to_anchor=(0.5, 0.0))
        fig.suptitle(
            _wrap(heading or title, width - 0.3), fontsize=8.5, fontweight="bold", y=1 - 0.06 / height, va="top"
        )
        alt = f"{title}. " + " ".join(_panel_alt(p) for p in panels)
        return _render(fig, chart_id, title, alt)


def _panel(ax: Axes, p: Panel, title: str) -> None:
    x = list(range(len(p.years)))
    heights = [_num(v) for v in p.values]
    targets = [_num(t) for t in p.targets]
    ax.bar([i - 0.2 for i in x], heights, 0.4, color=DARK, edgecolor=INK, linewidth=0.6, label=p.value_label)
    ax.yaxis.grid(True, color="#c8c8c8", linewidth=0.5)
    ax.set_axisbelow(True)
    if any(is_number(t) for t in p.targets):
        ax.bar(
            [i + 0.2 for i in x],
            targets,
            0.4,
            color="white",
            edgecolor=INK,
            linewidth=1.1,
            label=p.target_label,
        )
    notes = [f"{received} / {expected}" for received, expected in p.coverage] or [""] * len(x)
    ticks = [f"{y}\n{n}" if n else y for y, n in zip(p.years, notes, strict=True)]
    ax.set_xticks(x, ticks, fontsize=7.5)
    ax.set_title(title, loc="left", fontsize=8.5)
    ax.set_ylabel(UNIT_AXIS.get(p.unit, p.unit))
    ax.yaxis.set_major_formatter(_formatter(p.unit))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=p.unit == "nombre"))
    top = max([*heights, *targets, 0.0])
    ax.set_ylim(0, top * 1.08 if top else 1)
    ax.set_xlim(-0.6, len(x) - 0.4)


def _panel_alt(p: Panel) -> str:
    parts = []
    for i, year in enumerate(p.years):
        bits = [f"{year} : {by_unit(p.values[i], p.unit)}"]
        if is_number(p.targets[i]):
            bits.append(f"{p.target_label.lower()} {by_unit(p.targets[i], p.unit)}")
        if p.coverage:
            bits.append(coverage(*p.coverage[i]))
        parts.append(bits[0] + (f" ({', '.join(bits[1:])})" if len(bits) > 1 else ""))
    return f"{p.label} ({UNIT_WORDS.get(p.unit, p.unit)}) : " + " ; ".join(parts) + "."


@dataclass
class Series:
    """One series of a grouped or stacked bar chart, with how it prints without colour."""

    label: str
    values: list[float | None]
    color: str = DARK
    hatch: str = ""


CATEGORY_CHARS = 40  # the longest line of a category name 3.2 inches of margin hold


@deferrable
def grouped_bars(
    chart_id: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    unit: str,
    *,
    horizontal: bool = False,
    stacked: bool = False,
    axis_label: str = "",
    height: float = 3.0,
    value_labels: bool = True,
) -> Chart:
    """Bars for several series over categories (départements, years, funders): grouped side
    by side, or stacked; horizontal for long category names. Each series has its own hatch;
    grouped bars carry their French figure unless `value_labels` is False."""
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(WIDTH_IN, height))
        ax = fig.add_subplot()
        if horizontal:  # a long name on two lines rather than cut at the figure's edge
            categories = ["\n".join(textwrap.wrap(c, CATEGORY_CHARS)) or c for c in categories]
        longest = max((len(line) for c in categories for line in c.split("\n")), default=4)
        left = min(3.2, 0.35 + 0.062 * longest) if horizontal else 0.75
        bottom = (0.45 if horizontal else 0.5) + LEGEND_IN
        fig.subplots_adjust(
            left=left / WIDTH_IN, right=1 - 0.2 / WIDTH_IN, top=1 - 0.42 / height, bottom=bottom / height
        )
        n = len(series)
        width = 0.8 if stacked else 0.8 / max(n, 1)
        base = [0.0] * len(categories)
        bar: Callable[..., object] = ax.barh if horizontal else ax.bar
        for k, s in enumerate(series):
            vals = [_num(v) for v in s.values]
            pos = [i if stacked else i - 0.4 + width * (k + 0.5) for i in range(len(categories))]
            extra = {"left": base} if horizontal else {"bottom": base}
            bars = bar(
                pos,
                vals,
                width,
                color=s.color,
                hatch=s.hatch,
                edgecolor=INK,
                linewidth=0.6,
                label=s.label,
                **(extra if stacked else {}),
            )
            if value_labels and not stacked:
                labels = [by_unit(v, unit) if is_number(v) else "" for v in s.values]
                ax.bar_label(bars, labels=labels, padding=2, fontsize=6.5)  # type: ignore[arg-type]
            base = [b + v for b, v in zip(base, vals, strict=True)] if stacked else base
        value_axis, cat_axis = (ax.xaxis, ax.yaxis) if horizontal else (ax.yaxis, ax.xaxis)
        cat_axis.set_ticks(range(len(categories)), list(categories))
        value_axis.set_major_formatter(_formatter(unit))
        value_axis.set_major_locator(MaxNLocator(nbins=5, integer=unit == "nombre"))
        (ax.set_xlabel if horizontal else ax.set_ylabel)(axis_label or UNIT_AXIS.get(unit, unit))
        if horizontal:
            ax.invert_yaxis()
            ax.margins(x=0.3 if not stacked else 0.05)
        else:
            ax.margins(y=0.15)
        fig.legend(
            loc="lower center", ncols=min(len(series), 4), frameon=False, fontsize=7.5, bbox_to_anchor=(0.5, 0.0)
        )
        fig.suptitle(
            _wrap(title, WIDTH_IN * 0.96 - 0.1),
            fontsize=8.5,
            fontweight="bold",
            x=0.02,
            ha="left",
            y=1 - 0.06 / height,
            va="top",
        )
        alt = f"{title}. " + " ".join(
            f"{s.label} : "
            + " ; ".join(f"{c} {by_unit(v, unit)}" for c, v in zip(categories, s.values, strict=True))
            + "."
            for s in series
        )
        return _render(fig, chart_id, title, alt)


def build_chart_fonts() -> None:
    """Draw a tiny chart once, so matplotlib's font cache and text layout are loaded."""
    panels_chart("warm", "", [Panel("", "nombre", ["2014"], [1.0], [1.0])])


def _render(fig: Figure, chart_id: str, title: str, alt: str) -> Chart:
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": chart_id}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    return Chart(svg=_inline(buf.getvalue(), chart_id, title, alt), title=title, alt=alt)


def _inline(svg: str, chart_id: str, title: str, alt: str) -> str:
    """matplotlib's SVG made fit for an HTML page: no XML prolog, doctype or RDF metadata,
    ids unique in the page, a <title> and <desc> for assistive technology."""
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{chart_id}-{m[1]}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{chart_id}-{m[1]})", svg)
    svg = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{chart_id}-{m[1]}"', svg)
    head = svg.index(">") + 1
    labels = f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(alt)}</desc>'
    svg = svg[:head] + labels + svg[head:]
    return svg.replace("<svg ", f'<svg class="chart" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" ', 1)


def _formatter(unit: str) -> FuncFormatter:
    if unit == "%":
        return FuncFormatter(lambda v, _pos: by_unit(v, "%").replace(",0\u202f%", "\u202f%"))
    if unit == "euros":  # thousands of euros, as the axis label says
        return FuncFormatter(lambda v, _pos: by_unit(v / 1000, "nombre"))
    return FuncFormatter(lambda v, _pos: by_unit(v, "ETP" if v != round(v) else "nombre"))


def _num(value: Any) -> float:
    """A bar's length: the figure, or 0 where there is none (its label says « — »)."""
    return float(value) if is_number(value) else 0.0


def _wrap(text: str, width_in: float, size: float = 8.5) -> str:
    """`text` broken between words into lines no wider than `width_in` inches in bold
    `size`-point type (measured with matplotlib's own font, the one the SVG names), so a
    title is wrapped, never cut at the figure's edge. A single word wider than the line
    stays whole on its own line."""
    font = FontProperties(family="sans-serif", size=size, weight="bold")
    lines: list[str] = []
    for word in text.split():
        trial = f"{lines[-1]} {word}" if lines else word
        if lines and _width_in(trial, font) <= width_in:
            lines[-1] = trial
        else:
            lines.append(word)
    return "\n".join(lines) or text


def _width_in(text: str, font: FontProperties) -> float:
    return float(_TEXT.get_text_width_height_descent(text, font, ismath=False)[0]) / 72


_TEXT = TextToPath()
