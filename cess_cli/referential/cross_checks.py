"""Checks across the files of the referential: duplicate codes, unknown references, ratios
without their terms, targets for inactive years, rules on unknown codes. Each problem
is a finding naming the file and the YAML path (`actions[3].indicateurs[1].code`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cess_cli.catalogue import make
from cess_cli.findings import Finding
from cess_cli.referential.schema import (
    Action,
    Contrat,
    FinanceursFile,
    Indicateur,
    IndicateurAction,
    Instance,
    Question,
    Regle,
)

_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass
class _Checks:
    """The parsed files of one referential, and the problems found across them."""

    folder: Path
    contrat: Contrat
    indicateurs: list[Indicateur]
    actions: list[Action]
    fin: FinanceursFile
    questions: list[Question]
    instances: list[Instance]
    regles: list[Regle]
    out: list[Finding] = field(default_factory=list)

    @property
    def periode(self) -> set[int]:
        return set(self.contrat.periode)

    @property
    def by_code(self) -> dict[str, Indicateur]:
        return {i.code: i for i in self.indicateurs}

    def err(self, code: str, name: str, path: str, **fields: Any) -> None:
        self.out.append(make(code, str(self.folder / name), None, path, **fields))


def cross_checks(folder: Path, parsed: dict[str, Any]) -> list[Finding]:
    """Every check across files, on files that each passed their own model (`parsed`:
    file name -> pydantic model). Returns the problems, never raises."""
    c = _Checks(
        folder,
        parsed["contrat.yaml"],
        parsed["indicateurs.yaml"].indicateurs,
        parsed["actions.yaml"].actions,
        parsed["financeurs.yaml"],
        parsed["questions.yaml"].questions,
        parsed["gouvernance.yaml"].instances,
        parsed["regles.yaml"].regles,
    )
    _duplicates(c)
    _contract(c)
    for i, ind in enumerate(c.indicateurs):
        _indicator(c, i, ind)
    for i, action in enumerate(c.actions):
        _action(c, i, action)
    _funders(c)
    _questions(c)
    _rules(c)
    return c.out


def _duplicates(c: _Checks) -> None:
    def dupes(name: str, key: str, codes: list[str], seen: dict[str, str] | None = None) -> None:
        seen = {} if seen is None else seen
        for i, code in enumerate(codes):
            here = f"{key}[{i}].code"
            if code in seen:
                c.err("referentiel.doublon", name, here, trouve=code, detail=seen[code])
            else:
                seen[code] = f"{name} {here}"

    dupes("contrat.yaml", "axes", [a.code for a in c.contrat.axes])
    dupes("contrat.yaml", "departements", [d.code for d in c.contrat.departements])
    dupes("indicateurs.yaml", "indicateurs", [i.code for i in c.indicateurs])
    dupes("actions.yaml", "actions", [a.code for a in c.actions])
    funder_seen: dict[str, str] = {}
    dupes("financeurs.yaml", "financeurs", [f.code for f in c.fin.financeurs], funder_seen)
    dupes("financeurs.yaml", "collectivites", [x.code for x in c.fin.collectivites], funder_seen)
    dupes("questions.yaml", "questions", [q.code for q in c.questions])
    dupes("gouvernance.yaml", "instances", [i.code for i in c.instances])
    dupes("regles.yaml", "regles", [r.code for r in c.regles])


def _contract(c: _Checks) -> None:
    for year in c.contrat.echeances:
        if year not in c.periode:
            c.err(
                "referentiel.cible",
                "contrat.yaml",
                f"echeances.{year}",
                detail=f"Echéance pour {year}, hors période du contrat.",
            )
    if not any(v.statut == "actif" for v in c.contrat.versions_modele):
        c.err("referentiel.format", "contrat.yaml", "versions_modele", detail="Aucune version de modèle active.")


def _indicator(c: _Checks, i: int, ind: Indicateur) -> None:
    path = f"indicateurs[{i}]"
    name = "indicateurs.yaml"
    if ind.nature == "ratio":
        if ind.unite != "%":
            c.err(
                "referentiel.ratio_incomplet",
                name,
                f"{path}.unite",
                detail=f"Le ratio {ind.code} doit avoir l'unité %.",
            )
        for side in ("numerateur", "denominateur"):
            ref_code = getattr(ind, side)
            if ref_code is None:
                c.err("referentiel.ratio_incomplet", name, path, detail=f"Le ratio {ind.code} n'a pas de {side}.")
            elif ref_code not in c.by_code or c.by_code[ref_code].nature == "ratio":
                c.err(
                    "referentiel.reference_inconnue",
                    name,
                    f"{path}.{side}",
                    detail=f"{side.capitalize()} du ratio {ind.code}",
                    trouve=ref_code,
                    attendu=" (un indicateur non-ratio du catalogue est attendu)",
                )
        if ind.territorial:
            c.err(
                "referentiel.ratio_incomplet",
                name,
                f"{path}.territorial",
                detail=f"Le ratio {ind.code} ne peut pas être ventilé par territoire : la ventilation porte sur ses termes.",
            )
    elif ind.numerateur or ind.denominateur:
        c.err(
            "referentiel.ratio_incomplet",
            name,
            path,
            detail=f"{ind.code} a un numérateur ou dénominateur mais n'est pas un ratio.",
        )
    question_codes = {q.code for q in c.questions}
    for j, q in enumerate(ind.questions):
        if q not in question_codes:
            c.err("referentiel.reference_inconnue", name, f"{path}.questions[{j}]", detail="Question", trouve=q)


def _action(c: _Checks, i: int, action: Action) -> None:
    path = f"actions[{i}]"
    _action_place(c, path, action)
    for j, year in enumerate(action.annees):
        if year not in c.periode:
            c.err(
                "referentiel.cible",
                "actions.yaml",
                f"{path}.annees[{j}]",
                detail=f"Année active {year} hors période du contrat {sorted(c.periode)}.",
            )
    seen: dict[str, int] = {}
    for j, ia in enumerate(action.indicateurs):
        ipath = f"{path}.indicateurs[{j}]"
        if ia.code in seen:
            c.err(
                "referentiel.doublon",
                "actions.yaml",
                f"{ipath}.code",
                trouve=ia.code,
                detail=f"{path}.indicateurs[{seen[ia.code]}]",
            )
        seen.setdefault(ia.code, j)
        _action_indicator(c, ipath, action, ia)
    if not any(ia.obligatoire for ia in action.indicateurs):
        c.err(
            "referentiel.cible",
            "actions.yaml",
            f"{path}.indicateurs",
            detail=f"L'action {action.code} n'a aucun indicateur obligatoire.",
        )


def _action_place(c: _Checks, path: str, action: Action) -> None:
    """An action's axis, objective and sub-objective exist in contrat.yaml."""
    if action.axe is None:
        return
    axe = next((a for a in c.contrat.axes if a.code == action.axe), None)
    if axe is None:
        c.err("referentiel.reference_inconnue", "actions.yaml", f"{path}.axe", detail="Axe", trouve=action.axe)
        return
    obj = next((o for o in axe.objectifs if o.code == (action.objectif or "")), None)
    if obj is None:
        c.err(
            "referentiel.reference_inconnue",
            "actions.yaml",
            f"{path}.objectif",
            detail=f"Objectif de l'axe {axe.code}",
            trouve=action.objectif,
        )
    elif action.sous_objectif not in {s.code for s in obj.sous_objectifs}:
        c.err(
            "referentiel.reference_inconnue",
            "actions.yaml",
            f"{path}.sous_objectif",
            detail=f"Sous-objectif de l'objectif {axe.code}.{obj.code}",
            trouve=action.sous_objectif,
        )


def _action_indicator(c: _Checks, ipath: str, action: Action, ia: IndicateurAction) -> None:
    """One indicator of an action: known, its ratio's terms listed, a target for each active year."""
    known = c.by_code.get(ia.code)
    if known is None:
        c.err(
            "referentiel.reference_inconnue",
            "actions.yaml",
            f"{ipath}.code",
            detail=f"Indicateur de l'action {action.code}",
            trouve=ia.code,
            attendu=" du catalogue (indicateurs.yaml)",
        )
        return
    listed = [x.code for x in action.indicateurs]
    if known.nature == "ratio":
        for term in (known.numerateur, known.denominateur):
            if term and term not in listed:
                c.err(
                    "referentiel.ratio_incomplet",
                    "actions.yaml",
                    f"{ipath}.code",
                    detail=f"L'action {action.code} suit le ratio {known.code} sans l'indicateur {term} dont il dépend.",
                )
    for year in ia.cibles:
        if year not in action.annees:
            c.err(
                "referentiel.cible",
                "actions.yaml",
                f"{ipath}.cibles.{year}",
                detail=f"Cible de {ia.code} pour {year}, année où l'action {action.code} n'est pas active {action.annees}.",
            )
    for year in action.annees:
        if year not in ia.cibles:
            c.err(
                "referentiel.cible",
                "actions.yaml",
                f"{ipath}.cibles",
                detail=f"Cible de {ia.code} manquante pour {year} (action {action.code}).",
            )
    for year, value in ia.cibles.items():
        if value < 0:
            c.err(
                "referentiel.cible",
                "actions.yaml",
                f"{ipath}.cibles.{year}",
                detail=f"Cible négative pour {ia.code} en {year}.",
            )


def _funders(c: _Checks) -> None:
    for i, f in enumerate(c.fin.financeurs):
        for j, env in enumerate(f.enveloppes):
            if env.annee not in c.periode:
                c.err(
                    "referentiel.cible",
                    "financeurs.yaml",
                    f"financeurs[{i}].enveloppes[{j}].annee",
                    detail=f"Enveloppe {f.code} pour {env.annee}, hors période du contrat.",
                )
    dep_codes = {d.code for d in c.contrat.departements}
    for i, x in enumerate(c.fin.collectivites):
        if x.departement not in dep_codes:
            c.err(
                "referentiel.reference_inconnue",
                "financeurs.yaml",
                f"collectivites[{i}].departement",
                detail="Département",
                trouve=x.departement,
            )


def _questions(c: _Checks) -> None:
    for i, question in enumerate(c.questions):
        for j, effet in enumerate(question.effets):
            if effet.mesure_indirecte and not (effet.indicateurs or effet.calcule):
                c.err(
                    "referentiel.question",
                    "questions.yaml",
                    f"questions[{i}].effets[{j}].mesure_indirecte",
                    detail=f"L'effet « {effet.libelle} » n'a ni indicateur ni chiffre calculé : "
                    "il n'a pas de mesure, indirecte ou non.",
                )
            for k, code in enumerate(effet.indicateurs):
                if code not in c.by_code:
                    c.err(
                        "referentiel.reference_inconnue",
                        "questions.yaml",
                        f"questions[{i}].effets[{j}].indicateurs[{k}]",
                        detail="Indicateur",
                        trouve=code,
                    )


def _rules(c: _Checks) -> None:
    for i, r in enumerate(c.regles):
        for side in ("gauche", "droite"):
            for t in r.termes(getattr(r, side)):
                where = f"regles[{i}].{side}"
                if not _CODE.match(t):
                    c.err(
                        "referentiel.regle",
                        "regles.yaml",
                        where,
                        detail=f"Terme « {t} » illisible : un code d'indicateur ou une somme « a + b » est attendu.",
                    )
                elif t not in c.by_code:
                    c.err(
                        "referentiel.reference_inconnue",
                        "regles.yaml",
                        where,
                        detail=f"Indicateur de la règle {r.code}",
                        trouve=t,
                    )
                elif c.by_code[t].nature == "ratio":
                    c.err(
                        "referentiel.regle",
                        "regles.yaml",
                        where,
                        detail=f"La règle {r.code} porte sur le ratio {t}, qui n'est jamais saisi.",
                    )
