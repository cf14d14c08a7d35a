from __future__ import annotations

import pytest

from cess_cli.referential.loading import Referential, load_referential


@pytest.fixture(scope="session")
def ref() -> Referential:
    return load_referential()
