"""Load and check the contract's referential (the YAML files of `schemas/`).

Each file is validated by a pydantic meta-model; cross-file references are then
checked. Problems are returned as findings naming the file and the YAML path
(`actions[3].indicateurs[1].code`), never raised, so `cess schemas check` can
list them all. `load_referential` raises `CessError` when anything is broken,
for the commands that cannot work on a broken referential.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cess_cli.catalogue import make
from cess_cli.findings import CessError, Finding, Severity

FILES = (
    "contrat.yaml",
    "indicateurs.yaml",
    "actions.yaml",
    "financeurs.yaml",
    "questions.yaml",
    "gouvernance.yaml",
    "regles.yaml",
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SousObjectif(_Model):
    code: str
    libelle: str


class Objectif(_Model):
    code: str
    libelle: str
    sous_objectifs: list[SousObjectif] = []


class Axe(_Model):
    code: str
    libelle: str
    objectifs: list[Objectif] = []


class Departement(_Model):
    code: str
    libelle: str


class Zone(_Model):
    code: str
    libelle: str


class VersionModele(_Model):
    version: str
    statut: Literal["actif", "retire"]
    message: str = ""


class Rubrique(_Model):
    code: str
    libelle: str
    obligatoire: bool = False


class Contrat(_Model):
    intitule: str
    periode: list[int] = Field(min_length=1)
    themes_transversaux: list[str] = []
    departements: list[Departement] = Field(min_length=1)
    zones_prioritaires: list[Zone] = []
    echeances: dict[int, date] = {}
    versions_modele: list[VersionModele] = Field(min_length=1)
    rubriques_qualitatives: list[Rubrique] = Field(min_length=1)
    axes: list[Axe] = Field(min_length=1)


Unite = Literal["nombre", "ETP", "euros", "%"]
Nature = Literal["flux", "stock", "ratio"]


class Indicateur(_Model):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    libelle: str
    unite: Unite
    nature: Nature
    territorial: bool = False
    questions: list[str] = []
    numerateur: str | None = None
    denominateur: str | None = None


class IndicateurAction(_Model):
    code: str
    obligatoire: bool
    cibles: dict[int, float] = {}
    cible_periode: float | None = None


class Action(_Model):
    code: str
    libelle: str
    axe: str | None
    objectif: str | None = None
    sous_objectif: str | None = None
    annees: list[int] = Field(min_length=1)
    indicateurs: list[IndicateurAction] = Field(min_length=1)


class Enveloppe(_Model):
    annee: int
    montant: float = Field(ge=0)
    previsionnel: bool = False


class Financeur(_Model):
    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    libelle: str
    signataire: bool = False
    enveloppes: list[Enveloppe] = []


class Collectivite(_Model):
    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    libelle: str
    departement: str


class Effet(_Model):
    libelle: str
    indicateurs: list[str] = []
    calcule: list[Literal["territoires", "completude"]] = []


class Question(_Model):
    code: str
    libelle: str
    precision: str = ""
    effets: list[Effet] = Field(min_length=1)


class Instance(_Model):
    code: str
    libelle: str
    fonction: str = ""
    frequence: str = ""
    reunions_min_par_an: int = Field(default=0, ge=0)
    reunions_max_par_an: int | None = None


Operateur = Literal["<=", "<", ">=", ">", "==", "!="]


class Regle(_Model):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    gauche: str
    operateur: Operateur
    droite: str
    gravite: Severity
    message: str

    def termes(self, side: str) -> list[str]:
        return [t.strip() for t in side.split("+")]


class _IndicateursFile(_Model):
    indicateurs: list[Indicateur] = Field(min_length=1)


class _ActionsFile(_Model):
    actions: list[Action] = Field(min_length=1)


class _FinanceursFile(_Model):
    financeurs: list[Financeur] = Field(min_length=1)
    collectivites: list[Collectivite] = []


class _QuestionsFile(_Model):
    questions: list[Question] = Field(min_length=1)


class _GouvernanceFile(_Model):
    instances: list[Instance] = []


class _ReglesFile(_Model):
    regles: list[Regle] = []


_FILE_MODELS: dict[str, type[BaseModel]] = {
    "contrat.yaml": Contrat,
    "indicateurs.yaml": _IndicateursFile,
    "actions.yaml": _ActionsFile,
    "financeurs.yaml": _FinanceursFile,
    "questions.yaml": _QuestionsFile,
    "gouvernance.yaml": _GouvernanceFile,
    "regles.yaml": _ReglesFile,
}


@dataclass(frozen=True)
class Referential:
    """The whole contract, checked. Lookups are precomputed for the hot path."""

    folder: Path
    digest: str
    contrat: Contrat
    indicateurs: dict[str, Indicateur]
    actions: dict[str, Action]
    financeurs: dict[str, Financeur]
    collectivites: dict[str, Collectivite]
    questions: list[Question]
    instances: list[Instance]
    regles: list[Regle]
    _models: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def periode(self) -> list[int]:
        return self.contrat.periode

    @cached_property
    def departements(self) -> list[str]:
        return [d.code for d in self.contrat.departements]

    @cached_property
    def codes_financeurs(self) -> list[str]:
        return [*self.financeurs, *self.collectivites]

    @cached_property
    def versions_actives(self) -> list[str]:
        return [v.version for v in self.contrat.versions_modele if v.statut == "actif"]

    @property
    def version_courante(self) -> str:
        return self.versions_actives[-1]

    def echeance(self, annee: int) -> date:
        return self.contrat.echeances.get(annee, date(annee + 1, 3, 31))

    def axe_of(self, action_code: str) -> str:
        axe = self.actions[action_code].axe
        return axe if axe is not None else "transversal"

    def libelle_financeur(self, code: str) -> str:
        if code in self.financeurs:
            return self.financeurs[code].libelle
        return self.collectivites[code].libelle

    def typed_indicators(self, action_code: str) -> list[tuple[IndicateurAction, Indicateur]]:
        """The indicators an operator types for this action (ratios are computed)."""
        action = self.actions[action_code]
        pairs = [(ia, self.indicateurs[ia.code]) for ia in action.indicateurs]
        return [(ia, ind) for ia, ind in pairs if ind.nature != "ratio"]

    def model_for(self, action_code: str) -> Any:
        """The pydantic model a bilan of this action is validated against (cached)."""
        model = self._models.get(action_code)
        if model is None:
            from cess_cli.referential.action_models import build_action_model

            model = build_action_model(self, self.actions[action_code])
            self._models[action_code] = model
        return model


def default_schemas_dir() -> Path:
    """The referential shipped with cess: bundled in the wheel, or the repository's."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "_schemas", package.parent / "schemas"):
        if (candidate / "contrat.yaml").is_file():
            return candidate
    return package.parent / "schemas"


def check_referential(folder: Path) -> tuple[Referential | None, list[Finding]]:
    """Load every file of the referential and check it; never raises for bad data."""
    problems: list[Finding] = []
    raw: dict[str, Any] = {}
    parsed: dict[str, Any] = {}
    digest = hashlib.sha256()
    for name in FILES:
        path = folder / name
        rel = str(path)
        try:
            text = path.read_bytes()
        except OSError as exc:
            problems.append(
                make(
                    "referentiel.fichier",
                    rel,
                    detail=f"Fichier du référentiel illisible ou absent ({exc.strerror}).",
                )
            )
            continue
        digest.update(name.encode() + b"\0" + text + b"\0")
        try:
            raw[name] = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"ligne {mark.line + 1}" if mark else None
            problems.append(
                make(
                    "referentiel.format",
                    rel,
                    None,
                    where,
                    detail=f"YAML invalide : {getattr(exc, 'problem', exc)}.",
                )
            )
            continue
        try:
            parsed[name] = _FILE_MODELS[name].model_validate(raw[name])
        except ValidationError as exc:
            for err in exc.errors():
                problems.append(
                    make(
                        "referentiel.format",
                        rel,
                        None,
                        _yaml_path(err["loc"]),
                        detail=_french_pydantic(err),
                    )
                )
    if len(parsed) != len(FILES):
        return None, problems
    ref = Referential(
        folder=folder,
        digest=digest.hexdigest(),
        contrat=parsed["contrat.yaml"],
        indicateurs={i.code: i for i in parsed["indicateurs.yaml"].indicateurs},
        actions={a.code: a for a in parsed["actions.yaml"].actions},
        financeurs={f.code: f for f in parsed["financeurs.yaml"].financeurs},
        collectivites={c.code: c for c in parsed["financeurs.yaml"].collectivites},
        questions=parsed["questions.yaml"].questions,
        instances=parsed["gouvernance.yaml"].instances,
        regles=parsed["regles.yaml"].regles,
    )
    problems.extend(_cross_checks(folder, parsed))
    return (ref if not problems else None), problems


def load_referential(folder: Path | None = None) -> Referential:
    """Load the referential or raise CessError listing what is broken."""
    folder = folder or default_schemas_dir()
    ref, problems = check_referential(folder)
    if ref is None:
        lines = [f"{p.file} {p.cell or ''} : {p.message}".replace("  ", " ") for p in problems[:10]]
        more = f"\n… et {len(problems) - 10} autre(s)." if len(problems) > 10 else ""
        raise CessError(
            f"Le référentiel {folder} est invalide ({len(problems)} problème(s)) :\n"
            + "\n".join(lines)
            + more
            + "\nLancez `cess schemas check` pour le détail."
        )
    return ref


def _yaml_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


_PYDANTIC_FR = {
    "missing": "champ obligatoire absent",
    "extra_forbidden": "champ inconnu",
    "literal_error": "valeur non autorisée",
    "string_pattern_mismatch": "format de code invalide",
    "too_short": "liste vide",
    "greater_than_equal": "doit être positif ou nul",
    "int_parsing": "un entier est attendu",
    "float_parsing": "un nombre est attendu",
    "bool_parsing": "true ou false attendu",
    "date_from_datetime_parsing": "une date AAAA-MM-JJ est attendue",
    "date_parsing": "une date AAAA-MM-JJ est attendue",
    "string_type": "un texte est attendu",
    "list_type": "une liste est attendue",
    "dict_type": "une table (clé: valeur) est attendue",
    "model_type": "une table (clé: valeur) est attendue",
}


def _french_pydantic(err: Any) -> str:
    label = _PYDANTIC_FR.get(err["type"], err["msg"])
    found = err.get("input")
    if err["type"] == "missing" or isinstance(found, dict | list):
        return f"{label}."
    return f"{label} (trouvé : {found!r})."


def _cross_checks(folder: Path, parsed: dict[str, Any]) -> list[Finding]:
    out: list[Finding] = []

    def err(code: str, name: str, path: str, **fields: Any) -> None:
        out.append(make(code, str(folder / name), None, path, **fields))

    contrat: Contrat = parsed["contrat.yaml"]
    indicateurs: list[Indicateur] = parsed["indicateurs.yaml"].indicateurs
    actions: list[Action] = parsed["actions.yaml"].actions
    fin: _FinanceursFile = parsed["financeurs.yaml"]
    questions: list[Question] = parsed["questions.yaml"].questions
    instances: list[Instance] = parsed["gouvernance.yaml"].instances
    regles: list[Regle] = parsed["regles.yaml"].regles
    periode = set(contrat.periode)

    def dupes(name: str, key: str, codes: list[str], seen: dict[str, str] | None = None) -> None:
        seen = {} if seen is None else seen
        for i, code in enumerate(codes):
            here = f"{key}[{i}].code"
            if code in seen:
                err("referentiel.doublon", name, here, trouve=code, detail=seen[code])
            else:
                seen[code] = f"{name} {here}"

    dupes("contrat.yaml", "axes", [a.code for a in contrat.axes])
    dupes("contrat.yaml", "departements", [d.code for d in contrat.departements])
    dupes("indicateurs.yaml", "indicateurs", [i.code for i in indicateurs])
    dupes("actions.yaml", "actions", [a.code for a in actions])
    funder_seen: dict[str, str] = {}
    dupes("financeurs.yaml", "financeurs", [f.code for f in fin.financeurs], funder_seen)
    dupes("financeurs.yaml", "collectivites", [c.code for c in fin.collectivites], funder_seen)
    dupes("questions.yaml", "questions", [q.code for q in questions])
    dupes("gouvernance.yaml", "instances", [i.code for i in instances])
    dupes("regles.yaml", "regles", [r.code for r in regles])

    for year in contrat.echeances:
        if year not in periode:
            err(
                "referentiel.cible",
                "contrat.yaml",
                f"echeances.{year}",
                detail=f"Echéance pour {year}, hors période du contrat.",
            )
    if not any(v.statut == "actif" for v in contrat.versions_modele):
        err(
            "referentiel.format",
            "contrat.yaml",
            "versions_modele",
            detail="Aucune version de modèle active.",
        )

    by_code = {i.code: i for i in indicateurs}
    question_codes = {q.code for q in questions}
    for i, ind in enumerate(indicateurs):
        path = f"indicateurs[{i}]"
        if ind.nature == "ratio":
            if ind.unite != "%":
                err(
                    "referentiel.ratio_incomplet",
                    "indicateurs.yaml",
                    f"{path}.unite",
                    detail=f"Le ratio {ind.code} doit avoir l'unité %.",
                )
            for side in ("numerateur", "denominateur"):
                ref_code = getattr(ind, side)
                if ref_code is None:
                    err(
                        "referentiel.ratio_incomplet",
                        "indicateurs.yaml",
                        path,
                        detail=f"Le ratio {ind.code} n'a pas de {side}.",
                    )
                elif ref_code not in by_code or by_code[ref_code].nature == "ratio":
                    err(
                        "referentiel.reference_inconnue",
                        "indicateurs.yaml",
                        f"{path}.{side}",
                        detail=f"{side.capitalize()} du ratio {ind.code}",
                        trouve=ref_code,
                        attendu=" (un indicateur non-ratio du catalogue est attendu)",
                    )
        elif ind.numerateur or ind.denominateur:
            err(
                "referentiel.ratio_incomplet",
                "indicateurs.yaml",
                path,
                detail=f"{ind.code} a un numérateur ou dénominateur mais n'est pas un ratio.",
            )
        if ind.nature == "ratio" and ind.territorial:
            err(
                "referentiel.ratio_incomplet",
                "indicateurs.yaml",
                f"{path}.territorial",
                detail=f"Le ratio {ind.code} ne peut pas être ventilé par territoire : la ventilation porte sur ses termes.",
            )
        for j, q in enumerate(ind.questions):
            if q not in question_codes:
                err(
                    "referentiel.reference_inconnue",
                    "indicateurs.yaml",
                    f"{path}.questions[{j}]",
                    detail="Question",
                    trouve=q,
                )

    axes = {a.code: a for a in contrat.axes}
    for i, action in enumerate(actions):
        path = f"actions[{i}]"
        if action.axe is not None:
            axe = axes.get(action.axe)
            if axe is None:
                err(
                    "referentiel.reference_inconnue",
                    "actions.yaml",
                    f"{path}.axe",
                    detail="Axe",
                    trouve=action.axe,
                )
            else:
                objectifs = {o.code: o for o in axe.objectifs}
                obj = objectifs.get(action.objectif or "")
                if obj is None:
                    err(
                        "referentiel.reference_inconnue",
                        "actions.yaml",
                        f"{path}.objectif",
                        detail=f"Objectif de l'axe {axe.code}",
                        trouve=action.objectif,
                    )
                elif action.sous_objectif not in {s.code for s in obj.sous_objectifs}:
                    err(
                        "referentiel.reference_inconnue",
                        "actions.yaml",
                        f"{path}.sous_objectif",
                        detail=f"Sous-objectif de l'objectif {axe.code}.{obj.code}",
                        trouve=action.sous_objectif,
                    )
        for j, year in enumerate(action.annees):
            if year not in periode:
                err(
                    "referentiel.cible",
                    "actions.yaml",
                    f"{path}.annees[{j}]",
                    detail=f"Année active {year} hors période du contrat {sorted(periode)}.",
                )
        listed = [ia.code for ia in action.indicateurs]
        seen: dict[str, int] = {}
        for j, ia in enumerate(action.indicateurs):
            ipath = f"{path}.indicateurs[{j}]"
            if ia.code in seen:
                err(
                    "referentiel.doublon",
                    "actions.yaml",
                    f"{ipath}.code",
                    trouve=ia.code,
                    detail=f"{path}.indicateurs[{seen[ia.code]}]",
                )
            seen.setdefault(ia.code, j)
            known = by_code.get(ia.code)
            if known is None:
                err(
                    "referentiel.reference_inconnue",
                    "actions.yaml",
                    f"{ipath}.code",
                    detail=f"Indicateur de l'action {action.code}",
                    trouve=ia.code,
                    attendu=" du catalogue (indicateurs.yaml)",
                )
                continue
            if known.nature == "ratio":
                for term in (known.numerateur, known.denominateur):
                    if term and term not in listed:
                        err(
                            "referentiel.ratio_incomplet",
                            "actions.yaml",
                            f"{ipath}.code",
                            detail=f"L'action {action.code} suit le ratio {known.code} sans l'indicateur {term} dont il dépend.",
                        )
            for year in ia.cibles:
                if year not in action.annees:
                    err(
                        "referentiel.cible",
                        "actions.yaml",
                        f"{ipath}.cibles.{year}",
                        detail=f"Cible de {ia.code} pour {year}, année où l'action {action.code} n'est pas active {action.annees}.",
                    )
            for year in action.annees:
                if year not in ia.cibles:
                    err(
                        "referentiel.cible",
                        "actions.yaml",
                        f"{ipath}.cibles",
                        detail=f"Cible de {ia.code} manquante pour {year} (action {action.code}).",
                    )
            for year, value in ia.cibles.items():
                if value < 0:
                    err(
                        "referentiel.cible",
                        "actions.yaml",
                        f"{ipath}.cibles.{year}",
                        detail=f"Cible négative pour {ia.code} en {year}.",
                    )
        if not any(ia.obligatoire for ia in action.indicateurs):
            err(
                "referentiel.cible",
                "actions.yaml",
                f"{path}.indicateurs",
                detail=f"L'action {action.code} n'a aucun indicateur obligatoire.",
            )

    for i, f in enumerate(fin.financeurs):
        for j, env in enumerate(f.enveloppes):
            if env.annee not in periode:
                err(
                    "referentiel.cible",
                    "financeurs.yaml",
                    f"financeurs[{i}].enveloppes[{j}].annee",
                    detail=f"Enveloppe {f.code} pour {env.annee}, hors période du contrat.",
                )
    dep_codes = {d.code for d in contrat.departements}
    for i, c in enumerate(fin.collectivites):
        if c.departement not in dep_codes:
            err(
                "referentiel.reference_inconnue",
                "financeurs.yaml",
                f"collectivites[{i}].departement",
                detail="Département",
                trouve=c.departement,
            )

    for i, question in enumerate(questions):
        for j, effet in enumerate(question.effets):
            for k, code in enumerate(effet.indicateurs):
                if code not in by_code:
                    err(
                        "referentiel.reference_inconnue",
                        "questions.yaml",
                        f"questions[{i}].effets[{j}].indicateurs[{k}]",
                        detail="Indicateur",
                        trouve=code,
                    )

    code_pattern = re.compile(r"^[a-z][a-z0-9_]*$")
    for i, r in enumerate(regles):
        for side in ("gauche", "droite"):
            for t in r.termes(getattr(r, side)):
                if not code_pattern.match(t):
                    err(
                        "referentiel.regle",
                        "regles.yaml",
                        f"regles[{i}].{side}",
                        detail=f"Terme « {t} » illisible : un code d'indicateur ou une somme « a + b » est attendu.",
                    )
                elif t not in by_code:
                    err(
                        "referentiel.reference_inconnue",
                        "regles.yaml",
                        f"regles[{i}].{side}",
                        detail=f"Indicateur de la règle {r.code}",
                        trouve=t,
                    )
                elif by_code[t].nature == "ratio":
                    err(
                        "referentiel.regle",
                        "regles.yaml",
                        f"regles[{i}].{side}",
                        detail=f"La règle {r.code} porte sur le ratio {t}, qui n'est jamais saisi.",
                    )
    return out
