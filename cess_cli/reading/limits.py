"""Safety limits applied before any parser sees a file (the `[limites]` table of cess.toml)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Safety limits applied before any parser sees a file (configurable in cess.toml)."""

    max_file_bytes: int = 20 * 1024 * 1024
    max_entries: int = 500
    max_inflated_bytes: int = 200 * 1024 * 1024
    max_ratio: float = 200.0
    max_rows: int = 10_000
    max_columns: int = 50
    max_memory_bytes: int = 1024 * 1024 * 1024  # address space of a worker process


DEFAULT_LIMITS = Limits()
