"""Honest mistakes never cost a whole notebook: repair what would stop nbgrader, and say so.

nbgrader 0.9.6 drops a student's whole notebook (only a log line, the notebook left ungraded) for mistakes
an honest student makes: a copied cell (duplicate grade_id), nbgrader metadata that a tool or a hand edit
changed (an answer marked as a test, a test's grade_id deleted, points as a string, a key added, a bogus
``schema_version``, ``null`` or ``{}``), an unknown grade_id, an answer cell turned into Markdown by an
editor that writes ``attachments``, an answer and its test both deleted; a bogus ``schema_version`` even
stops the whole ``autograde`` run for every student after it. ``BEGIN HIDDEN TESTS`` typed in an answer
makes ``generate_feedback`` fail for that student. The two preprocessors here repair such submissions;
each repair is a warning in the instructor's log (student, notebook, cell, what) and a line in a note at
the top of the autograded notebook, which the student sees in the feedback.

``RepairSubmission``
    First of ``Autograde.sanitize_preprocessors`` (:func:`configure`), before nbgrader's own. The
    gradebook is the truth: every cell whose grade_id (or cell id, which the course sets to the
    grade_id) names a gradebook cell gets that cell's nbgrader metadata and cell type back; any other
    nbgrader metadata is removed (the cell runs as ordinary code). Of several cells with one grade_id
    the one in the gradebook's place is graded (then: an answer that holds a response, the original
    cell id, the first) and the copies become ordinary cells. A test (or written answer, or task)
    that is missing is put back before the next cell of the gradebook that is present (nbgrader's own
    ``add_missing_cells`` fails when the cell before it is missing too). nbgrader's markers
    (``BEGIN HIDDEN TESTS`` ...) in every cell whose source is the student's are respelled so that
    what the code does stays the same: a string holding one is split in two (``"BEGIN HIDDEN"
    " TESTS"``, the same value; checked by comparing the syntax trees), elsewhere (comments, Markdown)
    one more space goes before the marker's last word.

``ReadableTestOutputs``
    For ``Autograde.autograde_preprocessors``, right before ``SaveAutoGrades``: a test cell whose
    outputs nbgrader cannot turn into a score (a result that is not a number, has no plain text, or is
    outside 0..points: nbgrader gives full marks for the first and stops the notebook for the others)
    gets an error note on stderr as its first output, so it scores 0 for that cell and says why.
"""

from __future__ import annotations

import ast
import html
import io
import re
import tokenize
import uuid
from dataclasses import dataclass

from nbformat.notebooknode import NotebookNode, from_dict
from nbgrader import utils
from nbgrader.api import Gradebook
from nbgrader.nbgraderformat import MetadataValidator
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import List, Unicode

__all__ = ["NOTE_ID", "READABLE_OUTPUTS", "REPAIR", "ReadableTestOutputs", "RepairSubmission", "configure"]

REPAIR = "autograder.sanitize.RepairSubmission"
READABLE_OUTPUTS = "autograder.sanitize.ReadableTestOutputs"
NOTE_ID = "autograder-repairs"
NOTE_TAG = "<!-- autograder-repairs -->"  # first line of the note cell (invisible in the rendered page)
NOTE_HEAD = "**The autograder repaired your notebook before grading it**; the rest was graded as usual:"
MARKERS = ["BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "BEGIN SOLUTION", "END SOLUTION"]
_ABSENT = object()
_KEYS = ("grade_id", "grade", "solution", "locked", "task", "points", "schema_version")


def configure(c) -> None:
    """Install the sanitizing preprocessors into the nbgrader config ``c`` (called from ``nbgrader_config.py``).

    ``RepairSubmission`` goes first in ``Autograde.sanitize_preprocessors``, nbgrader's defaults (or the
    list the config set) after it. ``ReadableTestOutputs`` belongs in ``Autograde.autograde_preprocessors``
    right before ``SaveAutoGrades``; that list is the execution step's and is not touched here.
    """
    current = c.Autograde.sanitize_preprocessors if "sanitize_preprocessors" in c.Autograde else None
    if current is None:
        from nbgrader.converters.autograde import Autograde

        current = [_dotted(p) for p in Autograde.class_traits()["sanitize_preprocessors"].default()]
    keep = "autograder.skipping.ClearOutputKeepDemos"  # a demonstration cell the grader skips keeps its outputs
    current = [keep if _dotted(p) == "nbgrader.preprocessors.ClearOutput" else p for p in current]
    c.Autograde.sanitize_preprocessors = [REPAIR, *(p for p in current if _dotted(p) != REPAIR)]


def _dotted(item) -> str:
    if isinstance(item, str):
        return item
    import nbgrader.preprocessors as pp

    if getattr(pp, item.__name__, None) is item:
        return f"nbgrader.preprocessors.{item.__name__}"
    return f"{item.__module__}.{item.__qualname__}"


# -- the gradebook's view of the notebook ------------------------------------------------------------
@dataclass
class _Source:
    name: str
    cell_type: str
    locked: bool
    source: str
    checksum: str
    grade: bool
    solution: bool
    task: bool
    points: float | None

    def metadata(self) -> dict:
        meta = {
            "grade": self.grade,
            "grade_id": self.name,
            "locked": self.locked,
            "schema_version": 3,
            "solution": self.solution,
            "cell_type": self.cell_type,
        }
        if self.task:
            meta["task"] = True
        if self.grade or self.task:
            meta["points"] = self.points
        if self.checksum:
            meta["checksum"] = self.checksum
        return meta

    def kind(self) -> str:
        if self.task:
            return "task"
        if self.grade and self.solution:
            return "written answer"
        if self.grade:
            return "test cell"
        if self.solution:
            return "answer cell"
        return "read-only cell"


def _gradebook_cells(resources) -> list[_Source]:
    """The notebook's cells in the gradebook, in nbgrader's order (the source notebook's)."""
    info = resources["nbgrader"]
    with Gradebook(info["db_url"]) as gb:
        notebook = gb.find_notebook(info["notebook"], info["assignment"])
        grades = {c.name: c.max_score for c in notebook.grade_cells}
        tasks = {c.name: c.max_score for c in notebook.task_cells}
        solutions = {c.name for c in notebook.solution_cells}
        return [
            _Source(
                name=c.name,
                cell_type=c.cell_type,
                locked=bool(c.locked),
                source=c.source or "",
                checksum=c.checksum or "",
                grade=c.name in grades,
                solution=c.name in solutions,
                task=c.name in tasks,
                points=grades.get(c.name, tasks.get(c.name)),
            )
            for c in notebook.source_cells
        ]


# -- notes: the instructor's log and the student's feedback ----------------------------------------
def _is_note(cell) -> bool:
    return cell.get("cell_type") == "markdown" and str(cell.get("source", "")).startswith(NOTE_TAG)


def _shown(text, limit: int = 60) -> str:
    """Student-controlled text, safe inside the note's Markdown (no HTML, no code span breaks)."""
    text = " ".join(str(text).split())
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return html.escape(text.replace("`", "'"), quote=False)


def _where(index: int, cell, name: str | None = None) -> str:
    name = name or _meta(cell).get("grade_id")
    return f"cell {index + 1}" + (f" (`{_shown(name, 40)}`)" if isinstance(name, str) and name else "")


class _Notes:
    def __init__(self, log, resources):
        self.log = log
        info = resources.get("nbgrader", {})
        student, lesson, notebook = (info.get(k, "?") for k in ("student", "assignment", "notebook"))
        self.who = f"student {student!r}, notebook {lesson}/{notebook}"
        self.lines: list[str] = []

    def add(self, where: str, what: str) -> None:
        self.log.warning("Repaired the submission of %s, %s: %s", self.who, _plain(where), _plain(what))
        self.lines.append(f"- {where[0].upper()}{where[1:]}: {what}")

    def write(self, cells: list) -> None:
        """Put the notes into the note cell at the top (made if there is none yet)."""
        if not self.lines:
            return
        note = next((c for c in cells if _is_note(c)), None)
        if note is None:
            note = NotebookNode(cell_type="markdown", metadata={}, source=f"{NOTE_TAG}\n{NOTE_HEAD}\n")
            ids = {c.get("id") for c in cells}
            note["id"] = NOTE_ID if NOTE_ID not in ids else f"{NOTE_ID}-{uuid.uuid4().hex[:8]}"
            cells.insert(0, note)
        head = note.source.rstrip("\n")
        note.source = head + ("\n\n" if head.endswith(NOTE_HEAD) else "\n") + "\n".join(self.lines) + "\n"
        self.lines = []


def _plain(text: str) -> str:
    return html.unescape(text.replace("`", ""))


# -- nbgrader's markers --------------------------------------------------------------------------------
def _respell(text: str, markers) -> str:
    """One more space before each marker's last word (or a zero-width space in a one-word marker)."""
    for marker in markers:
        head, _, tail = marker.rpartition(" ")
        spelled = f"{head}  {tail}" if head else f"{marker[:1]}\u200b{marker[1:]}"
        text = text.replace(marker, spelled)
    return text


def _python(source: str):
    """The syntax tree of the Python that IPython runs for this cell (as a string), or None."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        source = TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 - IPython missing or the cell cannot be transformed: plain Python
        pass
    try:
        return ast.dump(ast.parse(source))
    except (SyntaxError, ValueError):
        return None


_PREFIX = re.compile(r"^[A-Za-z]*")


def _split_strings(source: str, markers) -> str:
    """Split every string literal that holds a marker in two at the marker's last space: the same value."""
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type == tokenize.STRING]
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return source
    starts = [0]
    for line in source.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    for tok in reversed(tokens):  # from the end: earlier offsets stay valid
        if not any(m in tok.string for m in markers):
            continue
        prefix = _PREFIX.match(tok.string).group(0)
        body = tok.string[len(prefix) :]
        quote = body[:3] if body[:3] in ('"""', "'''") else body[:1]
        text = tok.string
        for marker in markers:
            head = marker.rpartition(" ")[0]
            if not head:
                continue
            at = 0
            while (found := text.find(marker, at)) >= 0:
                cut = found + len(head)
                text = text[:cut] + f"{quote} {prefix}{quote}" + text[cut:]
                at = cut + len(quote) * 2 + len(prefix) + 1
        begin = starts[tok.start[0] - 1] + tok.start[1]
        end = starts[tok.end[0] - 1] + tok.end[1]
        source = source[:begin] + text + source[end:]
    return source


def defuse_markers(source: str, code: bool, markers=MARKERS) -> tuple[str, bool]:
    """``source`` with no marker left in it, and whether what it does is the same (always for Markdown)."""
    if not any(m in source for m in markers):
        return source, True
    if not code:
        return _respell(source, markers), True
    before = _python(source)
    if before is not None:
        new = _respell(_split_strings(source, markers), markers)
        if _python(new) == before and not any(m in new for m in markers):
            return new, True
    return _respell(source, markers), before is None  # a cell that did not compile does not compile now


# -- the repair ------------------------------------------------------------------------------------
def _meta(cell) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta if isinstance(meta, dict) else {}


def _changes(old, new: dict) -> list[str]:
    """What differs between a submitted nbgrader metadata and the gradebook's (checksums left out)."""
    if not isinstance(old, dict):
        return [f"it was {_shown(type(old).__name__)}, not a mapping"]
    out = []
    for key in _KEYS:
        was, now = old.get(key), new.get(key)
        if key == "task":
            was, now = bool(was), bool(now)
        if key == "points" and now is not None:
            try:
                same = float(was) == float(now) and not isinstance(was, (str, bool))
            except (TypeError, ValueError):
                same = False
        else:
            same = was == now and type(was) is type(now)
        if not same:
            was = _shown(repr(was), 24) if key in old else "missing"
            out.append(f"{key} {was} → {now!r}" if now is not None else f"{key} {was} removed")
    extra = sorted(set(old) - set(_KEYS) - {"checksum", "cell_type"})
    if extra:
        out.append("extra keys " + ", ".join(_shown(k, 24) for k in extra) + " removed")
    return out


def _set_type(cell, cell_type: str):
    """A copy of ``cell`` of ``cell_type`` (same id, metadata and source), valid for nbformat."""
    new = {"cell_type": cell_type, "metadata": cell.get("metadata", {}), "source": cell.get("source", "")}
    if "id" in cell:
        new["id"] = cell["id"]
    if cell_type == "code":
        new.update(outputs=[], execution_count=None)
    elif cell_type == "markdown" and cell.get("attachments"):
        new["attachments"] = cell["attachments"]
    return from_dict(new)


class RepairSubmission(NbGraderPreprocessor):
    """Repair a submission so that nbgrader grades it: metadata and cell types from the gradebook, one
    cell per grade_id, missing tests back, markers respelled. Every repair is logged and noted."""

    markers = List(
        Unicode(),
        MARKERS,
        help="nbgrader's markers (ClearSolutions', ClearHiddenTests' delimiters) respelled in student text.",
    ).tag(config=True)

    def preprocess(self, nb, resources):
        sources = _gradebook_cells(resources)
        by_name = {s.name: s for s in sources}
        notes = _Notes(self.log, resources)
        cells = [c for c in nb.cells if not _is_note(c)]  # a note is the grader's, never the student's

        for i, cell in enumerate(cells):
            if not isinstance(cell.get("metadata"), dict):
                cell["metadata"] = {}
                notes.add(_where(i, cell), "its metadata was not a mapping and was reset")
            if cell.get("cell_type") == "code":
                cell.setdefault("outputs", [])
                cell.setdefault("execution_count", None)

        cells = self._restore_metadata(cells, by_name, notes)
        self._deduplicate(cells, sources, by_name, notes)
        self._defuse(cells, notes)
        self._put_back_missing(cells, sources, notes)
        notes.write(cells)
        nb.cells = cells
        return nb, resources

    # 1. metadata and cell types from the gradebook
    def _restore_metadata(self, cells, by_name, notes):
        named = {m.get("grade_id") for c in cells if isinstance((m := c.metadata.get("nbgrader")), dict)}
        claimed = set()
        out = []
        for i, cell in enumerate(cells):
            old = cell.metadata.get("nbgrader", _ABSENT)
            gid = old.get("grade_id") if isinstance(old, dict) else None
            name = gid if isinstance(gid, str) and gid in by_name else None
            if name is None and cell.get("id") in by_name and cell.get("id") not in named | claimed:
                name = cell["id"]  # its nbgrader metadata was lost or edited; the course's cell id = grade_id
                claimed.add(name)
            if name is None:
                if old is not _ABSENT:
                    self._drop_unknown(i, cell, old, notes)
                out.append(cell)
                continue
            src = by_name[name]
            new = src.metadata()
            if old is _ABSENT:
                notes.add(_where(i, cell, name), f"this {src.kind()} had lost its nbgrader metadata; it was put back")
            elif changes := _changes(old, new):
                notes.add(
                    _where(i, cell, name),
                    f"the nbgrader metadata of this {src.kind()} had changed ({'; '.join(changes)}); "
                    "the instructor's was put back",
                )
            if cell.cell_type != src.cell_type:
                notes.add(
                    _where(i, cell, name),
                    f"this {src.kind()} had been turned into a {_shown(cell.cell_type, 12)} cell; "
                    f"it is a {src.cell_type} cell again",
                )
                cell = _set_type(cell, src.cell_type)
            cell.metadata["nbgrader"] = new
            if src.locked:
                cell.metadata.update(editable=False, deletable=False)
            out.append(cell)
        return out

    def _drop_unknown(self, i, cell, old, notes) -> None:
        """nbgrader metadata the gradebook does not know: removed (kept only when valid and inert)."""
        if isinstance(old, dict) and not any(old.get(k) for k in ("grade", "solution", "locked", "task")):
            try:
                MetadataValidator().validate_cell(cell)
                return
            except Exception:  # noqa: BLE001 - nbgrader would refuse it: remove it below
                pass
        del cell.metadata["nbgrader"]
        gid = old.get("grade_id") if isinstance(old, dict) else None
        if isinstance(old, dict) and any(old.get(k) for k in ("grade", "solution", "locked", "task")):
            what = f"it was marked as an nbgrader cell with {'no grade_id' if gid is None else 'an unknown grade_id'}"
        else:
            what = "its nbgrader metadata was incomplete or invalid"
        notes.add(_where(i, cell, gid if isinstance(gid, str) else None), f"{what}; it now runs as an ordinary cell")

    # 2. one cell per grade_id
    def _deduplicate(self, cells, sources, by_name, notes) -> None:
        where: dict[str, list[int]] = {}
        for i, cell in enumerate(cells):
            name = _meta(cell).get("grade_id")
            if name in by_name:
                where.setdefault(name, []).append(i)
        unique = {n: idx[0] for n, idx in where.items() if len(idx) == 1}
        order = [s.name for s in sources]
        for name, found in where.items():
            if len(found) == 1:
                continue
            k = order.index(name)
            before = next((unique[n] for n in reversed(order[:k]) if n in unique), -1)
            after = next((unique[n] for n in order[k + 1 :] if n in unique), len(cells))
            src = by_name[name]

            def rank(i, src=src, before=before, after=after, name=name):
                cell = cells[i]
                answered = src.solution and utils.compute_checksum(cell) != src.checksum
                return (not before < i < after, src.solution and not answered, cell.get("id") != name, i)

            keep = min(found, key=rank)
            for i in found:
                if i != keep:
                    del cells[i].metadata["nbgrader"]
                    for key in ("editable", "deletable"):
                        cells[i].metadata.pop(key, None)
                    notes.add(
                        _where(i, cells[i], name),
                        f"a second cell with the grade_id of the {src.kind()} at cell {keep + 1}; that one is "
                        "graded, this copy runs as an ordinary cell and is not graded",
                    )

    # 3. markers in the student's text
    def _defuse(self, cells, notes) -> None:
        for i, cell in enumerate(cells):
            if utils.is_locked(cell) or not isinstance(cell.get("source"), str):
                continue  # a locked cell's source is the instructor's (OverwriteCells puts it back)
            found = [m for m in self.markers if m in cell.source]
            if not found:
                continue
            cell.source, same = defuse_markers(cell.source, cell.cell_type == "code", self.markers)
            shown = ", ".join(f"`{_respell(m, self.markers)}`" for m in found)
            if cell.cell_type != "code":
                how = "respelled with one more space (it reads the same)"
            elif same:
                how = "respelled (a string split in two, or one more space) so that your code does exactly the same"
            else:
                how = "respelled with one more space; this changes the text of your code"
            notes.add(_where(i, cell), f"it held nbgrader's marker text {shown}, which the grader reserves; {how}")

    # 4. missing test cells, written answers and tasks back
    def _put_back_missing(self, cells, sources, notes) -> None:
        order = [s.name for s in sources]
        for k, src in enumerate(sources):
            if not (src.grade or src.task):
                continue  # a deleted answer is not put back: its stub would override code moved elsewhere
            present = {_meta(c).get("grade_id"): i for i, c in enumerate(cells) if _meta(c).get("grade_id")}
            if src.name in present:
                continue
            at = next((present[n] for n in order[k + 1 :] if n in present), len(cells))
            meta = {"nbgrader": src.metadata(), "deletable": False, **({"editable": False} if src.locked else {})}
            cell = from_dict(
                {
                    "cell_type": src.cell_type,
                    "metadata": meta,
                    "source": src.source,
                    **({"outputs": [], "execution_count": None} if src.cell_type == "code" else {}),
                }
            )
            ids = {c.get("id") for c in cells}
            cell["id"] = src.name if src.name not in ids else uuid.uuid4().hex[:8]
            cells.insert(at, cell)
            notes.add(f"`{src.name}`", f"this {src.kind()} was missing from your notebook; it was put back and graded")


# -- reading a score from a test cell's outputs ------------------------------------------------------
def unreadable(cell) -> str | None:
    """Why nbgrader cannot turn this test cell's outputs into a score (its ``determine_grade``), or None."""
    try:
        top = float(cell.metadata["nbgrader"]["points"])
        for out in cell.get("outputs", []):
            kind = out.get("output_type")
            if kind == "error" or (kind == "stream" and out.get("name") == "stderr"):
                return None  # a failed test: nbgrader scores it 0
            if kind == "execute_result":
                text = (out.get("data") or {}).get("text/plain")
                text = "".join(text) if isinstance(text, list) else text
                if not isinstance(text, str) or not text.strip():
                    return "a result without a plain-text value"
                try:
                    value = float(text)
                except ValueError:
                    return f"a result that is not a number ({_shown(text, 40)})"
                if not 0 <= value <= top:
                    return f"a partial-credit value {_shown(text, 20)} outside 0 to {top:g}"
                return None
        utils.determine_grade(cell)
    except Exception as err:  # noqa: BLE001 - anything nbgrader would stop at
        return f"outputs nbgrader cannot read ({type(err).__name__})"
    return None


class ReadableTestOutputs(NbGraderPreprocessor):
    """A test cell whose outputs cannot be read as a score scores 0 for that cell, with a note, instead of
    full marks (a non-numeric result) or a failed notebook. Goes right before ``SaveAutoGrades``."""

    def preprocess(self, nb, resources):
        notes = _Notes(self.log, resources)
        for i, cell in enumerate(nb.cells):
            if cell.get("cell_type") != "code" or not utils.is_grade(cell) or utils.is_solution(cell):
                continue
            why = unreadable(cell)
            if why is None:
                continue
            text = (
                f"The autograder could not read a score from this test cell's output: {_plain(why)}. "
                "It scores 0 for this cell; your instructor has been told.\n"
            )
            cell.outputs.insert(0, from_dict({"output_type": "stream", "name": "stderr", "text": text}))
            notes.add(_where(i, cell), f"its output was {why}; it scores 0 for this cell (your instructor knows)")
        notes.write(nb.cells)
        return nb, resources
