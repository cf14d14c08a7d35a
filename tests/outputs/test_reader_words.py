"""What a COPIL reader sees instead of codes and folder names, and actions in the
referential's order (issue 9 review)."""

from __future__ import annotations

import shutil

from cess_cli.consolidation.evaluation import consolidate
from cess_cli.outputs.labels import plain_words, referential_name
from cess_cli.referential.loading import default_schemas_dir, load_referential

from ..consolidation.synthetic import bilan, collection


def test_indicator_codes_without_underscore_become_labels(ref):
    # the messages cumulative and plausibility checks write: « code (ACTION…) »
    assert plain_words("« cooperations (II_3.1.2) » (61 déclaré)", ref) == (
        f"« {ref.indicateurs['cooperations'].libelle} (II_3.1.2) » (61 déclaré)"
    )
    assert plain_words("evenements (I_1.2, 2015) : 3", ref).startswith(ref.indicateurs["evenements"].libelle)
    assert plain_words("« participants »", ref) == f"« {ref.indicateurs['participants'].libelle} »"
    # the same word in a sentence stays a word
    assert (
        plain_words("les participants (nombre) et les evenements.", ref)
        == "les participants (nombre) et les evenements."
    )
    assert plain_words("emplois_crees (II_3.1.1)", ref) == f"{ref.indicateurs['emplois_crees'].libelle} (II_3.1.1)"


def test_a_code_given_with_its_label_is_named_once():
    """A finding names a missing indicator « code — Libellé » (indicateur.manquant): read by
    the COPIL, « Jeunes sensibilisés — Jeunes sensibilisés » was the label twice."""
    ref = load_referential(default_schemas_dir())
    message = "L'indicateur obligatoire « jeunes_sensibilises — Jeunes sensibilisés » n'a pas de valeur."
    assert plain_words(message, ref) == "L'indicateur obligatoire « Jeunes sensibilisés » n'a pas de valeur."
    message = "L'indicateur obligatoire « evenements — Événements organisés » n'a pas de valeur."
    assert plain_words(message, ref) == "L'indicateur obligatoire « Événements organisés » n'a pas de valeur."


def test_referential_named_for_a_reader(ref, tmp_path):
    assert referential_name(ref) == "référentiel livré avec cess"
    assert referential_name(ref, short=True) == "livré avec cess"
    own = tmp_path / "referentiel_2016"
    shutil.copytree(default_schemas_dir(), own)
    other = load_referential(own)
    assert referential_name(other) == "référentiel « referentiel_2016 »"


def test_sources_and_anomalies_in_the_referentials_order(ref):
    codes = ["III_1.1.1", "II_1.1", "I_1.2", "ANIM"]  # file names sort III_ < II_ < I_ in ASCII
    items = [bilan(c, 2015, {}, file=f"bilan_{c}_2015.xlsx", valid=False) for c in codes]
    ev = consolidate(collection(items), ref, [2015])
    order = list(ref.actions)  # actions.yaml: ANIM, then axis I, II, III, each in its order
    assert [s.action for s in ev.sources] == ["ANIM", "I_1.2", "II_1.1", "III_1.1.1"]
    invalid = [f.file for f in ev.anomalies if f.code == "bilan.invalide"]
    assert invalid == [
        "bilan_ANIM_2015.xlsx",
        "bilan_I_1.2_2015.xlsx",
        "bilan_II_1.1_2015.xlsx",
        "bilan_III_1.1.1_2015.xlsx",
    ]
    missing = [f.file for f in ev.anomalies if f.code == "bilan.manquant"]
    ranks = [order.index(name.removeprefix("bilan_").rsplit("_", 1)[0]) for name in missing]
    assert ranks == sorted(ranks)
    # the report's annex of sources keeps that order, and says « non » once
    from cess_cli.outputs.report.sections import sources_table

    table, _ = sources_table(ev)
    assert [row[1] for row in table.rows] == ["ANIM", "I_1.2", "II_1.1", "III_1.1.1"]
    assert table.rows[0][-1] == "non : invalide (1 erreur)"


def test_consolidation_checks_in_the_referentials_order(ref):
    # last-year bilans declaring a cumul whose earlier years are missing: not checkable, listed
    # in the referential's order (II_ before III_, although « III_ » < « II_ » in ASCII)
    items = [
        bilan(
            c, 2016, {"structures_accompagnees": 5}, file=f"bilan_{c}_2016.xlsx", cumuls={"structures_accompagnees": 9}
        )
        for c in ("III_1.1.2", "II_3.1.2")
    ]
    ev = consolidate(collection(items), ref, [2014, 2015, 2016])
    unchecked = [f.file for f in ev.anomalies if f.code == "cumul.non_verifiable"]
    assert unchecked == ["bilan_II_3.1.2_2016.xlsx", "bilan_III_1.1.2_2016.xlsx"]
