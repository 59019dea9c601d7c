"""Only the student's own regular files move: refuse symlinks, hard links, devices, FIFOs, oversized files.

nbgrader 0.9.6 copies a submission four times, each time with ``shutil`` calls that follow symbolic links:
``collect`` (exchange inbound -> ``submitted/``, ``shutil.copytree`` in ``Exchange.do_copy``), ``autograde``
(``submitted/`` -> ``autograded/``, ``shutil.copy`` in ``BaseConverter.init_assignment``), ``generate_feedback``
(``autograded/`` -> ``feedback/``, the same) and ``release_feedback`` (``feedback/*.html`` -> the exchange,
``shutil.copy``). A student who adds ``ln -s /etc/shadow notes.html`` to their inbound folder after ``nbgrader
submit`` gets that file back as "feedback". Here every step accepts only what :class:`SubmissionFiles` calls
the student's own regular file: not a symbolic link, device, FIFO or socket, a single name (``st_nlink == 1``,
so not a hard link to a file elsewhere), at most ``max_file_size`` bytes, at most ``max_submission_size``
bytes and ``max_files`` entries in all (notebooks counted first). Anything else is *refused*: not copied,
logged as a warning with its path and the reason, recorded in ``refused_files.json`` beside the copy
(``submitted/<student>/<lesson>/``, then ``autograded/`` and ``feedback/``) and listed at the top of the
student's feedback page. The rest of the submission is graded normally; a refused notebook is a missing one.

How it is hooked in (:func:`configure`, called from ``nbgrader_config.py``):

- ``collect`` and ``release_feedback``: by configuration, ``c.ExchangeFactory.collect = SafeCollect`` and
  ``c.ExchangeFactory.release_feedback = SafeReleaseFeedback`` (subclasses of nbgrader's default exchange);
  collect opens every entry relative to an open folder with ``O_NOFOLLOW`` and checks the opened file
  (``fstat``) again, so swapping a file for a link while collect runs does not help either;
- ``autograde`` and ``generate_feedback``: nbgrader builds ``Autograde`` / ``GenerateFeedback`` by name in
  ``nbgrader.apps.autogradeapp``, ``generatefeedbackapp`` and ``api`` (the formgrader) and offers no option to
  choose the class, so :func:`install` rebinds those three modules' names to :class:`SafeAutograde` and
  :class:`SafeGenerateFeedback` (subclasses; idempotent). Their ``init_assignment`` replaces nbgrader's
  ``BaseConverter.init_assignment`` (same files, copied with the checks) and notebooks are checked before
  they are read.
"""

from __future__ import annotations

import errno
import fnmatch
import glob
import html
import json
import os
import re
import shutil
import stat
from dataclasses import asdict, dataclass
from pathlib import Path

from nbconvert.preprocessors import Preprocessor
from nbformat.v4 import new_markdown_cell
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.converters import Autograde, GenerateFeedback
from nbgrader.converters.base import BaseConverter, NbGraderException
from nbgrader.exchange.default import ExchangeCollect, ExchangeReleaseFeedback
from nbgrader.utils import notebook_hash
from traitlets import Bool, Integer
from traitlets.config import LoggingConfigurable

MiB = 2**20
RECORD = "refused_files.json"  # beside each copy of a submission; a student's file of that name is refused
_CHUNK = MiB
_MAX_DEPTH = 32
_OPEN_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK: opening a FIFO that replaced a checked file does not block; O_NOCTTY: nor grabs a terminal.
_OPEN_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


@dataclass(frozen=True)
class Refusal:
    path: str  # relative to the submission folder, "/"-separated ("." for the folder itself)
    reason: str  # shown to the student
    detail: str = ""  # for the instructor only (a link's target, an error)
    step: str = ""  # collect, autograde, generate_feedback, release_feedback


class Refused(Exception):
    def __init__(self, reason: str, detail: str = ""):
        super().__init__(reason)
        self.reason, self.detail = reason, detail


def shown(path) -> str:
    """A path as one line of log or page: control characters (a newline in a file name) escaped."""
    return json.dumps(str(path), ensure_ascii=False)[1:-1]


def _mib(n: int) -> str:
    return f"{n / MiB:.1f} MiB" if n >= MiB / 10 else f"{n} bytes"


class SubmissionFiles(LoggingConfigurable):
    """What may be copied out of a submission, and the copying itself (configurable limits)."""

    max_file_size = Integer(20 * MiB, help="Largest file (bytes) copied out of a submission.").tag(config=True)
    max_submission_size = Integer(
        100 * MiB, help="Most bytes copied out of one submission in all (notebooks first)."
    ).tag(config=True)
    max_files = Integer(1000, help="Most entries (files and folders) taken from one submission.").tag(config=True)

    # -- the rule ---------------------------------------------------------------------------------
    def refusal(self, st: os.stat_result, link_target=None, cap: int | None = None) -> Refused | None:
        """Why an entry with ``lstat`` result ``st`` is not the student's own regular file (None: it is)."""
        mode = st.st_mode
        if stat.S_ISLNK(mode):
            try:
                target = f"to {shown(link_target())}" if link_target else ""
            except OSError:
                target = ""
            return Refused("a symbolic link", target)
        if stat.S_ISFIFO(mode):
            return Refused("a named pipe (FIFO)")
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
            return Refused("a device")
        if stat.S_ISSOCK(mode):
            return Refused("a socket")
        if not stat.S_ISREG(mode):
            return Refused("not a regular file", f"mode {oct(mode)}")
        if st.st_nlink > 1:
            return Refused("a hard link (the file has other names)", f"{st.st_nlink} names, inode {st.st_ino}")
        cap = self.max_file_size if cap is None else cap
        if st.st_size > cap:
            return Refused(f"too large ({_mib(st.st_size)}; the limit is {_mib(cap)} per file)")
        return None

    def check_path(self, path, cap: int | None = None) -> Refused | None:
        """:meth:`refusal` for a path (its last component is not followed)."""
        try:
            st = os.lstat(path)
        except OSError as e:
            return Refused("cannot be read", str(e))
        return self.refusal(st, lambda: os.readlink(path), cap)

    def read_small(self, path, limit: int = MiB) -> bytes:
        """The content of a small regular file, opened without following a link; raises :class:`Refused`."""
        why = self.check_path(path, cap=limit)
        if why:
            raise why
        try:
            fd = os.open(path, _OPEN_FILE)
        except OSError as e:
            if e.errno == errno.ELOOP:
                raise Refused("a symbolic link", f"to {shown(os.readlink(path))}") from None
            raise Refused("cannot be read", str(e)) from None
        try:
            why = self.refusal(os.fstat(fd), cap=limit)
            if why:
                raise why
            with os.fdopen(os.dup(fd), "rb") as fh:
                return fh.read(limit + 1)[:limit]
        finally:
            os.close(fd)

    # -- copying ------------------------------------------------------------------------------------
    def copy_tree(
        self,
        src,
        dest,
        step: str,
        ignore=(),
        include=(),
        reserved=(),
        used: int = 0,
        cap: int | None = None,
        budget: int | None = None,
        groupshared: bool = False,
    ) -> list[Refusal]:
        """Copy folder ``src`` to ``dest`` (created; existing files replaced), taking only the student's own
        regular files. ``ignore`` (name globs, at any depth) and ``include`` (file name globs) are skipped
        silently, as nbgrader does; top-level names in ``reserved`` are refused. ``used`` bytes already
        count against the submission's budget. Returns what was refused."""
        total = min(self.max_submission_size, budget or self.max_submission_size)
        cap = min(self.max_file_size, cap or self.max_file_size)
        state = _Copy(self, step, list(ignore), list(include), set(reserved), cap, total - used, groupshared)
        state.total = total
        try:
            fd = os.open(src, _OPEN_DIR)
        except OSError as e:
            is_link = os.path.islink(src)
            detail = f"to {shown(os.readlink(src))}" if is_link else str(e)
            return [Refusal(".", "a symbolic link" if is_link else "not a folder", detail, step)]
        try:
            state.folder(fd, Path(dest), "", os.fstat(fd), 0)
        finally:
            os.close(fd)
        return state.refused

    def copy_file(self, src, dest, groupshared: bool = False) -> Refusal | None:
        """Copy one file with the same checks (``dest`` replaced); the refusal, or None when copied."""
        state = _Copy(self, "", [], [], set(), self.max_file_size, self.max_submission_size, groupshared)
        parent, name = os.path.split(os.path.abspath(src))
        fd = os.open(parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            st = os.stat(name, dir_fd=fd, follow_symlinks=False)
            why = self.refusal(st, lambda: os.readlink(name, dir_fd=fd), state.cap)
            if why is None:
                state.file(fd, name, st, Path(dest), name)
            else:
                state.refuse(name, why)
        finally:
            os.close(fd)
        return state.refused[0] if state.refused else None


class _Copy:
    """One copy of a folder tree: entries opened relative to their open parent, never through a link."""

    def __init__(self, files, step, ignore, include, reserved, cap, budget, groupshared):
        self.files, self.step, self.ignore, self.include, self.reserved = files, step, ignore, include, reserved
        self.cap, self.budget, self.groupshared = cap, budget, groupshared
        self.total = budget
        self.entries = 0
        self.refused: list[Refusal] = []

    def refuse(self, rel: str, why: Refused) -> None:
        self.refused.append(Refusal(rel, why.reason, why.detail, self.step))

    def folder(self, fd: int, dest: Path, rel: str, st: os.stat_result, depth: int) -> None:
        if dest.is_symlink() or (dest.exists() and not dest.is_dir()):
            _replace(dest)
        dest.mkdir(parents=True, exist_ok=True)
        # never writable by others, whatever the student's folder was
        os.chmod(dest, (st.st_mode & 0o755 | 0o700) | (0o2770 if self.groupshared else 0))
        listed = []
        for name in os.listdir(fd):
            try:
                listed.append((name, os.stat(name, dir_fd=fd, follow_symlinks=False)))
            except FileNotFoundError:
                continue
        # notebooks first, then the other files, then folders: a bulky extra never pushes out the notebook
        listed.sort(key=lambda e: (not e[0].endswith(".ipynb"), stat.S_ISDIR(e[1].st_mode), e[0]))
        for name, est in listed:
            path = rel + name
            if any(fnmatch.fnmatch(name, g) for g in self.ignore):
                self.files.log.debug("Ignoring excluded file %s (CourseDirectory.ignore)", shown(path))
                continue
            self.entries += 1
            if self.entries > self.files.max_files:
                self.refuse(path, Refused(f"one entry too many (the limit is {self.files.max_files} per submission)"))
                continue
            if not rel and name in self.reserved:
                self.refuse(path, Refused("a file name the grader reserves for itself"))
                continue
            if stat.S_ISDIR(est.st_mode):
                self.subfolder(fd, name, est, dest / name, path, depth)
                continue
            if self.include and stat.S_ISREG(est.st_mode):
                if not any(fnmatch.fnmatch(name, g) for g in self.include):
                    continue
            why = self.files.refusal(est, lambda name=name: os.readlink(name, dir_fd=fd), self.cap)
            if why is not None:
                self.refuse(path, why)
            else:
                self.file(fd, name, est, dest / name, path)

    def subfolder(self, fd: int, name: str, st: os.stat_result, dest: Path, path: str, depth: int) -> None:
        if name.endswith(".ipynb"):
            return self.refuse(path, Refused("a folder named like a notebook"))
        if depth + 1 >= _MAX_DEPTH:
            return self.refuse(path, Refused(f"folders nested more than {_MAX_DEPTH} deep"))
        opened = self._open(fd, name, _OPEN_DIR, st, path)
        if opened is None:
            return None
        sub, now = opened
        try:
            self.folder(sub, dest, path + "/", now, depth + 1)
        finally:
            os.close(sub)

    def _open(self, fd: int, name: str, flags: int, st: os.stat_result, path: str) -> tuple[int, os.stat_result] | None:
        """Open ``name`` (no links followed) and check it is still what was listed; else refuse it."""
        try:
            opened = os.open(name, flags, dir_fd=fd)
        except OSError as e:
            self.refuse(path, Refused("cannot be opened safely", str(e)))
            return None
        now = os.fstat(opened)
        if (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino):
            os.close(opened)
            self.refuse(path, Refused("changed while being copied"))
            return None
        return opened, now

    def file(self, fd: int, name: str, st: os.stat_result, dest: Path, path: str) -> None:
        opened = self._open(fd, name, _OPEN_FILE, st, path)
        if opened is None:
            return None
        src, now = opened
        try:
            why = self.files.refusal(now, None, self.cap)
            if why is None and now.st_size > self.budget:
                why = Refused(f"over the submission's limit ({_mib(self.total)} in all)")
            if why is not None:
                return self.refuse(path, why)
            limit = min(self.cap, self.budget)
            os.set_blocking(src, True)
            _replace(dest)
            n = 0
            with os.fdopen(os.open(dest, _CREATE, 0o600), "wb") as out:
                while chunk := os.read(src, _CHUNK):
                    n += len(chunk)
                    if n > limit:
                        break
                    out.write(chunk)
                out.flush()
                os.fchmod(out.fileno(), (now.st_mode & 0o755 | 0o600) | (0o660 if self.groupshared else 0))
                os.utime(out.fileno(), ns=(now.st_atime_ns, now.st_mtime_ns))
            if n > limit:  # it grew while being copied
                os.unlink(dest)
                return self.refuse(path, Refused(f"too large (over {_mib(limit)} while being copied)"))
            self.budget -= n
        finally:
            os.close(src)


def _replace(dest: Path) -> None:
    """Make room for a new file at ``dest`` (our own copy: whatever is there goes, links are not followed)."""
    if os.path.lexists(dest):
        if os.path.isdir(dest) and not os.path.islink(dest):
            shutil.rmtree(dest)
        else:
            os.unlink(dest)


# -- the record beside each copy, and the student's note -------------------------------------------
def read_record(files: SubmissionFiles, folder) -> list[Refusal]:
    path = os.path.join(folder, RECORD)
    if not os.path.lexists(path):
        return []
    try:
        return [Refusal(**{k: str(v) for k, v in r.items()}) for r in json.loads(files.read_small(path))]
    except (Refused, ValueError, TypeError, AttributeError) as e:
        files.log.warning("Unreadable %s: %s", shown(path), e)
        return []


def write_record(folder, refused: list[Refusal]) -> None:
    path = Path(folder) / RECORD
    _replace(path)
    if refused:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, _CREATE, 0o644)
        with os.fdopen(fd, "w") as fh:
            json.dump([asdict(r) for r in refused], fh, indent=1)


def log_refusals(log, where, refused: list[Refusal], what: str) -> None:
    for r in refused:
        detail = f" ({r.detail})" if r.detail else ""
        log.warning("Refused %s: %s%s; %s", shown(os.path.join(where, r.path)), r.reason, detail, what)


class NoteRefusedFiles(Preprocessor):
    """Feedback: a note at the top of the page listing the files the grader refused (path and reason)."""

    enabled = Bool(True)  # nbconvert's preprocessors are off unless enabled

    def preprocess(self, nb, resources):
        refused = resources.get("nbgrader", {}).get("refused_files") or []
        if refused:
            items = "".join(
                f"<li><code>{html.escape(shown(r['path']))}</code>: {html.escape(r['reason'])}</li>" for r in refused
            )
            nb.cells.insert(
                0,
                new_markdown_cell(
                    '<div class="alert alert-warning"><p><strong>Files not graded.</strong> Only your own regular '
                    "files are collected: no symbolic links, hard links, devices, pipes or sockets, and nothing "
                    "oversized. These files of your submission were left out:</p>"
                    f"<ul>{items}</ul></div>",
                    metadata={"refused_files": True},
                ),
            )
        return nb, resources


# -- the four steps ------------------------------------------------------------------------------
class SafeCollect(ExchangeCollect):
    """``nbgrader collect`` that copies only the student's own regular files out of the inbound folder."""

    def do_copy(self, src, dest, log=None):
        files = SubmissionFiles(parent=self)
        refused = files.copy_tree(
            src,
            dest,
            "collect",
            ignore=self.coursedir.ignore,
            include=self.coursedir.include,
            reserved={RECORD},
            cap=1000 * self.coursedir.max_file_size if self.coursedir.max_file_size else None,
            budget=1000 * self.coursedir.max_dir_size if self.coursedir.max_dir_size else None,
            groupshared=self.coursedir.groupshared,
        )
        log_refusals(self.log, src, refused, "not collected")
        write_record(dest, refused)


class SafeReleaseFeedback(ExchangeReleaseFeedback):
    """``nbgrader release_feedback`` (0.9.6's ``copy_files``) releasing only regular, single-named HTML pages.
    A feedback folder whose timestamp or submission secret is missing (refused at collect) is skipped with an
    error in the log instead of stopping the release for everybody."""

    def copy_files(self):
        files = SubmissionFiles(parent=self)
        exclude = set(self.coursedir.student_id_exclude.split(",")) if self.coursedir.student_id_exclude else set()
        regexp = re.escape(os.path.sep).join(
            [
                self.coursedir.format_path(
                    self.coursedir.feedback_directory, "(?P<student_id>.*)", self.coursedir.assignment_id, escape=True
                ),
                "(?P<notebook_id>.*).html",
            ]
        )
        for html_file in glob.glob(os.path.join(self.src_path, "*.html")):
            m = re.match(regexp, html_file)
            if m is None:
                self.log.error("Could not match '%s' with regexp '%s'", html_file, regexp)
                continue
            student_id, notebook_id = m.group("student_id"), m.group("notebook_id")
            if student_id in exclude:
                continue
            feedback_dir = os.path.dirname(html_file)
            try:
                timestamp = files.read_small(os.path.join(feedback_dir, "timestamp.txt")).decode()
                secret = files.read_small(os.path.join(feedback_dir, "submission_secret.txt")).decode()
            except (Refused, UnicodeDecodeError) as e:
                self.log.error(
                    "No feedback released for %s (%s/%s): its timestamp.txt or submission_secret.txt: %s",
                    shown(html_file),
                    student_id,
                    notebook_id,
                    f"{e.reason} ({e.detail})" if isinstance(e, Refused) else "not text",
                )
                continue
            checksum = notebook_hash(secret=secret, notebook_id=notebook_id)
            tmp, dest = (os.path.join(self.dest_path, f"{checksum}{end}.html") for end in ("-tmp", ""))
            refused = files.copy_file(html_file, tmp, groupshared=self.coursedir.groupshared)
            if refused:
                log_refusals(self.log, feedback_dir, [refused], "not released")
                continue
            os.chmod(tmp, 0o664 if self.coursedir.groupshared else 0o644)
            os.replace(tmp, dest)  # atomically, as nbgrader does
            self.log.info(
                "Released feedback for student '%s' on assignment '%s/%s/%s' (%s) to %s",
                student_id,
                self.coursedir.course_id,
                self.coursedir.assignment_id,
                notebook_id,
                timestamp,
                dest,
            )


class SafeConverter(BaseConverter):
    """Placed after nbgrader's converter in the MRO: its ``init_assignment`` replaces BaseConverter's."""

    step = "convert"

    def init_notebooks(self) -> None:
        super().init_notebooks()
        files = SubmissionFiles(parent=self)
        self.refused_notebooks: dict[str, list[Refusal]] = {}
        for folder in list(self.assignments):
            if os.path.islink(folder):  # a course folder, but never read through a link
                log_refusals(self.log, folder, [Refusal(".", "a symbolic link")], "not graded")
                del self.assignments[folder]
                continue
            kept = []
            for nb in self.assignments[folder]:
                why = files.check_path(nb)
                if why is None:
                    kept.append(nb)
                else:
                    r = Refusal(os.path.basename(nb), why.reason, why.detail, self.step)
                    self.refused_notebooks.setdefault(os.path.normpath(folder), []).append(r)
                    log_refusals(self.log, folder, [r], "not graded (a missing notebook)")
            if kept:
                self.assignments[folder] = kept
            else:
                self.log.warning("No notebook left to grade in %s", shown(folder))
                del self.assignments[folder]
        if not self.assignments:
            raise NbGraderException("No notebooks left to grade after refusing files (see the warnings above)")

    def init_assignment(self, assignment_id: str, student_id: str) -> None:
        """BaseConverter's: copy the submission's other files (not notebooks, not CourseDirectory.ignore)."""
        source = self._format_source(assignment_id, student_id)
        dest = self._format_dest(assignment_id, student_id)
        files = SubmissionFiles(parent=self)
        earlier = read_record(files, source)
        for r in earlier:
            self.log.info("%s: %s was refused at %s (%s)", shown(source), shown(r.path), r.step, r.reason)
        used = sum(os.lstat(nb).st_size for nb in self.notebooks)
        copied = files.copy_tree(source, dest, self.step, ignore=[*self.coursedir.ignore, "*.ipynb", RECORD], used=used)
        log_refusals(self.log, source, copied, "not copied")
        self.refused_files = earlier + self.refused_notebooks.get(os.path.normpath(source), []) + copied
        write_record(dest, self.refused_files)


class SafeAutograde(Autograde, SafeConverter):
    """``nbgrader autograde`` with the checks; a refused notebook scores 0 like a missing one."""

    step = "autograde"

    def init_assignment(self, assignment_id: str, student_id: str) -> None:
        super().init_assignment(assignment_id, student_id)
        source = os.path.normpath(self._format_source(assignment_id, student_id))
        names = {os.path.splitext(r.path)[0] for r in self.refused_notebooks.get(source, [])}
        if not names:
            return
        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
            for name in names:
                try:
                    notebook = gb.find_submission_notebook(name, assignment_id, student_id)
                except MissingEntry:
                    continue
                for grade in notebook.grades:
                    grade.auto_score = 0
                    grade.needs_manual_grade = False
            gb.db.commit()


class SafeGenerateFeedback(GenerateFeedback, SafeConverter):
    """``nbgrader generate_feedback`` with the checks and the note of refused files on each page."""

    step = "generate_feedback"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if NoteRefusedFiles not in self.preprocessors:
            self.preprocessors = [*self.preprocessors, NoteRefusedFiles]

    def init_single_notebook_resources(self, notebook_filename: str) -> dict:
        resources = super().init_single_notebook_resources(notebook_filename)
        resources["nbgrader"]["refused_files"] = [asdict(r) for r in getattr(self, "refused_files", [])]
        return resources


# -- installation --------------------------------------------------------------------------------
_REBIND = {
    "nbgrader.apps.autogradeapp": {"Autograde": SafeAutograde},
    "nbgrader.apps.generatefeedbackapp": {"GenerateFeedback": SafeGenerateFeedback},
    "nbgrader.apps.api": {"Autograde": SafeAutograde, "GenerateFeedback": SafeGenerateFeedback},
}


def install() -> None:
    """Make nbgrader's apps (command line and formgrader) build the safe converters. Idempotent."""
    import importlib

    for module_name, names in _REBIND.items():
        module = importlib.import_module(module_name)
        for name, cls in names.items():
            current = getattr(module, name)
            if not issubclass(current, cls):
                if current is not cls.__mro__[1]:
                    raise RuntimeError(f"{module_name}.{name} is already replaced by {current!r}; compose with {cls!r}")
                setattr(module, name, cls)


def configure(c) -> None:
    """Install the checks into the nbgrader config ``c`` (called from ``nbgrader_config.py``)."""
    c.ExchangeFactory.collect = "autograder.submission_files.SafeCollect"
    c.ExchangeFactory.release_feedback = "autograder.submission_files.SafeReleaseFeedback"
    install()
