"""The finding codes of the referential (schemas/) and of the consolidation (bilans that do not
count, cumuls, plausibility): part of the one catalogue of `catalogue.py`, which joins them.
"""

from __future__ import annotations

from cess_cli.findings import Severity

E, W = Severity.ERREUR, Severity.AVERTISSEMENT

# code -> (severity, message template, hint), as in catalogue.CATALOGUE
RUN_CODES: dict[str, tuple[Severity, str, str]] = {
    # the referential itself (schemas/)
    "referentiel.fichier": (
        E,
        "{detail}",
        "Vérifiez le dossier du référentiel (option --schemas ou cess.toml).",
    ),
    "referentiel.format": (E, "{detail}", ""),
    "referentiel.doublon": (E, "Code « {trouve} » en double (déjà défini en {detail}).", ""),
    "referentiel.reference_inconnue": (E, "{detail} « {trouve} » inconnu{attendu}.", ""),
    "referentiel.ratio_incomplet": (E, "{detail}", ""),
    "referentiel.cible": (E, "{detail}", ""),
    "referentiel.regle": (E, "{detail}", ""),
    "referentiel.question": (E, "{detail}", ""),
    # consolidation
    "bilan.conflit": (
        E,
        "Même action {detail}, même année et même version {trouve} que {attendu}, avec un contenu différent : "
        "aucun de ces bilans n'est compté.",
        "Demandez au porteur lequel est le bon : il le renvoie avec une version supérieure.",
    ),
    "bilan.manquant": (E, "Bilan {detail} {trouve} attendu mais non reçu.", "Relancez le porteur."),
    "bilan.invalide": (
        E,
        "Bilan {detail} invalide ({trouve}) : non compté. {attendu}",
        "Le porteur reçoit la liste de ses corrections (fichier de retour de cess) et renvoie le bilan corrigé "
        "avec une version supérieure.",
    ),
    "bilan.remplace": (
        W,
        "Version {trouve} du bilan {detail} remplacée par la version {attendu} : non comptée.",
        "Rien à faire : seule la version la plus haute d'un bilan compte.",
    ),
    "bilan.copie": (
        W,
        "Copie identique de « {attendu} » ({detail}) : pas un nouvel envoi, non comptée en plus.",
        "Rien à faire : l'original est compté une fois ; la copie peut être supprimée du dossier des bilans.",
    ),
    "bilan.non_identifie": (
        E,
        "Fichier non identifié (action ou année absente ou illisible) : non compté. {detail}",
        "Voir les constats de validation du fichier ; demandez au porteur un bilan lisible.",
    ),
    "bilan.hors_contrat": (
        E,
        "Bilan {trouve}, non compté. {detail}",
        "Demandez au porteur l'année de son bilan : il le renvoie avec l'année corrigée.",
    ),
    "bilan.action_inconnue": (
        E,
        "Fichier d'une action inconnue du contrat : non compté. {detail}",
        "Demandez au porteur le code de son action (plan d'actions du contrat) : il renvoie le bilan corrigé.",
    ),
    "cumul.ecart": (
        W,
        "Cumul sur la période de « {detail} » : {trouve} déclaré, {attendu} d'après les bilans annuels.",
        "Vérifiez le cumul ou les bilans des années précédentes.",
    ),
    "cumul.non_verifiable": (
        W,
        "Cumul sur la période de « {detail} » ({trouve} déclaré) non vérifiable, faute de {attendu}.",
        "Vérifiez le cumul à la main, ou obtenez le bilan manquant ou corrigé de l'année citée.",
    ),
    "plausibilite.ecart_annuel": (W, "{detail}.", "Expliquez l'écart dans un commentaire, ou corrigez la valeur."),
    "plausibilite.ecart_cible": (W, "{detail}.", "Ajoutez un commentaire qui explique l'écart à la cible."),
}
