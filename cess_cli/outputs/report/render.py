"""Render the report's view to one self-contained HTML page (Jinja2, autoescaped) and that page
to PDF (WeasyPrint), SPEC §6 *The COPIL report*.

The HTML holds its CSS inline and its charts as inline SVG: no script, no web font, no link
to fetch. WeasyPrint is given a URL fetcher that accepts `data:` URLs only (the charts), so nothing a
bilan says can make the PDF renderer reach the network or the disk.
"""

from __future__ import annotations

import base64
import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from cess_cli.outputs.labels import INDIRECT
from cess_cli.outputs.report import french
from cess_cli.outputs.report.model import Report

PANGO_HELP = (
    "installez Pango (Debian, Ubuntu : apt install libpango-1.0-0 libpangoft2-1.0-0 ; "
    "Fedora : dnf install pango ; macOS : brew install pango), puis relancez la commande. "
    "Le rapport HTML s'imprime aussi en PDF depuis un navigateur (Imprimer > Enregistrer au format PDF)."
)


class PdfUnavailable(Exception):
    """The PDF cannot be made on this machine; the message says why, in French."""


def css_string(text: str) -> Markup:
    """A CSS string literal (for `content:`) that cannot end the string or the <style> element."""
    body = text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3C ").replace("\n", " ")
    return Markup(f'"{body}"')


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("cess_cli.outputs.report", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
        finalize=_typography,
    )
    env.filters["css_string"] = css_string
    env.globals["indirect"] = INDIRECT  # « Mesure indirecte », as the workbook's note says it
    return env


def _typography(value: Any) -> Any:
    """Every text the template prints gets French no-break spaces (french.spacing); markup
    made elsewhere (the CSS, the charts' SVG) and the operators' own texts (`Verbatim`) are
    left as they are."""
    if isinstance(value, str) and not isinstance(value, Markup | french.Verbatim):
        return french.spacing(value)
    return value


def render_html(report: Report) -> str:
    """The report as one HTML5 page (UTF-8 text), CSS and SVG inline."""
    css = resources.files("cess_cli.outputs.report").joinpath("templates/rapport.css").read_text(encoding="utf-8")
    return _environment().get_template("rapport.html.j2").render(r=report, css=Markup(css))


_INLINE_SVG = re.compile(r'<svg class="chart".*?</svg>', re.S)


def _svg_as_image(match: re.Match[str]) -> str:
    """An inline chart as an <img> of the same SVG (a data: URL): WeasyPrint then draws it
    without styling each of its thousands of nodes as part of the page (half the time)."""
    data = base64.b64encode(match[0].encode("utf-8")).decode("ascii")
    return f'<img class="chart" alt="" src="data:image/svg+xml;base64,{data}">'


def render_pdf(html: str, created: date | None = None) -> bytes:
    """The PDF of the HTML page (A4, as its print CSS says). Raises `PdfUnavailable` (French
    message) when WeasyPrint or the Pango library it needs cannot be loaded, or when WeasyPrint
    fails on the page: the HTML is written all the same.

    `created`: the report's date. Where WeasyPrint subsets fonts with fontTools (a machine
    without HarfBuzz's subsetter), fontTools stamps each embedded font with the time of the
    run; it is stamped with this date instead, so that the same figures give the same PDF,
    byte for byte (the batch's manifest compares runs by their outputs' SHA-256)."""
    html_class, fetcher_class = _weasyprint()
    page = _INLINE_SVG.sub(_svg_as_image, html)
    fetcher = fetcher_class(allowed_protocols={"data"}, allow_redirects=False)  # our own charts, nothing else
    logger = logging.getLogger("weasyprint")
    level = logger.level
    logger.setLevel(logging.ERROR)  # CSS it ignores is not the reader's concern
    try:
        with _fonts_dated(created):
            pdf = html_class(string=page, url_fetcher=fetcher).write_pdf()
    except Exception as exc:  # a renderer failure costs the PDF, never the HTML or the run
        raise PdfUnavailable(f"WeasyPrint n'a pas pu mettre la page en PDF ({type(exc).__name__} : {exc})") from exc
    finally:
        logger.setLevel(level)
    assert isinstance(pdf, bytes)
    return pdf


@contextmanager
def _fonts_dated(created: date | None) -> Iterator[None]:
    """fontTools dates the fonts it writes from `SOURCE_DATE_EPOCH` when it is set (the
    reproducible-builds convention, a count of seconds since 1970): set to midnight UTC of
    `created` for the block; a date before 1970 leaves fontTools its own clock."""
    if created is None or created < date(1970, 1, 1):
        yield
        return
    before = os.environ.get(_EPOCH)
    os.environ[_EPOCH] = str(int(datetime.combine(created, time(), tzinfo=UTC).timestamp()))
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(_EPOCH, None)
        else:
            os.environ[_EPOCH] = before


_EPOCH = "SOURCE_DATE_EPOCH"


def _weasyprint() -> tuple[Any, Any]:
    """WeasyPrint's HTML and URLFetcher classes, or `PdfUnavailable` saying what to install."""
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher
    except ImportError as exc:
        raise PdfUnavailable(
            f"la bibliothèque WeasyPrint (68 ou plus) n'est pas installée ({exc}) ; installez cess avec ses dépendances."
        ) from exc
    except OSError as exc:  # WeasyPrint loads Pango through cffi when it is imported
        raise PdfUnavailable(
            f"la bibliothèque Pango, nécessaire à WeasyPrint, est introuvable ({exc}) ; {PANGO_HELP}"
        ) from exc
    return HTML, URLFetcher
