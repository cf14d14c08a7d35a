"""Generate the fictional sample bilans of `sample_reports/` (deterministic).

Every action and every year 2014-2016 gets a bilan filled from its template, with
figures drawn around the referential's targets by a seeded random generator.
On purpose, some bilans carry the mistakes operators really make, one
action-year is missing, and one bilan is resubmitted as version 2.

    python scripts/generate_samples.py [OUT_DIR] [--copies N]

All names, SIRET numbers, e-mail addresses and figures are fictional.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from stdnum import luhn

from cess_cli.outputs.template import template_filename, write_template
from cess_cli.referential.loading import Referential, load_referential

SEED = 20141218
FIXED_TIME = dt.datetime(2017, 4, 1, 12, 0, 0)
MISSING = ("III_2.1.5", 2016)
RESUBMITTED = ("III_1.1.3", 2015)
CUMUL_MISMATCH = ("III_1.1.1", 2016)
PORTEURS = {
    "ANIM": "CRESS Rhône-Alpes",
    "I_1.1.1": "Association Rhône-Alpes Solidaires",
    "I_1.1.2": "Collectif des Rencontres Solidaires",
    "I_1.2": "Réseau Jeunesse et ESS",
    "II_1.1": "Espace Régional de Dialogue Social",
    "II_2.1.1": "Filières Vertes Coopératives",
    "II_2.1.2": "Plateforme Emplois Verts et Blancs",
    "II_3.1.1": "Inter-PTCE Rhône-Alpes",
    "II_3.1.2": "Coopérer en Territoires",
    "II_3.1.3": "ESS Europe International",
    "III_1.1.1": "Parcours Création ESS",
    "III_1.1.2": "Incubateur Emergence Solidaire",
    "III_1.1.3": "Union régionale des Scop",
    "III_1.1.4": "Réseau des CAE de Rhône-Alpes",
    "III_1.1.5": "Finance Solidaire Rhône-Alpes",
    "III_1.2": "Achats Solidaires B2B",
    "III_2.1.1": "DLA régional Rhône-Alpes",
    "III_2.1.2": "Fonds Bénévoles Formation",
    "III_2.1.3": "Collectif VAE ESS",
    "III_2.1.4": "Culture et Entrepreneuriat",
    "III_2.1.5": "Mouvement associatif Rhône-Alpes",
}
DEPS = ["01", "07", "26", "38", "42", "69", "73", "74"]


def siret(rng: random.Random) -> str:
    siren = str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(7))
    siren += luhn.calc_check_digit(siren)
    nic = "0001"
    return siren + nic + luhn.calc_check_digit(siren + nic)


def slug(text: str) -> str:
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join(w for w in "".join(c if c.isalnum() else " " for c in ascii_text.lower()).split())[:30]


def figures(ref: Referential, rng: random.Random) -> dict[tuple[str, int], dict[str, Any]]:
    out: dict[tuple[str, int], dict[str, Any]] = {}
    for code, action in ref.actions.items():
        for year in action.annees:
            values: dict[str, Any] = {}
            for ia, ind in ref.typed_indicators(code):
                target = ia.cibles.get(year, 0)
                x = target * rng.uniform(0.7, 1.25)
                values[ia.code] = round(x) if ind.unite == "nombre" else round(x, 1)
            if "sorties_emploi_durable" in values and "personnes_en_parcours" in values:
                values["sorties_emploi_durable"] = min(
                    values["sorties_emploi_durable"], values["personnes_en_parcours"]
                )
            if "personnes_formees" in values and "personnes_en_parcours" in values:
                values["personnes_formees"] = min(values["personnes_formees"], values["personnes_en_parcours"])
            out[(code, year)] = values
    return out


def split(total: float, parts: int, rng: random.Random, integer: bool) -> list[float]:
    if total == 0:
        return []
    weights = [rng.uniform(1, 3) for _ in range(parts)]
    s = sum(weights)
    shares = [total * w / s for w in weights]
    shares = [round(x) if integer else round(x, 1) for x in shares]
    shares[-1] = round(total - sum(shares[:-1]), 0 if integer else 1)
    if integer:
        shares = [int(x) for x in shares]
    return [x for x in shares if x > 0] if all(x >= 0 for x in shares) else [total]


def fill(
    ref: Referential, path: Path, code: str, year: int, values: dict[str, Any], rng: random.Random, all_values: dict
) -> None:
    action = ref.actions[code]
    wb = load_workbook(path)
    ws = wb["Identification"]
    porteur = PORTEURS.get(code, f"Porteur {code}")
    month = rng.choice([1, 2, 2, 3, 3, 3])
    day = rng.randint(1, 28)
    ident = {
        "porteur": porteur,
        "siret": siret(rng),
        "contact_nom": rng.choice(["Camille Martin", "Nadia Benali", "Luc Perrin", "Sophie Giraud", "Hugo Faure"]),
        "contact_email": f"contact@{slug(porteur)}.example.org",
        "date_transmission": dt.datetime(year + 1, month, day),
    }
    for row in ws.iter_rows(min_row=2):
        if row[0].value in ident:
            row[2].value = ident[row[0].value]
    ws = wb["Indicateurs"]
    final = year == max(action.annees)
    for row in ws.iter_rows(min_row=2):
        ind_code = row[0].value
        if ind_code not in values:
            continue
        row[4].value = values[ind_code]
        if final:
            ind = ref.indicateurs[ind_code]
            series = [all_values[(code, y)][ind_code] for y in action.annees]
            cumul = series[-1] if ind.nature == "stock" else sum(series)
            row[5].value = round(cumul, 1) if isinstance(cumul, float) else cumul
    ws = wb["Financements"]
    envelope = rng.randint(40, 160) * 1000
    lines = [("REGION", envelope), (rng.choice(["ETAT", "CDC"]), envelope // 2)]
    if rng.random() < 0.5:
        lines.append((rng.choice(list(ref.collectivites)), envelope // 5))
    lines.append(("AUTOFINANCEMENT", envelope // 4))
    for r, (funder, amount) in enumerate(lines, start=2):
        ws.cell(row=r, column=1, value=funder)
        ws.cell(row=r, column=2, value=amount)
        ws.cell(row=r, column=3, value=round(amount * rng.uniform(0.85, 1.0)))
    ws = wb["Territoires"]
    r = 2
    for ia, ind in ref.typed_indicators(code):
        if not ind.territorial or ia.code not in values:
            continue
        deps = sorted(rng.sample(DEPS, rng.randint(2, 4)))
        parts = split(values[ia.code], len(deps), rng, ind.unite == "nombre")
        for dep, part in zip(deps, parts, strict=False):
            ws.cell(row=r, column=1, value=dep)
            ws.cell(row=r, column=2, value=ia.code)
            ws.cell(row=r, column=3, value=part)
            qpv = int(part * rng.uniform(0, 0.3)) if ind.unite == "nombre" else round(part * 0.2, 1)
            ws.cell(row=r, column=4, value=qpv)
            ws.cell(row=r, column=5, value=int(part * rng.uniform(0, 0.2)) if ind.unite == "nombre" else 0)
            r += 1
    ws = wb["Bilan qualitatif"]
    ws["B2"] = f"{porteur} a conduit en {year} le programme prévu pour l'action {code} : {action.libelle.lower()}."
    ws["B3"] = "Les objectifs de l'année sont globalement atteints."
    ws["B4"] = (
        rng.choice(["Mobilisation inégale selon les territoires.", "Calendrier de financement tardif.", ""]) or None
    )
    ws["B5"] = "Poursuite et consolidation de l'action l'an prochain."
    _stamp(wb)
    wb.save(path)


def _stamp(wb: Any) -> None:
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.creator = "cess (données fictives)"


def _cell(wb: Any, sheet: str, key: str, col: int = 3) -> Any:
    ws = wb[sheet]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == key:
            return row[col - 1]
    raise KeyError(key)


def mistakes(out: Path) -> None:
    """Alter some bilans with the mistakes operators really make."""

    def edit(name: str, fn: Any) -> None:
        path = out / name
        wb = load_workbook(path)
        fn(wb)
        _stamp(wb)
        wb.save(path)

    # 1. A required indicator left blank (a blank is not a zero).
    edit("bilan_I_1.2_2014.xlsx", lambda wb: setattr(_cell(wb, "Indicateurs", "jeunes_sensibilises", 5), "value", None))

    # 2. Territories that do not add up, and a département typed as 1 (warning).
    def territories(wb: Any) -> None:
        ws = wb["Territoires"]
        ws["C2"] = ws["C2"].value + 7
        ws["A3"] = 1

    edit("bilan_III_1.1.2_2015.xlsx", territories)

    # 3. An e-mail without @ and a SIRET with a wrong check digit.
    def contact(wb: Any) -> None:
        _cell(wb, "Identification", "contact_email").value = "contact.cooperer-territoires.example.org"
        cell = _cell(wb, "Identification", "siret")
        digits = str(cell.value)
        cell.value = digits[:-1] + str((int(digits[-1]) + 1) % 10)

    edit("bilan_II_3.1.2_2014.xlsx", contact)

    # 4. An ambiguous number (1.234) and French-formatted text numbers (warnings).
    def numbers(wb: Any) -> None:
        _cell(wb, "Indicateurs", "personnes_formees", 5).value = "1.234"
        wb["Financements"]["C2"] = "45 300,50"
        _cell(wb, "Identification", "date_transmission").value = "28/02/2017"

    edit("bilan_III_2.1.2_2016.xlsx", numbers)

    # 5. More people leaving to a job than people in the programme (rule), and a negative count.
    def rule(wb: Any) -> None:
        parcours = _cell(wb, "Indicateurs", "personnes_en_parcours", 5).value
        _cell(wb, "Indicateurs", "sorties_emploi_durable", 5).value = parcours + 12
        _cell(wb, "Indicateurs", "personnes_formees", 5).value = -3

    edit("bilan_II_2.1.2_2015.xlsx", rule)

    # 6. A renamed sheet and an unknown funder code.
    def renamed(wb: Any) -> None:
        wb["Financements"].title = "Financement 2016"

    edit("bilan_II_1.1_2016.xlsx", renamed)

    def funder(wb: Any) -> None:
        wb["Financements"]["A3"] = "CONSEIL_DEPARTEMENTAL"

    edit("bilan_III_1.2_2016.xlsx", funder)

    # 7. Numbers typed as French text and a date typed as text: accepted with warnings.
    def text_numbers(wb: Any) -> None:
        cell = _cell(wb, "Indicateurs", "participants", 5)
        cell.value = f"{cell.value:,}".replace(",", "\u00a0")
        _cell(wb, "Identification", "date_transmission").value = "15/02/2016"

    edit("bilan_I_1.1.2_2015.xlsx", text_numbers)

    # 8. A non-integer count in version 1 of a bilan later resubmitted as version 2.
    edit(
        "bilan_III_1.1.3_2015.xlsx",
        lambda wb: setattr(_cell(wb, "Indicateurs", "entreprises_reprises", 5), "value", 8.5),
    )

    # 9. A final-year cumulative figure that does not match the earlier bilans (warning at consolidation).
    def cumul(wb: Any) -> None:
        cell = _cell(wb, "Indicateurs", "entreprises_creees", 6)
        cell.value = cell.value + 10

    edit(f"bilan_{CUMUL_MISMATCH[0]}_{CUMUL_MISMATCH[1]}.xlsx", cumul)


def generate(out: Path, ref: Referential, copies: int = 1) -> list[Path]:
    rng = random.Random(SEED)
    all_values = figures(ref, rng)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for (code, year), values in all_values.items():
        if (code, year) == MISSING:
            continue
        path = out / template_filename(code, year)
        write_template(ref, code, year, path)
        fill(ref, path, code, year, values, rng, all_values)
        written.append(path)
    code, year = RESUBMITTED
    v2 = out / f"bilan_{code}_{year}_v2.xlsx"
    shutil.copyfile(out / template_filename(code, year), v2)
    wb = load_workbook(v2)
    _cell(wb, "Identification", "version").value = 2
    _cell(wb, "Identification", "date_transmission").value = dt.datetime(year + 1, 4, 12)
    _stamp(wb)
    wb.save(v2)
    written.append(v2)
    mistakes(out)
    for i in range(1, copies):
        for path in list(written):
            target = out / f"copie{i:04d}_{path.name}"
            shutil.copyfile(path, target)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", nargs="?", default="sample_reports", type=Path)
    parser.add_argument("--copies", type=int, default=1, help="copies of the whole set (for benchmarks)")
    args = parser.parse_args()
    ref = load_referential()
    for old in args.out.glob("*.xlsx"):
        old.unlink()
    written = generate(args.out, ref, args.copies)
    print(f"{len(written) * args.copies} bilans fictifs écrits dans {args.out}")


if __name__ == "__main__":
    main()
