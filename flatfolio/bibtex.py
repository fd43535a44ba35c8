"""BibTeX text to entries: bibtexparser splits it; @string macros, `#` joins and crossref are resolved here."""

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache

# BibTeX's standard styles define these macros; a file may redefine them.
_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                "November", "December")  # fmt: skip
MONTHS = {name[:3].lower(): name for name in _MONTH_NAMES}
_KEY_OF_FAILED = re.compile(r"@\s*\w+\s*[{(]\s*([^,\s{}()=]+)")
# The library logs each malformed block; they are reported here as problems with their line instead.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())
logging.getLogger("bibtexparser").propagate = False


@dataclass
class BibEntry:
    """One @entry: its key, lower-case type, line, and fields as LaTeX with macros resolved."""

    key: str
    type: str
    line: int
    fields: dict[str, str] = field(default_factory=dict)  # lower-case name -> LaTeX value, in written order
    lines: dict[str, int] = field(default_factory=dict)  # lower-case name -> line it is written on


def _pieces(raw: str) -> list[str]:
    """A field value split at the `#` joins outside braces and quotes."""
    pieces, depth, quoted, start = [], 0, False, 0
    for index, char in enumerate(raw):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            quoted = not quoted
        elif char == "#" and depth == 0 and not quoted:
            pieces.append(raw[start:index].strip())
            start = index + 1
    pieces.append(raw[start:].strip())
    return pieces


def _value(raw: str, macros: dict[str, str]) -> str:
    """The LaTeX text of a raw field value: braces or quotes removed, numbers kept, macros and `#` resolved."""
    text = []
    for piece in _pieces(raw):
        if len(piece) >= 2 and (piece[0], piece[-1]) in (("{", "}"), ('"', '"')):
            text.append(piece[1:-1])
        elif piece.isdigit():
            text.append(piece)
        elif piece.lower() in macros:
            text.append(macros[piece.lower()])
        elif not piece:
            raise ValueError("empty value" if raw.strip() == "" else f"empty part in {raw.strip()!r}")
        else:
            raise ValueError(f"undefined @string {piece!r}")
    return "".join(text)


def _failed(block) -> tuple[int, str]:
    """(line, message) for a block bibtexparser could not parse."""
    from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock  # noqa: PLC0415

    line = (block.start_line or 0) + 1
    if isinstance(block, DuplicateBlockKeyBlock):
        first = (block.previous_block.start_line or 0) + 1
        return line, f"{block.key}: duplicate key (first used at line {first})"
    if isinstance(block, DuplicateFieldKeyBlock):
        names = ", ".join(sorted(block.duplicate_keys))
        return line, f"{block.ignore_error_block.key}: field given twice: {names}"
    found = _KEY_OF_FAILED.match(block.raw or "")
    name = f"{found.group(1)}: " if found else ""
    reason = getattr(block.error, "abort_reason", "") or str(block.error) or type(block.error).__name__
    return line, f"{name}malformed entry: {reason.strip()}"


def _entry(block, macros: dict[str, str], problems: list) -> BibEntry | None:
    """A BibEntry from a parsed block, or None after recording why it is unusable."""
    line = (block.start_line or 0) + 1
    if not block.key or re.search(r"\s", block.key):  # the key is the entry's anchor id on the page
        problems.append((line, f"@{block.entry_type} entry without a key" if not block.key else
                         f"{block.key}: a key cannot hold spaces"))  # fmt: skip
        return None
    entry = BibEntry(block.key, block.entry_type.lower(), line)
    for item in block.fields:
        name = item.key.lower()
        try:
            entry.fields[name] = _value(str(item.value), macros)
        except ValueError as error:
            problems.append(((item.start_line or block.start_line or 0) + 1, f"{block.key}: {name}: {error}"))
            return None
        entry.lines[name] = (item.start_line or block.start_line or 0) + 1
    return entry


def _inherit(entries: list[BibEntry], problems: list) -> None:
    """Fill each crossref'ing entry's missing fields from its parent, as BibTeX does (a title becomes booktitle)."""
    by_key = {entry.key.lower(): entry for entry in entries}
    for entry in entries:
        target = entry.fields.get("crossref", "").strip()
        if not target:
            continue
        parent = by_key.get(target.lower())
        if parent is None or parent is entry:
            problems.append((entry.lines.get("crossref", entry.line), f"{entry.key}: crossref {target!r} not found"))
            continue
        inherited = {name: value for name, value in parent.fields.items() if name not in ("crossref", "ids")}
        if "title" in inherited:
            inherited.setdefault("booktitle", inherited.pop("title"))
        for name, value in inherited.items():
            entry.fields.setdefault(name, value)


def parse(text: str) -> tuple[list[BibEntry], list[tuple[int, str]]]:
    """Every usable entry of a .bib text in file order, and (line, message) for everything wrong in it."""
    import bibtexparser  # noqa: PLC0415 -- only sites with a bibliography pay for it
    from bibtexparser.model import Entry, ParsingFailedBlock, String  # noqa: PLC0415

    problems: list[tuple[int, str]] = []
    try:
        library = bibtexparser.parse_string(text, parse_stack=[])
    except Exception as error:  # noqa: BLE001 -- the splitter re-raises its own bugs; report, never crash a page
        return [], [(1, f"could not be parsed: {type(error).__name__}: {error}")]
    macros, entries, seen = dict(MONTHS), [], {}
    for block in library.blocks:
        if isinstance(block, String):
            try:
                macros[block.key.lower()] = _value(str(block.value), macros)
            except ValueError as error:
                problems.append(((block.start_line or 0) + 1, f"@string {block.key}: {error}"))
        elif isinstance(block, ParsingFailedBlock):
            problems.append(_failed(block))
        elif isinstance(block, Entry):
            entry = _entry(block, macros, problems)
            if entry is None:
                continue
            first = seen.setdefault(entry.key.lower(), entry)
            if first is not entry:  # BibTeX keys ignore case; bibtexparser only finds exact repeats
                problems.append((entry.line, f"{entry.key}: duplicate key (first used at line {first.line})"))
                continue
            entries.append(entry)
    _inherit(entries, problems)
    return entries, sorted(problems)


@cache
def _decoder():
    """pylatexenc's LaTeX-to-text converter, with the few macros bibliographies use that it lacks."""
    from pylatexenc import latex2text  # noqa: PLC0415

    context = latex2text.get_default_latex_context_db()
    specs = [latex2text.MacroTextSpec("url", simplify_repl="%s")]
    specs += [latex2text.MacroTextSpec(name, simplify_repl=name) for name in ("LaTeX", "TeX", "BibTeX")]
    context.add_context_category("flatfolio-bibliography", prepend=True, macros=specs)
    return latex2text.LatexNodes2Text(latex_context=context, math_mode="text", keep_braced_groups=False)


def to_text(latex: str) -> str:
    """LaTeX as plain text: accents, `\\&`, `--`, math and braces decoded, runs of spaces made one."""
    if not re.search(r"[\\{}$~`'-]", latex):
        return " ".join(latex.split())  # most values: nothing to decode
    try:
        text = _decoder().latex_to_text(latex)
    except Exception:  # noqa: BLE001 -- pylatexenc is tolerant; should it still fail, show the source
        text = latex
    return re.sub(r"[ \t\r\n]+", " ", text).strip()


def _fold(text: str) -> str:
    """Lower-case, accents and dots dropped: "Müller," and "muller" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().replace(".", "").strip(" ,")


@dataclass(frozen=True)
class Name:
    """A person of an author list: given names and last name as text (von and Jr parts kept in place)."""

    first: tuple[str, ...]
    last: str
    full: str  # "Given von Last, Jr"

    def same_as(self, other: "Name | None") -> bool:
        """Whether both name one person: same last name, same first given name or its initial ("A." is "Aman")."""
        if other is None or not self.first or not other.first or _fold(self.last) != _fold(other.last):
            return False
        mine, theirs = (name.first[0].split("-")[0].rstrip(".") for name in (self, other))
        if not mine or not theirs:
            return False
        if min(len(mine), len(theirs)) == 1:  # an initial
            return _fold(mine[0]) == _fold(theirs[0])
        return _fold(mine) == _fold(theirs)


def names(latex: str) -> tuple[list[Name], bool]:
    """The people of an `author` (or `editor`) value, and whether it ends in `and others`."""
    from bibtexparser.middlewares.names import (  # noqa: PLC0415
        InvalidNameError,
        parse_single_name_into_parts,
        split_multiple_persons_names,
    )

    people, others = [], False
    for written in split_multiple_persons_names(latex):
        if written.strip().lower() == "others":
            others = True
            continue
        try:
            parts = parse_single_name_into_parts(written, strict=False)
        except InvalidNameError:
            people.append(Name((), to_text(written), to_text(written)))
            continue
        first = tuple(to_text(part) for part in parts.first)
        last = to_text(" ".join([*parts.von, *parts.last]))
        jr = to_text(" ".join(parts.jr))
        full = " ".join(part for part in (" ".join(first), last) if part) + (f", {jr}" if jr else "")
        people.append(Name(first, to_text(" ".join(parts.last)), full))
    return people, others


def source(entry: BibEntry, leave_out: set[str]) -> str:
    """The entry as BibTeX a reader can copy: macros resolved, empty and site-only fields left out."""
    lines = [f"@{entry.type}{{{entry.key},"]
    for name, value in entry.fields.items():
        if name not in leave_out and value.strip():
            lines.append(f"  {name} = {{{value}}},")
    return "\n".join([*lines, "}"])
