"""The `cess` command line (the only package that imports typer)."""

from cess_cli.cli.app import app, main

__all__ = ["app", "main"]
