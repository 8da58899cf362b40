"""Hardened XML parsing (defusedxml) into a small element tree that knows line numbers.

Document type declarations are refused outright: they are how entity-expansion bombs
("billion laughs") and external entities (reading local files or URLs) get in, and no
annotation tool writes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax import SAXParseException
from xml.sax.handler import ContentHandler

import defusedxml.sax
from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

from app.formats.records import FormatError, Location


@dataclass
class Element:
    tag: str
    attributes: dict[str, str]
    line: int
    children: list["Element"] = field(default_factory=list)
    text_parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.text_parts)

    def find_all(self, tag: str) -> list["Element"]:
        return [child for child in self.children if child.tag == tag]

    def find(self, tag: str) -> "Element | None":
        return next((child for child in self.children if child.tag == tag), None)


class _TreeBuilder(ContentHandler):
    def __init__(self) -> None:
        super().__init__()
        self.root: Element | None = None
        self.stack: list[Element] = []
        self._locator = None

    def setDocumentLocator(self, locator) -> None:  # noqa: N802 - SAX API
        self._locator = locator

    def startElement(self, name, attrs) -> None:  # noqa: N802 - SAX API
        line = self._locator.getLineNumber() if self._locator is not None else 0
        element = Element(name, dict(attrs.items()), line)
        if self.stack:
            self.stack[-1].children.append(element)
        else:
            self.root = element
        self.stack.append(element)

    def endElement(self, name) -> None:  # noqa: N802 - SAX API
        self.stack.pop()

    def characters(self, content) -> None:
        if self.stack:
            self.stack[-1].text_parts.append(content)


def parse_xml(data: bytes, name: str) -> Element:
    builder = _TreeBuilder()
    try:
        defusedxml.sax.parseString(data, builder, forbid_dtd=True, forbid_entities=True,
                                   forbid_external=True)
    except DTDForbidden:
        raise FormatError(Location(name, _line(builder)),
                          "refused: the XML has a document type declaration (<!DOCTYPE>); "
                          "its entities could expand without limit or read other files. "
                          "Annotation files never need one.") from None
    except EntitiesForbidden:
        raise FormatError(Location(name, _line(builder)),
                          "refused: the XML declares entities (entity expansion is not "
                          "allowed).") from None
    except ExternalReferenceForbidden:
        raise FormatError(Location(name, _line(builder)),
                          "refused: the XML refers to an external entity.") from None
    except DefusedXmlException as error:
        raise FormatError(Location(name, _line(builder)), f"refused: {error}.") from None
    except SAXParseException as error:
        raise FormatError(Location(name, error.getLineNumber()),
                          f"not well-formed XML: {error.getMessage()} (column "
                          f"{error.getColumnNumber() + 1}); the file may be truncated or not "
                          f"saved as UTF-8.") from None
    if builder.root is None:  # pragma: no cover - expat reports "no element found" first
        raise FormatError(Location(name), "the XML document is empty.")
    return builder.root


def _line(builder: _TreeBuilder) -> int | None:
    locator = builder._locator
    return locator.getLineNumber() if locator is not None else None
