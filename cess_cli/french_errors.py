"""French messages for the errors of the libraries that read cess's own files.

pydantic errors are translated from their `type` and `ctx` (never from their English
`msg`); TOML and YAML syntax errors are given with their line, column and the line
itself, the library's English reason left out. Used by the configuration (`config.py`)
and by the referential loader, beneath every other step.
"""

from __future__ import annotations

import errno
import math
from collections.abc import Mapping
from datetime import date
from typing import Any

from cess_cli.wording import count, french_date

# pydantic error types whose message is a count: (ctx key, bound, singular, plural), so that
# the words agree with the number (« au moins 1 élément attendu », « au plus 3 caractères attendus »)
_COUNTED: dict[str, tuple[str, str, str, str]] = {
    "too_short": ("min_length", "au moins", "élément attendu", "éléments attendus"),
    "too_long": ("max_length", "au plus", "élément attendu", "éléments attendus"),
    "string_too_short": ("min_length", "au moins", "caractère attendu", "caractères attendus"),
    "string_too_long": ("max_length", "au plus", "caractère attendu", "caractères attendus"),
}

# pydantic error type -> French template; `{name}` fields come from the error's ctx.
_PYDANTIC: dict[str, str] = {
    "missing": "champ obligatoire absent",
    "extra_forbidden": "clé inconnue",
    "literal_error": "valeur non autorisée (valeurs possibles : {expected})",
    "enum": "valeur non autorisée (valeurs possibles : {expected})",
    "string_pattern_mismatch": "format invalide (motif attendu : {pattern})",
    "greater_than": "doit être supérieur à {gt}",
    "greater_than_equal": "doit être supérieur ou égal à {ge}",
    "less_than": "doit être inférieur à {lt}",
    "less_than_equal": "doit être au plus {le}",
    "multiple_of": "doit être un multiple de {multiple_of}",
    "finite_number": "un nombre fini est attendu",
    "int_type": "un nombre entier est attendu",
    "int_parsing": "un nombre entier est attendu",
    "int_from_float": "un nombre entier est attendu (sans décimales)",
    "int_parsing_size": "nombre entier trop grand",
    "float_type": "un nombre est attendu",
    "float_parsing": "un nombre est attendu",
    "decimal_type": "un nombre est attendu",
    "decimal_parsing": "un nombre est attendu",
    "bool_type": "true ou false est attendu",
    "bool_parsing": "true ou false est attendu",
    "string_type": "un texte est attendu",
    "bytes_type": "un texte est attendu",
    "date_type": "une date AAAA-MM-JJ est attendue",
    "date_parsing": "une date AAAA-MM-JJ est attendue",
    "date_from_datetime_parsing": "une date AAAA-MM-JJ est attendue",
    "date_from_datetime_inexact": "une date sans heure est attendue",
    "datetime_type": "une date et heure est attendue",
    "datetime_parsing": "une date et heure est attendue",
    "datetime_from_date_parsing": "une date et heure est attendue",
    "time_type": "une heure est attendue",
    "time_parsing": "une heure est attendue",
    "path_type": "un chemin (texte) est attendu",
    "list_type": "une liste est attendue",
    "tuple_type": "une liste est attendue",
    "set_type": "une liste est attendue",
    "frozen_set_type": "une liste est attendue",
    "iterable_type": "une liste est attendue",
    "dict_type": "une table (clé = valeur) est attendue",
    "model_type": "une table (clé = valeur) est attendue",
    "model_attributes_type": "une table (clé = valeur) est attendue",
    "dataclass_type": "une table (clé = valeur) est attendue",
    "none_required": "aucune valeur n'est attendue",
    "is_instance_of": "type de valeur inattendu",
    "union_tag_invalid": "valeur non autorisée (valeurs possibles : {expected_tags})",
    "union_tag_not_found": "la clé « {discriminator} » est obligatoire",
    "url_type": "une adresse web est attendue",
    "url_parsing": "adresse web invalide",
    "uuid_type": "un identifiant UUID est attendu",
    "uuid_parsing": "identifiant UUID invalide",
    "json_invalid": "JSON invalide",
    "recursion_loop": "référence circulaire",
    "frozen_field": "valeur non modifiable",
    "frozen_instance": "valeur non modifiable",
    "assertion_error": "condition non respectée",
}


def pydantic_message(error: Mapping[str, Any]) -> str:
    """One pydantic error (an item of `ValidationError.errors()`) in French, from its `type`
    and `ctx`, with the value found when it is a plain value: « doit être au plus 10 240
    (trouvé : 1e+300) ». A custom validator's `ValueError` (type `value_error`) is cess's
    own French text and is kept; an unknown type gives « valeur invalide »."""
    etype = str(error.get("type", ""))
    ctx = dict(error.get("ctx") or {})
    if etype == "value_error" and "error" in ctx:
        label = str(ctx["error"])
    elif etype in _COUNTED and isinstance(ctx.get(_COUNTED[etype][0]), int):
        key, bound, one, many = _COUNTED[etype]
        label = f"{bound} {count(ctx[key], one, many)}"
    else:
        template = _PYDANTIC.get(etype, "valeur invalide")
        values = {key: _shown(value) for key, value in ctx.items()}
        if "expected" in values:  # pydantic joins the allowed values with an English « or »
            values["expected"] = values["expected"].replace(" or ", ", ")
        label = template.format_map(_Blank(values))
    found = error.get("input")
    if etype == "missing" or found is None or isinstance(found, dict | list | tuple | set):
        return f"{label}."
    shown = f"« {found} »" if isinstance(found, str) else _shown(found)
    return f"{label} (trouvé : {shown})."


def pydantic_location(loc: tuple[Any, ...]) -> str:
    """A pydantic location as the user wrote it: `limites.lignes_max`, `actions[3].code`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def syntax_message(kind: str, line: int | None, column: int | None, text: str) -> str:
    """A syntax error of a TOML or YAML file, in French, with its line, column and the line
    itself under a caret: « syntaxe TOML invalide ligne 3, colonne 10 : » + the line.
    `line` and `column` count from 1; `text` is the whole file."""
    if line is None:
        return f"syntaxe {kind} invalide."
    where = f"ligne {line}" + (f", colonne {column}" if column else "")
    lines = text.splitlines()
    if not 1 <= line <= len(lines):
        return f"syntaxe {kind} invalide {where}."
    shown = lines[line - 1].expandtabs(1)
    caret = " " * max((column or 1) - 1, 0) + "^"
    return f"syntaxe {kind} invalide {where} :\n    {shown}\n    {caret}"


# errno -> (what it is, for a file cess reads; what it means and what to do, for a file it
# writes): one table, so that both forms of an error are worded, or missing, together
_OS_ERRORS: dict[int, tuple[str, str]] = {
    errno.ENOENT: (
        "introuvable",
        "fichier ou dossier introuvable (déplacé ou supprimé pendant l'exécution ?) : relancez",
    ),
    errno.ENOTDIR: (
        "introuvable (un élément du chemin n'est pas un dossier)",
        "un fichier porte le nom d'un dossier attendu : déplacez-le ou supprimez-le",
    ),
    errno.EACCES: (
        "droits insuffisants",
        "droits insuffisants : donnez à cess le droit d'écrire dans ce dossier, ou choisissez-en un autre",
    ),
    errno.EPERM: ("opération non permise", "opération refusée par le système : vérifiez les droits du dossier"),
    errno.EISDIR: (
        "c'est un dossier",
        "un dossier porte le nom du fichier à écrire : déplacez-le ou supprimez-le",
    ),
    errno.ELOOP: (
        "trop de liens symboliques",
        "un lien symbolique se trouve à la place du fichier : cess n'écrit jamais à travers un lien",
    ),
    errno.ENAMETOOLONG: ("nom trop long", "nom ou chemin trop long : choisissez un dossier au chemin plus court"),
    errno.ENOSPC: ("disque plein", "plus de place sur le disque : libérez de la place, puis relancez"),
    errno.EDQUOT: (
        "quota disque dépassé",
        "quota disque dépassé : libérez de la place ou faites relever le quota, puis relancez",
    ),
    errno.EROFS: (
        "système de fichiers en lecture seule",
        "le dossier est en lecture seule : choisissez un dossier où cess peut écrire",
    ),
    errno.EEXIST: ("existe déjà", "un fichier de ce nom existe déjà et n'a pas été remplacé"),
    errno.EIO: ("erreur d'entrée-sortie", "erreur d'entrée-sortie du disque : vérifiez le disque, puis relancez"),
    errno.EBUSY: (
        "occupé par un autre programme",
        "fichier ou dossier occupé par un autre programme : fermez-le, puis relancez",
    ),
    errno.EMFILE: ("trop de fichiers ouverts à la fois", "trop de fichiers ouverts à la fois : relancez"),
    errno.ENFILE: (
        "trop de fichiers ouverts sur la machine",
        "trop de fichiers ouverts sur la machine : relancez plus tard",
    ),
}


def os_error_message(exc: OSError) -> str:
    """An `OSError` met while reading, in French from its errno (« introuvable », « droits
    insuffisants »); an error without French words is `unworded_os_error`, never the
    system's English alone."""
    return _worded(exc, 0)


def os_error_advice(exc: OSError) -> str:
    """An `OSError` met while writing, in French: what it means and what to do (« plus de
    place sur le disque : libérez de la place, puis relancez »); `unworded_os_error` when
    cess has no words for it. `outputs.atomic.os_error_text` adds the file's name."""
    return _worded(exc, 1)


def _worded(exc: OSError, form: int) -> str:
    worded = _OS_ERRORS.get(exc.errno or -1)
    return worded[form] if worded else unworded_os_error(exc)


def unworded_os_error(exc: OSError) -> str:
    """An `OSError` cess has no French words for: « erreur du système (…) », the system's
    own words (or the exception's class) in brackets, so that nothing is hidden."""
    return f"erreur du système ({exc.strerror or type(exc).__name__})"


def _shown(value: Any) -> str:
    """A value as the user typed it (numbers in French form, text as is)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isinf(value) or math.isnan(value):
            return str(value)
        if abs(value) >= 1e15:
            return f"{value:g}"
        if value.is_integer():
            return f"{int(value):,}".replace(",", "\u202f")
        return f"{value:,}".replace(",", "\u202f").replace(".", ",")
    if isinstance(value, int):
        return f"{value:,}".replace(",", "\u202f")
    if isinstance(value, date):  # a date a user reads is JJ/MM/AAAA
        return french_date(value)
    return str(value)


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "?"
