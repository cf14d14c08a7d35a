"""The finding codes of the file itself (pre-flight, reading, the folders walked): part of the
one catalogue of `catalogue.py`, which joins them.
"""

from __future__ import annotations

from cess_cli.findings import Severity

E, W = Severity.ERREUR, Severity.AVERTISSEMENT

# code -> (severity, message template, hint), as in catalogue.CATALOGUE
FILE_CODES: dict[str, tuple[Severity, str, str]] = {
    # the file itself
    "fichier.introuvable": (E, "Fichier introuvable : {detail}.", "Vérifiez le chemin."),
    "fichier.vide": (
        E,
        "Le fichier est vide (0 octet).",
        "Renvoyez le bilan enregistré depuis Excel.",
    ),
    "fichier.tronque": (
        E,
        "Le fichier est incomplet ou endommagé : ce n'est pas un classeur lisible ({detail}).",
        "Renvoyez le fichier : il a probablement été coupé pendant l'envoi ou la copie.",
    ),
    "fichier.chiffre": (
        E,
        "Le classeur est protégé par un mot de passe et ne peut pas être lu.",
        "Enlevez le mot de passe d'ouverture (Fichier > Informations > Protéger le classeur) puis renvoyez-le.",
    ),
    "fichier.pas_un_classeur": (
        E,
        "Le fichier n'est pas un classeur (.xlsx, .ods ou .xls) : {detail}.",
        "Partez du modèle vierge fourni par la CRESS et enregistrez-le en .xlsx.",
    ),
    "fichier.format_non_pris_en_charge": (
        E,
        "Format de fichier non pris en charge : {detail}.",
        "Enregistrez le bilan au format « Classeur Excel (.xlsx) ».",
    ),
    "fichier.trop_gros": (
        E,
        "Le fichier dépasse une limite de sécurité : {detail}.",
        "Renvoyez le bilan tel que produit par le modèle, sans données ajoutées.",
    ),
    "fichier.ignore": (
        E,
        "Fichier ignoré : {detail}.",
        "Placez un vrai fichier .xlsx dans le dossier des bilans.",
    ),
    "fichier.non_classeur": (
        W,
        "Fichier ignoré : ce n'est pas un classeur ({detail}).",
        "S'il s'agit d'un bilan, demandez au porteur son classeur (.xlsx, .ods ou .xls) ; sinon, retirez-le "
        "du dossier des bilans.",
    ),
    "fichier.pas_un_bilan": (
        E,
        "Ce classeur n'est pas un bilan : aucune des feuilles attendues ({attendu}) ; feuilles trouvées : {trouve}.",
        "Partez du modèle de bilan fourni par la CRESS pour l'action et l'année.",
    ),
    "fichier.delai": (
        E,
        "Fichier abandonné : {detail}.",
        "Le classeur est anormalement lourd ou malformé : renvoyez le bilan produit depuis le modèle.",
    ),
    "fichier.illisible": (
        E,
        "Le classeur n'a pas pu être lu : {detail}.",
        "Ouvrez-le dans Excel, enregistrez-le à nouveau en .xlsx et renvoyez-le.",
    ),
    "fichier.acces_refuse": (
        E,
        "cess n'a pas le droit de lire ce fichier ({detail}) : il n'est pas pris en compte.",
        "Donnez à cess le droit de lire ce fichier (droits du dossier partagé), puis relancez. "
        "Le porteur n'a rien à corriger : aucun retour ne lui est écrit.",
    ),
    "fichier.lecture_impossible": (
        E,
        "cess n'a pas pu lire ce fichier ({detail}) : il n'est pas pris en compte.",
        "Vérifiez le dossier partagé (un fichier ouvert par un autre programme, un disque en erreur), puis "
        "relancez. Le porteur n'a rien à corriger : aucun retour ne lui est écrit.",
    ),
    "dossier.illisible": (
        E,
        "Le dossier n'a pas pu être lu ({detail}) : les bilans qu'il contient ne sont pas pris en compte.",
        "Donnez à cess le droit de lire ce dossier (ou déplacez-en les bilans plus haut), puis relancez.",
    ),
}
