"""Worker processes: a file that hangs or kills its reader costs that file only."""

from __future__ import annotations

import os
import time
from pathlib import Path

from cess_cli import pipeline

from ..helpers import make_bilan


def test_hang_and_crash_cost_one_file_each(ref, tmp_path, monkeypatch):
    good = [make_bilan(ref, tmp_path, code, 2014) for code in ("ANIM", "I_1.1.1", "I_1.2")]
    hang = tmp_path / "lent.xlsx"
    crash = tmp_path / "crash.xlsx"
    hang.write_bytes(good[0].read_bytes())
    crash.write_bytes(good[0].read_bytes())
    real = pipeline.read_bilan

    def misbehaving(path, ref, **kw):  # runs in the forked worker
        if path.name == "lent.xlsx":
            time.sleep(3600)
        if path.name == "crash.xlsx":
            os.abort()
        return real(path, ref, **kw)

    monkeypatch.setattr(pipeline, "read_bilan", misbehaving)
    files = [(p, p.name) for p in (good[0], hang, good[1], crash, good[2])]
    t0 = time.monotonic()
    results = list(pipeline.read_many(files, ref, isolate=True, timeout=2.0))
    assert time.monotonic() - t0 < 60
    names = [r.file for r, _, _ in results]
    assert names == [name for _, name in files]  # input order kept
    by_name = {r.file: (r, b) for r, b, _ in results}
    assert [f.code for f in by_name["lent.xlsx"][0].findings] == ["fichier.delai"]
    assert [f.code for f in by_name["crash.xlsx"][0].findings] == ["fichier.illisible"]
    for p in good:
        result, bilan = by_name[p.name]
        assert result.valid and bilan is not None and bilan.action == p.name.split("_", 1)[1].rsplit("_", 1)[0]


def test_single_worker_also_recovers(ref, tmp_path, monkeypatch):
    good = make_bilan(ref, tmp_path, "ANIM", 2014)
    real = pipeline.read_bilan

    def first_crashes(path, ref, **kw):
        if Path(path).name == "boom.xlsx":
            os._exit(3)
        return real(path, ref, **kw)

    monkeypatch.setattr(pipeline, "read_bilan", first_crashes)
    boom = tmp_path / "boom.xlsx"
    boom.write_bytes(good.read_bytes())
    files = [(boom, "boom.xlsx"), (good, "good.xlsx"), (boom, "boom2")]
    results = list(pipeline.read_many(files, ref, isolate=True, timeout=30, workers=1))
    assert [r.valid for r, _, _ in results] == [False, True, False]
    assert "code 3" in results[0][0].findings[0].message
