"""Anomalies: zeros in plausibility, values as typed, unverifiable cumuls, every bilan that
does not count (issue 7, points 4-6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cess_cli.consolidation.anomalies import plausibility_checks
from cess_cli.consolidation.evaluation import consolidate
from cess_cli.wording import typed_number

from .synthetic import bilan, collection, copy_of, unreadable

STOCKS = {"structures_accompagnees": 15, "cooperations": 10}  # II_3.1.1, near their targets


def _flags(ev, code="plausibilite.ecart_annuel"):
    return [f for f in ev.anomalies if f.code == code]


def test_a_fall_to_zero_and_a_rise_from_zero_are_jumps(ref):
    items = [
        bilan("II_3.1.1", 2014, {"ptce_actifs": 5, **STOCKS}),
        bilan("II_3.1.1", 2015, {"ptce_actifs": 0, **STOCKS}),  # 5 -> 0
        bilan("II_2.1.1", 2014, {"emplois_crees": 0}),
        bilan("II_2.1.1", 2015, {"emplois_crees": 82}),  # 0 -> 82
        bilan("II_1.1", 2014, {"cooperations": 0}),
        bilan("II_1.1", 2015, {"cooperations": 0}),  # 0 -> 0: no change, no flag
    ]
    ev = consolidate(collection(items), ref, [2015])
    jumps = {(Path(f.file).name, f.cell): f.message for f in _flags(ev)}
    assert set(jumps) == {("bilan_II_3.1.1_2015_v1.xlsx", "E2"), ("bilan_II_2.1.1_2015_v1.xlsx", "E2")}
    assert "passe de 5 en 2014 à 0 en 2015 (chute à zéro)" in jumps[("bilan_II_3.1.1_2015_v1.xlsx", "E2")]
    assert "passe de 0 en 2014 à 82 en 2015 (hausse depuis zéro)" in jumps[("bilan_II_2.1.1_2015_v1.xlsx", "E2")]


LOW = {"ptce_actifs": 12, "structures_accompagnees": 15, "cooperations": 10}
HIGH = {"ptce_actifs": 12, "structures_accompagnees": 45, "cooperations": 31}


@pytest.mark.parametrize("before, after", [(LOW, HIGH), (HIGH, LOW)], ids=["rise", "fall"])
def test_jump_thresholds_by_hand(ref, before, after):
    # x3 (or /3) exactly is not a jump: 15 <-> 45; 10 <-> 31 is
    items = [bilan("II_3.1.1", 2014, before), bilan("II_3.1.1", 2015, after)]
    ev = consolidate(collection(items), ref, [2015])
    assert [f.cell for f in _flags(ev)] == ["E4"]


def test_values_are_shown_as_typed(ref):
    items = [
        bilan("III_1.1.3", 2014, {"emplois_consolides": 0.12}),
        bilan("III_1.1.3", 2015, {"emplois_consolides": 1.25}),
    ]
    ev = consolidate(collection(items), ref, [2015])
    [jump] = _flags(ev)
    assert "passe de 0,12 en 2014 à 1,25 en 2015" in jump.message
    [far] = [f for f in _flags(ev, "plausibilite.ecart_cible") if "emplois_consolides" in f.message]
    assert "1,25 pour une cible de 180 (1 % de la cible)" in far.message
    # each message is a sentence of its own: the advice that follows it in the report must not run on
    assert jump.message.endswith("sans commentaire.") and far.message.endswith("sans commentaire.")
    assert (
        typed_number(1234.5) == "1\u202f234,5" and typed_number(0.1 + 0.2) == "0,3" and typed_number(144.4) == "144,4"
    )


def test_a_cumul_that_cannot_be_checked_says_so(ref):
    cumuls = {"ptce_actifs": 14, "cooperations": 40, "structures_accompagnees": 45}
    items = [
        # 2014 missing; 2015 counted but its cooperations left blank
        bilan("II_3.1.1", 2015, {"ptce_actifs": 12, "structures_accompagnees": 15}),
        bilan("II_3.1.1", 2016, {"ptce_actifs": 14, "structures_accompagnees": 15, "cooperations": 15}, cumuls=cumuls),
    ]
    ev = consolidate(collection(items), ref, [2016])
    found = {f.message for f in ev.anomalies if f.code == "cumul.non_verifiable"}
    assert found == {
        "Cumul sur la période de « cooperations (II_3.1.1) » (40 déclaré) non vérifiable, faute de l'année 2014 "
        "(bilan manquant) et l'année 2015 (indicateur non renseigné).",
        "Cumul sur la période de « structures_accompagnees (II_3.1.1) » (45 déclaré) non vérifiable, faute de "
        "l'année 2014 (bilan manquant).",
    }
    # a stock is the last year's value: always checkable (14 = 14)
    assert not [f for f in ev.anomalies if f.code.startswith("cumul.") and "ptce_actifs" in f.message]
    [cell] = {f.cell for f in ev.anomalies if f.code == "cumul.non_verifiable" and "cooperations" in f.message}
    assert cell.startswith("F")


def test_an_invalid_earlier_year_makes_the_cumul_unverifiable(ref):
    cumuls = {"cooperations": 40}
    values = {"ptce_actifs": 1, "structures_accompagnees": 1, "cooperations": 10}
    items = [
        bilan("II_3.1.1", 2014, values),
        bilan("II_3.1.1", 2015, values, valid=False),
        bilan("II_3.1.1", 2016, values, cumuls=cumuls),
    ]
    ev = consolidate(collection(items), ref, [2014, 2015, 2016])
    [f] = [f for f in ev.anomalies if f.code.startswith("cumul.")]
    # cess knows the 2015 bilan came and was refused: it says so, not « manquant »
    assert f.code == "cumul.non_verifiable" and "l'année 2015 (bilan reçu mais non compté)" in f.message


def test_every_bilan_that_does_not_count_is_in_anomalies(ref):
    items = [
        bilan("ANIM", 2015, {"evenements": 1}),  # superseded by version 2
        bilan("ANIM", 2015, {"evenements": 2}, version=2),
        bilan("I_1.2", 2015, {"evenements": 1}, valid=False),  # invalid
        bilan("II_1.1", 2015, {"evenements": 1}, file="x.xlsx"),  # conflict
        bilan("II_1.1", 2015, {"evenements": 2}, file="y.xlsx"),
    ]
    items.append(copy_of(items[1], "bilan_ANIM_2015_v2 - Copie.xlsx"))
    ev = consolidate(collection(items, [unreadable("casse.xlsx")]), ref, [2015])
    got = {(f.code, Path(f.file).name) for f in ev.anomalies if f.code.startswith("bilan.")}
    missing = {("bilan.manquant", f"bilan_{c}_2015.xlsx") for c in ref.actions if c not in ("ANIM", "I_1.2", "II_1.1")}
    assert got == {
        ("bilan.remplace", "bilan_ANIM_2015_v1.xlsx"),
        ("bilan.copie", "bilan_ANIM_2015_v2 - Copie.xlsx"),
        ("bilan.invalide", "bilan_I_1.2_2015_v1.xlsx"),
        ("bilan.conflit", "x.xlsx"),
        ("bilan.conflit", "y.xlsx"),
        ("bilan.non_identifie", "casse.xlsx"),
        *missing,
    }
    by_code = {f.code: f for f in ev.anomalies}
    assert by_code["bilan.remplace"].message == (
        "Version 1 du bilan ANIM 2015 remplacée par la version 2 (bilan_ANIM_2015_v2.xlsx) : non comptée."
    )
    # the first error, where it is and what it says (synthetic.py: « x » at Indicateurs!E2)
    invalid = by_code["bilan.invalide"]
    assert invalid.message == "Bilan I_1.2 2015 invalide (1 erreur) : non compté. Première erreur : x"
    assert (invalid.sheet, invalid.cell) == ("Indicateurs", "E2")
    assert "Le fichier est incomplet." in by_code["bilan.non_identifie"].message
    # the key figures say it too: 3 action-years received (ANIM, I_1.2, II_1.1), 1 counted
    key = ev.tables["chiffres_cles"].set_index("libelle")["valeur"]
    assert key["Bilans reçus mais non comptés (invalides ou en conflit)"] == 2 and key["Bilans reçus"] == 3


def test_far_from_target_thresholds_and_a_target_of_zero(ref):
    """Twice the target or half of it exactly is not far (actions.yaml, II_3.1.1 in 2015:
    structures 18, cooperations 12); with a target of 0, a positive value is far and 0 is not."""
    import dataclasses

    action = ref.actions["II_3.1.1"]
    zero = [
        ia.model_copy(update={"cibles": {**ia.cibles, 2015: 0}}) if ia.code in ("ptce_actifs", "emplois_crees") else ia
        for ia in action.indicateurs
    ]
    changed = dataclasses.replace(
        ref, actions={**ref.actions, "II_3.1.1": action.model_copy(update={"indicateurs": zero})}
    )
    values = {"ptce_actifs": 0, "structures_accompagnees": 36, "cooperations": 6, "emplois_crees": 1}
    ev = consolidate(collection([bilan("II_3.1.1", 2015, values)]), changed, [2015])
    # only emplois_crees (1 against 0) is far; 36 = 2 x 18 and 6 = 12 / 2 are not, nor 0 against 0
    assert [f.cell for f in _flags(ev, "plausibilite.ecart_cible")] == ["E5"]
    # and with the referential's own targets, one step beyond each threshold is far
    values = {"ptce_actifs": 14, "structures_accompagnees": 37, "cooperations": 5.9, "emplois_crees": 12}
    ev = consolidate(collection([bilan("II_3.1.1", 2015, values)]), ref, [2015])
    assert [f.cell for f in _flags(ev, "plausibilite.ecart_cible")] == ["E3", "E4"]


def _ends_in_2016(cumuls: dict[str, float]):
    years = ((2014, 12, 10), (2015, 13, 12), (2016, 14, 15))
    return [
        bilan(
            "II_3.1.1",
            y,
            {"ptce_actifs": p, "cooperations": c, "structures_accompagnees": 15},
            cumuls=cumuls if y == 2016 else None,
        )
        for y, p, c in years
    ]


def test_cumuls_checked_by_kind_in_the_referentials_order(ref):
    """A stock's cumul is its last year's value (14), a flux's the sum of its years (10 + 12
    + 15 = 37; 15 x 3 = 45); a difference of 1 is a difference. The findings follow the
    referential's order of indicators (structures, cooperations, ptce: indicateurs.yaml),
    not the alphabet, not the order the operator typed them in."""
    items = _ends_in_2016({"cooperations": 38, "ptce_actifs": 15, "structures_accompagnees": 44})
    found = [f for f in consolidate(collection(items), ref, [2016]).anomalies if f.code == "cumul.ecart"]
    assert [f.cell for f in found] == ["F4", "F2", "F3"]  # F2 cooperations, F3 ptce, F4 structures
    assert [f.sheet for f in found] == ["Indicateurs"] * 3
    assert [f.message for f in found] == [
        "Cumul sur la période de « structures_accompagnees (II_3.1.1, somme des bilans annuels) » : "
        "44 déclaré, 45 d'après les bilans annuels.",
        "Cumul sur la période de « cooperations (II_3.1.1, somme des bilans annuels) » : "
        "38 déclaré, 37 d'après les bilans annuels.",
        "Cumul sur la période de « ptce_actifs (II_3.1.1, valeur de la dernière année) » : "
        "15 déclaré, 14 d'après les bilans annuels.",
    ]
    right = _ends_in_2016({"cooperations": 37, "ptce_actifs": 14, "structures_accompagnees": 45})
    assert not [f for f in consolidate(collection(right), ref, [2016]).anomalies if f.code.startswith("cumul.")]


def test_a_sheet_named_with_an_exclamation_mark_is_named_whole(ref):
    """A cell is recorded as « sheet!cell »; a sheet's name may hold a « ! » (Excel allows it),
    a cell's never: the finding names the whole sheet and the cell."""
    items = _ends_in_2016({"cooperations": 38})
    last = items[-1][1]
    last.cellules_cumul = {"cooperations": "Indicateurs !2016!F2"}
    first = items[0][1]
    first.cellules = {k: f"Indicateurs !2014!{c.rpartition('!')[2]}" for k, c in first.cellules.items()}
    items[1][1].valeurs["ptce_actifs"] = 60  # 12 -> 60: a jump flagged on 2015's own sheet
    items[1][1].cellules = {k: f"Ind!c!{c.rpartition('!')[2]}" for k, c in items[1][1].cellules.items()}
    ev = consolidate(collection(items), ref, [2014, 2015, 2016])
    [cumul] = [f for f in ev.anomalies if f.code == "cumul.ecart"]
    assert (cumul.sheet, cumul.cell) == ("Indicateurs !2016", "F2")
    jumps = [(f.sheet, f.cell) for f in ev.anomalies if f.code == "plausibilite.ecart_annuel"]
    assert ("Ind!c", "E2") in jumps


def test_anomalies_follow_the_referentials_order_of_actions(ref):
    """I_1.1.1 comes before II_3.1.1 in actions.yaml (the alphabet puts « II_ » first): its
    findings come first whatever order the files arrive in."""
    items = [
        bilan("II_3.1.1", 2014, {"ptce_actifs": 12, **STOCKS}),
        bilan("II_3.1.1", 2015, {"ptce_actifs": 50, **STOCKS}),  # x4
        bilan("I_1.1.1", 2014, {"participants": 100}),
        bilan("I_1.1.1", 2015, {"participants": 500}),  # x5
    ]
    expected = ["bilan_I_1.1.1_2015_v1.xlsx", "bilan_II_3.1.1_2015_v1.xlsx"]
    ev = consolidate(collection(items), ref, [2015])
    assert [Path(f.file).name for f in _flags(ev)] == expected
    # the checks order them themselves, whatever order they are given the bilans in
    found = plausibility_checks([b for _, b in items], ref, [2015])
    assert [Path(f.file).name for f in found if f.code == "plausibilite.ecart_annuel"] == expected


def test_a_commented_value_excuses_itself_only(ref):
    """A commentaire explains its own value: the other values of the same bilan are still
    checked (ptce_actifs commented, cooperations not: both jumped)."""
    items = [
        bilan("II_3.1.1", 2014, {"ptce_actifs": 12, "cooperations": 10, "structures_accompagnees": 15}),
        bilan("II_3.1.1", 2015, {"ptce_actifs": 50, "cooperations": 45, "structures_accompagnees": 15}),
    ]
    items[1][1].commentaires = {"ptce_actifs": "Deux pôles ont fusionné."}
    ev = consolidate(collection(items), ref, [2015])
    assert [f.cell for f in _flags(ev)] == ["E3"]  # cooperations only; E2 (ptce_actifs) is explained


def test_a_real_cumul_mismatch_comes_before_the_cumuls_that_cannot_be_checked(ref):
    values = {"ptce_actifs": 1, "structures_accompagnees": 1, "cooperations": 10}
    items = [  # I_1.1.1 lacks 2014 (not checkable); II_3.1.1: 10 + 10 + 10 = 30, 40 declared (mismatch)
        bilan("I_1.1.1", 2016, {"evenements": 1}, cumuls={"evenements": 5}),
        bilan("II_3.1.1", 2014, values),
        bilan("II_3.1.1", 2015, values),
        bilan("II_3.1.1", 2016, values, cumuls={"cooperations": 40}),
    ]
    ev = consolidate(collection(items), ref, [2014, 2015, 2016])
    codes = [f.code for f in ev.anomalies if f.code.startswith("cumul.")]
    assert codes[0] == "cumul.ecart" and set(codes[1:]) == {"cumul.non_verifiable"}
