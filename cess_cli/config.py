"""Configuration, resolved in one place.

Precedence, highest first: command-line flag > `cess.toml` (the file given by
--config, else `cess.toml` in the current folder) > built-in defaults.
Relative paths in `cess.toml` are relative to the folder holding that file.

Every value is checked here, before any command starts (and before `cess batch` takes
its lock): numbers finite and within bounds, never a boolean where a number is
expected, the output folder not a file. Errors are French `CessError`s (exit 2).
"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path
from typing import Any

import tomli
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cess_cli.findings import CessError
from cess_cli.french_errors import os_error_message, pydantic_location, pydantic_message, syntax_message
from cess_cli.reading.limits import Limits
from cess_cli.referential.loading import Referential, load_referential
from cess_cli.suggestions import did_you_mean


class LimitsConfig(BaseModel):
    """The `[limites]` table. Strict: a boolean or a quoted number is refused, not
    converted; no `inf` or `nan`; each bound has a ceiling that keeps it meaningful."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)
    taille_max_fichier_mo: float = Field(default=20, gt=0, le=10_240)
    entrees_zip_max: int = Field(default=500, gt=0, le=1_000_000)
    taille_decompressee_max_mo: float = Field(default=200, gt=0, le=102_400)
    taux_compression_max: float = Field(default=200, gt=1, le=100_000)
    lignes_max: int = Field(default=10_000, gt=0, le=1_048_576)  # Excel's own maxima
    colonnes_max: int = Field(default=50, gt=0, le=16_384)
    secondes_par_fichier: float = Field(default=30, gt=0, le=86_400)
    memoire_par_processus_mo: int = Field(default=1024, ge=256, le=1_048_576)

    def to_limits(self) -> Limits:
        mib = 1024 * 1024
        return Limits(
            max_file_bytes=int(self.taille_max_fichier_mo * mib),
            max_entries=self.entrees_zip_max,
            max_inflated_bytes=int(self.taille_decompressee_max_mo * mib),
            max_ratio=self.taux_compression_max,
            max_rows=self.lignes_max,
            max_columns=self.colonnes_max,
            max_memory_bytes=self.memoire_par_processus_mo * mib,
        )


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid")
    bilans: Path = Path("bilans")
    sortie: Path = Path("out")
    referentiel: Path | None = None  # None: the referential shipped with cess
    limites: LimitsConfig = LimitsConfig()
    echeances: dict[int, date] = {}  # overrides the referential's transmission deadlines
    source: Path | None = None  # the cess.toml that was read, if any

    def limits(self) -> Limits:
        return self.limites.to_limits()


def load_configured_referential(cfg: Config) -> Referential:
    """The referential named by the configuration, with its deadlines overridden if asked."""
    ref = load_referential(cfg.referentiel)
    if not cfg.echeances:
        return ref
    outside = sorted(y for y in cfg.echeances if y not in ref.periode)
    if outside:
        raise CessError(f"Configuration : échéance pour {outside[0]}, hors de la période du contrat.")
    contrat = ref.contrat.model_copy(update={"echeances": {**ref.contrat.echeances, **cfg.echeances}})
    return dataclasses.replace(ref, contrat=contrat, _models={})


def resolve(
    config_file: Path | None = None,
    *,
    bilans: Path | None = None,
    sortie: Path | None = None,
    referentiel: Path | None = None,
    cwd: Path | None = None,
) -> Config:
    """The configuration (SPEC §7): flag > cess.toml (`config_file`, else `cess.toml` in
    `cwd`) > defaults. Relative paths in the file are relative to its folder. Raises
    `CessError` (exit 2) on a missing or bad configuration file."""
    cwd = cwd or Path.cwd()
    data: dict[str, Any] = {}
    source: Path | None = None
    if config_file is not None:
        if not config_file.is_file():
            raise CessError(f"Fichier de configuration introuvable : {config_file}")
        source = config_file
    elif (cwd / "cess.toml").is_file():
        source = cwd / "cess.toml"
    if source is not None:
        data = _read_toml(source)
        base = source.parent
        for key in ("bilans", "sortie", "referentiel"):
            if isinstance(data.get(key), str):
                data[key] = str((base / data[key]).resolve())
    try:
        config = Config.model_validate({**data, "source": source})
    except ValidationError as exc:
        where = source or "par défaut"
        problems = [f"  {pydantic_location(e['loc'])} : {pydantic_message(e)}{_key_hint(e)}" for e in exc.errors()]
        raise CessError(f"Configuration {where} invalide :\n" + "\n".join(problems)) from None
    updates = {
        k: v for k, v in {"bilans": bilans, "sortie": sortie, "referentiel": referentiel}.items() if v is not None
    }
    config = config.model_copy(update=updates)
    _check_folders(config)
    return config


def _key_hint(error: Any) -> str:
    """For an unknown key of cess.toml, the known key it was likely meant for:
    « Vouliez-vous dire « limites » ? » (a space first), else ""."""
    if error["type"] != "extra_forbidden":
        return ""
    model: Any = Config
    for part in error["loc"][:-1]:  # down to the table that holds the key
        field = model.model_fields.get(str(part))
        model = field.annotation if field is not None else None
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return ""
    meant = did_you_mean(str(error["loc"][-1]), [k for k in model.model_fields if k != "source"])
    return f" {meant}" if meant else ""


def _read_toml(source: Path) -> dict[str, Any]:
    try:
        text = source.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CessError(f"Configuration {source} illisible : le fichier n'est pas en UTF-8.") from None
    except OSError as exc:
        raise CessError(f"Configuration {source} illisible ({os_error_message(exc)}).") from None
    try:
        return tomli.loads(text)
    except tomli.TOMLDecodeError as exc:
        detail = syntax_message("TOML", exc.lineno, exc.colno, text)
        raise CessError(f"Configuration {source} illisible : {detail}") from None


def _check_folders(config: Config) -> None:
    """An output or input folder that names an existing file is a configuration error
    (the referential's folder is checked where it is loaded: `loading.require_folder`)."""
    for key, option, label in (("sortie", "out", "dossier de sortie"), ("bilans", "bilans", "dossier des bilans")):
        path: Path = getattr(config, key)
        if path.exists() and not path.is_dir():
            raise CessError(
                f"Configuration : le {label} « {path} » est un fichier, pas un dossier "
                f"(option --{option} ou clé « {key} » de cess.toml)."
            )
