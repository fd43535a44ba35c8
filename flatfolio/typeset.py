"""Typst: a template and JSON data typeset into a PDF; errors as `path:line` problems; no Typst threads in a build."""

import os
import re
from pathlib import Path

from .build import parallel
from .problems import Problem

_DIAGNOSTIC = re.compile(r"^error: (?P<message>.*)\n\s*┌─ (?P<file>[^\n]*?):(?P<line>\d+):\d+", re.MULTILINE)


class TypesetError(ValueError):
    """A template could not be typeset; carries its `path:line: field: problem`."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


def compile_pdf(template: Path, shown: str, field: str, payload: str) -> bytes:
    """Typeset `template` (named `shown` in problems) reading `payload` as sys.inputs.data, here and now.

    Only Typst's own fonts (no system fonts) and a fixed clock: every machine makes the same bytes.
    """
    import typst  # noqa: PLC0415 -- loaded only when something is typeset (the compiler is large)

    try:
        pdf, _warnings = typst.compile_with_warnings(
            template, root=template.parent, format="pdf", sys_inputs={"data": payload},
            ignore_system_fonts=True, timestamp=0,
        )  # fmt: skip
    except typst.TypstError as error:
        found = _DIAGNOSTIC.search(getattr(error, "diagnostic", "") or "")
        line = int(found["line"]) if found and Path(found["file"]).name == template.name else None
        raise TypesetError(Problem(shown, field, getattr(error, "message", "") or str(error), line)) from None
    return pdf


def _single_threaded() -> bool:
    """Whether this process runs one thread, Typst's included (Linux: /proc); False when it cannot tell."""
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


def typeset(template: Path, shown: str, field: str, payload: str) -> bytes:
    """`compile_pdf` in a forked process while this one has no other thread (a build, `check`), else here.

    Typst leaves threads running, and a process with threads must not fork: a build forks
    its workers after typesetting, and Typst called in such a fork hangs. A process that
    already runs threads (the dev server, or Typst's own) typesets in place.
    """
    if not (parallel.can_fork() and _single_threaded()):
        return compile_pdf(template, shown, field, payload)
    results = []

    def work(part: int, parts: int):
        try:
            yield "pdf", compile_pdf(template, shown, field, payload)
        except TypesetError as error:
            yield "problem", error.problem

    try:
        parallel.in_forked_processes(work, 1, results.append)
    except parallel.WorkerFailed as error:  # Typst crashed (a panic): still one line, no traceback
        raise TypesetError(Problem(shown, field, f"Typst failed: {error}")) from None
    kind, value = results[0]
    if kind == "problem":
        raise TypesetError(value)
    return value
