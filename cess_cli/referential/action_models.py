"""One pydantic model per action, built from the referential with `create_model`.

The model is what a bilan is validated against; its JSON Schema is what
`cess schemas show CODE --json-schema` prints. Custom checks raise
`PydanticCustomError` whose type *is* the finding code, so that turning a
`ValidationError` into findings needs no guessing.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated, Any, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, create_model
from pydantic_core import PydanticCustomError
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import siret as stdnum_siret

if TYPE_CHECKING:
    from cess_cli.referential.loading import Referential
    from cess_cli.referential.schema import Action

_today = date.today


def _check_email(value: str) -> str:
    try:
        return _email(value)
    except EmailNotValidError as exc:
        raise PydanticCustomError(
            "identification.email_invalide", "adresse invalide", {"detail": _email_reason(exc)}
        ) from None


@lru_cache(maxsize=4096)
def _email(value: str) -> str:
    validate_email(value, check_deliverability=False)
    return value


def _email_reason(exc: EmailNotValidError) -> str:
    text = str(exc)
    if "@" in text and "sign" in text:
        return "il manque le signe @"
    if "domain" in text.lower():
        return "nom de domaine invalide"
    return "format non reconnu"


def _check_siret(value: str) -> str:
    compact, reason = _siret(value)
    if reason:
        raise PydanticCustomError("identification.siret_invalide", "SIRET invalide", {"detail": reason})
    return compact


@lru_cache(maxsize=4096)
def _siret(value: str) -> tuple[str, str]:
    """(compact SIRET, "") or (value, French reason); cached: an operator sends the same one yearly."""
    compact = re.sub(r"[\s.\u00a0\u202f-]", "", value)
    try:
        return stdnum_siret.validate(compact), ""
    except StdnumError as exc:
        return value, {
            "InvalidLength": "il faut 14 chiffres",
            "InvalidFormat": "seuls des chiffres sont attendus",
            "InvalidChecksum": "la clé de contrôle ne correspond pas",
        }.get(type(exc).__name__, "numéro invalide")


def _check_after_year_start(value: date, info: ValidationInfo) -> date:
    """A bilan reports on its year: sent before the year began, its date is a typing error
    (a year alone, 2016, is read by Excel as 08/07/1905; a 1, as 01/01/1900)."""
    year = info.data.get("annee")
    if isinstance(year, int) and value < date(year, 1, 1):
        raise PydanticCustomError(
            "identification.date_anterieure", "date antérieure à l'année du bilan", {"attendu": f"01/01/{year}"}
        )
    return value


def _check_not_future(value: date) -> date:
    if value > _today():
        raise PydanticCustomError("identification.date_future", "date dans le futur", {})
    return value


NonEmpty = Annotated[str, Field(min_length=1)]

# The largest figure a bilan may hold (a count, an amount in euros, an ETP): a million
# million, far beyond any figure of a regional contract (its whole financing is about ten
# million euros). A value beyond it is a typing error (zeros or an exponent too many) or a
# forged file, and sums of such values would lose their precision or overflow to infinity:
# it is the error `valeur.demesuree`, not a figure (README *Checks*).
MAX_VALUE = 1e12


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LigneQualitatif(_Strict):
    realisations: NonEmpty
    resultats: str | None = None
    difficultes: str | None = None
    perspectives: str | None = None


def _safe(code: str) -> str:
    return re.sub(r"\W", "_", code)


def _lit(values: list[Any]) -> Any:
    return Literal[tuple(values)] if values else Literal[""]


def build_action_model(ref: Referential, action: Action) -> type[BaseModel]:
    """The bilan model of one action: identification, indicators, financing, territories."""
    name = _safe(action.code)
    identification = create_model(
        f"Identification_{name}",
        __base__=_Strict,
        code_action=(_lit([action.code]), ...),
        annee=(_lit(action.annees), ...),
        porteur=(NonEmpty, ...),
        siret=(Annotated[str, AfterValidator(_check_siret)] | None, None),
        contact_nom=(NonEmpty, ...),
        contact_email=(Annotated[str, AfterValidator(_check_email)], ...),
        date_transmission=(
            Annotated[date, AfterValidator(_check_not_future), AfterValidator(_check_after_year_start)],
            ...,
        ),
        version=(Annotated[int, Field(ge=1)], 1),
        version_modele=(_lit(ref.versions_actives), ...),
    )
    fields: dict[str, Any] = {}
    for ia, ind in ref.typed_indicators(action.code):
        base: Any = int if ind.unite == "nombre" else float
        annotated = Annotated[base, Field(ge=0, le=MAX_VALUE, description=f"{ind.libelle} ({ind.unite}, {ind.nature})")]
        fields[ind.code] = (annotated, ...) if ia.obligatoire else (annotated | None, None)
    indicateurs = create_model(f"Indicateurs_{name}", __base__=_Strict, **fields)
    cumul_fields: dict[str, Any] = {code: (Annotated[float, Field(ge=0, le=MAX_VALUE)] | None, None) for code in fields}
    cumuls = create_model(f"Cumuls_{name}", __base__=_Strict, **cumul_fields)
    montant = Annotated[float, Field(ge=0, le=MAX_VALUE)] | None
    financement = create_model(
        f"Financement_{name}",
        __base__=_Strict,
        financeur=(_lit(ref.codes_financeurs), ...),
        montant_prevu=(montant, None),
        montant_obtenu=(montant, None),
        commentaire=(str | None, None),
    )
    territorial = [ind.code for _, ind in ref.typed_indicators(action.code) if ind.territorial]
    territoire = create_model(
        f"Territoire_{name}",
        __base__=_Strict,
        departement=(_lit(ref.departements), ...),
        indicateur=(_lit(territorial), ...),
        valeur=(Annotated[float, Field(ge=0, le=MAX_VALUE)], ...),
        dont_qpv=(Annotated[float, Field(ge=0, le=MAX_VALUE)] | None, None),
        dont_zrr=(Annotated[float, Field(ge=0, le=MAX_VALUE)] | None, None),
    )
    return create_model(
        f"Bilan_{name}",
        __base__=_Strict,
        __doc__=f"Bilan annuel de l'action {action.code} — {action.libelle}",
        identification=(identification, ...),
        indicateurs=(indicateurs, ...),
        cumuls=(cumuls, ...),
        financements=(list[financement], []),  # type: ignore[valid-type]
        territoires=(list[territoire], []),  # type: ignore[valid-type]
        qualitatif=(LigneQualitatif, ...),
    )
