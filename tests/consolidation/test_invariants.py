"""Hypothesis invariants of the consolidation, on synthetic collections (no files).

- input order does not matter; a stock is never summed over years; a ratio is a ratio of sums;
- superseded and invalid versions never count;
- a byte-identical copy of any bilan changes no figure and no completeness rate;
- a resubmission whose version 1 was valid keeps « valide du premier coup »;
- every input file appears in *Sources* exactly once, and every file that does not count
  appears in *Anomalies*.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cess_cli.consolidation.evaluation import Evaluation, consolidate
from cess_cli.consolidation.shared import PERIODE

from .synthetic import bilan, collection, copy_of, unreadable

YEARS = [2014, 2015, 2016]
ACTIONS = ["II_2.1.2", "II_3.1.1", "ANIM"]
TABLES = [
    "par_action",
    "par_axe",
    "par_contrat",
    "financements",
    "territoires",
    "completude",
    "q4",
    "questions",
    "tidy",
    "chiffres_cles",
    "signataires",
    "graphique_evenements",
]
counts = st.integers(min_value=0, max_value=500)
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _values(ref, action: str, draw) -> dict[str, float]:
    return {ia.code: draw(counts) for ia, _ in ref.typed_indicators(action)}


@st.composite
def bilan_sets(draw, ref):
    """Files for the three actions over 2014-2016: 0 to 3 versions per action-year, each
    valid or not, sent before or after the deadline, with financing and territories."""
    items = []
    for action in ACTIONS:
        for year in YEARS:
            for version in range(1, draw(st.integers(0, 3)) + 1):
                values = _values(ref, action, draw)
                territorial = [k for k in values if ref.indicateurs[k].territorial]
                items.append(
                    bilan(
                        action,
                        year,
                        values,
                        version=version,
                        valid=draw(st.booleans()),
                        sent=dt.date(year + 1, 3, 31) + dt.timedelta(days=draw(st.integers(-60, 60))),
                        financements=[("REGION", draw(counts), draw(counts), "Financements!C2")],
                        territoires=[("69", k, values[k], 0, 0, "Territoires!C2") for k in territorial],
                    )
                )
    return items


def _same_figures(a: Evaluation, b: Evaluation) -> None:
    for name in TABLES:
        pd.testing.assert_frame_equal(a.tables[name].reset_index(drop=True), b.tables[name].reset_index(drop=True))


@SETTINGS
@given(data=st.data())
def test_a_byte_identical_copy_changes_no_figure(ref, data):
    items = data.draw(bilan_sets(ref))
    if not items:
        return
    base = consolidate(collection(items), ref, YEARS)
    original = items[data.draw(st.integers(0, len(items) - 1))]
    stem = Path(original[0].file).stem
    name = data.draw(st.sampled_from([f"{stem} - Copie.xlsx", f"{stem} (2).xlsx", f"Copie de {stem}.xlsx"]))
    position = data.draw(st.integers(0, len(items)))
    with_copy = [*items[:position], copy_of(original, name), *items[position:]]
    after = consolidate(collection(with_copy), ref, YEARS)
    _same_figures(base, after)
    extra = Counter((f.code, f.file) for f in after.anomalies) - Counter((f.code, f.file) for f in base.anomalies)
    assert extra == Counter({("bilan.copie", name): 1})


@SETTINGS
@given(data=st.data())
def test_a_resubmission_after_a_valid_version_1_keeps_valid_at_first_submission(ref, data):
    action, year = data.draw(st.sampled_from(ACTIONS)), data.draw(st.sampled_from(YEARS))
    later = data.draw(st.lists(st.booleans(), min_size=1, max_size=3))  # validity of versions 2, 3, 4
    items = [bilan(action, year, _values(ref, action, data.draw), version=1, valid=True)]
    for v, valid in enumerate(later, start=2):
        items.append(bilan(action, year, _values(ref, action, data.draw), version=v, valid=valid))
    data.draw(st.randoms()).shuffle(items)
    comp = consolidate(collection(items), ref, [year]).tables["completude"].set_index("code_action")
    assert comp.loc[action, "valide_premiere"] == 1
    assert comp.loc[action, "versions"] == 1 + len(later)
    assert comp.loc[action, "valide"] == int(later[-1])  # the highest version decides


@SETTINGS
@given(data=st.data())
def test_every_file_in_sources_once_and_every_uncounted_one_in_anomalies(ref, data):
    items = data.draw(bilan_sets(ref))
    # some copies and unreadable files too
    for i in data.draw(st.lists(st.integers(0, max(len(items) - 1, 0)), max_size=2)) if items else []:
        items.append(copy_of(items[i], f"Copie de {items[i][0].file}"))
    extra = [unreadable(f"illisible_{i}.xlsx") for i in range(data.draw(st.integers(0, 2)))]
    coll = collection(items, extra)
    ev = consolidate(coll, ref, YEARS)
    inputs = [s.file for s, _ in items] + [s.file for s in extra]
    assert sorted(s.file for s in ev.sources) == sorted(inputs)  # each exactly once
    flagged = {f.file for f in ev.anomalies}
    assert all(s.file in flagged for s in ev.sources if not s.retenu)
    assert sum(s.retenu for s in ev.sources) == int(ev.tables["completude"]["valide"].sum())


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.tuples(counts, counts), min_size=3, max_size=3), st.lists(counts, min_size=3, max_size=3), st.randoms()
)
def test_order_stock_ratio_and_superseded(ref, parcours_sorties, ptce, rnd):
    items = []
    for year, (p, s) in zip(YEARS, parcours_sorties, strict=True):
        values = {"personnes_en_parcours": p + s, "sorties_emploi_durable": s, "personnes_formees": 0}
        items.append(bilan("II_2.1.2", year, values, version=2))
    for year, n in zip(YEARS, ptce, strict=True):
        items.append(bilan("II_3.1.1", year, {"ptce_actifs": n, "structures_accompagnees": 1, "cooperations": 1}))
    base = consolidate(collection(items), ref, YEARS)

    # input order changes nothing
    shuffled = list(items)
    rnd.shuffle(shuffled)
    _same_figures(base, consolidate(collection(shuffled), ref, YEARS))

    # a stock is never summed over years
    by_action = base.tables["par_action"]
    row = by_action[
        (by_action["code_action"] == "II_3.1.1")
        & (by_action["indicateur"] == "ptce_actifs")
        & (by_action["annee"] == PERIODE)
    ]
    assert row["valeur"].iloc[0] == ptce[-1]

    # a ratio is a ratio of sums
    contract = base.tables["par_contrat"]
    ratio = contract[(contract["indicateur"] == "taux_sorties_positives") & (contract["annee"] == PERIODE)]
    num, den = sum(s for _, s in parcours_sorties), sum(p + s for p, s in parcours_sorties)
    if den:
        assert ratio["valeur"].iloc[0] == pytest.approx(num / den)
    else:
        assert ratio["valeur"].isna().all()

    # an older version (valid or not) of a counted bilan changes no figure: it is superseded
    junk = {"personnes_en_parcours": 999, "sorties_emploi_durable": 999, "personnes_formees": 999}
    older = [
        bilan("II_2.1.2", 2015, junk, version=1, file="old.xlsx"),
        bilan("II_2.1.2", 2014, junk, version=1, file="bad.xlsx", valid=False),
    ]
    worse = collection([*items, *older])
    after = consolidate(worse, ref, YEARS)
    for name in ("par_action", "par_axe", "par_contrat", "financements", "territoires", "tidy"):
        pd.testing.assert_frame_equal(base.tables[name], after.tables[name])
    assert {s.file: s.raison for s in worse.sources if s.file in ("old.xlsx", "bad.xlsx")} == {
        "old.xlsx": "remplace",
        "bad.xlsx": "remplace",
    }
