"""One test per validation rule: each asserts the finding's code, sheet and cell."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl.workbook import Workbook

from cess_cli.checking.validate import read_bilan, validate_workbook
from cess_cli.findings import Severity
from cess_cli.pipeline import validate_paths
from cess_cli.referential.loading import load_referential

from ..helpers import FILLED_III_1_1_3, make_bilan, schemas_with_inactive_year, set_ident, set_ind, set_rows

FAR = "indicateur.ecart_cible"  # values chosen for another check may lie far from target: tests of their own


def findings(ref, path: Path) -> list[tuple[str, str | None, str | None]]:
    return [(f.code, f.sheet, f.cell) for f in validate_workbook(path, ref).findings if f.code != FAR]


def test_valid_bilan_has_no_finding(ref, tmp_path):
    path = make_bilan(ref, tmp_path)
    result, bilan = read_bilan(path, ref)
    assert result.findings == []
    assert bilan is not None
    assert bilan.valeurs == FILLED_III_1_1_3
    assert bilan.cellules["structures_accompagnees"] == "Indicateurs!E4"


def _blank_required(wb: Workbook) -> None:
    set_ind(wb, "entreprises_reprises", None)


def _declared_zero(wb: Workbook) -> None:
    set_ind(wb, "entreprises_reprises", 0)
    wb["Territoires"]["C2"] = 30


CASES = {
    "required blank": (_blank_required, ("indicateur.manquant", "Indicateurs", "E2")),
    "non-integer count": (
        lambda wb: set_ind(wb, "entreprises_reprises", 8.5),
        ("valeur.non_entiere", "Indicateurs", "E2"),
    ),
    "negative value": (lambda wb: set_ind(wb, "emplois_consolides", -3), ("valeur.negative", "Indicateurs", "E3")),
    "text not a number": (
        lambda wb: set_ind(wb, "evenements", "beaucoup"),
        ("valeur.non_numerique", "Indicateurs", "E5"),
    ),
    "ambiguous number": (lambda wb: set_ind(wb, "evenements", "1.234"), ("nombre.ambigu", "Indicateurs", "E5")),
    "formula without cached value": (
        lambda wb: set_ind(wb, "evenements", "=6+6"),
        ("formule.sans_valeur", "Indicateurs", "E5"),
    ),
    "excel error cell": (lambda wb: set_ind(wb, "evenements", "#DIV/0!"), ("valeur.erreur_excel", "Indicateurs", "E5")),
    "excel error in required cell": (
        lambda wb: set_ind(wb, "emplois_consolides", "#N/A"),
        ("valeur.erreur_excel", "Indicateurs", "E3"),
    ),
    "formula without value, required": (
        lambda wb: set_ind(wb, "emplois_consolides", "=1+1"),
        ("formule.sans_valeur", "Indicateurs", "E3"),
    ),
    "unknown action": (lambda wb: set_ident(wb, "code_action", "IV_9.9"), ("action.inconnue", "Identification", "C2")),
    "blank action": (
        lambda wb: set_ident(wb, "code_action", None),
        ("identification.manquant", "Identification", "C2"),
    ),
    "year outside contract": (lambda wb: set_ident(wb, "annee", 2013), ("annee.hors_contrat", "Identification", "C3")),
    "blank porteur": (lambda wb: set_ident(wb, "porteur", None), ("identification.manquant", "Identification", "C4")),
    "bad siret": (
        lambda wb: set_ident(wb, "siret", "73282932000075"),
        ("identification.siret_invalide", "Identification", "C5"),
    ),
    "short siret": (
        lambda wb: set_ident(wb, "siret", "7328293200"),
        ("identification.siret_invalide", "Identification", "C5"),
    ),
    "bad email": (
        lambda wb: set_ident(wb, "contact_email", "camille.example.org"),
        ("identification.email_invalide", "Identification", "C7"),
    ),
    "future date": (
        lambda wb: set_ident(wb, "date_transmission", dt.datetime(2099, 1, 1)),
        ("identification.date_future", "Identification", "C8"),
    ),
    "date before the bilan's year": (
        lambda wb: set_ident(wb, "date_transmission", dt.datetime(2014, 6, 1)),
        ("identification.date_anterieure", "Identification", "C8"),
    ),
    "a year typed in the date cell": (  # 2016 as a date is 08/07/1905
        lambda wb: set_ident(wb, "date_transmission", 2016),
        ("identification.date_anterieure", "Identification", "C8"),
    ),
    "unreadable date": (
        lambda wb: set_ident(wb, "date_transmission", "bientôt"),
        ("date.invalide", "Identification", "C8"),
    ),
    "bad version": (
        lambda wb: set_ident(wb, "version", 0),
        ("identification.version_invalide", "Identification", "C9"),
    ),
    "unknown indicator": (
        lambda wb: wb["Indicateurs"].cell(row=6, column=1, value="chiffre_affaires"),
        ("indicateur.inconnu", "Indicateurs", "A6"),
    ),
    "duplicate indicator": (
        lambda wb: wb["Indicateurs"].cell(row=6, column=1, value="evenements"),
        ("indicateur.duplique", "Indicateurs", "A6"),
    ),
    "unknown funder": (
        lambda wb: wb["Financements"].cell(row=2, column=1, value="MECENE"),
        ("financeur.inconnu", "Financements", "A2"),
    ),
    "duplicate funder": (
        lambda wb: [wb["Financements"].cell(row=3, column=c, value=v) for c, v in ((1, "REGION"), (3, 5))],
        ("financeur.duplique", "Financements", "A3"),
    ),
    "negative amount": (
        lambda wb: wb["Financements"].cell(row=2, column=3, value=-10),
        ("valeur.negative", "Financements", "C2"),
    ),
    "unknown departement": (
        lambda wb: wb["Territoires"].cell(row=2, column=1, value="75"),
        ("departement.inconnu", "Territoires", "A2"),
    ),
    "non-territorial indicator": (
        lambda wb: [
            wb["Territoires"].cell(row=3, column=c, value=v) for c, v in ((1, "38"), (2, "evenements"), (3, 1))
        ],
        ("territoire.indicateur_inconnu", "Territoires", "B3"),
    ),
    "territories do not sum": (
        lambda wb: wb["Territoires"].cell(row=2, column=3, value=29),
        ("territoire.somme", "Indicateurs", "E4"),
    ),
    "qpv above value": (
        lambda wb: wb["Territoires"].cell(row=2, column=4, value=31),
        ("territoire.qpv_superieur", "Territoires", "D2"),
    ),
    "zrr above value": (
        lambda wb: wb["Territoires"].cell(row=2, column=5, value=31),
        ("territoire.zrr_superieur", "Territoires", "E2"),
    ),
    "duplicate territory row": (
        lambda wb: [
            wb["Territoires"].cell(row=3, column=c, value=v)
            for c, v in ((1, "69"), (2, "structures_accompagnees"), (3, 0))
        ],
        ("territoire.duplique", "Territoires", "A3"),
    ),
    "missing column": (
        lambda wb: wb["Indicateurs"].cell(row=1, column=5, value="valeurs"),
        ("colonne.manquante", "Indicateurs", "E1"),
    ),
    "blank realisations": (
        lambda wb: setattr(wb["Bilan qualitatif"]["B2"], "value", None),
        ("qualitatif.manquant", "Bilan qualitatif", "B2"),
    ),
    "missing sheet": (lambda wb: wb.remove(wb["Territoires"]), ("feuille.manquante", "Territoires", None)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_rule(ref, tmp_path, case):
    edit, expected = CASES[case]
    path = make_bilan(ref, tmp_path, edit=edit)
    got = findings(ref, path)
    assert got == [expected]
    result = validate_workbook(path, ref)
    assert not result.valid
    finding = next(f for f in result.findings if (f.code, f.sheet, f.cell) == expected)
    assert finding.severity is Severity.ERREUR
    assert finding.message and finding.file == str(path)
    assert "2\u202f01" not in finding.message  # a year is written 2013, never as the number « 2 013 »


def test_a_bilan_sent_on_the_first_day_of_its_year_is_accepted(ref, tmp_path):
    path = make_bilan(ref, tmp_path, edit=lambda wb: set_ident(wb, "date_transmission", dt.datetime(2015, 1, 1)))
    assert findings(ref, path) == []
    late = make_bilan(
        ref, tmp_path, name="b.xlsx", edit=lambda wb: set_ident(wb, "date_transmission", dt.datetime(2014, 12, 31))
    )
    [finding] = validate_workbook(late, ref).findings
    assert "(au plus tôt le 01/01/2015)" in finding.message


def test_declared_zero_is_a_value(ref, tmp_path):
    path = make_bilan(ref, tmp_path, edit=_declared_zero)
    assert findings(ref, path) == []


def test_renamed_sheet_hint_names_it(ref, tmp_path):
    def rename(wb: Workbook) -> None:
        wb["Financements"].title = "Financement 2015"

    result = validate_workbook(make_bilan(ref, tmp_path, edit=rename), ref)
    [finding] = result.findings
    assert (finding.code, finding.sheet) == ("feuille.manquante", "Financements")
    assert "Financement 2015" in finding.hint


def test_sheet_names_match_without_case_accents_or_spaces(ref, tmp_path):
    def rename(wb: Workbook) -> None:
        wb["Bilan qualitatif"].title = "  BILAN QUALITATÏF "
        wb["Identification"].title = " IDENTIFICATIÔN"

    assert findings(ref, make_bilan(ref, tmp_path, edit=rename)) == []


def test_unknown_model_version_is_one_finding(ref, tmp_path):
    def old(wb: Workbook) -> None:
        set_ident(wb, "version_modele", "0")
        set_ind(wb, "evenements", "n'importe quoi")

    assert findings(ref, make_bilan(ref, tmp_path, edit=old)) == [("modele.version_inconnue", "Identification", "C10")]


def test_year_where_action_is_inactive(ref, tmp_path):
    narrow = load_referential(schemas_with_inactive_year(tmp_path, "III_1.1.3", 2015))
    path = make_bilan(ref, tmp_path, year=2015)
    assert ("annee.action_inactive", "Identification", "C3") in findings(narrow, path)


def test_cumul_required_in_final_year(ref, tmp_path):
    path = make_bilan(ref, tmp_path, year=2016, edit=lambda wb: set_ind(wb, "evenements", None, column=6))
    assert findings(ref, path) == [("cumul.manquant", "Indicateurs", "F5")]
    [finding] = validate_workbook(path, ref).findings
    assert finding.message.endswith("dans le bilan de la dernière année (2016).")  # a year, not « 2 016 »


def test_cross_indicator_rule(ref, tmp_path):
    path = make_bilan(
        ref, tmp_path, action="II_2.1.2", values={"sorties_emploi_durable": 200, "personnes_en_parcours": 180}
    )
    got = [f for f in validate_workbook(path, ref).findings if f.code != FAR]
    assert [(f.code, f.sheet, f.cell, f.severity) for f in got] == [
        ("regle.sorties_parcours", "Indicateurs", "E3", Severity.ERREUR)
    ]
    assert "200" in got[0].message and "180" in got[0].message


def test_warning_rule_does_not_block(ref, tmp_path):
    path = make_bilan(ref, tmp_path, action="III_1.1.1", values={"entreprises_creees": 150})
    result = validate_workbook(path, ref)
    assert [(f.code, f.severity) for f in result.findings if f.code != FAR] == [
        ("regle.creations_accompagnees", Severity.AVERTISSEMENT)
    ]
    assert result.valid


# name -> (edit, the one warning (code, sheet, cell), what the bilan holds, its expected value)
WARNINGS = {
    "french text number": (
        lambda wb: wb["Financements"].cell(row=2, column=3, value="78 000,00"),
        ("nombre.texte", "Financements", "C2"),
        lambda b: b.financements[0][2],
        78000,
    ),
    "non-breaking spaces": (
        lambda wb: set_ind(wb, "emplois_consolides", "1\u00a0180"),
        ("nombre.texte", "Indicateurs", "E3"),
        lambda b: b.valeurs["emplois_consolides"],
        1180,
    ),
    "narrow spaces and comma": (
        lambda wb: set_ind(wb, "emplois_consolides", "1\u202f180,5"),
        ("nombre.texte", "Indicateurs", "E3"),
        lambda b: b.valeurs["emplois_consolides"],
        1180.5,
    ),
    "departement 1 for 01": (
        lambda wb: wb["Territoires"].cell(row=2, column=1, value=1),
        ("departement.format", "Territoires", "A2"),
        lambda b: [t[:3] for t in b.territoires],
        [("01", "structures_accompagnees", 30)],
    ),
    "date as text": (
        lambda wb: set_ident(wb, "date_transmission", "31/12/2015"),
        ("date.texte", "Identification", "C8"),
        lambda b: b.date_transmission,
        dt.date(2015, 12, 31),
    ),
    "late transmission": (
        lambda wb: set_ident(wb, "date_transmission", dt.datetime(2016, 5, 2)),
        ("transmission.retard", "Identification", "C8"),
        lambda b: b.date_transmission,
        dt.date(2016, 5, 2),
    ),
    "unknown identification key": (
        lambda wb: wb["Identification"].cell(row=11, column=1, value="telephone"),
        ("identification.cle_inconnue", "Identification", "A11"),
        lambda b: (b.porteur, b.version, b.valeurs["evenements"]),
        ("Union régionale des Scop", 1, 12),
    ),
}


@pytest.mark.parametrize("case", list(WARNINGS))
def test_accepted_with_warning(ref, tmp_path, case):
    edit, expected, read, value = WARNINGS[case]
    result, bilan = read_bilan(make_bilan(ref, tmp_path, edit=edit), ref)
    found = [f for f in result.findings if f.code != FAR]
    assert [(f.code, f.sheet, f.cell) for f in found] == [expected]
    assert found[0].severity is Severity.AVERTISSEMENT
    assert result.valid and bilan is not None
    assert read(bilan) == value


def test_french_text_values_are_read_as_meant(ref, tmp_path):
    def edit(wb: Workbook) -> None:
        set_ind(wb, "emplois_consolides", "1\u202f180,5")
        wb["Financements"]["C2"] = "78 000,50"

    result, bilan = read_bilan(make_bilan(ref, tmp_path, edit=edit), ref)
    assert result.valid and bilan is not None
    assert bilan.valeurs["emplois_consolides"] == 1180.5
    assert bilan.financements[0][2] == 78000.5


def test_formula_with_cached_value_is_accepted(ref):
    fixture = Path(__file__).parents[1] / "fixtures" / "libreoffice_valide.xlsx"
    result, bilan = read_bilan(fixture, ref)
    assert result.findings == []
    assert bilan is not None
    assert bilan.financements[1][2] == 27000  # =B3*0.9, computed and saved by LibreOffice
    assert [t[2] for t in bilan.territoires] == [20, 8]


def test_libreoffice_file_with_mistakes(ref):
    fixture = Path(__file__).parents[1] / "fixtures" / "libreoffice_erreurs.xlsx"
    got = findings(ref, fixture)
    assert sorted(got) == [("indicateur.manquant", "Indicateurs", "E2"), ("nombre.ambigu", "Indicateurs", "E4")]


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_unreadable_files_each_give_one_finding_and_others_still_validate(ref, tmp_path):
    good = make_bilan(ref, tmp_path)
    raw = good.read_bytes()
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    files = {
        "vide.xlsx": (b"", "fichier.vide"),
        "tronque.xlsx": (raw[: len(raw) // 2], "fichier.tronque"),
        "chiffre.xlsx": (ole + "EncryptionInfo".encode("utf-16-le") + b"\0" * 64, "fichier.chiffre"),
        "ancien.xls": (ole + b"Workbook".ljust(64, b"\0"), "fichier.illisible"),
        "export.xlsx": (b"code;valeur\nparticipants;12\n", "fichier.pas_un_classeur"),
    }
    paths = [_write(tmp_path / name, data) for name, (data, _) in files.items()]
    report = validate_paths([*paths, good, tmp_path / "absent.xlsx"], ref)
    by_file = {Path(r.file).name: r for r in report.files}
    for name, (_, code) in files.items():
        assert [f.code for f in by_file[name].findings] == [code], name
        assert by_file[name].findings[0].hint
    assert [f.code for f in by_file["absent.xlsx"].findings] == ["fichier.introuvable"]
    assert by_file[good.name].valid and by_file[good.name].findings == []


def test_folder_is_walked_and_inputs_untouched(ref, tmp_path):
    import hashlib

    sub = tmp_path / "2015"
    sub.mkdir()
    a = make_bilan(ref, sub)
    b = make_bilan(ref, tmp_path, action="ANIM", year=2014)
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (a, b)}
    report = validate_paths([tmp_path], ref)
    assert sorted(Path(r.file).name for r in report.files) == sorted([a.name, b.name])
    assert before == {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (a, b)}


def test_flatten(ref, tmp_path):
    path = make_bilan(ref, tmp_path, edit=lambda wb: set_ind(wb, "evenements", -1))
    report = validate_paths([path], ref)
    assert report.flatten(["sheet", "cell", "code"]) == [["Indicateurs", "E5", "valeur.negative"]]


def test_findings_come_in_the_order_an_operator_reads_the_file(ref, tmp_path):
    # the model's findings (a missing value, an e-mail) used to come after the sheet checks'
    def edit(wb):
        set_ind(wb, "evenements", "douze")  # Indicateurs!E5, found while reading the sheet
        set_ind(wb, "emplois_consolides", None)  # Indicateurs!E3, found by the model
        set_ident(wb, "contact_email", "camille.example.org")  # Identification!C7, by the model

    got = [(f.sheet, f.cell) for f in validate_workbook(make_bilan(ref, tmp_path, edit=edit), ref).findings]
    assert got == [("Identification", "C7"), ("Indicateurs", "E3"), ("Indicateurs", "E5")]


def test_a_cumul_typed_before_the_last_year_is_said_to_be_ignored(ref, tmp_path):
    # III_1.1.3 runs 2014-2016: its 2015 bilan has no cumul to give; one typed there is not read
    path = make_bilan(ref, tmp_path, edit=lambda wb: set_ind(wb, "emplois_consolides", 500, column=6))
    result = validate_workbook(path, ref)
    [finding] = result.findings
    assert (finding.code, finding.sheet, finding.cell) == ("cumul.ignore", "Indicateurs", "F3")
    assert finding.severity is Severity.AVERTISSEMENT and result.valid
    assert "bilan 2015, qui n'est pas la dernière année de l'action (2016)" in finding.message


@pytest.mark.parametrize(
    "typed",
    [dt.datetime(2099, 3, 1), "01/03/2099", "2099-03-01", "1er mars 2099"],
    ids=["excel date", "typed JJ/MM/AAAA", "typed ISO", "in words"],
)
def test_a_future_date_is_shown_day_first(ref, tmp_path, typed):
    """Every date a user reads is JJ/MM/AAAA, whatever form the operator gave it in."""
    path = make_bilan(ref, tmp_path, edit=lambda wb: set_ident(wb, "date_transmission", typed))
    future = [f for f in validate_workbook(path, ref).findings if f.code == "identification.date_future"]
    today = dt.date.today().strftime("%d/%m/%Y")
    assert [f.message for f in future] == [
        f"La date de transmission 01/03/2099 est dans le futur (aujourd'hui : {today})."
    ]


def test_catalogue_fields_show_dates_day_first():
    from cess_cli.catalogue import make

    late = make("transmission.retard", "b.xlsx", trouve=dt.date(2016, 4, 2), attendu=dt.datetime(2016, 3, 31, 12))
    assert late.message == "Bilan transmis le 02/04/2016, après l'échéance du 31/03/2016."


def _code(code: str) -> Callable[[Workbook], None]:
    return lambda wb: set_ident(wb, "code_action", code)


def test_a_real_action_code_on_another_actions_sheets_is_one_finding_at_the_code(ref, tmp_path):
    """The bilan of III_1.1.3 with the code III_1.1.4 (another real action): one erreur at
    the code's cell naming the action the sheets are of, with its label, and none of the
    cascade (3 missing, 4 unknown indicators, an unknown territorial indicator)."""
    path = make_bilan(ref, tmp_path, edit=_code("III_1.1.4"))
    [finding] = validate_workbook(path, ref).findings
    assert (finding.code, finding.severity, finding.sheet, finding.cell) == (
        "action.feuilles_autre_action",
        Severity.ERREUR,
        "Identification",
        "C2",
    )
    assert finding.message == (
        "Le code action est III_1.1.4, mais les feuilles de ce bilan sont celles de l'action III_1.1.3 "
        "« Poursuivre le soutien à la reprise d'entreprise par les salariés » (indicateurs entreprises_reprises, "
        "emplois_consolides, structures_accompagnees, evenements) : le reste du bilan n'est pas vérifié."
    )
    assert "écrivez III_1.1.3 dans cette cellule" in finding.hint
    assert "le modèle de l'action III_1.1.4" in finding.hint


def _rows(*codes: str, action: str = "III_1.1.3") -> Callable[[Workbook], None]:
    """Indicateurs holds exactly these codes, each with the value 1, under the code `action`."""

    def edit(wb: Workbook) -> None:
        set_ident(wb, "code_action", action)
        set_rows(wb, "Indicateurs", [(code, None, None, None, 1) for code in codes])
        set_rows(wb, "Territoires", [])

    return edit


@pytest.mark.parametrize(
    "edit",
    [
        # III_1.1.3's own rows, two missing: a bilan that lacks rows is no other action's
        _rows("entreprises_reprises", "structures_accompagnees"),
        # one mistyped code beside III_1.1.3's rows
        _rows("entreprises_reprises", "emplois_consolides", "structures_acompagnees", "evenements"),
        # two rows foreign to III_1.1.4 and none of its own, but they fit several actions
        # (III_1.1.3, III_1.1.5, II_1.1…): cess does not guess
        _rows("evenements", "structures_accompagnees", action="III_1.1.4"),
        # III_1.1.3's rows plus two of III_1.1.4's: the sheet is no single other action's
        _rows(
            "entreprises_reprises", "emplois_consolides", "structures_accompagnees", "prets_honneur", "emplois_crees"
        ),
    ],
)
def test_rows_that_are_not_another_actions_sheets_keep_their_own_findings(ref, tmp_path, edit):
    codes = {f.code for f in validate_workbook(make_bilan(ref, tmp_path, edit=edit), ref).findings}
    assert "action.feuilles_autre_action" not in codes
    assert codes & {"indicateur.manquant", "indicateur.inconnu"}
