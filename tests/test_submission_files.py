"""Only the student's own regular files move (issue 12, item 4): autograder/submission_files.py.

One scratch course on ``01-sequences``, driven through the real ``nbgrader collect``, ``autograde``,
``generate_feedback`` and ``release_feedback`` commands. After ``nbgrader submit`` the students add to their
exchange inbound folders what nbgrader 0.9.6 (as root) would follow or choke on:

- ada: the correct notebook, plus symbolic links to a file outside the course, to the solutions notebook and
  to an outside folder, a hard link to an outside file, a FIFO, a socket, an oversized (sparse) file, a link
  in a sub-folder, a forged ``refused_files.json`` and two honest extra files; later, links and a FIFO put
  straight into ``submitted/``, ``autograded/`` and ``feedback/`` (as a careless copy by hand would);
- ben: his notebook replaced by a symbolic link to the solutions notebook;
- dee: never submitted; a notebook that is a link to the solutions notebook put straight into ``submitted/``;
- cy: a feedback folder without ``submission_secret.txt`` (what is left when collect refused a linked one).

Expected: every command succeeds; no outside content and no solution text anywhere in submitted/,
autograded/, feedback/, the exchange's feedback folder or what ada fetches; no link, FIFO, socket or hard
link in those trees; ada scores full marks and her feedback page lists what was refused; ben and dee score
like a missing notebook; cy's feedback is not released (logged) and the release goes on for the others;
each command's log names every refused path with its reason.

The copying rule itself (devices, budgets, entry counts, the feedback note's escaping) is tested directly
on folders, without nbgrader commands.
"""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import nbformat
import pytest

from autograder import submission_files as sf
from autograder.classroom import COURSE_ID, Course, student_notebook
from autograder.notebooks import BEGIN_HIDDEN, BEGIN_SOLUTION, SOLUTIONS

LESSON = "01-sequences"
NOTEBOOK = "sequences.ipynb"
MARKER = "OUTSIDE-SECRET-7f3a9c"  # in every outside file; must appear in no copy


def _bind_socket(path: Path) -> socket.socket:
    """A Unix socket at ``path`` (bound from its folder: socket paths are limited to 107 bytes)."""
    sock = socket.socket(socket.AF_UNIX)
    cwd = os.getcwd()
    os.chdir(path.parent)
    try:
        sock.bind(path.name)
    finally:
        os.chdir(cwd)
    return sock


def _inbound(course: Course, student: str) -> Path:
    (folder,) = (course.root / ".course" / "exchange" / COURSE_ID / "inbound").glob(f"{student}+{LESSON}+*")
    return folder


def _outside(base: Path) -> dict[str, Path]:
    out = base / "outside"
    (out / "dir").mkdir(parents=True)
    files = {name: out / name for name in ("secret.txt", "hard.txt")}
    for name, path in files.items():
        path.write_text(f"{MARKER} {name}\n")
    (out / "dir" / "inner.txt").write_text(f"{MARKER} inner\n")
    files["dir"] = out / "dir"
    return files


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("submission_files")
    outside = _outside(base)
    course = Course(base / "course", timeout=20).create([LESSON], SOLUTIONS)
    course.env["LSTM_SANDBOX_MEMORY"] = "1536M"
    course.nbgrader("generate_assignment", LESSON, "--force")
    course.exchange("release", LESSON)
    solution_nb = course.root / "solutions" / LESSON / NOTEBOOK
    for student in ("ada", "ben"):
        home = course.student_dir(student)
        home.mkdir(parents=True)
        course.exchange("fetch", LESSON, student, home)
        released = home / COURSE_ID / LESSON / NOTEBOOK
        nbformat.write(student_notebook("correct", released, solution_nb, LESSON), released)
        (home / COURSE_ID / LESSON / "own.txt").write_text("my notes\n")
        course.exchange("submit", LESSON, student, home)

    # after `nbgrader submit`: the inbound folders are the students' own
    ada = _inbound(course, "ada")
    (ada / "notes.html").symlink_to(outside["secret.txt"])
    (ada / "answers.html").symlink_to(solution_nb)
    (ada / "data").symlink_to(outside["dir"], target_is_directory=True)
    os.link(outside["hard.txt"], ada / "hard.txt")
    os.mkfifo(ada / "pipe.html")
    sock = _bind_socket(ada / "sock")
    with open(ada / "big.bin", "wb") as fh:  # sparse: 21 MiB on paper, nothing on disk
        fh.truncate(21 * 2**20)
    (ada / "sub").mkdir()
    (ada / "sub" / "leak.html").symlink_to(outside["secret.txt"])
    (ada / "sub" / "mine.txt").write_text("mine\n")
    (ada / "refused_files.json").write_text('[{"path": "forged", "reason": "<script>alert(1)</script>"}]')
    ben = _inbound(course, "ben")
    (ben / NOTEBOOK).unlink()
    (ben / NOTEBOOK).symlink_to(solution_nb)

    logs = {"collect": course.nbgrader("collect", LESSON).stderr}
    sock.close()
    work = course.root / ".course"
    # placed straight into the course's own copies: each later step refuses them too
    planted = [
        work / "submitted" / "ada" / LESSON / "late.html",
        work / "submitted" / "ada" / LESSON / "late_pipe.txt",
        work / "submitted" / "dee" / LESSON / NOTEBOOK,
        work / "autograded" / "ada" / LESSON / "later.html",
        work / "feedback" / "ada" / LESSON / "extra.html",
    ]
    planted[0].symlink_to(outside["secret.txt"])
    os.mkfifo(planted[1])
    planted[2].parent.mkdir(parents=True)
    planted[2].symlink_to(solution_nb)
    (planted[2].parent / "timestamp.txt").write_text("2026-11-23 12:00:00.000000 UTC")
    logs["autograde"] = course.nbgrader("autograde", LESSON, "--force").stderr
    planted[3].symlink_to(outside["secret.txt"])
    logs["generate_feedback"] = course.nbgrader("generate_feedback", LESSON, "--force").stderr
    planted[4].symlink_to(outside["secret.txt"])
    cy = work / "feedback" / "cy" / LESSON
    cy.mkdir(parents=True)
    for name in ("sequences.html", "timestamp.txt"):
        (cy / name).write_bytes((work / "feedback" / "ada" / LESSON / name).read_bytes())
    logs["release_feedback"] = course.nbgrader("release_feedback", LESSON).stderr
    course.exchange("fetch_feedback", LESSON, "ada", course.student_dir("ada"))
    return course, outside, logs, set(planted)


def _trees(course: Course) -> list[Path]:
    work = course.root / ".course"
    return [
        work / "submitted",
        work / "autograded",
        work / "feedback",
        work / "exchange" / COURSE_ID / "feedback",
        course.student_dir("ada") / COURSE_ID / LESSON / "feedback",
    ]


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if not p.is_dir()}


def test_no_outside_content_or_special_file_in_any_copy(graded):
    course, _, _, planted = graded
    solution_bytes = (course.root / "solutions" / LESSON / NOTEBOOK).read_bytes()
    seen = 0
    for tree in _trees(course):
        assert tree.is_dir(), tree
        for dirpath, dirnames, filenames in os.walk(tree):
            for name in dirnames + filenames:
                path = Path(dirpath) / name
                if path in planted:  # put there by this test, not by a step
                    continue
                st = os.lstat(path)
                assert stat.S_ISDIR(st.st_mode) or stat.S_ISREG(st.st_mode), f"{path}: mode {oct(st.st_mode)}"
                if stat.S_ISREG(st.st_mode):
                    seen += 1
                    assert st.st_nlink == 1, path
                    data = path.read_bytes()
                    assert MARKER.encode() not in data, path
                    assert data != solution_bytes, path
                    assert BEGIN_SOLUTION.encode() not in data, path
                    if not (tree.name == "autograded" and name.endswith(".ipynb")):  # it holds the hidden tests
                        assert BEGIN_HIDDEN.encode() not in data, path
    assert seen > 10


def test_only_the_students_own_files_were_collected(graded):
    course = graded[0]
    sub = course.root / ".course" / "submitted"
    honest = {NOTEBOOK, "timestamp.txt", "submission_secret.txt", "own.txt", sf.RECORD}
    assert _files(sub / "ada" / LESSON) == honest | {"sub/mine.txt", "late.html", "late_pipe.txt"}  # +planted
    assert _files(sub / "ben" / LESSON) == honest - {NOTEBOOK}
    assert (sub / "ada" / LESSON / "own.txt").read_text() == "my notes\n"
    auto = course.root / ".course" / "autograded" / "ada" / LESSON
    assert _files(auto) == honest | {"sub/mine.txt", "later.html"}  # later.html: the link put there afterwards
    assert not (course.root / ".course" / "autograded" / "ben").exists()
    assert not (course.root / ".course" / "autograded" / "dee").exists()
    feedback = course.root / ".course" / "feedback" / "ada" / LESSON
    assert _files(feedback) == honest - {NOTEBOOK} | {"sequences.html", "sub/mine.txt", "extra.html"}


def test_the_record_beside_each_copy(graded):
    course = graded[0]
    work = course.root / ".course"
    files = sf.SubmissionFiles()
    collected = {r.path: r for r in sf.read_record(files, work / "submitted" / "ada" / LESSON)}
    assert set(collected) == {
        "notes.html",
        "answers.html",
        "data",
        "hard.txt",
        "pipe.html",
        "sock",
        "big.bin",
        "sub/leak.html",
        "refused_files.json",
    }
    assert {r.step for r in collected.values()} == {"collect"}
    assert collected["notes.html"].detail == f"to {Path(graded[1]['secret.txt'])}"
    feedback = {r.path: r.step for r in sf.read_record(files, work / "feedback" / "ada" / LESSON)}
    assert feedback == {
        **dict.fromkeys(collected, "collect"),
        "late.html": "autograde",
        "late_pipe.txt": "autograde",
        "later.html": "generate_feedback",
    }
    assert [r.path for r in sf.read_record(files, work / "submitted" / "ben" / LESSON)] == [NOTEBOOK]


def test_the_honest_notebook_is_still_graded(graded):
    course = graded[0]
    scores = course.scores()
    ada = scores[("ada", LESSON)]
    assert ada[1] > 0 and ada == (ada[1], ada[1])  # full marks, as the correct answers deserve
    # ben's notebook and dee's were links to the solutions: missing notebooks, no submission graded
    assert ("ben", LESSON) not in scores and ("dee", LESSON) not in scores


def test_the_students_feedback_says_what_was_left_out(graded):
    course = graded[0]
    (page,) = (course.student_dir("ada") / COURSE_ID / LESSON / "feedback").rglob("*.html")
    text = page.read_text()
    assert "Files not graded" in text
    for name in ("notes.html", "answers.html", "hard.txt", "pipe.html", "big.bin", "sub/leak.html", "late.html"):
        assert f"<code>{name}</code>" in text, name
    assert "a symbolic link" in text and "a hard link" in text and "a named pipe (FIFO)" in text
    assert "<script>alert(1)</script>" not in text  # the forged record was refused, never read
    assert str(graded[1]["secret.txt"]) not in text  # link targets are for the instructor's log only


def test_release_feedback_skips_only_the_broken_folder(graded):
    course, logs = graded[0], graded[2]
    released = list((course.root / ".course" / "exchange" / COURSE_ID / "feedback").glob("*.html"))
    assert len(released) == 1  # ada's; cy's feedback has no secret to name it by; extra.html was refused
    assert "No feedback released for" in logs["release_feedback"] and "/cy/" in logs["release_feedback"]


@pytest.mark.parametrize(
    "step, path, reason",
    [
        ("collect", "notes.html", "a symbolic link (to "),
        ("collect", "answers.html", "a symbolic link (to "),
        ("collect", "data", "a symbolic link (to "),
        ("collect", "hard.txt", "a hard link"),
        ("collect", "pipe.html", "a named pipe (FIFO)"),
        ("collect", "sock", "a socket"),
        ("collect", "big.bin", "too large (21.0 MiB; the limit is 20.0 MiB per file)"),
        ("collect", "sub/leak.html", "a symbolic link"),
        ("collect", "refused_files.json", "a file name the grader reserves"),
        ("collect", NOTEBOOK, "a symbolic link"),  # ben's
        ("autograde", "late.html", "a symbolic link"),
        ("autograde", "late_pipe.txt", "a named pipe"),
        ("autograde", NOTEBOOK, "a symbolic link"),  # dee's, placed into submitted/
        ("generate_feedback", "later.html", "a symbolic link"),
        ("release_feedback", "extra.html", "a symbolic link"),
    ],
)
def test_the_log_names_each_refusal(graded, step, path, reason):
    lines = [line for line in graded[2][step].splitlines() if line.startswith("[") and "Refused " in line]
    assert any(f"/{path}: {reason}" in line for line in lines), "\n".join(lines)


# -- the rule, on folders ---------------------------------------------------------------------------
def _copy(src: Path, dest: Path, **kw) -> dict[str, str]:
    return {r.path: r.reason for r in sf.SubmissionFiles(**kw).copy_tree(src, dest, "test")}


def test_copy_tree_takes_regular_files_only(tmp_path):
    src, dest, outside = tmp_path / "src", tmp_path / "dest", tmp_path / "outside.txt"
    src.mkdir()
    outside.write_text(MARKER)
    (src / "a.ipynb").write_text("{}")
    (src / "link").symlink_to(outside)
    (src / "dangling").symlink_to(tmp_path / "nowhere")
    os.link(outside, src / "hard")
    os.mkfifo(src / "fifo")
    try:
        os.mknod(src / "null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        device = True
    except PermissionError:
        device = False
    (src / "x.ipynb").mkdir()
    refused = _copy(src, dest)
    assert refused == {
        "link": "a symbolic link",
        "dangling": "a symbolic link",
        "hard": "a hard link (the file has other names)",
        "fifo": "a named pipe (FIFO)",
        "x.ipynb": "a folder named like a notebook",
        **({"null": "a device"} if device else {}),
    }
    assert _files(dest) == {"a.ipynb"}


def test_copy_tree_limits(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "z.ipynb").write_bytes(b"n" * 600)  # notebooks first: the budget goes to them
    (src / "a.txt").write_bytes(b"a" * 300)
    (src / "b.txt").write_bytes(b"b" * 300)
    (src / "c.txt").write_bytes(b"c" * 2000)
    refused = _copy(src, tmp_path / "d1", max_file_size=1000, max_submission_size=1000)
    assert refused == {"b.txt": "over the submission's limit (1000 bytes in all)", "c.txt": refused["c.txt"]}
    assert refused["c.txt"].startswith("too large (2000 bytes; the limit is 1000 bytes")
    assert _files(tmp_path / "d1") == {"z.ipynb", "a.txt"}
    assert (tmp_path / "d1" / "a.txt").read_bytes() == b"a" * 300
    refused = _copy(src, tmp_path / "d2", max_files=2)
    assert set(refused) == {"b.txt", "c.txt"} and refused["b.txt"].startswith("one entry too many")
    deep = src / "deep"
    (deep / "/".join(["d"] * 40)).mkdir(parents=True)
    assert "folders nested more than 32 deep" in _copy(deep, tmp_path / "d3").values()


def test_a_linked_submission_folder_is_refused_whole(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "f.txt").write_text("x")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    assert _copy(tmp_path / "link", tmp_path / "dest") == {".": "a symbolic link"}
    assert not (tmp_path / "dest").exists()


def test_read_small_never_follows_a_link(tmp_path):
    (tmp_path / "real").write_text("secret")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    files = sf.SubmissionFiles()
    assert files.read_small(tmp_path / "real") == b"secret"
    with pytest.raises(sf.Refused, match="a symbolic link"):
        files.read_small(tmp_path / "link")


def test_the_feedback_note_escapes_names():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    refused = [{"path": "<img src=x onerror=alert(1)>\n\nx.html", "reason": "a symbolic link"}]
    nb, _ = sf.NoteRefusedFiles().preprocess(nb, {"nbgrader": {"refused_files": refused}})
    note = nb.cells[0].source
    assert "<img" not in note and "&lt;img src=x onerror=alert(1)&gt;\\n\\nx.html" in note and "\n" not in note
    assert sf.NoteRefusedFiles().preprocess(nb, {"nbgrader": {}})[0].cells[1].source == "x = 1"


def test_install_is_idempotent():
    import nbgrader.apps.api
    import nbgrader.apps.autogradeapp

    sf.install()
    sf.install()
    assert nbgrader.apps.autogradeapp.Autograde is sf.SafeAutograde
    assert nbgrader.apps.api.GenerateFeedback is sf.SafeGenerateFeedback
