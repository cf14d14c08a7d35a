"""Coverage on every figure, ratios' targets, partial rates, like with like (issue 7, points 3, 7-9)."""

from __future__ import annotations

import pandas as pd
import pytest

from cess_cli.consolidation.evaluation import consolidate
from cess_cli.consolidation.shared import PERIODE

from ..helpers import shared
from .synthetic import bilan, collection

# the yearly envelopes of articles 3-5 of the contract: the CDC has one in 2014 only (article 5
# sets no amount for 2015 and 2016), the Etat's is « prévisionnel » from 2014 (article 4)
REGION, ETAT, CDC = 2_387_500, 1_000_000, 1_085_200


def _row(df, **keys):
    sel = df
    for k, v in keys.items():
        sel = sel[sel[k] == v]
    [row] = sel.to_dict("records")
    return row


@pytest.fixture(scope=shared)
def ev2015(ref):
    items = [
        bilan(
            "II_2.1.2",
            2015,
            {"personnes_en_parcours": 200, "sorties_emploi_durable": 120, "personnes_formees": 150},
            financements=[("REGION", 1000, 800, "Financements!C2"), ("FEDER", None, 1000, "Financements!C3")],
        ),
        bilan(
            "III_2.1.3",
            2015,
            {"personnes_en_parcours": 50, "sorties_emploi_durable": 10},
            financements=[("ETAT", 600, 500, "Financements!C2")],
        ),
        bilan(
            "II_3.1.1",
            2015,
            {"ptce_actifs": 14, "structures_accompagnees": 18, "cooperations": 12, "emplois_crees": 10},
            territoires=[("69", "emplois_crees", 10, 2, 3, "Territoires!C2")],
        ),
    ]
    return consolidate(collection(items), ref, [2015])


def test_a_ratio_has_a_target_at_action_level_only(ref, ev2015):
    action = _row(ev2015.tables["par_action"], code_action="II_2.1.2", indicateur="taux_sorties_positives")
    assert action["valeur"] == pytest.approx(120 / 200) and action["cible"] == pytest.approx(0.44)
    assert action["taux_realisation"] == pytest.approx(0.6 / 0.44)
    for level, keys in (("par_axe", {"axe": "II"}), ("par_axe", {"axe": "III"}), ("par_contrat", {})):
        row = _row(ev2015.tables[level], indicateur="taux_sorties_positives", **keys)
        assert row["cible"] is None or row["cible"] != row["cible"]
        assert row["taux_realisation"] is None or row["taux_realisation"] != row["taux_realisation"]
    contract = _row(ev2015.tables["par_contrat"], indicateur="taux_sorties_positives")
    assert contract["valeur"] == pytest.approx((120 + 10) / (200 + 50))


def test_ratio_period_target_only_for_an_action(ref):
    items = [
        bilan("II_2.1.2", y, {"personnes_en_parcours": 100, "sorties_emploi_durable": 50, "personnes_formees": 1})
        for y in (2014, 2015, 2016)
    ]
    ev = consolidate(collection(items), ref, [2014, 2015, 2016])
    action = _row(ev.tables["par_action"], code_action="II_2.1.2", indicateur="taux_sorties_positives", annee=PERIODE)
    assert action["cible"] == pytest.approx(0.45)
    axis = _row(ev.tables["par_axe"], axe="II", indicateur="taux_sorties_positives", annee=PERIODE)
    assert axis["cible"] != axis["cible"] and axis["regle_cible"] == "ratio : cible à l'action seulement"


def test_financing_coverage_by_hand(ref, ev2015):
    fin = ev2015.tables["financements"]
    # axis II in 2015: 6 actions expected; one counted bilan declares financing (II_3.1.1 declares none)
    assert _row(fin, financeur="REGION", axe="II")["couverture"] == "1 / 6 bilans"
    assert _row(fin, financeur="ETAT", axe="III")["couverture"] == "1 / 11 bilans"
    # a funder's yearly total: two bilans of the 21 expected declare financing
    total = _row(fin, financeur="REGION", axe="total")
    assert total["couverture"] == "2 / 21 bilans" and total["montant_obtenu"] == 800
    assert total["enveloppe"] == REGION and total["statut_enveloppe"] == "prévisionnelle"
    assert _row(fin, financeur="CDC", axe="total")["couverture"] == "2 / 21 bilans"


def test_territory_coverage_by_hand(ref, ev2015):
    ter = ev2015.tables["territoires"]
    row = _row(ter, departement="69", indicateur="emplois_crees")
    # emplois_crees is listed by 4 actions (II_2.1.1, II_3.1.1, III_1.1.2, III_1.1.4); one reports it
    assert (row["valeur"], row["dont_qpv"], row["dont_zrr"]) == (10, 2, 3)
    assert row["couverture"] == "1 / 4 bilans" and row["part_qpv"] == pytest.approx(0.2)


def test_key_figures_compare_signatories_with_their_own_envelopes(ref, ev2015):
    key = ev2015.tables["chiffres_cles"].set_index("libelle")
    signatories = key.loc[
        "Financements obtenus des signataires (Région Rhône-Alpes, Etat, Caisse des Dépôts et Consignations)"
    ]
    assert signatories["valeur"] == 800 + 500 and signatories["couverture"] == "2 / 21 bilans"
    # 2015: no CDC envelope (article 5), so neither its amount nor its financing is compared
    envelopes = (  # each signatory with its years: the Etat's provisional 2014 is not the Région's
        "Enveloppes des signataires (prévisionnelles : Région Rhône-Alpes 2015 ; Etat 2015 ; non fixées par le "
        "contrat : Caisse des Dépôts et Consignations 2015)"
    )
    assert key.loc[envelopes, "valeur"] == REGION + ETAT
    rate = key.loc["Taux obtenu / enveloppes des signataires (années dont l'enveloppe est fixée)", "valeur"]
    assert rate == pytest.approx(1300 / (REGION + ETAT))
    apart = key.loc["Financements obtenus, toutes sources (sans enveloppe à comparer)"]
    assert apart["valeur"] == 800 + 500 + 1000 and apart["groupe"] == "toutes sources"
    sig = ev2015.tables["signataires"].set_index("financeur")
    assert list(sig.index) == ["REGION", "ETAT", "CDC"]
    assert sig.loc["ETAT", "taux_enveloppe"] == pytest.approx(500 / ETAT)
    assert list(sig["statut_enveloppe"]) == ["prévisionnelle", "prévisionnelle", "non fixée par le contrat"]
    assert pd.isna(sig.loc["CDC", "enveloppe"]) and pd.isna(sig.loc["CDC", "taux_enveloppe"])
    cdc = _row(ev2015.tables["financements"], financeur="CDC", axe="total")
    assert cdc["statut_enveloppe"] == "non fixée par le contrat" and pd.isna(cdc["enveloppe"])
    assert pd.isna(cdc["taux_enveloppe"]) and cdc["taux_partiel"] == ""


def test_envelope_status_over_the_period(ref):
    ev = consolidate(collection([]), ref, [2014, 2015, 2016])
    sig = ev.tables["signataires"].set_index("financeur")
    assert sig.loc["REGION", "statut_enveloppe"] == "prévisionnelle en 2015, 2016"
    assert sig.loc["REGION", "enveloppe"] == 3 * REGION
    assert sig.loc["ETAT", "statut_enveloppe"] == "prévisionnelle"  # « montant prévisionnel » in 2014 too
    assert sig.loc["CDC", "statut_enveloppe"] == "confirmée en 2014 ; non fixée par le contrat en 2015, 2016"
    assert sig.loc["CDC", "enveloppe"] == CDC and sig.loc["CDC", "annees_non_fixees"] == "2015, 2016"
    key = ev.tables["chiffres_cles"].set_index("libelle")
    envelopes = (
        "Enveloppes des signataires (prévisionnelles : Région Rhône-Alpes 2015, 2016 ; Etat 2014, 2015, 2016 ; "
        "non fixées par le contrat : Caisse des Dépôts et Consignations 2015, 2016)"
    )
    assert key.loc[envelopes, "valeur"] == 3 * REGION + 3 * ETAT + CDC
    assert set(ev.tables["chiffres_cles"]["couverture"]) >= {"0 / 63 bilans"}


def test_partial_rates_are_marked(ref, ev2015):
    # emplois_crees on axis II in 2015: II_2.1.1 and II_3.1.1 expected, only II_3.1.1 counted
    axis = _row(ev2015.tables["par_axe"], axe="II", indicateur="emplois_crees")
    assert axis["couverture"] == "1 / 2 bilans" and axis["taux_partiel"] == "partiel : 1 / 2 bilans"
    assert axis["taux_realisation"] == pytest.approx(10 / axis["cible"])
    action = _row(ev2015.tables["par_action"], code_action="II_3.1.1", indicateur="emplois_crees")
    assert action["taux_partiel"] == "" and action["taux_realisation"] == pytest.approx(10 / 12)
    q = ev2015.tables["questions"]
    [q2] = q[(q["question"] == "Q2") & (q["indicateur"] == "emplois_crees")].to_dict("records")
    assert q2["taux_partiel"] == "partiel : 1 / 4 bilans" and q2["couverture"] == "1 / 4 bilans"
    # no target, no rate, no mark
    ratio = _row(ev2015.tables["par_contrat"], indicateur="taux_sorties_positives")
    assert ratio["taux_partiel"] == ""


def test_synthese_chart_data_carries_coverage(ref, ev2015):
    chart = ev2015.tables["graphique_evenements"]
    # the animation (ANIM, outside the axes) lists events too: every event is in the chart
    assert list(chart["libelle_axe"]) == ["Axe I", "Axe II", "Axe III", "Transversal"]
    # actions listing evenements (actions.yaml): 3 on axis I, 2 on axis II, 5 on axis III, ANIM
    assert list(chart["couverture"]) == ["0 / 3 bilans", "0 / 2 bilans", "0 / 5 bilans", "0 / 1 bilan"]
    q4 = ev2015.tables["q4"].set_index("chiffre")
    assert q4.loc["Réunions des instances tenues", "couverture"] == "0 / 1 bilan"


def test_financing_rates_resting_on_part_of_the_bilans_are_marked(ref, ev2015):
    # 2015: two of the 21 expected bilans declare financing (II_3.1.1 declares none)
    fin = ev2015.tables["financements"]
    etat = _row(fin, financeur="ETAT", axe="total")
    assert etat["taux_enveloppe"] == pytest.approx(500 / ETAT) and etat["taux_partiel"] == "partiel : 2 / 21 bilans"
    # a funder line per axis has no rate, so no mark
    assert _row(fin, financeur="ETAT", axe="III")["taux_partiel"] == ""
    # FEDER has no envelope, so no rate and no mark
    assert _row(fin, financeur="FEDER", axe="total")["taux_partiel"] == ""
    sig = ev2015.tables["signataires"].set_index("financeur")
    assert list(sig["taux_partiel"]) == ["partiel : 2 / 21 bilans"] * 2 + [""]  # no CDC envelope in 2015: no rate
    key = ev2015.tables["chiffres_cles"].set_index("libelle")
    rate = "Taux obtenu / enveloppes des signataires (années dont l'enveloppe est fixée)"
    assert key.loc[rate, "couverture"] == "partiel : 2 / 21 bilans"


def test_financing_rate_on_every_expected_bilan_is_not_partial():
    from cess_cli.consolidation.financing import partial_mark

    assert partial_mark(0.5, 21, 21) == ""
    assert partial_mark(None, 2, 21) == ""
    assert partial_mark(0.0, 0, 21) == "partiel : 0 / 21 bilans"


def test_governance_figures_over_the_period(ref):
    # ANIM 2014: 8 meetings, 234 participants; 2016: 12 meetings, 239; 2015 missing
    items = [
        bilan("ANIM", 2014, {"reunions_instances": 8, "participants_instances": 234}),
        bilan("ANIM", 2016, {"reunions_instances": 12, "participants_instances": 239}),
    ]
    ev = consolidate(collection(items), ref, [2014, 2015, 2016])
    q4 = ev.tables["q4"]
    period = q4[q4["annee"] == "2014-2016"].set_index("chiffre")
    planned = 8  # gouvernance.yaml: 1 + 1 + 2 + 3 + 1 meetings a year at least, all instances together
    assert period.loc["Réunions des instances tenues", "valeur"] == 20
    assert period.loc["Réunions des instances tenues", "couverture"] == "2 / 3 bilans"
    assert period.loc["Réunions prévues par la gouvernance (minimum)", "valeur"] == 3 * planned
    assert period.loc["Taux de tenue des instances", "valeur"] == pytest.approx(20 / 24)
    # 20 meetings over 3 years' plan while a year is missing: the rate is marked like indicator rates
    assert period.loc["Taux de tenue des instances", "couverture"] == "partiel : 2 / 3 bilans"
    assert period.loc["Participants aux instances", "valeur"] == 473
    assert period.loc["Participants par réunion", "valeur"] == pytest.approx(473 / 20)
    assert period.loc["Participants par réunion", "couverture"] == "2 / 3 bilans"
    year = q4[q4["annee"] == "2014"].set_index("chiffre")
    assert year.loc["Participants par réunion", "valeur"] == pytest.approx(234 / 8)
    assert year.loc["Taux de tenue des instances", "couverture"] == "1 / 1 bilan"
    # the completeness of the bilans, year by year and over the period (actions.yaml: the 21
    # actions run every year; only ANIM sent, in 2014 and 2016, both valid and counted)
    received = q4[q4["chiffre"] == "Bilans reçus"].set_index("annee")["valeur"]
    assert received.to_dict() == {"2014": 1, "2015": 0, "2016": 1, "2014-2016": 2}
    expected = q4[q4["chiffre"] == "Bilans attendus"].set_index("annee")["valeur"]
    assert expected.to_dict() == {"2014": 21, "2015": 21, "2016": 21, "2014-2016": 63}
    usable = q4[q4["chiffre"] == "Taux de bilans exploitables (sur les bilans attendus)"].set_index("annee")
    assert list(usable["valeur"]) == pytest.approx([1 / 21, 0, 1 / 21, 2 / 63])


def test_a_year_without_envelope_is_left_out_of_the_period_rate(ref):
    # CDC obtains 100 000 in 2014 (envelope 1 085 200) and 900 000 in 2015 (no envelope: article 5)
    items = [
        bilan("II_2.1.2", 2014, {"personnes_en_parcours": 1}, financements=[("CDC", None, 100_000, "Financements!C2")]),
        bilan("II_2.1.2", 2015, {"personnes_en_parcours": 1}, financements=[("CDC", None, 900_000, "Financements!C2")]),
    ]
    ev = consolidate(collection(items), ref, [2014, 2015, 2016])
    sig = ev.tables["signataires"].set_index("financeur")
    assert sig.loc["CDC", "montant_obtenu"] == 1_000_000  # every year's, shown as obtained
    assert sig.loc["CDC", "obtenu_compare"] == 100_000 and sig.loc["CDC", "enveloppe"] == CDC
    assert sig.loc["CDC", "taux_enveloppe"] == pytest.approx(100_000 / CDC)  # not 1 000 000 / 1 085 200
    key = ev.tables["chiffres_cles"].set_index("libelle")
    rate = key.loc["Taux obtenu / enveloppes des signataires (années dont l'enveloppe est fixée)", "valeur"]
    assert rate == pytest.approx(100_000 / (3 * REGION + 3 * ETAT + CDC))


def test_a_blank_obtained_amount_is_no_figure_not_zero(ref):
    # REGION named with 1 000 planned and its obtained left blank; ETAT: one blank line, one of 300
    items = [
        bilan(
            "II_2.1.2",
            2015,
            {"personnes_en_parcours": 1},
            financements=[
                ("REGION", 1000, None, "Financements!C2"),
                ("ETAT", None, None, "Financements!C3"),
                ("ETAT", 500, 300, "Financements!C4"),
            ],
        )
    ]
    fin = consolidate(collection(items), ref, [2015]).tables["financements"]
    region = _row(fin, financeur="REGION", axe="total")
    assert region["montant_prevu"] == 1000 and pd.isna(region["montant_obtenu"])
    assert pd.isna(region["taux_enveloppe"]) and region["taux_partiel"] == ""  # no figure, no rate
    assert pd.isna(_row(fin, financeur="REGION", axe="II")["montant_obtenu"])
    etat = _row(fin, financeur="ETAT", axe="total")
    assert (etat["montant_prevu"], etat["montant_obtenu"], etat["lignes"]) == (500, 300, 2)
    # a signatory no counted bilan names: nothing declared, 0 € (its coverage says on how many bilans)
    assert _row(fin, financeur="CDC", axe="total")["montant_obtenu"] == 0
