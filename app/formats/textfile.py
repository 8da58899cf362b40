"""Reading annotation files as text: size limit, byte-order marks, clear encoding errors.

Praat writes UTF-16 (big-endian, with a BOM) as soon as a label is not ASCII, Excel puts a
UTF-8 BOM in front of CSV files, and everyone else writes plain UTF-8. Anything else is
refused with the line of the first bad byte instead of being decoded into garbage.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from app.formats.records import FormatError, Location, display_name

MAX_IMPORT_BYTES = 256 * 1024 * 1024

_BOMS = (  # longest first: the UTF-32 LE BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)


def read_bytes(path: Path) -> bytes:
    name = display_name(path)
    try:
        size = path.stat().st_size
        if size > MAX_IMPORT_BYTES:
            raise FormatError(Location(name), f"the file is {size // (1024 * 1024)} MB; "
                                              f"annotation files over "
                                              f"{MAX_IMPORT_BYTES // (1024 * 1024)} MB are refused.")
        return path.read_bytes()
    except FileNotFoundError:
        raise FormatError(Location(name), "no such file.") from None
    except IsADirectoryError:
        raise FormatError(Location(name), "is a folder, not a file.") from None
    except OSError as error:
        raise FormatError(Location(name), f"cannot be read: {error.strerror or error}.") from None


def decode_text(data: bytes, path: Path) -> str:
    """The file's text with any BOM removed; refuses undecodable bytes and NUL characters."""
    name = display_name(path)
    encoding, label, body = _sniff(data)
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as error:
        line = _line_of_byte(body, error.start, encoding)
        bad = body[error.start:error.start + 1]
        if label != "UTF-8" and error.reason in ("truncated data", "unexpected end of data"):
            raise FormatError(Location(name, line),
                              f"the {label} text ends in the middle of a character "
                              f"(truncated file?).") from None
        raise FormatError(Location(name, line),
                          f"is not valid {label} text (byte 0x{bad.hex()} cannot be decoded); "
                          f"save the file as UTF-8.") from None
    # A second BOM (a file that was "converted" twice) is not part of the content.
    text = text.lstrip("\ufeff")
    nul = text.find("\x00")
    if nul >= 0:
        raise FormatError(Location(name, text.count("\n", 0, nul) + 1),
                          "contains NUL characters: a binary file, or text in an encoding "
                          "other than UTF-8 / UTF-16 with a BOM.")
    return text


def read_text(path: Path) -> str:
    return decode_text(read_bytes(path), path)


def _sniff(data: bytes) -> tuple[str, str, bytes]:
    for bom, encoding, label in _BOMS:
        if data.startswith(bom):
            return encoding, label, data[len(bom):]
    # UTF-16 without a BOM: ASCII-range text has a zero byte in every other position.
    sample = data[:4096]
    if len(sample) >= 4:
        even_zeros = sample[0::2].count(0)
        odd_zeros = sample[1::2].count(0)
        half = len(sample) // 2
        if odd_zeros > 0.4 * half and even_zeros < 0.05 * half:
            return "utf-16-le", "UTF-16", data
        if even_zeros > 0.4 * half and odd_zeros < 0.05 * half:
            return "utf-16-be", "UTF-16", data
    return "utf-8", "UTF-8", data


def _line_of_byte(body: bytes, offset: int, encoding: str) -> int:
    prefix = body[:offset]
    try:
        return prefix.decode(encoding, errors="replace").count("\n") + 1
    except LookupError:  # pragma: no cover - only known codecs are used
        return prefix.count(b"\n") + 1
