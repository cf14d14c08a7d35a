"""The report's *Anomalies*: what consolidation found, in sentences, grouped by kind.

Files that do not count because a later version or an identical copy replaced them are
bookkeeping rather than anomalies: beyond one per action-year they are summed up in one
sentence per action-year (every file is still listed in the sources annex). A kind with
more than a few dozen anomalies is shown as plain lines (one text block lays out in a
fraction of the time a thousand list items take).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from cess_cli.consolidation.evaluation import Evaluation
from cess_cli.findings import Finding
from cess_cli.outputs.labels import anomaly_kind, plain_words
from cess_cli.outputs.report.model import Anomaly, AnomalyGroup
from cess_cli.outputs.safety import clean_text
from cess_cli.referential.loading import Referential

LISTING_FROM = 30  # anomalies of one kind: a list up to this many, plain lines beyond
SUMMED = {
    "bilan.remplace": (
        "version remplacée par une version plus récente",
        "versions remplacées par une version plus récente",
    ),
    "bilan.copie": ("copie identique d'un autre fichier", "copies identiques d'autres fichiers"),
}


def anomalies(ev: Evaluation, ref: Referential) -> list[AnomalyGroup]:
    """The anomalies of `ev` in words, grouped by kind (kinds in the order they first appear);
    indicator codes in messages replaced by their labels; superseded versions and copies summed
    up per action-year."""
    groups: dict[str, AnomalyGroup] = {}
    sources = {s.file: s for s in ev.sources}
    summed: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in ev.anomalies:
        source = sources.get(f.file)
        if f.code in SUMMED and source is not None and source.action:
            summed[(f.code, f"{source.action} {source.annee}")].append(f)
            if len(summed[(f.code, f"{source.action} {source.annee}")]) > 1:
                continue
        _group(groups, f).items.append(_item(f, ref))
    for (code, action_year), found in summed.items():
        if len(found) > 1:  # replace the first one's sentence by the sum of them all
            group = groups[anomaly_kind(code)]
            first = _item(found[0], ref)
            index = next(i for i, a in enumerate(group.items) if a == first)
            names = [Path(f.file).name for f in found]
            shown = ", ".join(names[:3]) + (f" et {len(names) - 3} autres" if len(names) > 3 else "")
            group.items[index] = Anomaly(shown, "", f"{action_year} : {len(found)} {SUMMED[code][1]}.", first.conseil)
    for group in groups.values():
        hints = {a.conseil for a in group.items}
        if len(group.items) > 1 and len(hints) == 1:  # said once under the heading
            group.hint = hints.pop()
        if len(group.items) > LISTING_FROM:
            group.listing = "\n".join(
                f"{a.fichier}{', ' + a.emplacement if a.emplacement else ''} : {a.message}"
                + (f" {a.conseil}" if a.conseil and not group.hint else "")
                for a in group.items
            )
    return list(groups.values())


def _group(groups: dict[str, AnomalyGroup], f: Finding) -> AnomalyGroup:
    kind = anomaly_kind(f.code)
    return groups.setdefault(kind, AnomalyGroup(kind, "erreur" if str(f.severity) == "erreur" else "avertissement", []))


def _item(f: Finding, ref: Referential) -> Anomaly:
    where = "!".join(p for p in (f.sheet, f.cell) if p)
    return Anomaly(Path(f.file).name, where, plain_words(clean_text(f.message), ref), clean_text(f.hint))
