"""A finding echoes what the operator typed, and suggests the nearest valid code."""

from __future__ import annotations

import pytest

from cess_cli.checking.validate import validate_workbook

from ..helpers import make_bilan, set_ident


def _findings(ref, path):
    return {f.code: f for f in validate_workbook(path, ref).findings}


def test_unknown_codes_echoed_as_typed_with_a_suggestion(ref, tmp_path):
    def edit(wb):
        wb["Financements"]["A2"] = "Région RA"
        wb["Territoires"]["A2"] = "Isère"
        wb["Territoires"]["B2"] = "structures_acompagnees"

    found = _findings(ref, make_bilan(ref, tmp_path, edit=edit))
    funder = found["financeur.inconnu"]
    assert (funder.sheet, funder.cell, funder.message) == ("Financements", "A2", "Financeur « Région RA » inconnu.")
    assert funder.hint.startswith("Vouliez-vous dire « REGION » (Région Rhône-Alpes) ? Codes acceptés : REGION, ETAT")
    dep = found["departement.inconnu"]
    assert (dep.cell, dep.message) == ("A2", "Département « Isère » inconnu.")
    assert dep.hint.startswith("Vouliez-vous dire « 38 » (Isère) ? Codes acceptés : 01, 07")
    indicator = found["territoire.indicateur_inconnu"]
    assert indicator.message.startswith("« structures_acompagnees » n'est pas")
    assert indicator.hint.startswith("Vouliez-vous dire « structures_accompagnees » ?")


@pytest.mark.parametrize(
    ("typed", "code", "label"),
    [
        ("Conseil Général de l'Isère", "CG38", "Le Conseil Général de l'Isère"),
        ("Conseil départemental de l'Isère", "CG38", "Le Conseil Général de l'Isère"),
        ("CONSEIL DEPARTEMENTAL DE L'ARDECHE", "CG07", "Le Conseil Général de l'Ardèche"),
        ("conseil general isere", "CG38", "Le Conseil Général de l'Isère"),
        ("Grenoble Alpes Métropole", "GRENOBLE_METRO", "La Communauté d'Agglomération Grenoble Alpes Métropole"),
        ("Saint-Étienne Métropole", "ST_ETIENNE_METRO", "Saint-Etienne Métropole"),
        ("CG 38", "CG38", "Le Conseil Général de l'Isère"),
    ],
)
def test_a_funder_typed_by_its_name_suggests_its_code(ref, tmp_path, typed, code, label):
    """An operator types the funder's name (« Conseil départemental » since 2015, the
    referential's « Conseil Général »): the suggestion matches the labels too, and says
    the code with its label."""
    found = _findings(ref, make_bilan(ref, tmp_path, edit=lambda wb: wb["Financements"].__setitem__("A2", typed)))
    assert found["financeur.inconnu"].hint.startswith(f"Vouliez-vous dire « {code} » ({label}) ? Codes acceptés : ")


def test_a_code_typed_with_accents_is_the_code(ref, tmp_path):
    """« Région », « État », « Événements » are REGION, ETAT, evenements, as « region » is:
    case and accents are no doubt on the code meant (README *Checks*)."""

    def edit(wb):
        wb["Financements"]["A2"] = "Région"
        wb["Financements"]["A3"] = "État"
        wb["Financements"]["C3"] = 5
        [cell] = [c for c in wb["Indicateurs"]["A"] if c.value == "evenements"]
        cell.value = "Événements"

    result = validate_workbook(make_bilan(ref, tmp_path, "ANIM", 2014, edit=edit), ref)
    assert [f.code for f in result.findings if f.code.startswith(("financeur", "indicateur"))] == []
    assert result.valid


def test_unknown_action_suggests_the_nearest(ref, tmp_path):
    found = _findings(ref, make_bilan(ref, tmp_path, edit=lambda wb: set_ident(wb, "code_action", "III_1.1.33")))
    action = found["action.inconnue"]
    assert action.message == "Action « III_1.1.33 » inconnue du contrat."
    assert action.hint.startswith("Vouliez-vous dire « III_1.1.3 » ? ")


OTHERS = "Un financeur qui n'est pas partenaire du contrat s'inscrit « AUTRES » (Autres financements). "


def test_nothing_close_gives_no_suggestion_but_says_where_other_funders_go(ref, tmp_path):
    """No code near « XYZW »: no « Vouliez-vous dire », but the operator is told the code of
    a funder outside the contract (`hors_contrat` in financeurs.yaml: AUTRES), then the list."""
    found = _findings(ref, make_bilan(ref, tmp_path, edit=lambda wb: wb["Financements"].__setitem__("A2", "XYZW")))
    assert found["financeur.inconnu"].hint.startswith(OTHERS + "Codes acceptés : REGION, ETAT")


def test_operator_hints_carry_no_markdown(ref):
    from cess_cli.catalogue import CATALOGUE

    for code, (_, message, hint) in CATALOGUE.items():
        assert "`" not in message + hint, code


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        # the review of 30 November: each of these suggested another funder, or nothing
        ("Conseil Régional RA", "« REGION » (Région Rhône-Alpes)"),  # was CG38, on « Conseil »
        ("Conseil régional", "« REGION » (Région Rhône-Alpes)"),  # the contract's own words: nothing was said
        ("DIRECCTE Rhône-Alpes", "« ETAT » (Etat)"),  # was REGION, on « Rhône-Alpes »
        ("CDC Rhône-Alpes", "« CDC » (Caisse des Dépôts et Consignations)"),  # was REGION
        ("Métropole de Lyon", "« GRAND_LYON » (La Communauté urbaine de Lyon Grand Lyon)"),  # was VILLE_LYON
        ("Porte de l'Isère", "« CAPI » (La Communauté d'Agglomération Porte de l'Isère)"),  # was CG38
        ("Subvention Région", "« REGION » (Région Rhône-Alpes)"),
        ("fonds propres", "« AUTOFINANCEMENT » (Autofinancement)"),
        # the operator's review, left unsaid on 30 November
        ("ETTA", "« ETAT » (Etat)"),  # two letters swapped
        ("CG7", "« CG07 » (Le Conseil Général de l'Ardèche)"),  # a name in financeurs.yaml
        ("FSE IEJ", "« FSE » (FSE (fonds social européen))"),  # IEJ: a name of the FSE
        ("Metro Grenoble", "« GRENOBLE_METRO » (La Communauté d'Agglomération Grenoble Alpes Métropole)"),
        ("Agglo Porte de l'Isère", "« CAPI » (La Communauté d'Agglomération Porte de l'Isère)"),  # a filler
        ("Fonds social européen", "« FSE » (FSE (fonds social européen))"),
        ("Conseil régional Auvergne-Rhône-Alpes", "« REGION » (Région Rhône-Alpes)"),
        (
            "fonds européens",  # one name, three funds: each is named, none is picked
            "« FEDER » (FEDER (fonds européen de développement régional)), « FSE » (FSE (fonds social européen))"
            " ou « FEADER » (FEADER (fonds européen agricole pour le développement rural))",
        ),
        (
            "Conseil départemental",
            "« CG07 » (Le Conseil Général de l'Ardèche) ou « CG38 » (Le Conseil Général de l'Isère)",
        ),
    ],
)
def test_a_funder_known_by_another_name_is_suggested_and_never_another(ref, tmp_path, typed, said):
    found = _findings(ref, make_bilan(ref, tmp_path, edit=lambda wb: wb["Financements"].__setitem__("A2", typed)))
    assert found["financeur.inconnu"].hint.startswith(f"Vouliez-vous dire {said} ? Codes acceptés : ")


@pytest.mark.parametrize(
    "typed",
    [
        "Département de la Drôme",  # was CG07: most of the two names is the same
        "Conseil départemental du Rhône",  # was CG38: not a partner of the contract
        "Ville de Saint-Etienne",  # was VILLE_VILLEURBANNE
        "Ville de Chambéry",  # was VILLE_LYON
        "CG69",
        "CG83",  # two figures swapped name another département: never « CG38 »
        "CD74",  # was CG07, once « CD7 » became one of its names
        "Rhône-Alpes Active",  # not the Région
        "Conseil départemental de la Loire",  # was CG38 (« loire » and « isere »: 0.6)
        "Rhône",  # was RHONE_PLURIEL, on a word of its code
        "CD",  # was CDC
        "Région Auvergne",  # was REGION, on a word of « Région Auvergne-Rhône-Alpes »
        "Communauté d'agglomération du Pays Viennois",  # was PAYS_VOIRONNAIS
    ],
)
def test_a_funder_that_is_not_a_partner_gets_no_suggestion(ref, tmp_path, typed):
    found = _findings(ref, make_bilan(ref, tmp_path, edit=lambda wb: wb["Financements"].__setitem__("A2", typed)))
    assert found["financeur.inconnu"].hint.startswith(OTHERS + "Codes acceptés : ")


@pytest.mark.parametrize(
    ("typed", "hint"),
    [
        ("Haute-Loire", "Vouliez-vous dire « HORS_RA » (Hors Rhône-Alpes) ? "),  # was « 74 » (Haute-Savoie)
        ("Saône-et-Loire", "Vouliez-vous dire « HORS_RA » (Hors Rhône-Alpes) ? "),  # was « 42 » (Loire)
        ("Aisne", "Vouliez-vous dire « HORS_RA » (Hors Rhône-Alpes) ? "),  # was « 01 » (Ain)
        ("Autre région", "Vouliez-vous dire « HORS_RA » (Hors Rhône-Alpes) ? "),  # was the whole region
        ("Région lyonnaise", "Codes acceptés : "),  # was the whole region
        ("Bouches du Rhône", "Vouliez-vous dire « HORS_RA » (Hors Rhône-Alpes) ? "),  # was « 69 »
        ("Hte-Savoie", "Vouliez-vous dire « 74 » (Haute-Savoie) ? "),  # was « 73 » (Savoie)
        ("Lyon", "Vouliez-vous dire « 69 » (Rhône) ? "),
        ("Hors RA (Auvergne)", "Vouliez-vous dire « HORS_RA » (Hors Rhône-Alpes) ? "),
        ("Rhône-Alpes", "Un chiffre de toute la région se répartit par département, une ligne pour chacun. "),
        ("Région Rhône Alpes", "Un chiffre de toute la région se répartit par département"),  # was « HORS_RA »
        ("69003", "Vouliez-vous dire « 69 » (Rhône) ? "),  # a postal code
        ("38000", "Vouliez-vous dire « 38 » (Isère) ? "),
        ("75011", "Codes acceptés : "),  # a postal code outside the region: no département of the list
        ("69M", "Vouliez-vous dire « 69 » (Rhône) ? "),  # INSEE's code of the Métropole de Lyon
        ("Sud Drôme", "Vouliez-vous dire « 26 » (Drôme) ? "),
    ],
)
def test_a_departement_typed_by_name_or_for_the_whole_region(ref, tmp_path, typed, hint):
    found = _findings(ref, make_bilan(ref, tmp_path, edit=lambda wb: wb["Territoires"].__setitem__("A2", typed)))
    assert found["departement.inconnu"].hint.startswith(hint)


def test_a_rubrique_typed_as_its_label_is_read_with_a_warning(ref, tmp_path):
    """« Réalisations de l'année » is the label of `realisations` (contrat.yaml): unambiguous,
    read as it, with an avertissement; a rubrique no code nor label names stays unknown."""

    def edit(wb):
        wb["Bilan qualitatif"]["A2"] = "Réalisations de l’année :"  # Excel's apostrophe, a colon
        wb["Bilan qualitatif"]["A4"] = "Difficultés rencontrées"
        wb["Bilan qualitatif"]["A5"] = "Perspectives 2016"

    result = validate_workbook(make_bilan(ref, tmp_path, edit=edit), ref)
    read = [(f.code, f.cell, f.message) for f in result.findings if f.code.startswith("qualitatif.")]
    assert read == [
        ("qualitatif.rubrique_libelle", "A2", "Rubrique « Réalisations de l’année : » lue comme « realisations »."),
        ("qualitatif.rubrique_libelle", "A4", "Rubrique « Difficultés rencontrées » lue comme « difficultes »."),
        ("qualitatif.rubrique_inconnue", "A5", "Rubrique « Perspectives 2016 » inconnue ; elle est ignorée."),
    ]
    assert result.valid  # realisations is there: no qualitatif.manquant
