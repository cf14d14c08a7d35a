"""French labels for the codes the consolidation tables carry (axes, states, anomaly kinds,
units, computed figures): what people read in the workbook and the report, never a code."""

from __future__ import annotations

import re
from typing import Any

from cess_cli.referential.loading import Referential, default_schemas_dir

TRANSVERSAL = "Transversal (animation du contrat)"

# finding code -> the kind of anomaly, in words (codes not listed fall back on their family)
ANOMALY_KINDS: dict[str, str] = {
    "bilan.manquant": "Bilan manquant",
    "bilan.conflit": "Deux bilans différents pour la même version",
    "bilan.invalide": "Bilan invalide, non compté",
    "bilan.remplace": "Bilan remplacé par une version plus récente",
    "bilan.copie": "Copie identique d'un autre fichier, comptée une fois",
    "bilan.non_identifie": "Fichier dont l'action ou l'année manque ou n'a pu être lue",
    "bilan.hors_contrat": "Bilan d'une année hors du contrat, non compté",
    "bilan.action_inconnue": "Fichier d'une action inconnue du contrat, non compté",
    "bilan.illisible": "Fichier illisible, non compté",
    "cumul.ecart": "Cumul de la période différent des bilans annuels",
    "cumul.non_verifiable": "Cumul de la période non vérifiable",
    "plausibilite.ecart_annuel": "Forte variation d'une année sur l'autre",
    "plausibilite.ecart_cible": "Valeur très éloignée de la cible",
}
_FAMILIES = {
    "bilan": "Bilan non compté",
    "cumul": "Cumul de la période",
    "plausibilite": "Valeur à vérifier",
    "fichier": "Fichier illisible, non compté",
}

STATES = {
    "valide": "Valide (compté)",
    "invalide": "Invalide",
    "conflit": "En conflit",
    "manquant": "Manquant",
    "remplace": "Remplacé",
}

UNITS = {"nombre": "nombre", "ETP": "ETP", "euros": "€", "%": "%"}

NATURES = {
    "flux": "flux : somme sur les actions et les années",
    "stock": "stock : niveau au 31 décembre, dernière année pour la période",
    "ratio": "ratio : somme des numérateurs / somme des dénominateurs",
}

COMPUTED = {
    "territoires": "ventilation par département (calculée par cess)",
    "completude": "complétude des bilans (calculée par cess)",
}


def present(rows: list[dict[str, Any]], ref: Referential, period: str) -> list[dict[str, Any]]:
    """Rows of a table with their codes turned into French labels, in place: `axe` (« Axe I —
    Promotion », « Tous axes » for a funder's total), `annee` (« Période 2014-2016 »), `etat`,
    `calcule` (what cess computes). Codes in other keys stay: they have their own column."""
    for r in rows:
        if isinstance(r.get("axe"), str):
            r["axe"] = "Tous axes" if r["axe"] == "total" else axis_label(ref, r["axe"])
        if r.get("annee") == "période":
            r["annee"] = year_label(r["annee"], period)
        if isinstance(r.get("etat"), str):
            r["etat"] = state_label(r["etat"])
        if isinstance(r.get("calcule"), str) and r["calcule"]:
            r["calcule"] = ", ".join(COMPUTED.get(c.strip(), c.strip()) for c in r["calcule"].split(","))
    return rows


def anomaly_kind(code: str) -> str:
    """The French name of an anomaly's kind (« Bilan manquant »), never its code."""
    return ANOMALY_KINDS.get(code) or _FAMILIES.get(code.split(".", 1)[0], "Constat de validation")


def axis_label(ref: Referential, code: str) -> str:
    """« Axe I — Promotion », « Transversal (animation du contrat) », « Ensemble du contrat »."""
    if code == "transversal":
        return TRANSVERSAL
    if code in ("total", "contrat"):
        return "Ensemble du contrat"
    axe = next((a for a in ref.contrat.axes if a.code == code), None)
    return f"Axe {axe.code} — {axe.libelle}" if axe else code


def year_label(annee: object, period: str) -> str:
    """A table's year column: « 2015 », or « Période 2014-2016 » for the period column."""
    text = str(annee)
    return f"Période {period}" if text == "période" else text


def state_label(state: str) -> str:
    """A completeness state in words."""
    return STATES.get(state, state.capitalize())


def referential_name(ref: Referential, *, short: bool = False) -> str:
    """How a reader is told which referential was used: « référentiel livré avec cess » for
    the packaged one (its folder's name is internal), « référentiel « NAME » » for a folder
    the CRESS gave with --config or cess.toml; `short`: « livré avec cess », « dossier « NAME » »
    (after a « Référentiel » heading)."""
    try:
        packaged = ref.folder.resolve() == default_schemas_dir().resolve()
    except OSError:
        packaged = False
    if packaged:
        return "livré avec cess" if short else "référentiel livré avec cess"
    return f"{'dossier' if short else 'référentiel'} « {ref.folder.name} »"


def plain_words(text: str, ref: Referential) -> str:
    """A message with the referential's indicator codes replaced by their French labels:
    a snake_case code anywhere (« emplois_crees » -> « Emplois créés »); a code without an
    underscore, which may also be a plain French word (« participants »), where it names the
    indicator: before an action in brackets (« evenements (I_1.2) ») or alone in guillemets
    (« « cooperations » », « « evenements — Événements » »). A code followed by its own label
    (a finding's « jeunes_sensibilises — Jeunes sensibilisés ») gives the label once."""
    if not ref.indicateurs:
        return text
    snake = sorted((c for c in ref.indicateurs if "_" in c), key=len, reverse=True)
    words = sorted((c for c in ref.indicateurs if "_" not in c), key=len, reverse=True)
    actions = sorted(ref.actions, key=len, reverse=True)
    alternatives = []
    if snake:
        alternatives.append(r"(?<![\w.])(" + "|".join(map(re.escape, snake)) + r")(?!\w)")
    if words and actions:
        named = "|".join(map(re.escape, words))
        before_action = r"(?= \((?:" + "|".join(map(re.escape, actions)) + r")\b)"
        alternatives.append(r"(?<![\w.])(" + named + r")" + before_action)
        alternatives.append(r"(?<=« )(" + named + r")(?= »| — )")  # « participants — Participants »
    if not alternatives:
        return text
    pattern = re.compile("|".join(alternatives))
    found: set[str] = set()

    def label(match: re.Match[str]) -> str:
        libelle = ref.indicateurs[next(g for g in match.groups() if g)].libelle
        found.add(libelle)
        return libelle

    text = pattern.sub(label, text)
    for libelle in found:  # « jeunes_sensibilises — Jeunes sensibilisés »: the label once
        text = text.replace(f"{libelle} — {libelle}", libelle)
    return text


# the completeness totals, in the order every output gives them (workbook, report, cess status)
COMPLETUDE_SUMMARY = (
    ("recu", "Reçus"),
    ("premier_envoi_a_l_heure", "Premier envoi à l'heure"),
    ("version_comptee_a_l_heure", "Version comptée à l'heure"),
    ("valide_premiere", "Valides du premier coup"),
    ("valide", "Valides (comptés)"),
    ("manquant", "Manquants"),
)


def governance_note(ref: Referential) -> str:
    """What « Réunions prévues par la gouvernance (minimum) » adds up (section 4.1 of the
    contract, instance by instance, with the remarks of gouvernance.yaml where the contract
    says two things), and how it differs from the ANIM action's own target for
    `reunions_instances` (actions.yaml): the two rates do not measure the same thing, and
    the reader is told which is which."""
    parts = [f"{i.libelle} {i.reunions_min_par_an}" for i in ref.instances if i.reunions_min_par_an]
    total = sum(i.reunions_min_par_an for i in ref.instances)
    note = (
        "Réunions prévues : le minimum par an que fixe la section 4.1 du contrat, instance par instance "
        f"({', '.join(parts)}), soit {total} par an."
    )
    note += "".join(f" {i.libelle} : {i.remarque}." for i in ref.instances if i.remarque)
    anim = ref.actions.get("ANIM")
    targets = sorted(
        {
            int(v)
            for ia in (anim.indicateurs if anim else [])
            if ia.code == "reunions_instances"
            for v in ia.cibles.values()
        }
    )
    if targets:
        shown = str(targets[0]) if len(targets) == 1 else f"{targets[0]} à {targets[-1]}"
        note += (
            " Le taux de réalisation de l'indicateur « Réunions des instances du contrat » compare, lui, à la "
            f"cible de l'action ANIM ({shown} par an) : ce sont deux références différentes."
        )
    return note


INDIRECT = "Mesure indirecte"  # the words that open the note of an effect measured by a proxy


def indirect_note(effet: str, why: str) -> str:
    """The note of an effect the referential says is measured only indirectly
    (`mesure_indirecte`), as the question's sheet prints it under its table: the effect named,
    then why (the report prints it under the effect's own heading, without the name)."""
    return f"{INDIRECT} (effet « {effet} ») : {why}"
