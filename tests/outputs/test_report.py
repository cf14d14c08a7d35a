"""The COPIL report: self-contained HTML (parsed), French figures, one chart per chapter, the
qualitative texts escaped and whole, the PDF's text, and a rendering by headless Chromium.

Expected figures are computed here by hand or from the referential's YAML files, never by the
report's own formatting code."""

from __future__ import annotations

import builtins
import datetime as dt
import hashlib
import re
import shutil
import subprocess
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from lxml import html as lxml_html
from typer.testing import CliRunner

from cess_cli.cli import app
from cess_cli.consolidation.evaluation import consolidate
from cess_cli.outputs.report import build_report, french, render_html, write_report
from cess_cli.pipeline import collect

from ..helpers import make_bilan, set_ind

ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.date(2016, 11, 28)
LONG = "\n".join(f"Paragraphe {i} : l'action a réuni des acteurs très divers, sans interruption." for i in range(120))
HOSTILE = '<script>alert("x")</script> <img src="http://evil.example/p.png"> & « guillemets »'


def _texts(realisations: str, difficultes: str | None = None) -> Any:
    def edit(wb: Any) -> None:
        ws = wb["Bilan qualitatif"]
        ws["B2"] = realisations
        ws["B3"] = "Résultats conformes aux attentes."
        if difficultes is not None:
            ws["B4"] = difficultes

    return edit


@pytest.fixture(scope="module")
def bilans(ref, tmp_path_factory):
    d = tmp_path_factory.mktemp("bilans_rapport")
    make_bilan(
        ref, d, "ANIM", 2014, values={"reunions_instances": 8, "participants_instances": 1234}, edit=_texts(LONG)
    )
    make_bilan(
        ref,
        d,
        "ANIM",
        2015,
        values={"reunions_instances": 9, "participants_instances": 1000},
        edit=_texts("Année 2.", HOSTILE),
    )
    make_bilan(ref, d, "II_3.1.1", 2014, values={"ptce_actifs": 10, "cooperations": 7})
    make_bilan(ref, d, "I_1.2", 2014, edit=lambda wb: set_ind(wb, "jeunes_sensibilises", None))  # invalid
    return d


@pytest.fixture(scope="module")
def evaluation(ref, bilans):
    return consolidate(collect([bilans], ref), ref, [2014, 2015, 2016])


@pytest.fixture(scope="module")
def written(ref, evaluation, tmp_path_factory):
    return write_report(evaluation, ref, tmp_path_factory.mktemp("rapport"), today=TODAY)


@pytest.fixture(scope="module")
def page(written):
    return lxml_html.fromstring(written.html.read_text(encoding="utf-8"))


def _plain(text: str) -> str:
    """Whitespace of any kind (narrow no-break spaces included) as one plain space."""
    return re.sub(r"\s+", " ", text.replace("\u202f", " ").replace("\u00a0", " ")).strip()


def _fr(value: Any, fmt: str) -> str:
    """An Excel number format's French form, written independently of the report's code
    (rounded half up on the value's decimal, as Excel shows it)."""
    if value != value:
        return "—"
    exact = Decimal(repr(float(value))).scaleb(2 if "%" in fmt else 0)
    decimals = len(fmt.split(".")[1].rstrip(" €%")) if "." in fmt else 0
    rounded = exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = f"{rounded:,.{decimals}f}".replace(",", " ").replace(".", ",")
    return text + (" %" if "%" in fmt else " €" if "€" in fmt else "")


def test_french_forms_by_hand():
    assert _plain(french.number(1234.5, 1)) == "1 234,5"
    assert _plain(french.percent(0.873)) == "87,3 %"
    assert _plain(french.euros(2387500)) == "2 387 500 €"
    assert french.by_unit(None, "nombre") == "—"
    assert _plain(french.by_unit(11.0, "nombre")) == "11"
    assert _plain(french.by_unit(4352.14, "ETP")) == "4 352,1"
    assert _plain(french.by_excel_format(0.5, "0.0%")) == "50,0 %"
    assert _plain(french.by_excel_format(0.873, "0.0 %")) == "87,3 %"  # the workbook's format, with its space


def test_report_rounds_half_up_like_the_workbook():
    # by hand: 234 / 8 = 29.25 shows 29,3 in Excel's « 0.0 »; 0.2925 shows 29,3 % in « 0.0% »
    assert french.number(234 / 8, 1) == "29,3"
    assert _plain(french.percent(0.2925)) == "29,3 %"
    assert _plain(french.number(1234.5)) == "1 235" and _plain(french.euros(2.5)) == "3 €"
    assert french.by_unit(0.45, "ETP") == "0,5" and french.by_unit(float("inf"), "ETP") == "—"


def test_html_stands_alone(written, page):
    raw = written.html.read_text(encoding="utf-8")
    assert not page.xpath("//script") and "<script" not in raw.replace("&lt;script", "")
    assert not page.xpath("//link") and not page.xpath("//iframe|//object|//embed")
    assert page.xpath("//style") and "@import" not in raw
    for el in page.iter():
        for attr in ("src", "href", "xlink:href", "{http://www.w3.org/1999/xlink}href", "action", "srcset"):
            value = el.get(attr)
            assert value is None or value.startswith("#"), (el.tag, attr, value)
    namespaces = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    urls = set(re.findall(r"(?:https?:|ftp:|//)[^\s\"'<>)&]+", raw)) - namespaces
    shown = page.text_content()
    assert all(url in shown for url in urls), urls  # only an operator's text, shown escaped, names one
    assert "url(" not in re.sub(r"url\(#[^)]+\)", "", raw)
    assert "@font-face" not in raw


def test_questions_verbatim_each_with_a_chart(page):
    questions = yaml.safe_load((ROOT / "schemas" / "questions.yaml").read_text(encoding="utf-8"))["questions"]
    chapters = page.xpath('//section[contains(@class, "question")]')
    assert [_plain(c.xpath("./h1")[0].text_content()) for c in chapters] == [q["libelle"] for q in questions]
    for chapter in [*chapters, *page.xpath('//section[@id="financements" or @id="completude"]')]:
        svgs = chapter.xpath(".//svg")
        assert svgs, chapter.get("id")
        for svg in svgs:
            assert svg.get("role") == "img"
            assert svg.xpath("./title") and svg.xpath("./desc")
            assert svg.xpath("./title")[0].text.strip()
    ids = [el.get("id") for el in page.iter() if el.get("id")]
    assert len(ids) == len(set(ids)), "ids must be unique across the page's charts"
    for q in questions:  # every expected effect, verbatim
        for effet in q["effets"]:
            assert effet["libelle"] in _plain(page.text_content())


def test_key_figures_in_french_form(page, evaluation):
    table = page.xpath('//table[contains(@class, "key-figures")]')[0]
    rows = {}
    for r in table.xpath(".//tbody/tr"):
        label, (value, cover) = (
            _plain(r.xpath("./th")[0].text_content()),
            [_plain(td.text_content()) for td in r.xpath("./td")],
        )
        rows[f"{label} ({cover})" if cover else label] = value  # the workbook's label carries the coverage
    assert len(rows) == len(evaluation.key_figures)
    for label, value, fmt in evaluation.key_figures:
        assert rows[label] == _fr(float(value), fmt), label
    actions = yaml.safe_load((ROOT / "schemas" / "actions.yaml").read_text(encoding="utf-8"))["actions"]
    expected = sum(len(a["annees"]) for a in actions)  # action-years of 2014-2016
    assert rows["Bilans attendus"] == str(expected)
    assert f"3 / {expected} bilans attendus comptés" in _plain(page.xpath("//header")[0].text_content())


def test_hand_figures_in_chapters(page):
    text = _plain(page.text_content())
    # ANIM: participants aux instances 1 234 (2014) + 1 000 (2015) = 2 234 over the period
    assert "1 234" in text and "2 234" in text
    # meetings held per year against 8 planned: 8 / 8 = 100,0 %, 9 / 8 = 112,5 %
    assert "112,5 %" in text


def test_the_departement_table_says_the_unit_of_its_etp(page):
    """« Emplois créés » are ETP: in the breakdown by département and the zones table their bare
    figures carry the unit in the header (euros and % carry theirs)."""
    [table] = [t for t in page.iter("table") if "Répartition par département" in t.text_content()]
    headers = [_plain(th.text_content()) for th in table.iter("th")]
    assert "Emplois créés (ETP)" in headers
    [zones] = [t for t in page.iter("table") if "Zones prioritaires" in t.text_content()]
    assert "Emplois créés (ETP)" in _plain(zones.text_content())


def test_labels_are_words_not_codes(page, ref):
    visible = _plain(" ".join(page.xpath("//body//text()[not(ancestor::style)]")))
    for code in ("bilan.manquant", "plausibilite.ecart_cible", "cumul.ecart", "completude", "transversal "):
        assert code not in visible, code
    for code in ref.indicateurs:
        if "_" in code:
            assert not re.search(rf"(?<![\w.]){code}(?!\w)", visible), code


def test_qualitative_texts_escaped_and_whole(page, written):
    raw = written.html.read_text(encoding="utf-8")
    cells = page.xpath('//section[@id="bilans-qualitatifs"]//td[contains(@class, "texte")]')
    texts = [c.text_content() for c in cells]
    assert LONG in texts  # whole, line breaks kept
    assert HOSTILE in texts  # shown as text
    assert 'src="http://evil.example' not in raw and "&lt;script&gt;" in raw
    assert "Difficultés rencontrées" in _plain(page.xpath('//section[@id="bilans-qualitatifs"]')[0].text_content())


def test_completeness_grid_reads_without_colour(page):
    grid = page.xpath('//table[contains(@class, "grid")]')[0]
    words = {_plain(td.text_content()) for td in grid.xpath(".//td")}
    assert {"● valide", "✕ invalide", "○ manquant"} <= words
    legend = _plain(page.xpath('//ul[contains(@class, "legend")]')[0].text_content())
    assert all(w in legend for w in ("valide", "en retard", "invalide", "manquant"))


def _pdf_text(path: Path) -> str:
    if shutil.which("pdftotext"):
        out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
        return out.stdout.decode("utf-8")
    from pypdf import PdfReader

    return "\n".join(p.extract_text() for p in PdfReader(path).pages)


def test_pdf_holds_questions_and_key_figures(written, evaluation, ref):
    if written.pdf is None:
        pytest.skip(f"no PDF on this machine: {written.pdf_problem}")
    assert written.pdf.read_bytes().startswith(b"%PDF")
    text = _plain(_pdf_text(written.pdf))
    for q in ref.questions:
        assert q.libelle in text, q.code
    for label, value, fmt in evaluation.key_figures:
        assert _fr(float(value), fmt) in text, label


def test_missing_pango_still_writes_html(ref, evaluation, tmp_path, monkeypatch):
    real_import = builtins.__import__

    def no_pango(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("weasyprint"):
            raise OSError("cannot load library 'libpango-1.0-0': libpango-1.0-0: cannot open shared object file")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pango)
    lines: list[str] = []
    files = write_report(evaluation, ref, tmp_path, today=TODAY, log=lines.append)
    assert files.html.exists() and files.pdf is None
    assert not (tmp_path / "rapport_2014-2016.pdf").exists()
    assert "Pango" in (files.pdf_problem or "") and "apt install" in (files.pdf_problem or "")
    assert any("PDF non écrit" in line for line in lines)


def test_single_year_report(ref, bilans, tmp_path):
    ev = consolidate(collect([bilans], ref), ref, [2015])
    doc = lxml_html.fromstring(render_html(build_report(ev, ref, TODAY)))
    assert "Année 2015" in _plain(doc.text_content())
    assert len(doc.xpath('//section[contains(@class, "question")]')) == len(ref.questions)


def test_rapport_command(ref, bilans, tmp_path):
    """`cess rapport` reports on the bilans it is given: 3 count (ANIM 2014 and 2015,
    II_3.1.1 2014; I_1.2 2014 is invalid) of the 63 action-years of the referential, and
    its page holds their figures (participants_instances: 1 234 + 1 000 = 2 234)."""
    result = CliRunner().invoke(app, ["rapport", "2014-2016", "--bilans", str(bilans), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert sum(len(a.annees) for a in ref.actions.values()) == 63  # actions.yaml, by hand
    assert "Période 2014-2016 : 3 / 63 bilans attendus comptés." in _plain(result.output)
    assert "rapport_2014-2016.html" in result.output
    page = lxml_html.fromstring((tmp_path / "rapport_2014-2016.html").read_text(encoding="utf-8"))
    text = _plain(page.text_content())
    assert "1 234" in text and "2 234" in text


CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--enable-logging=stderr",
    "--v=0",
    "--window-size=1240,1754",
]


def _chromium(page: Path, shot: Path, profile: Path) -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.skip("Chromium is not installed (.ci/run installs Debian's chromium)")
    run = subprocess.run(
        [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--screenshot={shot}", page.as_uri()],
        capture_output=True,
        timeout=180,
    )
    assert run.returncode == 0, run.stderr.decode("utf-8", "replace")[-2000:]
    return run.stderr.decode("utf-8", "replace")


def _console_messages(log: str) -> list[str]:
    return [line for line in log.splitlines() if ":CONSOLE" in line]


def test_chromium_renders_without_console_error(written, tmp_path):
    """The report opens in a browser without a console message (a script error, a resource
    not found). Control first: the same page with one `console.error` added is caught, so
    that an empty list below means a clean page, not a blind reader of Chromium's log."""
    html = written.html.read_text(encoding="utf-8")
    control = tmp_path / "temoin.html"
    control.write_text(html.replace("</body>", "<script>console.error('témoin')</script></body>"), encoding="utf-8")
    caught = _console_messages(_chromium(control, tmp_path / "temoin.png", tmp_path / "profil_temoin"))
    assert len(caught) == 1 and "témoin" in caught[0]
    shot = tmp_path / "rapport_2014-2016.png"  # kept in pytest's tmp folder as the test's artefact
    log = _chromium(written.html, shot, tmp_path / "profil")
    assert shot.exists() and shot.stat().st_size > 20_000
    assert _console_messages(log) == []


def test_batch_writes_the_period_report(ref, bilans, tmp_path):
    from cess_cli.batch import run_batch
    from cess_cli.config import resolve

    cfg = resolve(None, bilans=bilans, sortie=tmp_path / "sorties")
    result = run_batch(cfg, ref)
    report = result.run_dir / "rapport_2014-2016.html"
    listed = {Path(o["fichier"]).name: o["sha256"] for o in result.manifest["sorties"]}
    assert listed["rapport_2014-2016.html"] == hashlib.sha256(report.read_bytes()).hexdigest()
    # the report of the period, from the bilans found: ANIM's participants 1 234 (2014) and
    # 1 234 + 1 000 = 2 234 over the period, as the command's own report says them
    text = _plain(lxml_html.fromstring(report.read_text(encoding="utf-8")).text_content())
    assert "2014-2016" in text and "1 234" in text and "2 234" in text


def test_superseded_versions_summed_up_per_action_year(ref, tmp_path, monkeypatch):
    from cess_cli.outputs.report import anomalies as anomalies_module

    from ..helpers import set_ident

    for version in (1, 2, 3):
        make_bilan(
            ref,
            tmp_path,
            "II_3.1.1",
            2014,
            name=f"bilan_II_3.1.1_2014_v{version}.xlsx",
            values={"cooperations": 10 + version},
            edit=lambda wb, v=version: set_ident(wb, "version", v),
        )
    ev = consolidate(collect([tmp_path], ref), ref, [2014])
    groups = {g.kind: g for g in anomalies_module.anomalies(ev, ref)}
    [item] = groups["Bilan remplacé par une version plus récente"].items  # two files, one sentence
    assert item.message == "II_3.1.1 2014 : 2 versions remplacées par une version plus récente."
    assert item.fichier == "bilan_II_3.1.1_2014_v1.xlsx, bilan_II_3.1.1_2014_v2.xlsx"
    missing = groups["Bilan manquant"]
    assert len(missing.items) == 20 and missing.hint == "Relancez le porteur."  # the shared advice said once
    monkeypatch.setattr(anomalies_module, "LISTING_FROM", 5)
    long = {g.kind: g for g in anomalies_module.anomalies(ev, ref)}["Bilan manquant"]
    assert (
        long.listing.count("\n") == 19
        and "bilan_ANIM_2014.xlsx : Bilan ANIM 2014 attendu mais non reçu." in long.listing
    )
    page = lxml_html.fromstring(render_html(build_report(ev, ref, TODAY)))
    assert "2 versions remplacées" in page.text_content()


def test_financing_rates_on_part_of_the_bilans_are_marked_partial(page):
    # 3 of the expected bilans count: every rate obtained / envelope rests on part of them
    section = page.xpath('//section[@id="financements"]')[0]
    table = next(t for t in section.xpath(".//table") if "Obtenu / enveloppe" in _plain(t.text_content()))
    headers = [_plain(th.text_content()) for th in table.xpath(".//thead//th")]
    col = headers.index("Obtenu / enveloppe")
    rates = [_plain(r.xpath("./td|./th")[col].text_content()) for r in table.xpath(".//tbody/tr")]
    assert len(rates) == 3 * 4  # three signatories, three years and the period
    # the CDC's 2015 and 2016 have no envelope (article 5 of the contract): no rate, no mark;
    # in 2016 no bilan counts, none declares financing: no figure either (never « 0,0 % »)
    assert rates[9:11] == ["—", "—"] and rates[2] == rates[6] == "—", rates
    marked = rates[:2] + rates[3:6] + rates[7:9] + rates[11:]
    assert all(re.fullmatch(r"\d+,\d % partiel", r) for r in marked), rates
    key = page.xpath('//table[contains(@class, "key-figures")]')[0]
    rate_row = next(r for r in key.xpath(".//tbody/tr") if "Taux obtenu" in r.text_content())
    assert re.fullmatch(r"partiel : \d+ / \d+ bilans", _plain(rate_row.xpath("./td")[1].text_content()))


def test_governance_period_column_and_its_coverage(page):
    # ANIM 2014: 8 meetings, 1 234 participants; 2015: 9 and 1 000; 2016 missing. Over the period:
    # 17 held of 3 x 8 planned (gouvernance.yaml) = 70,8 %; 2 234 participants, 2 234 / 17 = 131,4 a meeting
    table = next(
        t
        for t in page.xpath("//table")
        if _plain(t.xpath(".//thead//th")[0].text_content()) == "Chiffre calculé par cess"
    )
    headers = [_plain(th.text_content()) for th in table.xpath(".//thead//th")]
    rows = {
        _plain(r.xpath("./th")[0].text_content()): [_plain(td.text_content()) for td in r.xpath("./td")]
        for r in table.xpath(".//tbody/tr")
    }
    assert headers[-2:] == ["Période 2014-2016", "Couverture"]
    assert rows["Réunions des instances tenues"][-2:] == ["17", "2 / 3 bilans"]
    assert rows["Taux de tenue des instances"][-2:] == ["70,8 %", "partiel : 2 / 3 bilans"]  # a year missing
    assert rows["Participants aux instances"][-2:] == ["2 234", "2 / 3 bilans"]
    assert rows["Participants par réunion"][-2:] == ["131,4", "2 / 3 bilans"]


def test_cover_names_the_packaged_referential_in_words(page):
    cover = _plain(page.xpath("//header")[0].text_content())
    assert "livré avec cess, empreinte" in cover and "_schemas" not in _plain(page.text_content())
    assert "« schemas »" not in cover  # the folder's name is internal


def test_completeness_totals_per_year_and_period(page):
    # by hand: received 2014 ANIM, II_3.1.1, I_1.2 (invalid); 2015 ANIM; 2016 nothing
    actions = yaml.safe_load((ROOT / "schemas" / "actions.yaml").read_text(encoding="utf-8"))["actions"]
    expected = [sum(y in a["annees"] for a in actions) for y in (2014, 2015, 2016)]
    total = sum(expected)
    table = next(
        t
        for t in page.xpath("//table[caption]")
        if _plain(t.xpath("./caption")[0].text_content()) == "Bilans par année"
    )
    rows = {
        _plain(r.xpath("./th")[0].text_content()): [_plain(td.text_content()) for td in r.xpath("./td")]
        for r in table.xpath(".//tbody/tr")
    }
    assert rows["Bilans attendus"] == [str(n) for n in expected] + [str(total)]
    for label, counts in {
        "Reçus": (3, 1, 0),
        "Valides du premier coup": (2, 1, 0),
        "Valides (comptés)": (2, 1, 0),
    }.items():
        pct = f"{Decimal(100 * sum(counts)) / total:.1f}".replace(".", ",")
        assert rows[label] == [f"{n} / {m}" for n, m in zip(counts, expected, strict=True)] + [
            f"{sum(counts)} / {total} ({pct} %)"
        ], label
    missing = [m - n for n, m in zip((3, 1, 0), expected, strict=True)]
    assert rows["Manquants"][:3] == [f"{n} / {m}" for n, m in zip(missing, expected, strict=True)]


def test_no_printed_line_starts_with_french_punctuation(written):
    # French typography: a no-break space inside guillemets and before : ; ! ?, in the text the
    # template writes and in every value it prints (charts' SVG and the CSS apart; the operators'
    # own texts are printed as they wrote them)
    fresh = lxml_html.fromstring(written.html.read_text(encoding="utf-8"))
    texts = fresh.xpath('//td[@class="texte"]')
    assert any(" : " in t.text_content() for t in texts)  # LONG's « Paragraphe 0 : … », untouched
    for el in [*fresh.xpath("//svg|//style"), *texts]:
        el.drop_tree()
    text = fresh.xpath("//body")[0].text_content()
    assert "«\u00a0" in text and "\u00a0»" in text and "\u00a0:" in text  # they are there, and bound
    assert not re.search(r"« | »| [:;!?](?=\s|$)", text), re.findall(r".{20}(?:« | »| [:;!?](?=\s|$)).{10}", text)


def test_french_spacing_by_hand():
    from cess_cli.outputs.report.french import spacing

    assert spacing("la feuille « Bilan » : oui ; non ! quoi ?") == (
        "la feuille «\u00a0Bilan\u00a0»\u00a0: oui\u202f; non\u202f! quoi\u202f?"
    )
    assert spacing("http://exemple.fr a:b «x»") == "http://exemple.fr a:b «x»"  # no space, nothing added


def test_a_ratio_on_part_of_its_bilans_is_marked_partial(ref):
    from ..consolidation.synthetic import bilan, collection

    # 2015: II_2.1.2 alone (120 / 200 = 60 %) of the two actions listing the ratio (II_2.1.2, III_2.1.3)
    only = bilan("II_2.1.2", 2015, {"personnes_en_parcours": 200, "sorties_emploi_durable": 120})
    report = build_report(consolidate(collection([only]), ref, [2015]), ref, TODAY)
    rows = [
        row
        for ch in report.chapters
        for e in ch.effects
        for ind in e.indicators
        if ind.libelle == "Taux de sorties positives"
        for row in ind.rows
    ]
    assert rows and {_plain(r.valeur) for r in rows} == {"60,0 % partiel"}
    assert {r.couverture for r in rows} == {"1 / 2 bilans"}
    # a count on part of its bilans is not marked in its value (only its rate, when it has a target)
    counts = [
        r for ch in report.chapters for e in ch.effects for i in e.indicators if i.nature == "flux" for r in i.rows
    ]
    assert counts and not any("partiel" in r.valeur for r in counts)
