"""The catalogue of finding codes: severity, French message template and hint, in one table.

A code always means the same thing and reads the same way; `make` builds a
`Finding` from it. Every code a user can meet is listed here (README, SPEC §5).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from cess_cli.catalogue_files import FILE_CODES
from cess_cli.catalogue_runs import RUN_CODES
from cess_cli.findings import Finding, Severity
from cess_cli.wording import french_date, french_value, typed_number

E, W = Severity.ERREUR, Severity.AVERTISSEMENT


# code -> (severity, message template, hint). Templates use str.format fields. The codes of the
# file itself are in catalogue_files.py, those of the referential and of the consolidation in
# catalogue_runs.py, joined here: one table.
CATALOGUE: dict[str, tuple[Severity, str, str]] = {
    **FILE_CODES,  # first: the catalogue keeps the order of a reader, the file before its sheets
    # structure
    "feuille.manquante": (
        E,
        "La feuille « {attendu} » est absente (feuilles trouvées : {trouve}).",
        "Partez du modèle fourni et ne renommez pas ses feuilles.",
    ),
    "feuille.en_double": (
        E,
        "Deux feuilles correspondent à « {attendu} » : {trouve}.",
        "Supprimez ou renommez l'une des deux : cess ne choisit pas à votre place.",
    ),
    "entete.decalee": (
        E,
        "L'en-tête de la feuille est en ligne {trouve} au lieu de la ligne 1 (au-dessus : {detail}).",
        "Supprimez les lignes au-dessus de l'en-tête (titre, lignes vides) : l'en-tête doit être en ligne 1.",
    ),
    "cellule.fusionnee": (
        W,
        "Cellules {detail} fusionnées : la valeur « {trouve} » est lue sur chacune de leurs lignes.",
        "Pour l'éviter, annulez la fusion et recopiez la valeur sur chaque ligne.",
    ),
    "cellule.fusionnee_valeur": (
        E,
        "Cellules {detail} fusionnées sur plusieurs lignes de la colonne « {attendu} » : la valeur « {trouve} » ne "
        "peut pas valoir pour plusieurs lignes ; elle n'est pas lue.",
        "Annulez la fusion (Accueil > Fusionner et centrer) et saisissez la valeur de chaque ligne dans sa cellule.",
    ),
    "colonne.en_double": (
        E,
        "La colonne « {attendu} » apparaît plusieurs fois dans l'en-tête : {trouve}.",
        "Supprimez ou renommez l'une des colonnes : cess ne choisit pas à votre place.",
    ),
    "feuille.masquee": (
        W,
        "La feuille « {trouve} », celle que cess lit, est masquée, alors que la feuille visible « {detail} » porte "
        "un nom voisin ; cess ne lit pas « {detail} ».",
        "Si vos chiffres sont dans « {detail} », recopiez-les dans « {trouve} » (ou supprimez la feuille masquée "
        "et renommez « {detail} » en « {attendu} »).",
    ),
    "colonne.manquante": (
        E,
        "La colonne « {attendu} » est absente de la ligne d'en-tête (trouvé : {trouve}).",
        "Rétablissez l'en-tête du modèle en ligne 1.",
    ),
    "modele.version_inconnue": (
        E,
        "Version de modèle « {trouve} » inconnue ou retirée (versions acceptées : {attendu}).",
        "Demandez à la CRESS le modèle à jour et recopiez-y vos chiffres.",
    ),
    "modele.version_absente": (
        W,
        "La version du modèle (version_modele) n'est pas indiquée ; le format {attendu} est supposé.",
        "Partez du modèle fourni par la CRESS.",
    ),
    # identification
    "identification.manquant": (E, "« {attendu} » n'est pas renseigné.", "Complétez la cellule."),
    "identification.cle_inconnue": (
        W,
        "Clé « {trouve} » inconnue dans l'identification ; elle est ignorée.",
        "{suggestion}Supprimez cette ligne ou rétablissez la clé du modèle.",
    ),
    "identification.cle_dupliquee": (
        E,
        "La clé « {trouve} » apparaît plusieurs fois (aussi en {detail}).",
        "Gardez une seule ligne.",
    ),
    "action.inconnue": (
        E,
        "Action « {trouve} » inconnue du contrat.",
        "{suggestion}Indiquez le code de votre action tel qu'il figure dans le plan d'actions (ex. III_1.1.3).",
    ),
    "action.feuilles_autre_action": (
        E,
        "Le code action est {trouve}, mais les feuilles de ce bilan sont celles de l'action {attendu} "
        "« {libelle} » (indicateurs {detail}) : le reste du bilan n'est pas vérifié.",
        "Vérifiez le code de l'action : si ce bilan est celui de l'action {attendu}, écrivez {attendu} dans "
        "cette cellule ; sinon, demandez à la CRESS le modèle de l'action {trouve} et recopiez-y vos chiffres.",
    ),
    "annee.hors_contrat": (
        E,
        "Année {trouve} hors de la période du contrat ({attendu}).",
        "Indiquez l'année du bilan (2014, 2015 ou 2016), ou partez du modèle de la bonne année.",
    ),
    "annee.action_inactive": (
        E,
        "L'action {detail} n'est pas active en {trouve} (années actives : {attendu}).",
        "Vérifiez l'année et le code de l'action, ou demandez le modèle de la bonne année à la CRESS.",
    ),
    "identification.date_anterieure": (
        E,
        "La date de transmission {trouve} précède l'année du bilan (au plus tôt le {attendu}).",
        "Indiquez la date réelle d'envoi du bilan (JJ/MM/AAAA) ; une année seule (2016) se lit comme une date de 1905.",
    ),
    "identification.email_invalide": (
        E,
        "Adresse électronique invalide : « {trouve} » ({detail}).",
        "Indiquez une adresse de la forme nom@domaine.fr.",
    ),
    "identification.siret_invalide": (
        E,
        "SIRET invalide : « {trouve} » ({detail}).",
        "Le SIRET compte 14 chiffres ; recopiez-le depuis l'avis de situation INSEE.",
    ),
    "identification.date_future": (
        E,
        "La date de transmission {trouve} est dans le futur (aujourd'hui : {attendu}).",
        "Indiquez la date réelle d'envoi du bilan (JJ/MM/AAAA).",
    ),
    "identification.version_invalide": (
        E,
        "Version « {trouve} » invalide : un entier à partir de 1 est attendu.",
        "Indiquez 1 pour un premier envoi, puis 2, 3… pour un bilan corrigé.",
    ),
    "transmission.retard": (
        W,
        "Bilan transmis le {trouve}, après l'échéance du {attendu}.",
        "Pour information : ce retard ne bloque pas le bilan. {detail}",
    ),
    # values
    "valeur.non_numerique": (
        E,
        "Valeur « {trouve} » : un nombre est attendu.",
        "Saisissez un nombre, sans texte (par exemple 1234 ou 1234,5).",
    ),
    "valeur.non_entiere": (
        E,
        "Valeur {trouve} : un nombre entier est attendu (unité « nombre »).",
        "Saisissez un nombre entier (sans décimale).",
    ),
    "valeur.negative": (
        E,
        "Valeur {trouve} négative : une valeur positive ou nulle est attendue.",
        "Saisissez une valeur positive, ou 0 si elle est réellement nulle.",
    ),
    "valeur.demesuree": (
        E,
        "Valeur {trouve} démesurée : au-delà de {attendu}, le plus grand chiffre qu'un bilan puisse porter.",
        "Vérifiez la valeur : des zéros en trop ou un exposant (1E+29) sont probables.",
    ),
    "valeur.erreur_excel": (
        E,
        "La cellule contient l'erreur de calcul {trouve} au lieu d'une valeur.",
        "Corrigez la formule ou saisissez la valeur.",
    ),
    "nombre.ambigu": (
        E,
        "Nombre ambigu « {trouve} » : séparateur de milliers ou virgule décimale ?",
        "Saisissez le nombre sans séparateur de milliers (par exemple 1234), ses décimales après une virgule "
        "(par exemple 1234,5), ou tapez-le dans une cellule au format nombre.",
    ),
    "valeur.pourcentage": (
        E,
        "Valeur « {trouve} » : un pourcentage n'est pas accepté dans cette cellule ({detail}).",
        "Saisissez la valeur elle-même, dans l'unité de la ligne et sans le signe %.",
    ),
    "nombre.texte": (
        W,
        "Nombre saisi comme texte « {trouve} », lu comme {attendu}.",
        "Saisissez-le comme un nombre.",
    ),
    "formule.sans_valeur": (
        E,
        "La cellule contient une formule sans valeur calculée enregistrée.",
        "Ouvrez le classeur dans Excel ou LibreOffice, laissez-le recalculer, enregistrez-le puis renvoyez-le.",
    ),
    "ligne.incomplete": (
        E,
        "Ligne incomplète : « {attendu} » n'est pas renseigné{detail}.",
        "Complétez la ligne ou supprimez-la.",
    ),
    "valeur.trop_longue": (
        E,
        "Texte de {trouve} caractères : au-delà de la limite d'une cellule Excel ({attendu}).",
        "Raccourcissez le texte.",
    ),
    "valeur.invalide": (E, "Valeur « {trouve} » invalide ({detail}).", "Corrigez la valeur de la cellule."),
    "texte.invisible": (
        W,
        "Caractère invisible ({detail}) retiré de « {trouve} ».",
        "Rien à faire ; pour l'éviter, retapez le texte au lieu de le coller.",
    ),
    "texte.apostrophe": (
        W,
        "Apostrophe initiale ignorée : « {trouve} » est lu comme {attendu}.",
        "Rien à faire ; vous pouvez retirer l'apostrophe.",
    ),
    "date.invalide": (
        E,
        "Date « {trouve} » illisible : une date JJ/MM/AAAA (ou « 15 mars 2016 ») est attendue.",
        "Saisissez la date au format JJ/MM/AAAA.",
    ),
    "date.texte": (
        W,
        "Date saisie comme texte « {trouve} », lue comme le {attendu}.",
        "Saisissez-la comme une date.",
    ),
    # indicators
    "indicateur.manquant": (
        E,
        "L'indicateur obligatoire « {attendu} » n'a pas de valeur (une cellule vide n'est pas un zéro).",
        "Saisissez la valeur, ou 0 si elle est réellement nulle.",
    ),
    "indicateur.inconnu": (
        E,
        "Indicateur « {trouve} » inconnu pour l'action {detail}.",
        "{suggestion}Gardez les lignes du modèle.",
    ),
    "indicateur.duplique": (
        E,
        "L'indicateur « {trouve} » apparaît plusieurs fois (aussi en {detail}).",
        "Gardez une seule ligne.",
    ),
    "indicateur.ecart_cible": (
        W,
        "La valeur {trouve} de « {detail} » est loin de la cible de l'année ({attendu}, {part}), sans commentaire.",
        "Si la valeur est juste, expliquez l'écart dans la colonne « commentaire » ; sinon corrigez-la.",
    ),
    "indicateur.calcule": (
        W,
        "« {trouve} » est calculé par cess ; la valeur saisie est ignorée.",
        "Laissez la cellule vide : cess calcule ce taux à partir de ses deux termes.",
    ),
    "cumul.ignore": (
        W,
        "Cumul de la période saisi dans le bilan {detail}, qui n'est pas la dernière année de l'action "
        "({attendu}) : il n'est pas lu.",
        "Laissez la colonne cumul_periode vide : seul le bilan de la dernière année de l'action la renseigne.",
    ),
    "cumul.manquant": (
        E,
        "Le cumul sur la période de « {attendu} » est obligatoire dans le bilan de la dernière année ({detail}).",
        "Indiquez le total 2014-2016 dans la colonne cumul_periode.",
    ),
    # financing
    "financeur.inconnu": (
        E,
        "Financeur « {trouve} » inconnu.",
        "{suggestion}Codes acceptés : {attendu}.",
    ),
    "financeur.duplique": (
        E,
        "Le financeur « {trouve} » apparaît plusieurs fois (aussi en {detail}).",
        "Gardez une seule ligne par financeur.",
    ),
    # territories
    "departement.inconnu": (E, "Département « {trouve} » inconnu.", "{suggestion}Codes acceptés : {attendu}."),
    "departement.format": (
        W,
        "Département « {trouve} » lu comme « {attendu} ».",
        "Saisissez le code sur deux chiffres.",
    ),
    "territoire.indicateur_inconnu": (
        E,
        "« {trouve} » n'est pas un indicateur territorialisé de l'action.",
        "{suggestion}Indicateurs à ventiler : {attendu}.",
    ),
    "territoire.somme": (
        E,
        "La ventilation par département de « {detail} » totalise {trouve}, différent de la valeur déclarée {attendu}.",
        "La somme des lignes Territoires doit égaler la valeur de la feuille Indicateurs.",
    ),
    "territoire.qpv_superieur": (
        E,
        "dont_qpv ({trouve}) dépasse la valeur de la ligne ({attendu}).",
        "La part en QPV est comprise entre 0 et la valeur de la ligne.",
    ),
    "territoire.zrr_superieur": (
        E,
        "dont_zrr ({trouve}) dépasse la valeur de la ligne ({attendu}).",
        "La part en ZRR est comprise entre 0 et la valeur de la ligne.",
    ),
    "territoire.duplique": (
        E,
        "La ligne {trouve} apparaît plusieurs fois (aussi en {detail}).",
        "Gardez une seule ligne par département et indicateur.",
    ),
    # qualitative
    "qualitatif.manquant": (
        E,
        "La rubrique « {attendu} » du bilan qualitatif est vide.",
        "Décrivez les réalisations de l'année.",
    ),
    "qualitatif.duplique": (
        E,
        "La rubrique « {trouve} » apparaît plusieurs fois (aussi en {detail}) : cess ne choisit pas entre les textes.",
        "Gardez une seule ligne par rubrique : réunissez les textes dans une même cellule.",
    ),
    "qualitatif.rubrique_libelle": (
        W,
        "Rubrique « {trouve} » lue comme « {attendu} ».",
        "Écrivez le code de la rubrique ({attendu}) dans la colonne rubrique.",
    ),
    "qualitatif.rubrique_inconnue": (
        W,
        "Rubrique « {trouve} » inconnue ; elle est ignorée.",
        "{suggestion}Rubriques : {attendu}.",
    ),
    # cross-indicator rules (one stable code per rule: regle.<code of the rule>)
    "regle": (E, "{detail} ({trouve}).", "Corrigez l'une des deux valeurs pour que la règle soit respectée."),
    **RUN_CODES,
}


def make(
    code: str,
    file: str,
    sheet: str | None = None,
    cell: str | None = None,
    *,
    severity: Severity | None = None,
    message: str | None = None,
    **fields: Any,
) -> Finding:
    """Build a finding from the catalogue. Unknown template fields render as empty."""
    base = code.split(".", 1)[0] if code.startswith("regle.") else code
    sev, template, hint = CATALOGUE[base]
    values = _Blank({k: _fmt(v) for k, v in fields.items()})
    return Finding(
        code=code,
        severity=severity or sev,
        file=file,
        sheet=sheet,
        cell=cell,
        message=message or template.format_map(values).rstrip(),  # a blank last field leaves no space
        hint=hint.format_map(values),
    )


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def _fmt(value: Any) -> str:
    """A field as a French message shows it: numbers in French form, dates JJ/MM/AAAA,
    anything else a cell may hold in French (`wording.french_value`: VRAI, 36:00:00)."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        return typed_number(value)
    if isinstance(value, date):  # a datetime too: the day is what a finding speaks of
        return french_date(value)
    return value if isinstance(value, str) else french_value(value)
