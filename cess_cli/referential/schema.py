"""The meta-model of the referential: one pydantic model per YAML file of `schemas/` (SPEC §2).

Every model forbids unknown keys, so a typo in a key is reported, not ignored.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from cess_cli.findings import Severity


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
    autres_noms: list[str] = []  # what operators type for it: only ever suggested, never read as it


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
    noms_de_la_region: list[str] = []  # typed as a département: no code, the figure is to split
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
    autres_noms: list[str] = []  # what operators type for it: only ever suggested, never read as it
    hors_contrat: bool = False  # the code for a funder that is no partner of the contract (AUTRES)


class Collectivite(_Model):
    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    libelle: str
    departement: str
    autres_noms: list[str] = []  # what operators type for it: only ever suggested, never read as it


# a sentence or two of French a reader is shown: never blank, never a page
Sentence = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class Effet(_Model):
    """An expected effect of an evaluative question (verbatim) and what answers it: indicators,
    figures cess computes (`calcule`). `mesure_indirecte`: when those figures measure the effect
    only indirectly (a proxy), why, in French, one or two sentences; printed as « Mesure
    indirecte : … » wherever the effect's figures are (report, the question's sheet)."""

    libelle: str
    indicateurs: list[str] = []
    calcule: list[Literal["territoires", "completude"]] = []
    mesure_indirecte: Sentence | None = None


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
    remarque: str = ""  # how cess reads the contract where it says two things (shown under Q4)


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


class IndicateursFile(_Model):
    indicateurs: list[Indicateur] = Field(min_length=1)


class ActionsFile(_Model):
    actions: list[Action] = Field(min_length=1)


class FinanceursFile(_Model):
    financeurs: list[Financeur] = Field(min_length=1)
    collectivites: list[Collectivite] = []


class QuestionsFile(_Model):
    questions: list[Question] = Field(min_length=1)


class GouvernanceFile(_Model):
    instances: list[Instance] = []


class ReglesFile(_Model):
    regles: list[Regle] = []


FILE_MODELS: dict[str, type[BaseModel]] = {
    "contrat.yaml": Contrat,
    "indicateurs.yaml": IndicateursFile,
    "actions.yaml": ActionsFile,
    "financeurs.yaml": FinanceursFile,
    "questions.yaml": QuestionsFile,
    "gouvernance.yaml": GouvernanceFile,
    "regles.yaml": ReglesFile,
}


FILES = (
    "contrat.yaml",
    "indicateurs.yaml",
    "actions.yaml",
    "financeurs.yaml",
    "questions.yaml",
    "gouvernance.yaml",
    "regles.yaml",
)
