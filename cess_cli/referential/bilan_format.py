"""The bilan workbook format (version 1): sheets and columns, shared by the
template writer and the validator so the two can never disagree."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SheetSpec:
    key: str
    title: str
    columns: tuple[str, ...]
    essential: tuple[str, ...]  # missing -> erreur; other columns missing -> avertissement
    keys: tuple[str, ...] = ()  # what names a row: a merge down a key column applies to each row
    informative: tuple[str, ...] = ()  # pre-filled for the operator's eyes, never read by cess


IDENTIFICATION = SheetSpec(
    "identification", "Identification", ("cle", "libelle", "valeur"), ("cle", "valeur"), ("cle",), ("libelle",)
)
INDICATEURS = SheetSpec(
    "indicateurs",
    "Indicateurs",
    ("code", "libelle", "unite", "cible", "valeur", "cumul_periode", "commentaire"),
    ("code", "valeur"),
    ("code",),
    ("libelle", "unite", "cible"),
)
FINANCEMENTS = SheetSpec(
    "financements",
    "Financements",
    ("financeur", "montant_prevu", "montant_obtenu", "commentaire"),
    ("financeur", "montant_obtenu"),
    ("financeur",),
)
TERRITOIRES = SheetSpec(
    "territoires",
    "Territoires",
    ("departement", "indicateur", "valeur", "dont_qpv", "dont_zrr"),
    ("departement", "indicateur", "valeur"),
    ("departement", "indicateur"),
)
QUALITATIF = SheetSpec("qualitatif", "Bilan qualitatif", ("rubrique", "texte"), ("rubrique", "texte"), ("rubrique",))

SHEETS: tuple[SheetSpec, ...] = (IDENTIFICATION, INDICATEURS, FINANCEMENTS, TERRITOIRES, QUALITATIF)
INSTRUCTIONS_TITLE = "Mode d'emploi"
LISTS_TITLE = "Listes"

# Identification keys, in template order, with their French labels.
IDENTIFICATION_KEYS: tuple[tuple[str, str, bool], ...] = (
    ("code_action", "Code de l'action (plan d'actions)", True),
    ("annee", "Année du bilan", True),
    ("porteur", "Structure porteuse de l'action", True),
    ("siret", "SIRET de la structure (14 chiffres)", False),
    ("contact_nom", "Nom de la personne à contacter", True),
    ("contact_email", "Adresse électronique de la personne à contacter", True),
    ("date_transmission", "Date de transmission du bilan (JJ/MM/AAAA)", True),
    ("version", "Version du bilan (1, puis 2 pour un bilan corrigé…)", False),
    ("version_modele", "Version du modèle de bilan (ne pas modifier)", True),
)
