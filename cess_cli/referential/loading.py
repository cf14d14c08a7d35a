"""Load and check the contract's referential (the YAML files of `schemas/`).

Each file is validated by a pydantic meta-model; cross-file references are then
checked. Problems are returned as findings naming the file and the YAML path
(`actions[3].indicateurs[1].code`), never raised, so `cess schemas check` can
list them all. `load_referential` raises `CessError` when anything is broken,
for the commands that cannot work on a broken referential.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from cess_cli.catalogue import make
from cess_cli.findings import CessError, Finding
from cess_cli.french_errors import os_error_message, pydantic_location, pydantic_message, syntax_message
from cess_cli.referential.action_models import build_action_model
from cess_cli.referential.cross_checks import cross_checks
from cess_cli.referential.schema import (
    FILE_MODELS,
    FILES,
    Action,
    Collectivite,
    Contrat,
    Financeur,
    Indicateur,
    IndicateurAction,
    Instance,
    Question,
    Regle,
)
from cess_cli.wording import count


@dataclass(frozen=True)
class Referential:
    """The whole contract, checked (SPEC §2): axes, actions with their active years and
    targets, the indicator catalogue, funders and envelopes (euros), questions,
    instances and rules. `digest` is the SHA-256 of the YAML files; `model_for(code)`
    gives the pydantic model a bilan of that action is validated against."""

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

    @property
    def code_hors_contrat(self) -> str | None:
        """The funder code for a funder that is no partner of the contract (marked
        `hors_contrat` in financeurs.yaml: AUTRES), None when none is marked."""
        return next((c for c, f in self.financeurs.items() if f.hors_contrat), None)

    def autres_noms_financeur(self, code: str) -> list[str]:
        """The other names operators type for a funder (`autres_noms`), for suggestions only."""
        if code in self.financeurs:
            return self.financeurs[code].autres_noms
        return self.collectivites[code].autres_noms

    def typed_indicators(self, action_code: str) -> list[tuple[IndicateurAction, Indicateur]]:
        """The indicators an operator types for this action (ratios are computed)."""
        action = self.actions[action_code]
        pairs = [(ia, self.indicateurs[ia.code]) for ia in action.indicateurs]
        return [(ia, ind) for ia, ind in pairs if ind.nature != "ratio"]

    def model_for(self, action_code: str) -> Any:
        """The pydantic model a bilan of this action is validated against (cached)."""
        model = self._models.get(action_code)
        if model is None:
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
    """Load every YAML file of `folder` and check it (meta-model, then cross-checks, SPEC §2).

    Returns (referential, []) when it is sound, (None, findings) otherwise: each
    finding names the file and the YAML path. Raises `CessError` (one French line) only
    when `folder` is not a referential at all (`require_folder`)."""
    require_folder(folder)
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
                    detail=f"Fichier du référentiel illisible : {os_error_message(exc)}.",
                )
            )
            continue
        digest.update(name.encode() + b"\0" + text + b"\0")
        try:
            raw[name] = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
            detail = syntax_message("YAML", line, column, text.decode("utf-8", errors="replace"))
            problems.append(
                make(
                    "referentiel.format",
                    rel,
                    None,
                    f"ligne {line}" if line else None,
                    detail=detail[:1].upper() + detail[1:],
                )
            )
            continue
        except RecursionError:  # a structure nested thousands of levels deep
            detail = "YAML imbriqué sur beaucoup trop de niveaux : ce n'est pas un référentiel."
            problems.append(make("referentiel.format", rel, detail=detail))
            continue
        try:
            parsed[name] = FILE_MODELS[name].model_validate(raw[name])
        except RecursionError:
            detail = "YAML imbriqué trop profondément : ce n'est pas un référentiel."
            problems.append(make("referentiel.format", rel, detail=detail))
        except ValidationError as exc:
            for err in exc.errors():
                problems.append(
                    make(
                        "referentiel.format",
                        rel,
                        None,
                        pydantic_location(err["loc"]),
                        detail=pydantic_message(err),
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
    problems.extend(cross_checks(folder, parsed))
    return (ref if not problems else None), problems


def require_folder(folder: Path) -> None:
    """Raise `CessError` (one French line, the CLI's exit 2) when `folder` is not a
    referential at all: missing, not a folder, or holding none of its YAML files."""
    hint = "(option --schemas ou clé « referentiel » de cess.toml)"
    if not folder.is_dir():
        what = "introuvable" if not folder.exists() else "n'est pas un dossier"
        raise CessError(f"Référentiel « {folder} » {what} {hint}.")
    if not any((folder / name).exists() for name in FILES):
        raise CessError(f"Le dossier « {folder} » ne contient pas de référentiel ({', '.join(FILES)} absents) {hint}.")


def load_referential(folder: Path | None = None) -> Referential:
    """Load and check the referential in `folder` (default: the one shipped with cess).

    Returns the checked `Referential` (SPEC §2). Raises `CessError` (the CLI's exit 2)
    listing the first ten problems when anything is broken; `check_referential` gives
    them all as findings instead."""
    folder = folder or default_schemas_dir()
    ref, problems = check_referential(folder)
    if ref is None:
        lines = [f"{p.file} {p.cell or ''} : {p.message}".replace("  ", " ") for p in problems[:10]]
        more = f"\n… et {count(len(problems) - 10, 'autre')}." if len(problems) > 10 else ""
        raise CessError(
            f"Le référentiel {folder} est invalide ({count(len(problems), 'problème')}) :\n"
            + "\n".join(lines)
            + more
            + "\nPour le détail : cess schemas check."
        )
    return ref
