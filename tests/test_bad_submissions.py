"""Bad submissions: the grader finishes, the offender scores like the honest control, nobody else changes.

The corpus (tests/bad_submissions/corpus.py, 54 submissions in 8 families) is graded against
``01-sequences`` with the course's real configuration: the sandboxed student kernel, the trusted checker
that runs the test cells, the recovery from dead kernels, the notebook's time limit and output caps.
Two courses: *clean* (the control students alone) and *attacked* (the same control students plus every
bad submission, graded by two parallel workers). Expected:

- in *attacked*, every offender's test cells score exactly like its control's in *clean*;
- every control scores exactly the same in both courses, the correct student full marks;
- the gradebook passes ``PRAGMA integrity_check``, max scores are the instructor's, and solutions/ is intact.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "bad_submissions"))

import corpus  # noqa: E402
import tiny_lesson  # noqa: E402

from autograder.classroom import Course  # noqa: E402
from autograder.grade_parallel import autograde_students  # noqa: E402
from autograder.notebooks import (  # noqa: E402
    BEGIN_HIDDEN,
    END_HIDDEN,
    SOLUTIONS,
    grade_id,
    is_test,
    load_catalogue,
    points,
    region_lines,
)
from autograder.sandbox import _open_to_kernel_user, bwrap_command, protected_paths, sandbox_status  # noqa: E402

LESSON = "01-sequences"
TIMEOUT = 10  # seconds per cell; 01-sequences' cells take well under a second (the hangs cost a few of these)
NOTEBOOK_TIMEOUT = 300  # budget for a notebook's student cells (course default 30 min; the sleepy test: 25 s)
LIMITS = [f"--JudgedExecute.notebook_timeout={NOTEBOOK_TIMEOUT}", "--JudgedExecute.responsive_timeout=5"]
MEMORY = "1536M"  # the kernels' address-space limit (RLIMIT_AS) in the sandbox


def _course(root: Path, lesson: str) -> Course:
    course = Course(root, timeout=TIMEOUT)
    # 01-sequences needs NumPy only: a small address-space limit keeps the memory hog's RSS small in CI.
    course.env["LSTM_SANDBOX_MEMORY"] = MEMORY
    course.create([lesson], SOLUTIONS)
    course.nbgrader("generate_assignment", lesson, "--force")
    return course


def _context(course: Course, lesson: str) -> corpus.Context:
    catalogue = load_catalogue(course.root / "solutions" / lesson)  # the copy beside the graded lesson
    name = catalogue["notebook"]
    wrong = catalogue["answers"][0]
    return corpus.Context(
        root=course.root,
        lesson=lesson,
        name=name,
        solution=nbformat.read(course.root / "solutions" / lesson / name, as_version=4),
        release=nbformat.read(course.root / "lessons" / lesson / name, as_version=4),
        target=wrong["cell"],
        wrong=wrong,
    )


def _submit(course: Course, lesson: str, ctx: corpus.Context, students: dict) -> None:
    others = [p for p in (course.root / "solutions" / lesson).glob("*.ipynb") if p.name != ctx.name]
    for student, content in students.items():
        corpus.write_submission(course.root / ".course" / "submitted" / student / lesson / ctx.name, content)
        for other in others:  # further notebooks of the lesson: answered correctly by everybody
            release = nbformat.read(course.root / "lessons" / lesson / other.name, as_version=4)
            nbformat.write(
                corpus.fill(release, nbformat.read(other, as_version=4)),
                course.root / ".course" / "submitted" / student / lesson / other.name,
            )


def _scores(course: Course, lesson: str, student: str) -> dict[str, float]:
    try:
        return course.cell_scores(lesson, student)
    except Exception:  # noqa: BLE001 - no submission row at all counts as nothing graded
        return {}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    lesson = LESSON
    sandboxed = sandbox_status()[0]
    attacks = {k: v for k, v in corpus.ATTACKS.items() if sandboxed or not v[2]}

    clean = _course(tmp_path_factory.mktemp("clean"), lesson)
    ctx = _context(clean, lesson)
    controls = {"correct": ctx.correct(), **{k: f(ctx) for k, f in corpus.CONTROLS.items()}}
    _submit(clean, lesson, ctx, controls)
    clean.nbgrader("autograde", lesson, "--force", *LIMITS)

    attacked = _course(tmp_path_factory.mktemp("attacked"), lesson)
    actx = _context(attacked, lesson)
    solution_hash = hashlib.sha256((attacked.root / "solutions" / lesson / actx.name).read_bytes()).hexdigest()
    students = {
        "correct": actx.correct(),
        **{k: f(actx) for k, f in corpus.CONTROLS.items()},
        **{k: v[1](actx) for k, v in attacks.items()},
    }
    _submit(attacked, lesson, actx, students)
    procs = autograde_students(
        attacked.root,
        attacked.env,
        sorted(students),
        workers=2,
        lessons=lesson,
        timeout=TIMEOUT,
        extra=LIMITS,
    )
    return dict(
        lesson=lesson,
        clean=clean,
        attacked=attacked,
        attacks=attacks,
        ctx=actx,
        procs=procs,
        solution_hash=solution_hash,
        sandboxed=sandboxed,
    )


@pytest.mark.slow
def test_grader_finishes_and_gradebook_intact(graded):
    attacked, lesson = graded["attacked"], graded["lesson"]
    db = attacked.root / ".course" / "gradebook.db"
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    now = hashlib.sha256((attacked.root / "solutions" / lesson / graded["ctx"].name).read_bytes()).hexdigest()
    assert now == graded["solution_hash"], "solutions/ was modified while grading"
    # Every student that submitted a readable notebook has a graded submission.
    for student in ["correct", "blank_target", "wrong_target", *[a for a in graded["attacks"] if a != "malformed"]]:
        assert _scores(attacked, lesson, student), f"{student} was not graded: see {attacked.root}/.course/logs"
    # Max scores are the instructor's, whatever a submission claimed.
    ctx = graded["ctx"]
    max_points = {grade_id(c): points(c) for c in ctx.solution.cells if is_test(c)}
    from nbgrader.api import Gradebook

    with Gradebook(attacked.db_url) as gb:
        for gid, p in max_points.items():
            assert gb.find_grade_cell(gid, Path(ctx.name).stem, lesson).max_score == p


@pytest.mark.slow
def test_controls_unchanged_by_offenders(graded):
    clean, attacked, lesson = graded["clean"], graded["attacked"], graded["lesson"]
    full = {grade_id(c): points(c) for c in graded["ctx"].solution.cells if is_test(c)}
    assert _scores(clean, lesson, "correct") == full
    for control in ["correct", *corpus.CONTROLS]:
        assert _scores(attacked, lesson, control) == _scores(clean, lesson, control), control
    for control in corpus.CONTROLS:
        got = _scores(clean, lesson, control)
        assert sum(got.values()) < sum(full.values()), f"{control}: the target exercise must lose points"


@pytest.mark.slow
@pytest.mark.parametrize("attack", sorted(corpus.ATTACKS))
def test_offender_scores_like_its_control(graded, attack):
    control, _, needs_sandbox, what = corpus.ATTACKS[attack]
    if attack not in graded["attacks"]:
        pytest.skip(
            f"{attack} ({what}) is stopped by the bubblewrap sandbox only, which is off here: "
            f"{sandbox_status()[1]} (`make sandbox` installs it as root)"
        )
    clean, attacked, lesson = graded["clean"], graded["attacked"], graded["lesson"]
    got = _scores(attacked, lesson, attack)
    if control == "zero":
        assert sum(got.values()) == 0, f"{what}: {got}"
        return
    want = _scores(clean, lesson, control)
    if attack in corpus.AT_MOST:  # it broke its own channel to the checker: never above the control
        assert set(got) == set(want) and all(got[k] <= want[k] for k in want), f"{attack} ({what}): {got} > {want}"
        return
    assert got == want, f"{attack} ({what}) should score like {control}: got {got}, want {want}"


def _hidden_lines(ctx) -> list[str]:
    """The lines of the hidden tests that are secret: not also in the release (`rnn_step_forward(` of a call)."""
    hidden = {
        line.strip()
        for c in ctx.solution.cells
        if is_test(c)
        for region in region_lines(c.source, BEGIN_HIDDEN, END_HIDDEN)
        for line in region
        if len(line.strip()) > 12
    }
    released = "\n".join(c.source for c in ctx.release.cells)  # a line the student can read anyway is no secret
    return sorted(line for line in hidden if line not in released)


@pytest.fixture(scope="module")
def feedback(graded):
    attacked, lesson = graded["attacked"], graded["lesson"]
    attacked.nbgrader("generate_feedback", lesson, "--force")
    import html as html_lib

    pages = {}
    for page in (attacked.root / ".course" / "feedback").glob(f"*/{lesson}/*.html"):
        pages[page.parent.parent.name] = (page.stat().st_size, html_lib.unescape(page.read_text(errors="replace")))
    return pages


@pytest.mark.slow
def test_feedback_hides_hidden_tests(graded, feedback):
    """Feedback for a failing student shows which test failed but no hidden test code or line."""
    ctx = graded["ctx"]
    size, text = feedback["blank_target"]
    leaked = [line for line in _hidden_lines(ctx) if line in text]
    assert not leaked, f"hidden test lines in the feedback: {leaked[:3]}"
    for c in ctx.target_tests(ctx.solution):
        assert f"Test `{grade_id(c)}` failed" in text


@pytest.mark.slow
def test_no_feedback_page_leaks_or_explodes(graded, feedback):
    """Every student's feedback: no hidden-test line, no outside file, nothing printed by grading-time calls,
    and a bounded size (the output caps), whatever the submission did."""
    hidden = _hidden_lines(graded["ctx"])
    outside = Path("/etc/passwd").read_text().splitlines()[0] if Path("/etc/passwd").exists() else "root:x:0:0"
    problems = []
    for student, (size, text) in sorted(feedback.items()):
        leaked = [line for line in hidden if line in text]
        if leaked:
            problems.append(f"{student}: hidden test lines {leaked[:2]}")
        if outside in text:
            problems.append(f"{student}: the content of /etc/passwd")
        if size > 5 * 2**20:
            problems.append(f"{student}: a {size / 2**20:.0f} MiB page")
    assert len(feedback) >= len(graded["attacks"]), f"feedback pages: {sorted(feedback)}"
    # What the student's code printed while a test called it never reaches the test cell's outputs.
    attacked, lesson, ctx = graded["attacked"], graded["lesson"], graded["ctx"]
    for student in ("leak_from_function", "print_flood_in_call"):
        nb = nbformat.read(attacked.root / ".course" / "autograded" / student / lesson / ctx.name, as_version=4)
        for c in nb.cells:
            if is_test(c) and any("LEAK-STDOUT" in str(o) or "LEAK-FLOOD" in str(o) for o in c.get("outputs", [])):
                problems.append(f"{student}: grading-time stdout in {grade_id(c)}")
    assert not problems, problems


@pytest.mark.slow
def test_notebook_budget_stops_sleepy_cells(tmp_path):
    """Cells that each sleep just under the per-cell limit are stopped by the notebook's budget; the
    answers before them keep their points (the sleepy student scores like the correct one)."""
    course = _course(tmp_path / "course", LESSON)
    course.timeout = 15
    ctx = _context(course, LESSON)
    # four cells: the lesson's own cells take about a second (its demonstrations are skipped), so two sleepy
    # cells use 24 s of the 25, the third is stopped when the budget runs out, and the fourth is not run
    _submit(course, LESSON, ctx, {"correct": ctx.correct(), "sleepy_cells": corpus.ATTACKS_SLEEPY(ctx, 12, 4)})
    course.nbgrader("autograde", LESSON, "--force", "--JudgedExecute.notebook_timeout=25")
    assert _scores(course, LESSON, "sleepy_cells") == _scores(course, LESSON, "correct")
    nb = nbformat.read(course.root / ".course" / "autograded" / "sleepy_cells" / LESSON / ctx.name, as_version=4)
    notes = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.get("ename") == "NotRun"]
    assert notes and "time limit" in notes[0]["evalue"], "the cells past the notebook's budget should not run"


@pytest.mark.slow
def test_test_calls_count_against_the_notebook_budget(tmp_path):
    """A function that sleeps only when a test calls it spends the notebook's budget too: the answer cell
    after that test is not run (in the tiny lesson: 8 s of budget, the test's call stopped at 9 s)."""
    course = Course(tmp_path / "course", timeout=TIMEOUT).create([])
    tiny_lesson.write(course.root)
    lesson, name = tiny_lesson.LESSON, tiny_lesson.NOTEBOOK
    course.nbgrader("generate_assignment", lesson, "--force")
    ctx = _context(course, lesson)
    slow = ctx.with_target("import time\ndef mean_state(h):\n    time.sleep(600)\n")
    corpus.write_submission(course.root / ".course" / "submitted" / "slow" / lesson / name, slow)
    course.nbgrader(
        "autograde", lesson, "--force", "--JudgedExecute.notebook_timeout=8", "--JudgedExecute.late_test_timeout=2"
    )
    nb = nbformat.read(course.root / ".course" / "autograded" / "slow" / lesson / name, as_version=4)
    after = next(c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "ex2_squash")
    assert [o.get("ename") for o in after.outputs] == ["NotRun"], after.outputs
    assert _scores(course, lesson, "slow") == {"test_ex1_mean_state": 0.0, "test_ex2_squash": 0.0}


@pytest.mark.slow
def test_delegation_says_why(graded):
    attacked, lesson, ctx = graded["attacked"], graded["lesson"], graded["ctx"]
    nb = nbformat.read(attacked.root / ".course" / "autograded" / "delegate_alias" / lesson / ctx.name, as_version=4)
    errors = [o for c in ctx.target_tests(nb) for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors and all(o["ename"] == "CalledTheReference" for o in errors), errors
    assert "helpers.data.make_windows" in errors[0]["evalue"] and "earns no points" in errors[0]["evalue"]


@pytest.mark.slow
def test_checker_stops_patched_checks(tmp_path):
    """On a lesson whose tests call numpy.testing: the patches cheat when the tests run in the student's
    kernel (nbgrader's way, `--JudgedExecute.judge=False`), and gain nothing in the trusted checker."""
    course = Course(tmp_path / "course", timeout=TIMEOUT).create([])
    tiny_lesson.write(course.root)
    lesson, name = tiny_lesson.LESSON, tiny_lesson.NOTEBOOK
    course.nbgrader("generate_assignment", lesson, "--force")
    ctx = _context(course, lesson)
    names = ["redefine", "monkeypatch", "suppress_pre_run_cell", "suppress_ast", "forge_interactivity"]
    subs = {
        "perturbed_target": corpus.CONTROLS["perturbed_target"](ctx),
        **{n: corpus.ATTACKS[n][1](ctx) for n in names},
    }
    subs["forge_interactivity"] = ctx.with_target(corpus.perturbed(ctx) + "\n" + corpus.FORGE_INTERACTIVITY)
    for student, nb in subs.items():
        corpus.write_submission(course.root / ".course" / "submitted" / student / lesson / name, nb)
    course.nbgrader("autograde", lesson, "--force", "--JudgedExecute.judge=False")
    off = {s: course.cell_scores(lesson, s)["test_ex1_mean_state"] for s in subs}
    cheats = [n for n in names if n != "forge_interactivity"]  # (forging needs a numeric docstring to pay)
    assert off["perturbed_target"] == 0 and all(off[n] == 2 for n in cheats), f"the attacks should work there: {off}"
    course.nbgrader("autograde", lesson, "--force")
    on = {s: course.cell_scores(lesson, s) for s in subs}
    assert all(on[n] == on["perturbed_target"] for n in names), on
    assert on["perturbed_target"]["test_ex1_mean_state"] == 0


SANDBOX_PROBE = """
import json, os, pathlib, sys
repo, secret = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
seen = {}
for name, path in [("solution", secret), ("gradebook", repo / ".course")]:
    try:
        seen[name] = path.read_text()[:10] if path.is_file() else os.listdir(path)
    except OSError as err:
        seen[name] = type(err).__name__
try:
    (repo / "helpers" / "sandbox-probe.txt").write_text("x")
    seen["write"] = "written"
except OSError as err:
    seen["write"] = type(err).__name__
seen["helpers"] = (repo / "helpers" / "__init__.py").exists()
seen["uid"] = os.getuid()
print(json.dumps(seen))
"""


def test_sandbox_hides_the_course_from_student_code(tmp_path):
    """In the sandbox a kernel's code cannot read solutions/ or the gradebook, nor write to the course;
    it still sees the course's helpers. Skips (saying why) only where bubblewrap is not installed or is
    turned off; an installed bubblewrap that does not work fails."""
    ok, why = sandbox_status()
    if not ok:
        if shutil.which("bwrap") is None or "LSTM_SANDBOX" in why:
            pytest.skip(f"bubblewrap is {why}: autograding here runs UNSANDBOXED (`make sandbox` installs it as root)")
        pytest.fail(f"bubblewrap is installed but the sandbox does not work: {why}")
    solution = SOLUTIONS / LESSON / load_catalogue(LESSON)["notebook"]
    config = {"CourseDirectory": {"root": str(REPO), "source_directory": "solutions"}}
    hide = protected_paths(config)
    assert SOLUTIONS.resolve() in hide, f"solutions/ must be hidden from student code: {hide}"
    with tempfile.TemporaryDirectory(prefix="lstm-sandbox-test-") as rundir:
        rundir = Path(rundir)
        (rundir / "ipc").mkdir()
        scratch = rundir / "scratch"
        scratch.mkdir()
        _open_to_kernel_user(rundir, scratch)
        cmd = bwrap_command(
            why,
            [sys.executable, "-c", SANDBOX_PROBE, str(REPO), str(solution)],
            cwd=scratch,
            scratch=scratch,
            rundir=rundir,
            hide=hide,
            memory=2**32,
            cpu=60,
            fsize=2**20,
            env={},
        )
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"the probe failed in the sandbox: {proc.stderr[-2000:]}"
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert solution.exists() and seen["solution"] == "FileNotFoundError", f"solutions/ readable in the sandbox: {seen}"
    assert seen["gradebook"] in ([], "FileNotFoundError"), f".course/ visible in the sandbox: {seen}"
    assert seen["write"] in ("OSError", "PermissionError", "ReadOnlyFileSystemError"), f"course writable: {seen}"
    assert not (REPO / "helpers" / "sandbox-probe.txt").exists()
    assert seen["helpers"], "the course's helpers must stay visible to the kernel"
    if os.geteuid() == 0:
        assert seen["uid"] != 0, "as root, the kernel must run as `nobody`"
