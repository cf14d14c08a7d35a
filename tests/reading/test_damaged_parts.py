"""A damaged part that every sheet's values depend on — an .xlsx's shared strings, an
.ods's content.xml — is a damaged file, never a text cell read as a blank or as another
cell's text (reading/integrity.py). The files are the field-case control bilan, saved by
Excel (shared strings) and by LibreOffice (.ods), rewritten entry by entry."""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path

import pytest

from cess_cli.pipeline import validate_paths
from cess_cli.reading import integrity

from ..hostile import rezip

CASES = Path(__file__).parents[1] / "fixtures" / "field_cases"
XLSX, ODS = CASES / "C00_control_excel.xlsx", CASES / "C00_control_excel.ods"
SST = "xl/sharedStrings.xml"
PORTEUR = b"Union r\xc3\xa9gionale des Scop"  # Identification!C4, in both files


def _broken_tag(data: bytes) -> bytes:  # `<t …>Union` loses its `>`
    at = data.index(PORTEUR)
    assert data[at - 1 : at] == b">"
    return data[: at - 1] + data[at:]


def _truncated(data: bytes) -> bytes:
    return data[: len(data) * 6 // 10]


def _entry_dropped(data: bytes) -> bytes:  # well-formed, one <si> less: every later text shifts
    at = data.rindex(b"<si>", 0, data.index(PORTEUR))
    return data[:at] + data[data.index(b"</si>", at) + 5 :]


def _last_entry_dropped(data: bytes) -> bytes:  # well-formed, no count to say an entry is missing
    data = data.replace(b' count="134" uniqueCount="134"', b"", 1)
    at = data.rindex(b"<si>")
    return data[:at] + data[data.index(b"</si>", at) + 5 :]


def _validate(path: Path, ref) -> tuple[list[tuple[str, str | None]], str, bool]:
    [result] = validate_paths([path], ref).files
    return [(f.code, f.sheet) for f in result.findings], " ".join(f.message for f in result.findings), result.valid


def _write(tmp_path: Path, source: Path, part: str, damage) -> Path:
    original = zipfile.ZipFile(source).read(part)
    assert damage(original) != original
    path = tmp_path / source.name
    path.write_bytes(rezip(source.read_bytes(), lambda name, data: damage(data) if name == part else data))
    return path


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        (_broken_tag, f"textes partagés endommagés ({SST}) : XML mal formé (ligne 2, colonne "),
        (_truncated, f"textes partagés endommagés ({SST}) : XML mal formé (ligne 2, colonne "),
        (_entry_dropped, f"textes partagés incomplets ({SST}) : 133 textes sur les 134 annoncés"),
    ],
)
def test_damaged_shared_strings_are_a_damaged_file(ref, tmp_path, damage, says):
    findings, message, valid = _validate(_write(tmp_path, XLSX, SST, damage), ref)
    assert findings == [("fichier.illisible", None)] and not valid
    assert says in message and XLSX.name in str(tmp_path / XLSX.name)


def test_a_sheet_referring_to_a_string_the_table_lacks_is_named(ref, tmp_path):
    # a well-formed table that announces nothing: calamine refuses the sheet that refers
    # beyond it (« index not found »); cess says which sheet and which part
    def patch(name: str, data: bytes) -> bytes:
        if name == SST:
            return _last_entry_dropped(data)
        if name == "xl/worksheets/sheet1.xml":  # Identification!C4, the porteur, refers to the last string
            return data.replace(b'<c r="C4" s="2" t="s"><v>10</v></c>', b'<c r="C4" s="2" t="s"><v>133</v></c>', 1)
        return data

    path = tmp_path / XLSX.name
    path.write_bytes(rezip(XLSX.read_bytes(), patch))
    findings, message, valid = _validate(path, ref)
    assert findings == [("fichier.illisible", "Identification")] and not valid
    assert f"textes partagés incomplets ({SST}) : la feuille renvoie au texte n° 134, la table en a 133" in message


def test_a_string_whose_tag_lost_a_space_is_caught_where_its_value_went_missing(ref, tmp_path):
    # `<txml:space="preserve">`: `<` and `>` balance, the entries are all there, and calamine
    # reads the string as a blank; the sheet's count of values tells, then the parser names it
    def damage(data: bytes) -> bytes:
        return data.replace(b'<t xml:space="preserve">' + PORTEUR, b'<txml:space="preserve">' + PORTEUR, 1)

    findings, message, valid = _validate(_write(tmp_path, XLSX, SST, damage), ref)
    assert findings == [("fichier.illisible", "Identification")] and not valid
    assert f"textes partagés endommagés ({SST}) : XML mal formé (ligne 2, colonne " in message


@pytest.mark.parametrize(
    "damage",
    [
        _truncated,
        # a broken tag that keeps `<` and `>` balanced: calamine then shifted the cell
        # formats, and figures read as dates (« 1900-01-11 » where 11 was typed)
        lambda data: data.replace(b"<xf ", b"<xf", 3),
    ],
    ids=["tronque", "balise"],
)
def test_damaged_styles_are_a_damaged_file_not_figures_read_as_dates(ref, tmp_path, damage):
    findings, message, valid = _validate(_write(tmp_path, XLSX, "xl/styles.xml", damage), ref)
    assert findings == [("fichier.illisible", None)] and not valid
    assert "styles endommagés (xl/styles.xml) : XML mal formé (ligne " in message


@pytest.mark.parametrize(
    ("damage", "sheet"), [(_broken_tag, "Identification"), (_truncated, None)], ids=["tag", "tronque"]
)
def test_a_damaged_ods_content_is_a_damaged_file_naming_the_sheet(ref, tmp_path, damage, sheet):
    findings, message, valid = _validate(_write(tmp_path, ODS, "content.xml", damage), ref)
    assert findings == [("fichier.illisible", None)] and not valid
    assert "contenu endommagé (content.xml, feuille « " in message and "XML mal formé (ligne " in message
    if sheet:
        assert f"feuille « {sheet} »" in message


def test_the_undamaged_files_are_read_as_before(ref):
    for path in (XLSX, ODS):
        findings, _, valid = _validate(path, ref)
        assert valid and findings == [], path.name


def test_the_quick_test_passes_whole_parts_and_fails_damaged_ones():
    sst = zipfile.ZipFile(XLSX).read(SST)
    content = zipfile.ZipFile(ODS).read("content.xml")
    assert integrity.looks_whole(sst, b"sst") and integrity.looks_whole(content, b"document-content")
    for damage in (_broken_tag, _truncated):
        assert not integrity.looks_whole(damage(sst), b"sst")
        assert not integrity.looks_whole(damage(content), b"document-content")
    # a closing tag lost keeps `<` and `>` balanced: the count of entries, or of opening
    # and closing tags, tells
    lost = sst.replace(b"</t></si>", b"</t>", 1)
    assert integrity.looks_whole(lost, b"sst") and not integrity.tags_balance(lost)
    with pytest.raises(integrity.DamagedPart, match="XML mal formé"):
        integrity.check_shared_strings(lost, SST)
    with pytest.raises(integrity.DamagedPart, match="XML mal formé"):  # no count announced
        integrity.check_shared_strings(lost.replace(b' uniqueCount="134"', b""), SST)
    # a `>` typed in a text (XML allows it) only sends the part to the parser, which finds it sound
    assert not integrity.looks_whole(sst.replace(PORTEUR, b"a > b", 1), b"sst")
    integrity.check_shared_strings(sst.replace(PORTEUR, b"a > b", 1), SST)


def test_the_command_names_the_file_and_the_part_and_exits_1_while_good_files_pass(tmp_path):
    from typer.testing import CliRunner

    from cess_cli.cli.app import app

    folder = tmp_path / "bilans"
    folder.mkdir()
    _write(folder, XLSX, SST, _broken_tag).rename(folder / "abime.xlsx")
    _write(folder, ODS, "content.xml", _truncated).rename(folder / "abime.ods")
    (folder / "sain.xlsx").write_bytes(XLSX.read_bytes())
    result = CliRunner().invoke(app, ["validate", str(folder)], env={"COLUMNS": "80"})
    assert result.exit_code == 1, result.output
    out = " ".join(result.output.split())
    assert "abime.xlsx" in out and "textes partagés endommagés (xl/sharedStrings.xml)" in out
    assert "abime.ods" in out and "contenu endommagé (content.xml" in out
    assert "✔" in out and "sain.xlsx : aucun problème" in out and "Traceback" not in out


def _same_crc(body: bytes, target: int) -> bytes:
    """`body` with some spaces after an attribute's closing quote made line feeds (the same
    XML) so that its CRC-32 is `target`: a CRC is forged by linear algebra over GF(2)."""
    places = [at + 1 for at in range(len(body) - 1) if body[at : at + 2] == b'" ']

    def crc(toggled: set[int]) -> int:
        b = bytearray(body)
        for at in toggled:
            b[at] = 0x0A
        return zlib.crc32(bytes(b))

    c0, basis = crc(set()), []
    for at in places:
        v, s = crc({at}) ^ c0, {at}
        for bv, bs in basis:
            if v ^ bv < v:
                v, s = v ^ bv, s ^ bs
        if v:
            basis.append((v, s))
            basis.sort(key=lambda t: -t[0])
    want, chosen = target ^ c0, set()
    for bv, bs in basis:
        if want ^ bv < want:
            want, chosen = want ^ bv, chosen ^ bs
    assert want == 0
    forged = bytearray(body)
    for at in chosen:
        forged[at] = 0x0A
    return bytes(forged)


def test_a_styles_part_forged_to_the_crc_of_a_sound_one_is_checked_for_itself(ref, tmp_path):
    """The verdict on a styles part is cached for the files a worker reads next; keyed by the
    CRC-32 and size the zip directory claims, a damaged part forged to the sound one's CRC
    and size (four bytes suffice) was taken for it, and its figures read as dates. It is
    keyed by the stored bytes themselves (kinds.entry_key)."""
    sound = zipfile.ZipFile(XLSX).read("xl/styles.xml")
    damaged = sound.replace(b"<xf ", b"<xf", 1).replace(b"/>", b" />", 1)  # the same length
    assert len(damaged) == len(sound) and integrity._expat_error(damaged) is not None
    forged = _same_crc(damaged, zlib.crc32(sound))
    assert zlib.crc32(forged) == zlib.crc32(sound) and len(forged) == len(sound) and forged != sound
    path = _write(tmp_path, XLSX, "xl/styles.xml", lambda data: forged)
    assert _validate(XLSX, ref)[2]  # the sound one first, in this process: its verdict is cached
    findings, message, valid = _validate(path, ref)
    assert findings == [("fichier.illisible", None)] and not valid and "styles endommagés" in message


def _renamed(tmp_path: Path, old: str, new: str, damage=None, copy: bool = False) -> Path:
    out = io.BytesIO()
    with zipfile.ZipFile(XLSX) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == old:
                zout.writestr(new, damage(data) if damage else data)
                if not copy:
                    continue
            zout.writestr(info.filename, data)
    path = tmp_path / "renamed.xlsx"
    path.write_bytes(out.getvalue())
    return path


def test_a_styles_part_named_with_other_capitals_is_checked_as_calamine_reads_it(ref, tmp_path):
    path = _renamed(tmp_path, "xl/styles.xml", "xl/Styles.xml", lambda data: data.replace(b"<xf ", b"<xf", 3))
    findings, message, _ = _validate(path, ref)
    assert findings == [("fichier.illisible", None)] and "styles endommagés (xl/Styles.xml)" in message


def test_two_parts_of_one_name_are_refused(ref, tmp_path):
    """Which one a reader takes is not known: never a guess."""
    path = _renamed(tmp_path, SST, "XL/SharedStrings.xml", _entry_dropped, copy=True)
    findings, message, _ = _validate(path, ref)
    assert findings == [("fichier.illisible", None)] and "deux parties « xl/sharedstrings.xml »" in message


def test_a_cdata_holding_a_closing_tag_does_not_hide_a_lost_string(ref, tmp_path):
    """One entry dropped, `uniqueCount` honest, and a CDATA section holding « </si> » to bring
    the count of closing tags back: the part is parsed, the loss is found."""

    def damage(data: bytes) -> bytes:
        data = _entry_dropped(data)
        at = data.rindex(b"</t>")
        return data[:at] + b"<![CDATA[</si>]]>" + data[at:]

    findings, message, valid = _validate(_write(tmp_path, XLSX, SST, damage), ref)
    assert findings == [("fichier.illisible", None)] and not valid
    assert "textes partagés incomplets (xl/sharedStrings.xml) : 133 textes sur les 134 annoncés" in message
