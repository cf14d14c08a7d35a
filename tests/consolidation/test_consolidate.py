"""Consolidation: figures written by hand for a small fixture set, and invariants."""

from __future__ import annotations

import datetime as dt
import random
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openpyxl import load_workbook

from cess_cli.consolidation.evaluation import consolidate
from cess_cli.consolidation.shared import PERIODE
from cess_cli.outputs.evaluation_workbook import write_evaluation
from cess_cli.outputs.tidy_csv import write_financing_csv, write_tidy_csv
from cess_cli.pipeline import collect

from ..helpers import make_bilan, set_ident, set_ind, shared
from .synthetic import bilan, collection


@pytest.fixture(scope="module")
def fixture_set(ref, tmp_path_factory):
    d = tmp_path_factory.mktemp("bilans")
    # ratio terms: II_2.1.2 and III_2.1.3
    make_bilan(
        ref,
        d,
        "II_2.1.2",
        2014,
        values={"personnes_en_parcours": 100, "sorties_emploi_durable": 40, "personnes_formees": 80},
    )
    make_bilan(
        ref,
        d,
        "II_2.1.2",
        2015,
        values={"personnes_en_parcours": 200, "sorties_emploi_durable": 120, "personnes_formees": 150},
    )
    make_bilan(
        ref,
        d,
        "III_2.1.3",
        2014,
        values={"personnes_en_parcours": 50, "personnes_formees": 40, "sorties_emploi_durable": 10},
    )
    # stock and a cumulative mismatch: II_3.1.1 over the three years
    for year, ptce, coop in ((2014, 10, 10), (2015, 12, 12), (2016, 14, 15)):
        make_bilan(
            ref,
            d,
            "II_3.1.1",
            year,
            values={"ptce_actifs": ptce, "cooperations": coop, "structures_accompagnees": 15, "emplois_crees": 10},
        )
    cumul = d / "bilan_II_3.1.1_2016.xlsx"
    wb = load_workbook(cumul)
    set_ind(wb, "cooperations", 40, column=6)  # 10 + 12 + 15 = 37
    set_ind(wb, "ptce_actifs", 14, column=6)
    set_ind(wb, "structures_accompagnees", 45, column=6)
    set_ind(wb, "emplois_crees", 30, column=6)
    wb.save(cumul)
    # a superseded version
    make_bilan(ref, d, "III_1.1.3", 2015, values={"entreprises_reprises": 5})
    make_bilan(
        ref,
        d,
        "III_1.1.3",
        2015,
        name="bilan_III_1.1.3_2015_v2.xlsx",
        values={"entreprises_reprises": 9},
        edit=lambda wb: set_ident(wb, "version", 2),
    )
    # a conflicting pair: same action, year and version, different content
    make_bilan(ref, d, "III_2.1.1", 2014, values={"structures_accompagnees": 100})
    make_bilan(ref, d, "III_2.1.1", 2014, name="bilan_III_2.1.1_2014_bis.xlsx", values={"structures_accompagnees": 120})
    # an invalid bilan
    make_bilan(ref, d, "I_1.2", 2014, edit=lambda wb: set_ind(wb, "jeunes_sensibilises", None))
    # a late one
    make_bilan(
        ref,
        d,
        "ANIM",
        2014,
        values={"reunions_instances": 6, "participants_instances": 120},
        edit=lambda wb: set_ident(wb, "date_transmission", dt.datetime(2015, 6, 1)),
    )
    return d


@pytest.fixture(scope=shared)
def coll(ref, fixture_set):
    return collect([fixture_set], ref)


def _fig(ev, level: str, annee: str, indicateur: str, **keys) -> pd.Series:
    df = ev.tables[f"par_{level}"]
    sel = (df["annee"] == annee) & (df["indicateur"] == indicateur)
    for k, v in keys.items():
        sel &= df[k] == v
    [row] = df[sel].to_dict("records")
    return row


def test_ratio_is_a_ratio_of_sums(ref, coll):
    ev = consolidate(coll, ref, [2014])
    # contract 2014: (40 + 10) / (100 + 50), not the mean of 0.4 and 0.2
    row = _fig(ev, "contrat", "2014", "taux_sorties_positives")
    assert row["valeur"] == pytest.approx(50 / 150)
    assert row["couverture"] == "2 / 2 bilans"
    ev = consolidate(coll, ref, [2014, 2015, 2016])
    row = _fig(ev, "action", PERIODE, "taux_sorties_positives", code_action="II_2.1.2")
    assert row["valeur"] == pytest.approx((40 + 120) / (100 + 200))  # 0.5333, not (0.4 + 0.6) / 2
    assert row["cible"] == pytest.approx(0.45)  # the referential's period target
    assert row["couverture"] == "2 / 3 bilans"


def test_flux_summed_and_stock_takes_last_year(ref, coll):
    ev = consolidate(coll, ref, [2014, 2015, 2016])
    coop = _fig(ev, "action", PERIODE, "cooperations", code_action="II_3.1.1")
    assert coop["valeur"] == 37
    assert coop["cible"] == 10 + 12 + 15
    assert "somme des cibles annuelles" in coop["regle_cible"]
    ptce = _fig(ev, "action", PERIODE, "ptce_actifs", code_action="II_3.1.1")
    assert ptce["valeur"] == 14  # never 10 + 12 + 14
    assert ptce["cible"] == 16 and "dernière année" in ptce["regle_cible"]
    assert _fig(ev, "axe", "2015", "ptce_actifs", axe="II")["valeur"] == 12
    assert _fig(ev, "action", "2015", "ptce_actifs", code_action="II_3.1.1")["taux_realisation"] == pytest.approx(
        12 / 14
    )


def test_superseded_conflict_invalid_and_missing(ref, coll):
    by_name = {s.name: s for s in coll.sources}
    assert by_name["bilan_III_1.1.3_2015.xlsx"].motif == "remplacé par la version 2 (bilan_III_1.1.3_2015_v2.xlsx)"
    assert by_name["bilan_III_1.1.3_2015_v2.xlsx"].retenu
    assert not by_name["bilan_III_2.1.1_2014.xlsx"].retenu and not by_name["bilan_III_2.1.1_2014_bis.xlsx"].retenu
    assert by_name["bilan_III_2.1.1_2014_bis.xlsx"].motif.startswith("conflit")
    assert by_name["bilan_I_1.2_2014.xlsx"].statut == "invalide" and not by_name["bilan_I_1.2_2014.xlsx"].retenu
    ev = consolidate(coll, ref, [2014, 2015])
    assert _fig(ev, "action", "2015", "entreprises_reprises", code_action="III_1.1.3")["valeur"] == 9
    dla = _fig(ev, "action", "2014", "structures_accompagnees", code_action="III_2.1.1")
    assert dla["valeur"] is None or dla["valeur"] != dla["valeur"]  # neither conflicting bilan counts
    assert dla["couverture"] == "0 / 1 bilan"
    codes = [(f.code, Path(f.file).name) for f in ev.anomalies]
    assert ("bilan.conflit", "bilan_III_2.1.1_2014.xlsx") in codes and (
        "bilan.conflit",
        "bilan_III_2.1.1_2014_bis.xlsx",
    ) in codes
    assert ("bilan.manquant", "bilan_I_1.1.1_2014.xlsx") in codes
    comp = ev.tables["completude"].set_index(["code_action", "annee"])
    assert comp.loc[("III_2.1.1", 2014), "etat"] == "conflit"
    assert comp.loc[("I_1.2", 2014), "etat"] == "invalide"
    assert comp.loc[("I_1.1.1", 2014), "etat"] == "manquant"
    assert comp.loc[("ANIM", 2014), "premier_envoi_a_l_heure"] == 0
    assert comp.loc[("ANIM", 2014), "version_comptee_a_l_heure"] == 0
    # version 1 was valid: « valide du premier coup » although version 2 replaced it
    assert comp.loc[("III_1.1.3", 2015), "valide_premiere"] == 1 and comp.loc[("III_1.1.3", 2015), "valide"] == 1
    assert comp.loc[("III_1.1.3", 2015), "versions"] == 2


def test_completeness_by_hand(ref, coll):
    ev = consolidate(coll, ref, [2014])
    comp = ev.tables["completude"]
    assert len(comp) == 21  # every action is active in 2014
    # received 2014: II_2.1.2, III_2.1.3, II_3.1.1, III_2.1.1 (pair), I_1.2, ANIM = 6 action-years
    assert int(comp["recu"].sum()) == 6
    assert int(comp["valide"].sum()) == 4  # the conflict and the invalid one do not count
    assert int(comp["manquant"].sum()) == 15
    assert int(comp["premier_envoi_a_l_heure"].sum()) == 5  # ANIM was late
    # counted and on time: II_2.1.2, III_2.1.3, II_3.1.1 (ANIM counted but late)
    assert int(comp["version_comptee_a_l_heure"].fillna(0).sum()) == 3
    q4 = ev.tables["q4"].set_index("chiffre")["valeur"]
    assert q4["Réunions des instances tenues"] == 6
    assert q4["Participants par réunion"] == pytest.approx(20)
    rate = q4["Taux de réception (sur les bilans attendus)"]
    assert 0 <= rate <= 1 and rate == pytest.approx(6 / 21)
    assert q4["Taux de premiers envois à l'heure (sur les bilans attendus)"] == pytest.approx(5 / 21)
    assert q4["Taux de versions comptées à l'heure (sur les bilans attendus)"] == pytest.approx(3 / 21)


def test_cumulative_mismatch_names_both_figures(ref, coll):
    ev = consolidate(coll, ref, [2016])
    [f] = [f for f in ev.anomalies if f.code == "cumul.ecart"]
    assert (Path(f.file).name, f.sheet, f.cell) == ("bilan_II_3.1.1_2016.xlsx", "Indicateurs", "F4")
    assert "40" in f.message and "37" in f.message


def test_workbook_read_back(ref, coll, tmp_path):
    ev = consolidate(coll, ref, [2014, 2015, 2016])
    path = write_evaluation(ev, ref, tmp_path / "evaluation_2014-2016.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == [
        "Synthèse",
        "Par axe",
        "Par action",
        "Financements",
        "Territoires",
        "Complétude",
        "Q1 Effet structurant",
        "Q2 Impact économique",
        "Q3 Territoires",
        "Q3 Départements",
        "Q4 Gouvernance",
        "Q4 Chiffres calculés",
        "Bilans qualitatifs",
        "Anomalies",
        "Sources",
    ]
    with zipfile.ZipFile(path) as zf:
        assert len([n for n in zf.namelist() if n.startswith("xl/charts/chart")]) == 2
    ws = wb["Par action"]
    header = [c.value for c in ws[1]]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
    rows = [dict(zip(header, (c.value for c in r), strict=True)) for r in ws.iter_rows(min_row=2)]
    [coop] = [
        r
        for r in rows
        if r["Action"] == "II_3.1.1" and r["Indicateur"] == "cooperations" and r["Année"] == "Période 2014-2016"
    ]
    assert coop["Valeur"] == 37 and coop["Couverture"] == "3 / 3 bilans"
    col = {name: i for i, name in enumerate(header)}
    val_cell = next(
        r
        for r in ws.iter_rows(min_row=2)
        if r[col["Axe"]].value == "Axe II — Innovation sociale" and r[col["Indicateur"]].value == "ptce_actifs"
    )[col["Valeur"]]
    assert val_cell.number_format == "#,##0"
    sources = {r[0].value: r for r in wb["Sources"].iter_rows(min_row=2)}
    assert set(sources) == {s.name for s in coll.sources}
    assert all(len(r[1].value) == 64 for r in sources.values())
    assert sources["bilan_III_1.1.3_2015.xlsx"][10].value == "remplacé par la version 2 (bilan_III_1.1.3_2015_v2.xlsx)"
    anomalies = [(r[0].value, r[-1].value) for r in wb["Anomalies"].iter_rows(min_row=2)]
    assert ("Cumul de la période différent des bilans annuels", "cumul.ecart") in anomalies
    assert ("Deux bilans différents pour la même version", "bilan.conflit") in anomalies
    assert ("Bilan manquant", "bilan.manquant") in anomalies
    q2 = [c.value for c in wb["Q2 Impact économique"]["A"]]
    assert "Q2 — Quel a été l'impact économique du CES ESS 2014-2016 ?" in q2
    assert any(v and v.startswith("Développement du nombre d'entreprises créées ou reprises") for v in q2)
    assert wb["Synthèse"]["B5"].value == 63  # bilans expected over the period


def test_tidy_csv(ref, coll, tmp_path):
    ev = consolidate(coll, ref, [2015])
    path = write_tidy_csv(ev, tmp_path / "e.csv")
    df = pd.read_csv(path, dtype={"departement": str})
    assert list(df.columns) == [
        "annee",
        "axe",
        "code_action",
        "indicateur",
        "unite",
        "departement",
        "valeur",
        "dont_qpv",
        "dont_zrr",
        "source",
    ]
    row = df[(df["code_action"] == "III_1.1.3") & (df["indicateur"] == "entreprises_reprises")].iloc[0]
    assert row["valeur"] == 9 and row["source"] == "bilan_III_1.1.3_2015_v2.xlsx!Indicateurs!E2"
    terr = df[df["departement"].notna()]
    assert set(terr["departement"]) == {"69"}
    # a territorial row points at its value cell (column C), not at the département cell
    assert all(s.rsplit("!", 1)[1].startswith("C") and "!Territoires!" in s for s in terr["source"])


def test_formula_like_text_is_written_as_text(ref, tmp_path):
    d = tmp_path / "b"
    d.mkdir()
    make_bilan(ref, d, "ANIM", 2014, name="=HYPERLINK(1).xlsx")
    ev = consolidate(collect([d], ref), ref, [2014])
    path = write_evaluation(ev, ref, tmp_path / "e.xlsx")
    cell = load_workbook(path)["Sources"]["A2"]
    assert cell.value == "=HYPERLINK(1).xlsx" and cell.data_type == "s"
    csv = write_tidy_csv(ev, tmp_path / "e.csv").read_text(encoding="utf-8")
    assert ",'=HYPERLINK(1).xlsx!Indicateurs!E2" in csv


@pytest.mark.skipif(
    not __import__("shutil").which("soffice"), reason="LibreOffice (soffice) absent: .ci/run installs it"
)
def test_libreoffice_opens_the_workbook(ref, coll, tmp_path):
    import subprocess

    ev = consolidate(coll, ref, [2014, 2015, 2016])
    path = write_evaluation(ev, ref, tmp_path / "evaluation.xlsx")
    proc = subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path / "pdf"),
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "pdf" / "evaluation.pdf").stat().st_size > 1000


# -- on synthetic collections (no files); the Hypothesis invariants are in test_invariants.py


def _bilan(action: str, year: int, values: dict[str, float], version: int = 1):
    return bilan(action, year, values, version=version)


def _collection(items):
    return collection(items)


def test_random_order_of_files_gives_same_workbook_figures(ref, fixture_set):
    files = sorted(fixture_set.glob("*.xlsx"))
    random.Random(4).shuffle(files)
    a = consolidate(collect(files, ref), ref, [2014, 2015, 2016])
    b = consolidate(collect(sorted(files), ref), ref, [2014, 2015, 2016])
    pd.testing.assert_frame_equal(a.tables["par_action"], b.tables["par_action"])


def test_plausibility_flags_need_no_comment(ref):
    items = [
        _bilan("II_3.1.1", 2014, {"ptce_actifs": 12, "structures_accompagnees": 15, "cooperations": 10}),
        _bilan("II_3.1.1", 2015, {"ptce_actifs": 12, "structures_accompagnees": 60, "cooperations": 11}),
    ]
    ev = consolidate(_collection(items), ref, [2015])
    flags = [(f.code, f.cell) for f in ev.anomalies if f.code.startswith("plausibilite")]
    # 15 -> 60 is a x4 jump; 60 against a target of 18 is 333 % of the target
    assert flags == [("plausibilite.ecart_annuel", "E3"), ("plausibilite.ecart_cible", "E3")]
    items[1][1].commentaires["structures_accompagnees"] = "Nouveau partenariat avec trois PTCE."
    ev = consolidate(_collection(items), ref, [2015])
    assert not [f for f in ev.anomalies if f.code.startswith("plausibilite")]


def test_key_figures_show_every_decimal_an_etp_total_holds(ref):
    """Synthèse and the report: 1,2 + 124,0 ETP = 125,2 ETP, never printed as 125 (README
    *The evaluation workbook*); euros keep their sign, counts stay whole."""
    base = {"structures_accompagnees": 10, "entreprises_creees": 1}
    c = collection(
        [
            bilan("II_2.1.1", 2014, {**base, "emplois_crees": 1.2}),
            bilan("III_1.1.4", 2014, {**base, "emplois_crees": 124.0}),
        ]
    )
    ev = consolidate(c, ref, [2014])
    figures = {label: (value, fmt) for label, value, fmt in ev.key_figures}
    [(label, (value, fmt))] = [(k, v) for k, v in figures.items() if k.startswith("Emplois créés")]
    assert label.startswith("Emplois créés (ETP)") and fmt == "#,##0.0"
    assert value == pytest.approx(125.2)
    [count_fmt] = [v[1] for k, v in figures.items() if k.startswith("Structures accompagnées")]
    assert count_fmt == "#,##0"


def test_a_stock_over_the_period_is_the_level_of_the_actions_last_year(ref):
    """An action that ends before the period does (its referential lists 2014 and 2015 only):
    its stock over 2014-2016 is its level at 31 December 2015, the last year it reports, never
    a blank for the year it does not run, never the sum of its years (SPEC §2)."""
    import dataclasses

    action = ref.actions["II_3.1.1"].model_copy(update={"annees": [2014, 2015]})
    short = dataclasses.replace(ref, actions={**ref.actions, "II_3.1.1": action})
    values = {"structures_accompagnees": 15, "cooperations": 10, "emplois_crees": 1}
    coll = collection(
        [
            bilan("II_3.1.1", 2014, {"ptce_actifs": 10, **values}),
            bilan("II_3.1.1", 2015, {"ptce_actifs": 13, **values}),
        ]
    )
    ev = consolidate(coll, short, [2014, 2015, 2016])
    ptce = _fig(ev, "action", PERIODE, "ptce_actifs", code_action="II_3.1.1")
    assert ptce["valeur"] == 13  # 2015's level: not 10 + 13, not blank
    assert ptce["cible"] == 14  # the referential's 2015 target (12, 14)
    assert "(2015)" in ptce["regle_cible"]
    assert ptce["couverture"] == "1 / 1 bilan"
    # nothing expected of it for 2016; the axis over the period: the same action's last level
    # (II_3.1.1 is the only action of axis II that lists ptce_actifs)
    per_action = ev.tables["par_action"]
    assert not ((per_action["annee"] == "2016") & (per_action["code_action"] == "II_3.1.1")).any()
    axis = _fig(ev, "axe", PERIODE, "ptce_actifs", axe="II")
    assert axis["valeur"] == 13 and "(2015)" in axis["regle_cible"]


def _with_period_targets(ref, targets: dict[tuple[str, str], float], years: dict[str, list[int]]):
    """The referential with a `cible_periode` on (action, indicator) pairs and other active
    years for some actions (as actions.yaml would say them)."""
    import dataclasses

    actions = dict(ref.actions)
    for code, action in ref.actions.items():
        listed = [
            ia.model_copy(update={"cible_periode": targets[(code, ia.code)]}) if (code, ia.code) in targets else ia
            for ia in action.indicateurs
        ]
        actions[code] = action.model_copy(update={"indicateurs": listed, "annees": years.get(code, action.annees)})
    return dataclasses.replace(ref, actions=actions)


def test_period_targets_from_the_referential_by_kind(ref):
    """A `cible_periode` in the referential is the period's target: for a flux, per action
    (the others add their annual targets), for a stock, the sum over the actions of the last
    year, for a ratio, the action's own — including for an action active one year only.
    Targets by hand from actions.yaml."""
    short = _with_period_targets(
        ref,
        {
            ("II_3.1.1", "cooperations"): 40,  # annual 10 + 12 + 15 = 37
            ("II_3.1.2", "cooperations"): 55,  # annual 15 + 20 + 25 = 60
            ("II_3.1.3", "cooperations"): 9,  # active in 2016 only (annual 10)
            ("II_3.1.1", "ptce_actifs"): 18,  # annual 12, 14, 16
        },
        {"II_3.1.3": [2016], "II_2.1.2": [2016]},  # II_2.1.2 keeps its ratio's cible_periode 0.45
    )
    coll = collection(
        [
            bilan("II_3.1.1", y, {"ptce_actifs": p, "cooperations": c, "structures_accompagnees": 15})
            for y, p, c in ((2014, 10, 10), (2015, 12, 12), (2016, 14, 15))
        ]
    )
    ev = consolidate(coll, short, [2014, 2015, 2016])
    coop = _fig(ev, "action", PERIODE, "cooperations", code_action="II_3.1.1")
    assert (coop["valeur"], coop["cible"]) == (37, 40)
    assert coop["regle_cible"] == "flux : cible de période du référentiel"
    assert coop["nature"] == "flux"  # each row names its indicator's kind
    one_year = _fig(ev, "action", PERIODE, "cooperations", code_action="II_3.1.3")
    assert one_year["cible"] == 9 and one_year["couverture"] == "0 / 1 bilan"
    assert pd.isna(one_year["valeur"])  # no bilan: no value, never 0
    other = _fig(ev, "action", PERIODE, "cooperations", code_action="II_2.1.1")
    assert other["cible"] == 5 + 6 + 8 and other["regle_cible"] == "flux : somme des cibles annuelles"
    axis = _fig(ev, "axe", PERIODE, "cooperations", axe="II")
    # II_2.1.1 sums its annual targets (19); the three others give their period targets
    assert axis["cible"] == 19 + 40 + 55 + 9
    assert axis["regle_cible"] == "flux : cible de période du référentiel et somme des cibles annuelles"
    ptce = _fig(ev, "action", PERIODE, "ptce_actifs", code_action="II_3.1.1")
    assert (ptce["valeur"], ptce["cible"]) == (14, 18)  # not the last year's 16
    assert ptce["regle_cible"] == "stock : cible de période du référentiel, valeur de la dernière année"
    assert ptce["nature"] == "stock"
    assert _fig(ev, "axe", PERIODE, "ptce_actifs", axe="II")["cible"] == 18
    ratio = _fig(ev, "action", PERIODE, "taux_sorties_positives", code_action="II_2.1.2")
    assert ratio["cible"] == pytest.approx(0.45)
    assert ratio["regle_cible"] == "ratio : cible de période du référentiel"
    assert ratio["nature"] == "ratio"
    # a year's row says where its target comes from, or nothing when it has none
    assert _fig(ev, "action", "2015", "cooperations", code_action="II_3.1.1")["regle_cible"] == "cible annuelle"
    no_target = _fig(ev, "axe", "2016", "taux_sorties_positives", axe="II")  # a ratio: action level only
    assert pd.isna(no_target["cible"]) and no_target["regle_cible"] == ""
    # two years are a period too
    two = _fig(consolidate(coll, short, [2015, 2016]), "action", PERIODE, "cooperations", code_action="II_3.1.1")
    assert two["valeur"] == 12 + 15
    # the referential as shipped (no period target for a flux): axis II adds every action's
    # annual targets, 2014-2016 — II_2.1.1 5+6+8, II_3.1.1 10+12+15, II_3.1.2 15+20+25, II_3.1.3 6+8+10
    axis = _fig(consolidate(coll, ref, [2014, 2015, 2016]), "axe", PERIODE, "cooperations", axe="II")
    assert axis["cible"] == 19 + 37 + 60 + 24
    assert axis["regle_cible"] == "flux : somme des cibles annuelles"


def test_a_ratio_rests_on_the_bilans_that_report_both_terms_and_no_target_is_blank(ref):
    """Axis II + III in 2015: II_2.1.2 reports 40 / 100, III_2.1.3 only its denominator (80;
    sorties_emploi_durable is optional there): the contract's ratio is 40 / 100, on 1 bilan of
    2. An indicator the referential gives no target has a blank target, never 0. A year
    nothing is expected of has no figure, with the table's columns all the same."""
    import dataclasses

    coll = collection(
        [
            bilan("II_2.1.2", 2015, {"personnes_en_parcours": 100, "sorties_emploi_durable": 40}),
            bilan("III_2.1.3", 2015, {"personnes_en_parcours": 80, "personnes_formees": 60}),
        ]
    )
    row = _fig(consolidate(coll, ref, [2015]), "contrat", "2015", "taux_sorties_positives")
    assert row["valeur"] == pytest.approx(40 / 100) and row["couverture"] == "1 / 2 bilans"
    action = ref.actions["II_2.1.2"]
    listed = [
        ia.model_copy(update={"cibles": {}}) if ia.code == "personnes_formees" else ia for ia in action.indicateurs
    ]
    untargeted = dataclasses.replace(
        ref, actions={**ref.actions, "II_2.1.2": action.model_copy(update={"indicateurs": listed})}
    )
    formees = _fig(consolidate(coll, untargeted, [2015]), "action", "2015", "personnes_formees", code_action="II_2.1.2")
    assert pd.isna(formees["cible"]) and pd.isna(formees["taux_realisation"])
    columns = list(consolidate(coll, ref, [2015]).tables["par_action"].columns)
    assert list(consolidate(coll, ref, [2013]).tables["par_action"].columns) == columns


def test_every_financing_figure_is_traced_to_its_cell(ref, tmp_path):
    """The evaluator's review: no financing figure could be traced back to a bilan. The
    financing CSV has one row per line of a counted bilan: each `source` cell, read again
    from the file with openpyxl, holds the row's obtained amount, and the rows add up to
    the workbook's « Tous axes » totals, funder by funder and year by year."""
    samples = Path(__file__).resolve().parents[2] / "sample_reports"
    ev = consolidate(collect([samples], ref), ref, [2015])
    rows = pd.read_csv(write_financing_csv(ev, tmp_path / "f.csv"), dtype={"source": str})
    assert list(rows.columns) == [
        "annee",
        "axe",
        "code_action",
        "financeur",
        "montant_prevu",
        "montant_obtenu",
        "source",
    ]
    assert len(rows) > 20
    books: dict[str, Any] = {}
    for r in rows.itertuples(index=False):
        name, sheet, cell = r.source.split("!")
        book = books.setdefault(name, load_workbook(samples / name, read_only=False, data_only=True))
        assert book[sheet][cell].value == pytest.approx(r.montant_obtenu), r.source
    ws = load_workbook(write_evaluation(ev, ref, tmp_path / "e.xlsx"))["Financements"]
    header = [c.value for c in ws[1]]
    totals = {
        (row[header.index("Financeur")], row[header.index("Année")]): row[header.index("Montant obtenu")]
        for row in ws.iter_rows(min_row=2, values_only=True)
        if row[header.index("Axe")] == "Tous axes"
    }
    by_csv = rows.groupby(["financeur", "annee"])["montant_obtenu"].sum()
    for (funder, year), amount in by_csv.items():
        assert totals[(funder, year)] == pytest.approx(amount), (funder, year)


def test_a_ratio_on_part_of_its_bilans_is_marked_partial(ref, coll):
    """A ratio has no target above its action (targets of ratios do not add up), but its
    value resting on part of the bilans is partial as a rate is: the workbook's « Taux
    partiel ? » says so, as the report does (« 70,7 % partiel »)."""
    ev = consolidate(coll, ref, [2014, 2015, 2016])
    row = _fig(ev, "contrat", PERIODE, "taux_sorties_positives")
    assert pd.isna(row["cible"]) and row["recus"] < row["attendus"]
    assert row["taux_partiel"] == f"partiel : {row['couverture']}"
    whole = _fig(consolidate(coll, ref, [2014]), "contrat", "2014", "taux_sorties_positives")
    assert whole["couverture"] == "2 / 2 bilans" and whole["taux_partiel"] == ""
