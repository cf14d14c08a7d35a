"""Which bilans count: copies, resubmissions, first submission, both on-time facts (issue 7, points 1-2)."""

from __future__ import annotations

import datetime as dt
import shutil

import pandas as pd
import pytest

from cess_cli.consolidation.evaluation import consolidate
from cess_cli.consolidation.sources import is_copy_name, select
from cess_cli.findings import Finding, Severity
from cess_cli.pipeline import collect

from ..helpers import make_bilan, set_ident
from .synthetic import bilan, collection, copy_of

ON_TIME, LATE = dt.date(2016, 3, 15), dt.date(2016, 5, 2)  # the 2015 deadline is 31/03/2016


@pytest.mark.parametrize(
    ("name", "copy"),
    [
        ("bilan_X_2014 - Copie.xlsx", True),
        ("bilan_X_2014 - Copie (2).xlsx", True),
        ("bilan_X_2014 - copy.xlsx", True),
        ("bilan_X_2014 (2).xlsx", True),
        ("bilan_X_2014(3).xlsx", True),
        ("Copie de bilan_X_2014.xlsx", True),
        ("Copy of bilan_X_2014.xlsx", True),
        ("bilan_X_2014.xlsx", False),
        ("bilan_X_2014_v2.xlsx", False),
        ("Copieur_bilan.xlsx", False),
    ],
)
def test_copy_names(name, copy):
    assert is_copy_name(name) is copy


def _audit_like_set(ref):
    """2015, every action expected (21). By hand:
    - 17 action-years with one valid version 1, on time; one of them also has a
      byte-identical copy « … - Copie.xlsx »;
    - A: version 1 valid and on time, version 2 valid and late;
    - B: version 1 invalid, version 2 valid and on time;
    - E: version 1 valid, version 2 invalid (the highest version decides: nothing counts);
    - C: missing."""
    codes = [c for c, a in ref.actions.items() if 2015 in a.annees]
    assert len(codes) == 21
    a, b, e, c, *singles = codes
    items = [bilan(code, 2015, {"evenements": 1}, sent=ON_TIME) for code in singles]
    items.append(copy_of(items[0], f"bilan_{singles[0]}_2015_v1 - Copie.xlsx"))
    items += [
        bilan(a, 2015, {"evenements": 1}, sent=ON_TIME),
        bilan(a, 2015, {"evenements": 2}, version=2, sent=LATE),
        bilan(b, 2015, {"evenements": 1}, valid=False, sent=ON_TIME),
        bilan(b, 2015, {"evenements": 2}, version=2, sent=ON_TIME),
        bilan(e, 2015, {"evenements": 1}, sent=ON_TIME),
        bilan(e, 2015, {"evenements": 2}, version=2, valid=False, sent=ON_TIME),
    ]
    return items, (a, b, e, c, singles[0])


def test_valid_at_first_submission_and_on_time_by_hand(ref):
    items, (a, b, e, c, copied) = _audit_like_set(ref)
    ev = consolidate(collection(items), ref, [2015])
    comp = ev.tables["completude"].set_index("code_action")
    assert int(comp["valide_premiere"].sum()) == 17 + 1 + 1  # the singles, A and E: 19 / 21
    assert int(comp["recu"].sum()) == 20 and int(comp["valide"].sum()) == 17 + 1 + 1  # singles, A, B
    assert comp.loc[a, "versions"] == 2 and comp.loc[copied, "versions"] == 1  # a copy is not a version
    assert comp.loc[copied, "valide_premiere"] == 1
    # A: the first sending was on time, the counted version (2) was late
    assert (comp.loc[a, "premier_envoi_a_l_heure"], comp.loc[a, "version_comptee_a_l_heure"]) == (1, 0)
    assert (comp.loc[b, "valide_premiere"], comp.loc[b, "version_comptee_a_l_heure"]) == (0, 1)
    assert comp.loc[e, "valide"] == 0 and pd.isna(comp.loc[e, "version_comptee_a_l_heure"])
    assert comp.loc[c, "etat"] == "manquant" and comp.loc[c, "premier_envoi_a_l_heure"] == 0
    assert int(comp["premier_envoi_a_l_heure"].sum()) == 20  # every first sending but the missing one
    assert int(comp["version_comptee_a_l_heure"].fillna(0).sum()) == 17 + 1  # singles and B; A was late
    q4 = ev.tables["q4"].set_index("chiffre")["valeur"]
    assert q4["Taux de bilans valides du premier coup (sur les bilans attendus)"] == pytest.approx(19 / 21)
    assert q4["Taux de premiers envois à l'heure (sur les bilans attendus)"] == pytest.approx(20 / 21)
    assert q4["Taux de versions comptées à l'heure (sur les bilans attendus)"] == pytest.approx(18 / 21)


def test_select_is_idempotent(ref):
    items, _ = _audit_like_set(ref)
    coll = collection(items)
    first = [(s.file, s.retenu, s.raison, s.motif, s.copie_de, s.remplace_par) for s in coll.sources]
    conflicts = list(coll.conflicts)
    select(coll)
    assert [(s.file, s.retenu, s.raison, s.motif, s.copie_de, s.remplace_par) for s in coll.sources] == first
    assert coll.conflicts == conflicts


def test_a_version_conflict_then_a_higher_version(ref):
    items = [
        bilan("ANIM", 2015, {"evenements": 1}, file="a.xlsx"),
        bilan("ANIM", 2015, {"evenements": 2}, file="b.xlsx"),
    ]
    coll = collection(items)
    assert [s.raison for s in coll.sources] == ["conflit", "conflit"] and len(coll.conflicts) == 2
    coll = collection([*items, bilan("ANIM", 2015, {"evenements": 3}, version=2, file="c.xlsx")])
    assert [s.raison for s in coll.sources] == ["remplace", "remplace", "retenu"] and not coll.conflicts
    assert coll.sources[0].motif == "remplacé par la version 2 (c.xlsx)"


@pytest.mark.parametrize(
    "copy_name", ["bilan_ANIM_2014 - Copie.xlsx", "bilan_ANIM_2014 (2).xlsx", "Copie de bilan_ANIM_2014.xlsx"]
)
def test_the_original_is_retained_not_the_copy(ref, tmp_path, copy_name):
    original = make_bilan(ref, tmp_path, "ANIM", 2014)
    shutil.copy(original, tmp_path / copy_name)
    coll = collect([tmp_path], ref)
    by_name = {s.name: s for s in coll.sources}
    assert by_name["bilan_ANIM_2014.xlsx"].retenu and not by_name[copy_name].retenu
    assert by_name[copy_name].motif.startswith("copie identique de bilan_ANIM_2014.xlsx")
    ev = consolidate(coll, ref, [2014])
    assert set(ev.tables["tidy"]["source"].str.split("!").str[0]) == {"bilan_ANIM_2014.xlsx"}
    assert ev.tables["completude"].set_index("code_action").loc["ANIM", "versions"] == 1
    [copy] = [f for f in ev.anomalies if f.code == "bilan.copie"]
    assert copy.file.endswith(copy_name) and "bilan_ANIM_2014.xlsx" in copy.message


def test_without_a_sign_the_earliest_then_the_first_name_is_the_original(ref):
    a = bilan("ANIM", 2015, {"evenements": 1}, file="z.xlsx", content="same")
    b = bilan("ANIM", 2015, {"evenements": 1}, file="a.xlsx", content="same")
    coll = collection([a, b])
    assert [(s.file, s.raison) for s in coll.sources] == [("z.xlsx", "copie"), ("a.xlsx", "retenu")]
    late = bilan("ANIM", 2015, {"evenements": 1}, file="a.xlsx", content="same", sent=LATE)
    coll = collection([a, late])
    assert [(s.file, s.raison) for s in coll.sources] == [("z.xlsx", "retenu"), ("a.xlsx", "copie")]


def test_late_resubmission_message_says_which_fact_it_feeds(ref, tmp_path):
    from cess_cli.checking.validate import validate_workbook

    def late_v2(wb):
        set_ident(wb, "version", 2)
        set_ident(wb, "date_transmission", dt.datetime(2016, 5, 2))

    def late_v1(wb):
        set_ident(wb, "date_transmission", dt.datetime(2016, 5, 2))

    v2 = make_bilan(ref, tmp_path, "ANIM", 2015, edit=late_v2, name="v2.xlsx")
    [f] = [f for f in validate_workbook(v2, ref).findings if f.code == "transmission.retard"]
    assert "Cette version 2 sera notée hors délai dans le suivi de la CRESS" in f.hint
    assert "premier envoi reste jugé sur sa propre date" in f.hint and "premier envoi sera" not in f.hint
    v1 = make_bilan(ref, tmp_path, "ANIM", 2015, edit=late_v1, name="v1.xlsx")
    [f] = [f for f in validate_workbook(v1, ref).findings if f.code == "transmission.retard"]
    assert "Votre premier envoi sera noté hors délai" in f.hint and "version 1" not in f.hint


def test_the_first_sending_is_the_lowest_version_then_the_earliest_on_the_deadline_on_time(ref):
    """« Premier envoi » is the lowest version received (a file without a version is a
    version 1), then the earliest sent; sent on the deadline day (31 March 2016 for 2015,
    contrat.yaml) is on time. Dates are typed by operators: a version 2 may bear an earlier
    date than the version 1 it replaces."""
    day = dt.date
    items = [
        # ANIM: version 1 late, version 2 dated earlier and on time
        bilan("ANIM", 2015, {"evenements": 1}, file="anim_v1.xlsx", sent=day(2016, 4, 10)),
        bilan("ANIM", 2015, {"evenements": 2}, version=2, file="anim_v2.xlsx", sent=day(2016, 3, 1)),
        # I_1.1.1: an invalid file without a version (a version 1), then a valid version 2 dated earlier
        bilan("I_1.1.1", 2015, {}, version=None, file="i_sans_version.xlsx", sent=day(2016, 3, 1), valid=False),
        bilan("I_1.1.1", 2015, {"participants": 5}, version=2, file="i_v2.xlsx", sent=day(2016, 2, 1)),
        # II_3.1.1: two versions 1 in conflict; the earliest was sent on the deadline day
        bilan("II_3.1.1", 2015, {"ptce_actifs": 1}, file="a.xlsx", sent=day(2016, 4, 2)),
        bilan("II_3.1.1", 2015, {"ptce_actifs": 2}, file="b.xlsx", sent=day(2016, 3, 31)),
    ]
    comp = consolidate(collection(items), ref, [2015]).tables["completude"].set_index("code_action")
    anim, first_i, conflict = comp.loc["ANIM"], comp.loc["I_1.1.1"], comp.loc["II_3.1.1"]
    assert (anim["premier_envoi_a_l_heure"], anim["version_comptee_a_l_heure"]) == (0, 1)
    assert anim["date_premiere_transmission"] == day(2016, 4, 10)
    assert (anim["date_version_comptee"], anim["echeance"]) == (day(2016, 3, 1), day(2016, 3, 31))
    missing = comp.loc["II_3.1.2"]
    assert missing["etat"] == "manquant" and missing["date_premiere_transmission"] is None
    assert missing["date_version_comptee"] is None
    assert (first_i["valide_premiere"], first_i["valide"]) == (0, 1)
    assert first_i["date_premiere_transmission"] == day(2016, 3, 1)
    assert (conflict["etat"], conflict["premier_envoi_a_l_heure"]) == ("conflit", 1)
    assert conflict["date_premiere_transmission"] == day(2016, 3, 31)


def test_completeness_of_an_action_that_starts_in_2015(ref):
    """An action the referential starts in 2015 is expected in 2015 and 2016 only; the actions
    after it in the referential are expected every year (actions.yaml: 22 actions, 2014-2016)."""
    import dataclasses

    later = ref.actions["II_3.1.3"].model_copy(update={"annees": [2015, 2016]})
    changed = dataclasses.replace(ref, actions={**ref.actions, "II_3.1.3": later})
    comp = consolidate(collection([]), changed, [2014, 2015, 2016]).tables["completude"]
    assert len(comp) == len(ref.actions) * 3 - 1
    assert list(comp[comp["code_action"] == "II_3.1.3"]["annee"]) == [2015, 2016]
    assert list(comp[comp["code_action"] == "III_2.1.5"]["annee"]) == [2014, 2015, 2016]
    assert set(comp[comp["code_action"].str.startswith("II_")]["axe"]) == {"II"}
    assert set(comp[comp["code_action"] == "ANIM"]["axe"]) == {"transversal"}


def test_completeness_of_a_year_no_action_runs(ref):
    """No action of the referential runs in 2013: nothing is expected, every count is 0 and
    no rate is given (never a division by zero, never 0 %)."""
    from cess_cli.consolidation.completeness import completeness, missing_bilans

    df, summary = completeness(collection([]), ref, [2013])
    assert len(df) == 0 and summary["attendus"] == 0
    assert all(summary[k] == 0 for k in ("recu", "valide", "manquant", "valide_premiere"))
    assert summary["taux_valide"] is None and summary["taux_recu"] is None
    assert missing_bilans(collection([]), ref, [2013]) == []


def test_a_missing_bilan_is_named_by_its_action_and_year(ref):
    from cess_cli.consolidation.completeness import missing_bilans

    found = missing_bilans(collection([]), ref, [2015])
    assert len(found) == len(ref.actions)
    first = found[0]
    assert first.message == "Bilan ANIM 2015 attendu mais non reçu."
    assert (first.file, first.sheet, first.cell) == ("bilan_ANIM_2015.xlsx", None, None)


def test_each_file_that_does_not_count_says_why_in_anomalies(ref):
    """The Anomalies line of each kind of file that does not count, word for word: a version
    without a number is version 1, a copy names its original (or « non identifié »)."""
    from cess_cli.consolidation.sources import not_counted

    from .synthetic import unreadable

    original = bilan("ANIM", 2015, {"evenements": 1}, version=None, file="anim.xlsx")
    items = [
        original,
        copy_of(original, "anim - Copie.xlsx"),
        bilan("ANIM", 2015, {"evenements": 2}, version=2, file="anim_v2.xlsx"),
        bilan("I_1.1.1", 2015, {}, valid=False, file="i.xlsx"),
    ]
    lost, its_copy = unreadable("x.xlsx"), unreadable("x - Copie.xlsx")
    its_copy.sha256 = lost.sha256
    notes = unreadable("notes.txt")  # not a spreadsheet: its own finding says why
    notes.statut = "ignoré"
    notes.findings = [
        Finding("fichier.ignore", Severity.AVERTISSEMENT, "notes.txt", None, None, "Fichier ignoré : texte.", ""),
        Finding("fichier.autre", Severity.AVERTISSEMENT, "notes.txt", None, None, "Second constat.", ""),
    ]
    coll = collection(items, [lost, its_copy, notes])
    assert [f.message for f in not_counted(coll.sources)] == [
        "Version 1 du bilan ANIM 2015 remplacée par la version 2 (anim_v2.xlsx) : non comptée.",
        "Copie identique de « anim.xlsx » (ANIM 2015) : pas un nouvel envoi, non comptée en plus.",
        "Bilan I_1.1.1 2015 invalide (1 erreur) : non compté. Première erreur : x",
        "Fichier non identifié (action ou année absente ou illisible) : non compté. Le fichier est incomplet.",
        "Copie identique de « x.xlsx » (non identifié) : pas un nouvel envoi, non comptée en plus.",
        "Fichier ignoré : texte.",
    ]
    # what counts, by year
    two_years = collection([bilan("ANIM", 2014, {"evenements": 1}), bilan("ANIM", 2015, {"evenements": 2})])
    assert [b.annee for b in two_years.retained([2015])] == [2015]
    assert [b.annee for b in two_years.retained()] == [2014, 2015]


def test_a_bilan_without_a_version_is_a_version_1_and_counts_alone(ref):
    """A file that gives no version is version 1: alone for its action-year it counts; beside
    a version 2 it is superseded; beside another version 1 they conflict."""
    alone = collection([bilan("ANIM", 2015, {"evenements": 1}, version=None, file="anim.xlsx")])
    assert [(s.raison, s.retenu, s.motif) for s in alone.sources] == [("retenu", True, "retenu")]
    assert not alone.conflicts
    pair = collection(
        [
            bilan("ANIM", 2015, {"evenements": 1}, version=None, file="a.xlsx"),
            bilan("ANIM", 2015, {"evenements": 2}, file="b.xlsx"),
        ]
    )
    assert [s.raison for s in pair.sources] == ["conflit", "conflit"]


def test_a_version_superseded_by_conflicting_versions_says_so_and_the_conflict_names_both(ref):
    """Version 1, then two different versions 2: nothing counts; the version 1 names both
    versions 2 and says they conflict; each version 2 gets an error finding naming the
    action, the version and both files, word for word, with no sheet nor cell."""
    coll = collection(
        [
            bilan("ANIM", 2015, {"evenements": 1}, file="anim_v1.xlsx"),
            bilan("ANIM", 2015, {"evenements": 2}, version=2, file="b.xlsx"),
            bilan("ANIM", 2015, {"evenements": 3}, version=2, file="a.xlsx"),
        ]
    )
    v1, b, a = coll.sources
    assert (v1.raison, v1.retenu, b.retenu, a.retenu) == ("remplace", False, False, False)
    assert v1.motif == "remplacé par la version 2 (a.xlsx, b.xlsx) : versions en conflit"
    assert v1.remplace_par == "2 (a.xlsx, b.xlsx)"
    assert b.motif == "conflit : même version 2 que a.xlsx ; aucun n'est compté"  # never itself
    assert [(f.code, f.file, f.sheet, f.cell) for f in coll.conflicts] == [
        ("bilan.conflit", "a.xlsx", None, None),
        ("bilan.conflit", "b.xlsx", None, None),
    ]
    assert coll.conflicts[0].message == (
        "Même action ANIM, même année et même version 2 que b.xlsx, avec un contenu différent : "
        "aucun de ces bilans n'est compté."
    )
    assert coll.conflicts[1].message.startswith("Même action ANIM, même année et même version 2 que a.xlsx,")


def test_an_unidentified_file_without_an_error_still_says_it_does_not_count(ref):
    """A file whose action or year could not be read gets its Anomalies line even when
    none of its own findings is an error (the line then ends with the reason)."""
    from cess_cli.consolidation.sources import not_counted

    from .synthetic import unreadable

    odd = unreadable("odd.xlsx")
    odd.findings = [Finding("x.avert", Severity.AVERTISSEMENT, "odd.xlsx", None, None, "Un avertissement.", "")]
    [line] = not_counted(collection([], [odd]).sources)
    assert (line.code, line.file) == ("bilan.non_identifie", "odd.xlsx")
    assert line.message == "Fichier non identifié (action ou année absente ou illisible) : non compté."


def test_files_refused_unread_or_ignored_are_never_copies_of_one_another(ref):
    """Two files refused before being read (no SHA-256: too large, unreadable) are two
    files, each not identified; two identical files that are not spreadsheets are each
    ignored with their own finding, never « copie » of one another."""
    from .synthetic import unreadable

    big, huge = unreadable("big.xlsx"), unreadable("huge.xlsx")
    big.sha256 = huge.sha256 = None
    notes, its_copy = unreadable("notes.txt"), unreadable("notes - Copie.txt")
    for s in (notes, its_copy):
        s.statut, s.sha256 = "ignoré", "same"
        s.findings = [
            Finding("fichier.ignore", Severity.AVERTISSEMENT, s.file, None, None, "Fichier ignoré : texte.", "")
        ]
    bare = unreadable("bare.txt")  # ignored without a finding of its own
    bare.statut, bare.findings = "ignoré", []
    coll = collection([], [big, huge, notes, its_copy, bare])
    assert [(s.raison, s.copie_de) for s in coll.sources] == [
        ("non_identifie", None),
        ("non_identifie", None),
        ("ignore", None),
        ("ignore", None),
        ("ignore", None),
    ]
    assert [s.motif for s in coll.sources[2:]] == ["ignoré : texte.", "ignoré : texte.", "ignoré"]
    assert big.motif == "non identifié (action ou année absente ou illisible) : non compté"


def test_a_file_with_its_action_but_not_its_year_or_the_reverse_is_not_identified(ref):
    """Half an identification is none: the action without the year (or the year without the
    action) does not count, whether valid or not, and says why."""
    no_year, _ = bilan("ANIM", 2015, {"evenements": 1}, file="sans_annee.xlsx")
    no_action, _ = bilan("ANIM", 2015, {"evenements": 1}, file="sans_action.xlsx")
    no_year.annee, no_action.action = None, None
    coll = collection([], [no_year, no_action])
    assert [(s.raison, s.retenu) for s in coll.sources] == [("non_identifie", False)] * 2
    assert {s.motif for s in coll.sources} == {"non identifié (action ou année absente ou illisible) : non compté"}


def test_a_file_whose_sheets_are_another_actions_is_named_as_the_odd_one_of_its_conflict(ref, tmp_path):
    """The bilan of III_1.1.3 coded III_1.1.4 claims III_1.1.4 2015 version 1 as its code says
    (cess never chooses between two files claiming one version): both conflict, but the valid
    bilan's line names the odd file, and the odd file's says it is the one to check."""
    make_bilan(ref, tmp_path, "III_1.1.4", 2015)
    make_bilan(ref, tmp_path, name="odd.xlsx", edit=lambda wb: set_ident(wb, "code_action", "III_1.1.4"))
    coll = collect([tmp_path], ref)
    by_name = {s.name: s for s in coll.sources}
    good, odd = by_name["bilan_III_1.1.4_2015.xlsx"], by_name["odd.xlsx"]
    assert (good.raison, odd.raison) == ("conflit", "conflit")
    assert good.motif == (
        "conflit : même version 1 que odd.xlsx (son code action, Identification!C2, est contredit par ses "
        "feuilles : c'est lui qu'il faut vérifier) ; aucun n'est compté"
    )
    assert odd.motif == (
        "conflit : même version 1 que bilan_III_1.1.4_2015.xlsx ; aucun n'est compté ; ce fichier est celui à "
        "vérifier : son code action (Identification!C2) est contredit par ses feuilles"
    )
    hints = {f.file.rsplit("/", 1)[-1]: f.hint for f in coll.conflicts}
    assert hints["odd.xlsx"].startswith("Ce fichier est celui à vérifier : son code action (Identification!C2)")
    assert hints["bilan_III_1.1.4_2015.xlsx"].startswith("Demandez au porteur lequel est le bon")


def test_files_read_but_outside_the_contract_are_named_for_what_they_are(ref, tmp_path):
    """A bilan of 2013 (its year read) and one of an unknown action are « invalide », never
    « illisible »: the 2013 one keeps its year (Sources' Année column) and is listed in every
    consolidation of the contract, each with its own motif and anomaly kind."""
    from cess_cli.outputs.labels import anomaly_kind

    make_bilan(ref, tmp_path, "III_1.2", 2015, name="b2013.xlsx", edit=lambda wb: set_ident(wb, "annee", 2013))
    make_bilan(ref, tmp_path, name="inconnue.xlsx", edit=lambda wb: set_ident(wb, "code_action", "III_1.1.6"))
    (tmp_path / "casse.xlsx").write_bytes(b"PK\x03\x04 pas un classeur")
    coll = collect([tmp_path], ref)
    by_name = {s.name: s for s in coll.sources}
    old, unknown, broken = by_name["b2013.xlsx"], by_name["inconnue.xlsx"], by_name["casse.xlsx"]
    assert (old.statut, old.action, old.annee, old.raison, old.retenu) == (
        "invalide",
        "III_1.2",
        2013,
        "hors_contrat",
        False,
    )
    assert old.motif == "année 2013 hors du contrat : non compté"
    assert (unknown.statut, unknown.action, unknown.annee, unknown.raison) == (
        "invalide",
        None,
        None,
        "action_inconnue",
    )
    assert unknown.motif == "action inconnue du contrat : non compté"
    assert (broken.statut, broken.raison) == ("illisible", "non_identifie")  # truly unread
    ev = consolidate(coll, ref, [2015])
    assert {s.name for s in ev.sources} >= {"b2013.xlsx", "inconnue.xlsx", "casse.xlsx"}
    line = next(f for f in ev.anomalies if f.file.endswith("b2013.xlsx"))
    assert (line.code, line.sheet, line.cell) == ("bilan.hors_contrat", "Identification", "C3")
    assert line.message == "Bilan III_1.2 2013, non compté. Année 2013 hors de la période du contrat (2014-2016)."
    assert anomaly_kind(line.code) == "Bilan d'une année hors du contrat, non compté"
    unknown_line = next(f for f in ev.anomalies if f.file.endswith("inconnue.xlsx"))
    assert (unknown_line.code, unknown_line.sheet, unknown_line.cell) == (
        "bilan.action_inconnue",
        "Identification",
        "C2",
    )
    assert anomaly_kind(unknown_line.code) == "Fichier d'une action inconnue du contrat, non compté"
