"""Whether the parts a sheet's values depend on, beyond the sheet's own part, are whole:
an `.xlsx`'s shared strings (`xl/sharedStrings.xml`) and styles (`xl/styles.xml`), an
`.ods`'s `content.xml`.

python-calamine reads a part that is not well-formed XML leniently: a shared string
whose tag is broken swallows the strings after it, and every text cell from there on
reads the next one's text (`contact_nom` where the operator typed a name) or nothing; a
truncated table, or one that lost an entry, shifts them the same way; a damaged styles
part shifts the cell formats, and figures read as dates; in an `.ods`, a cell whose tag
is broken reads as a blank. The sheet's own count of values (workbook._all_read)
cannot see any of this. So the shared strings and content.xml are looked at once per
file, by a test in C over their bytes (`looks_whole`: the root element closes the part,
every `<` has its `>`; for the shared strings, the table holds as many entries as it
announces, or as many elements close as open), and parsed only when that test fails;
the styles part, shared byte for byte by the bilans of one template, is parsed whole
once per distinct content (the reader caches the verdict). A part that is not
well-formed XML, or holds fewer strings than it announces, is a damaged file, never a
blank, a shifted text or a date. README *Untrusted workbooks*.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from xml.etree.ElementTree import ParseError
from xml.parsers import expat

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as DET

from cess_cli.reading.package import local

_TAIL = 256  # bytes at the end of a part that hold its closing root tag, and whitespace


class DamagedPart(Exception):
    """A part of the archive the values depend on is damaged: the French `reason`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def looks_whole(xml: bytes, root: bytes) -> bool:
    """A quick test, in C, that an XML part is whole: it ends with the closing tag of its
    root element (`root`, its local name: a truncated part does not) and every `<` has
    its `>` (a tag that lost either does not). A `>` typed in a text, which XML allows
    but writers escape, only makes the caller parse the part."""
    tail = xml[-_TAIL:].rstrip()
    if not (tail.endswith(b":" + root + b">") or tail.endswith(b"</" + root + b">")):
        return False
    return xml.count(b"<") == xml.count(b">")


def tags_balance(xml: bytes) -> bool:
    """A quick test, in C, that as many elements close as open (opening tags are the `<`
    that are no `</`, `/>`, `<?`, `<!`): a closing tag lost keeps `<` and `>` balanced.
    A `/>` typed in a text only makes the caller parse the part."""
    opens = xml.count(b"<")
    return opens == 2 * xml.count(b"</") + xml.count(b"/>") + xml.count(b"<?") + xml.count(b"<!")


def shared_strings_info(zf: zipfile.ZipFile) -> zipfile.ZipInfo | None:
    """The shared-strings part of an `.xlsx` (`xl/sharedStrings.xml`, whatever the case
    of its name or its separators), None when the workbook has none; two are refused
    (`single_part`)."""
    return single_part(zf, "xl/sharedstrings.xml")


def single_part(zf: zipfile.ZipFile, name: str) -> zipfile.ZipInfo | None:
    """The entry named `name` (lower case, `/`), whatever the case of its name or its
    separators, as python-calamine finds it; None when there is none. Two such entries
    are a damaged archive (`DamagedPart`): which one a reader takes is not known."""
    found = [i for i in zf.infolist() if len(i.filename) == len(name) and i.filename.replace("\\", "/").lower() == name]
    if len(found) > 1:
        raise DamagedPart(f"deux parties « {name} » dans l'archive ({found[0].filename}, {found[1].filename})")
    return found[0] if found else None


def check_shared_strings(sst: bytes, part: str, *, parse: bool = False) -> None:
    """Raise `DamagedPart` when the shared-strings part `sst` (named `part` in the
    archive) is not well-formed XML or holds fewer strings (`<si>`) than its
    `uniqueCount` announces. The common case costs a few passes in C; `parse` parses
    the part whatever the quick test says (a sheet lost a value: workbook.py)."""
    announced = _announced(sst)  # Excel and LibreOffice write it: then one count of entries
    # counts in bytes cannot see a CDATA section or a comment holding « </si> »: then parse
    whole = (
        b"<!" not in sst
        and looks_whole(sst, b"sst")
        and (sst.count(b"</si>") == announced if announced else tags_balance(sst))
    )
    if whole and not parse:
        return
    try:
        root = DET.fromstring(sst)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise DamagedPart(f"textes partagés endommagés ({part}) : {_why(exc)}") from None
    held = sum(1 for el in root if local(el.tag) == "si")
    count = root.get("uniqueCount")
    if count is not None and count.isdigit() and held < int(count):
        raise DamagedPart(f"textes partagés incomplets ({part}) : {held} textes sur les {count} annoncés")


def check_styles(styles: bytes, part: str) -> None:
    """Raise `DamagedPart` when the styles part is not well-formed XML: calamine reads a
    damaged one leniently, and a cell format shifted onto a figure makes it a date
    (« 1900-01-11 » where the operator typed 11). The reader checks each distinct styles
    part once (workbook._styles_checked), so it is parsed whole (expat, in C): a broken
    tag that keeps `<` and `>` balanced (`<xfnumFmtId="164"`) is a damage too."""
    error = _expat_error(styles)
    if error is not None:
        raise DamagedPart(f"styles endommagés ({part}) : {error}")


def _expat_error(xml: bytes, start: Callable[[str, dict[str, str]], None] | None = None) -> str | None:
    """Why `xml` is not well-formed XML (« XML mal formé (ligne 2, colonne 5) »), or None;
    a DTD is refused as defusedxml refuses it (no entity is ever expanded). `start`, when
    given, sees each element as it opens."""
    parser = expat.ParserCreate()
    if start is not None:
        parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = _refuse_dtd
    try:
        parser.Parse(xml, True)
    except expat.ExpatError as exc:
        return f"XML mal formé (ligne {exc.lineno}, colonne {exc.offset + 1})"
    except _DtdRefused:
        return "contenu XML refusé (entités ou déclaration DTD)"
    return None


class _DtdRefused(Exception):
    pass


def _refuse_dtd(*_: object) -> None:
    raise _DtdRefused


def _announced(sst: bytes) -> int | None:
    """The `uniqueCount` of the root element, read from the part's first bytes; None
    when absent there (the parser decides then, if the quick test fails)."""
    head = sst[:512]
    at = head.find(b'uniqueCount="')
    if at == -1:
        return None
    digits = head[at + 13 : head.find(b'"', at + 13)]
    return int(digits) if digits.isdigit() else None


def check_ods_content(content: bytes) -> None:
    """Raise `DamagedPart` when an `.ods`'s `content.xml` is not well-formed XML, naming
    the sheet where the damage lies. The common case costs a few passes in C."""
    if looks_whole(content, b"document-content"):  # tags_balance would triple the cost: not here
        return
    sheets: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        if name.endswith(":table") or name == "table":
            sheets.append(next((v for k, v in attrs.items() if k.endswith(":name")), ""))

    error = _expat_error(content, start)
    if error is not None:
        where = f", feuille « {sheets[-1]} »" if sheets else ""
        raise DamagedPart(f"contenu endommagé (content.xml{where}) : {error}")


def missing_shared_string(sheet: bytes, sst: bytes | None, part: str) -> str | None:
    """Why a sheet python-calamine refused may refer to a shared string the table does not
    hold (« la feuille renvoie au texte partagé n° 140, la table en a 133 »), or None.
    Parsed (defusedxml) only after calamine refused the sheet."""
    try:
        held = 0 if sst is None else sum(1 for el in DET.fromstring(sst) if local(el.tag) == "si")
        highest = -1
        for _, el in DET.iterparse(io.BytesIO(sheet)):
            if local(el.tag) == "c":
                if el.get("t") == "s":
                    value = next((c.text for c in el if local(c.tag) == "v"), None) or ""
                    highest = max(highest, int(value) if value.strip().isdigit() else -1)
                el.clear()
    except (ParseError, DefusedXmlException, ValueError):
        return None
    if highest < held:
        return None
    return f"textes partagés incomplets ({part}) : la feuille renvoie au texte n° {highest + 1}, la table en a {held}"


def _why(exc: Exception) -> str:
    position = getattr(exc, "position", None)
    if isinstance(exc, ParseError) and position:
        return f"XML mal formé (ligne {position[0]}, colonne {position[1] + 1})"
    return (
        "contenu XML refusé (entités ou déclaration DTD)" if isinstance(exc, DefusedXmlException) else "XML illisible"
    )
