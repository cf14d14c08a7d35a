"""OpenDocument spreadsheets that python-calamine refuses for their layout alone.

Gnumeric writes `content.xml` indented: line breaks and spaces between the cells of a
row. XML allows that whitespace there (a cell's content is in its `text:p` paragraphs),
LibreOffice reads the file, but python-calamine 0.9.1 stops at the first one
(« Expecting 'table-cell', found Text ») and refuses the whole workbook. For such a
file only (calamine refused it first), the reader gives calamine a copy of the archive
whose `content.xml` went through an XML parser and back, without that whitespace:
every element, attribute and text is kept as it was, and whitespace inside the text
elements (`text:p`, `text:span`…), where it is content, is kept too; the copy holds only
the parts calamine reads of an `.ods`. The values are then
read by calamine as for a file saved by LibreOffice. The parser is defusedxml's SAX
parser (no DTD, no entities); namespace prefixes are resolved in the scope XML gives
them (a prefix rebound on one element does not change the rest of the file). The copy
may be larger than the part (« > » in a text is written back « &gt; »): past twice the
part's size it is refused (`CopyTooLarge`), and it is made in the same bounded worker.
README *The bilan workbook*.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any
from xml.sax.saxutils import XMLGenerator

from defusedxml import sax as defused_sax

_TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"


class _Compact(XMLGenerator):
    """Writes back what the parser reads, less the whitespace-only text between elements
    outside the text namespace (where ODF gives whitespace no meaning)."""

    def __init__(self, out: io.BytesIO) -> None:
        super().__init__(out, "utf-8", short_empty_elements=True)
        self._scopes: list[dict[str, str]] = [{}]  # the prefixes in force, element by element
        self._in_text: list[bool] = []
        self._text: list[str] = []

    def _emit_text(self) -> None:
        if self._text:
            text = "".join(self._text)
            self._text.clear()
            if text.strip() or (self._in_text and self._in_text[-1]):
                super().characters(text)

    def startElement(self, name: str, attrs: Any) -> None:
        self._emit_text()
        declared = {key[6:]: value for key, value in attrs.items() if key.startswith("xmlns:")}
        scope = {**self._scopes[-1], **declared} if declared else self._scopes[-1]
        self._scopes.append(scope)
        prefix = name.split(":", 1)[0] if ":" in name else ""
        self._in_text.append(scope.get(prefix) == _TEXT_NS)
        super().startElement(name, attrs)

    def endElement(self, name: str) -> None:
        self._emit_text()
        self._in_text.pop()
        self._scopes.pop()
        super().endElement(name)

    def characters(self, content: str) -> None:
        self._text.append(content)  # the parser may split one text: decide on the whole

    def ignorableWhitespace(self, whitespace: str) -> None:
        return None


class CopyTooLarge(Exception):
    """The compacted `content.xml` grew past twice the part's size (escaped « > »…)."""


class _Bounded(io.BytesIO):
    """A buffer that refuses to grow past `limit` bytes (`CopyTooLarge`)."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self._limit = limit

    def write(self, data: Any) -> int:
        if self.tell() + len(data) > self._limit:
            raise CopyTooLarge
        return super().write(data)


_KEPT = ("mimetype", "META-INF/manifest.xml", "content.xml")  # what calamine reads of an .ods


def compacted(zf: zipfile.ZipFile, content: bytes) -> bytes:
    """The parts of the archive `zf` that calamine reads (`_KEPT`), in a new archive in
    memory, its `content.xml` (`content`, already inflated) without the whitespace between
    elements. Raises the parser's error (a `SAXException`, defusedxml's `DTDForbidden`…)
    for a part that is no well-formed, entity-free XML, `CopyTooLarge` for a copy past
    twice the part's size."""
    out = _Bounded(2 * len(content) + 4096)
    defused_sax.parseString(content, _Compact(out), forbid_dtd=True)
    names = set(zf.namelist())
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as copy:
        for name in (n for n in _KEPT if n in names):
            data = out.getvalue() if name == "content.xml" else zf.read(name)
            copy.writestr(name, data, compress_type=zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED)
    return archive.getvalue()
