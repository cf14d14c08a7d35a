"""Turn a pydantic `ValidationError` into findings, each at its sheet and cell (SPEC §5)."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from cess_cli.checking.state import FileCheck, Loc
from cess_cli.referential.action_models import MAX_VALUE
from cess_cli.referential.bilan_format import FINANCEMENTS, IDENTIFICATION, INDICATEURS, QUALITATIF, TERRITOIRES
from cess_cli.suggestions import NO_CODE, nearest, said, suggestion
from cess_cli.wording import french_date, typed_number

if TYPE_CHECKING:
    from cess_cli.referential.loading import Referential


def findings_from_pydantic(run: FileCheck, exc: ValidationError, action_code: str) -> None:
    """Turn a pydantic ValidationError into findings, each at its sheet and cell."""
    for err in exc.errors(include_url=False):
        loc: Loc = tuple(err["loc"])
        if loc in run.reported or loc[:2] in run.reported:
            continue
        sheet, cell = run.addr.get(loc) or run.addr.get(loc[:2]) or (_sheet_of(run, loc[0]), None)
        etype = err["type"]
        found = err.get("input")
        shown = run.typed.get(loc, found) if not isinstance(found, dict | list) else ""
        section = loc[0]
        field_name = str(loc[-1])
        code, fields = _classify(run, section, field_name, etype, err, action_code)
        fields.setdefault("trouve", shown)
        run.add(code, sheet, cell, **fields)


def _classify(
    run: FileCheck, section: str, name: str, etype: str, err: Any, action_code: str
) -> tuple[str, dict[str, Any]]:
    ctx = err.get("ctx") or {}
    if "." in etype:  # custom checks use the finding code as their error type
        return etype, {"attendu": french_date(date.today())} | {k: v for k, v in ctx.items()}
    if etype in ("missing", "string_too_short"):
        if section == "identification":
            return "identification.manquant", {"attendu": name}
        if section == "indicateurs":
            ind = run.ref.indicateurs[name]
            return "indicateur.manquant", {"attendu": f"{name} — {ind.libelle}"}
        if section == "qualitatif":
            return "qualitatif.manquant", {"attendu": name}
        return "ligne.incomplete", {"attendu": name}
    if etype == "greater_than_equal":
        return "valeur.negative", {}
    if etype == "less_than_equal":
        return "valeur.demesuree", {"attendu": typed_number(int(MAX_VALUE))}
    if etype in ("int_from_float",):
        return "valeur.non_entiere", {"attendu": name}
    if etype == "literal_error":
        if name == "annee":
            action = run.ref.actions[action_code]
            return "annee.action_inactive", {
                "trouve": str(err.get("input")),  # a year: 2014, not « 2 014 »
                "attendu": ", ".join(map(str, action.annees)),
                "detail": action_code,
            }
        typed = str(run.typed.get(tuple(err["loc"]), err.get("input")))
        if name == "financeur":
            codes = run.ref.codes_financeurs
            labels = {code: run.ref.libelle_financeur(code) for code in codes}
            found = suggestion(typed, codes, _funder_names(run.ref, labels), labels) or _others_hint(run.ref)
            return "financeur.inconnu", {"attendu": ", ".join(codes), "suggestion": found}
        if name == "departement":
            return "departement.inconnu", {
                "attendu": ", ".join(run.ref.departements),
                "suggestion": _dep_hint(run, typed),
            }
        if name == "indicateur":
            territorial = [ind.code for _, ind in run.ref.typed_indicators(action_code) if ind.territorial]
            return "territoire.indicateur_inconnu", {
                "attendu": ", ".join(territorial) or "aucun",
                "suggestion": suggestion(typed, territorial),
            }
    if etype in ("int_type", "int_parsing", "float_type", "float_parsing"):
        return "valeur.non_numerique", {}
    if etype.startswith("date"):
        return "date.invalide", {}
    return "valeur.invalide", {"detail": err.get("msg", etype)}


_POSTAL = re.compile(r"(\d\d)\d{3}")  # a French postal code: its first two figures, the département
_ARTICLE = re.compile(r"^(?:les?\s+|la\s+|l['’]\s*)", re.I)
_GENERAL = re.compile(r"conseil\s+g[ée]n[ée]ral", re.I)


def _funder_names(ref: Referential, labels: dict[str, str]) -> list[tuple[str, str]]:
    """Other names an operator types for a funder ((name, code) pairs): its label, without
    its article, a « Conseil Général » under its name since 2015, « Conseil départemental »,
    and the referential's `autres_noms` (README *Reading the feedback*: compared without
    case nor accents; a name given to several funders suggests them all)."""
    names: list[tuple[str, str]] = []
    for code, label in labels.items():
        for name in (label, _GENERAL.sub("Conseil départemental", label)):
            names += [(name, code), (_ARTICLE.sub("", name), code)]
        names += [(other, code) for other in ref.autres_noms_financeur(code)]
    return names


def _others_hint(ref: Referential) -> str:
    """For a funder no code is near: the code a funder outside the contract takes
    (`hors_contrat` in financeurs.yaml), « Un financeur qui n'est pas partenaire du contrat
    s'inscrit « AUTRES » (Autres financements). », or "" when the referential has none."""
    code = ref.code_hors_contrat
    if code is None:
        return ""
    return f"Un financeur qui n'est pas partenaire du contrat s'inscrit « {code} » ({ref.libelle_financeur(code)}). "


def _dep_hint(run: FileCheck, typed: str) -> str:
    """The `{suggestion}` of `departement.inconnu`: the département meant (a postal code's
    first two figures: « 69003 » -> 69, when they are one of the contract's), or, for the
    whole region (« Rhône-Alpes »), that its figure is to be split by département."""
    contrat = run.ref.contrat
    labels = {d.code: d.libelle for d in contrat.departements}
    postal = _POSTAL.fullmatch(typed.strip())
    if postal is not None and postal.group(1) in labels:
        return said([postal.group(1)], labels)
    names = [(d.libelle, d.code) for d in contrat.departements]
    names += [(other, d.code) for d in contrat.departements for other in d.autres_noms]
    names += [(region, NO_CODE) for region in contrat.noms_de_la_region]
    found = nearest(typed, run.ref.departements, names=names)
    if found == [NO_CODE]:
        return "Un chiffre de toute la région se répartit par département, une ligne pour chacun. "
    return said(found, labels)


def _sheet_of(run: FileCheck, section: str) -> str | None:
    """The sheet of a model section, as this workbook names it (`indicateurs ` for
    Indicateurs), for a finding that has no cell of its own."""
    key = "indicateurs" if section == "cumuls" else section
    if key in run.sheet_names:
        return run.sheet_names[key]
    return {
        "identification": IDENTIFICATION.title,
        "indicateurs": INDICATEURS.title,
        "cumuls": INDICATEURS.title,
        "financements": FINANCEMENTS.title,
        "territoires": TERRITOIRES.title,
        "qualitatif": QUALITATIF.title,
    }.get(section)
