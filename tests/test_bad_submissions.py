"""Bad submissions: the grader finishes, the offender scores like the honest control, nobody else changes.

The corpus (tests/bad_submissions/corpus.py) is graded against ``01-sequences`` (or a tiny lesson when it
is not there yet), with the course's real configuration: the sandboxed kernel, the guard, the recovery
from dead kernels. Two courses: *clean* (the control students alone) and *attacked* (the same control
students plus every bad submission, graded by two parallel workers). Expected:

- in *attacked*, every offender's test cells score exactly like its control's in *clean*;
- every control scores exactly the same in both courses, the correct student full marks;
- the gradebook passes ``PRAGMA integrity_check``, max scores are the instructor's, and solutions/ is intact.
"""

from __future__ import annotations

import hashlib
import sqlite3
import sys
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "bad_submissions"))

import corpus  # noqa: E402
import tiny_lesson  # noqa: E402
from autograder.classroom import Course, is_test, load_catalogue, nbg  # noqa: E402
from autograder.grade_parallel import autograde_students  # noqa: E402
from autograder.sandbox import sandbox_status  # noqa: E402

LESSON = "01-sequences"
TIMEOUT = 20  # seconds per cell; 01-sequences' cells take well under a second
MEMORY = "1536M"  # the kernels' address-space limit (RLIMIT_AS) in the sandbox
pytestmark = [pytest.mark.slow]


def _lesson():
    """(lesson id, solutions folder, wrong-answer catalogue) to attack."""
    src = REPO / "solutions" / LESSON
    catalogue = load_catalogue(LESSON)
    if any(src.glob("*.ipynb")) and catalogue and catalogue.get("answers"):
        return LESSON, REPO / "solutions", catalogue
    return tiny_lesson.LESSON, None, tiny_lesson.WRONG


def _course(root: Path, lesson: str, solutions: Path | None) -> Course:
    course = Course(root, timeout=TIMEOUT)
    # 01-sequences needs NumPy only: a small address-space limit keeps the memory hog's RSS small in CI.
    course.env["LSTM_SANDBOX_MEMORY"] = MEMORY
    if solutions is None:
        course.create([])
        tiny_lesson.write(course.root)
    else:
        course.create([lesson], solutions)
    course.nbgrader("generate_assignment", lesson, "--force")
    return course


def _context(course: Course, lesson: str, catalogue: dict) -> corpus.Context:
    name = catalogue["notebook"]
    wrong = catalogue["answers"][0]
    return corpus.Context(
        root=course.root, lesson=lesson, name=name,
        solution=nbformat.read(course.root / "solutions" / lesson / name, as_version=4),
        release=nbformat.read(course.root / "lessons" / lesson / name, as_version=4),
        target=wrong["cell"], wrong=wrong)


def _submit(course: Course, lesson: str, ctx: corpus.Context, students: dict) -> None:
    others = [p for p in (course.root / "solutions" / lesson).glob("*.ipynb") if p.name != ctx.name]
    for student, content in students.items():
        corpus.write_submission(course.root / ".course" / "submitted" / student / lesson / ctx.name, content)
        for other in others:  # further notebooks of the lesson: answered correctly by everybody
            release = nbformat.read(course.root / "lessons" / lesson / other.name, as_version=4)
            nbformat.write(corpus.fill(release, nbformat.read(other, as_version=4)),
                           course.root / ".course" / "submitted" / student / lesson / other.name)


def _scores(course: Course, lesson: str, student: str) -> dict[str, float]:
    try:
        return course.cell_scores(lesson, student)
    except Exception:  # noqa: BLE001 - no submission row at all counts as nothing graded
        return {}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    lesson, solutions, catalogue = _lesson()
    sandboxed = sandbox_status()[0]
    attacks = {k: v for k, v in corpus.ATTACKS.items() if sandboxed or not v[2]}

    clean = _course(tmp_path_factory.mktemp("clean"), lesson, solutions)
    ctx = _context(clean, lesson, catalogue)
    controls = {"correct": ctx.correct(), **{k: f(ctx) for k, f in corpus.CONTROLS.items()}}
    _submit(clean, lesson, ctx, controls)
    clean.nbgrader("autograde", lesson, "--force")

    attacked = _course(tmp_path_factory.mktemp("attacked"), lesson, solutions)
    actx = _context(attacked, lesson, catalogue)
    solution_hash = hashlib.sha256((attacked.root / "solutions" / lesson / actx.name).read_bytes()).hexdigest()
    students = {"correct": actx.correct(), **{k: f(actx) for k, f in corpus.CONTROLS.items()},
                **{k: v[1](actx) for k, v in attacks.items()}}
    _submit(attacked, lesson, actx, students)
    procs = autograde_students(attacked.root, attacked.env, sorted(students), sorted(students), workers=2,
                               lessons=lesson, timeout=TIMEOUT)
    return dict(lesson=lesson, clean=clean, attacked=attacked, attacks=attacks, ctx=actx, procs=procs,
                solution_hash=solution_hash, sandboxed=sandboxed)


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
    points = {nbg(c)["grade_id"]: float(nbg(c)["points"]) for c in ctx.solution.cells if is_test(c)}
    from nbgrader.api import Gradebook

    with Gradebook(attacked.db_url) as gb:
        for gid, p in points.items():
            assert gb.find_grade_cell(gid, Path(ctx.name).stem, lesson).max_score == p


def test_controls_unchanged_by_offenders(graded):
    clean, attacked, lesson = graded["clean"], graded["attacked"], graded["lesson"]
    full = {nbg(c)["grade_id"]: float(nbg(c)["points"]) for c in graded["ctx"].solution.cells if is_test(c)}
    assert _scores(clean, lesson, "correct") == full
    for control in ["correct", *corpus.CONTROLS]:
        assert _scores(attacked, lesson, control) == _scores(clean, lesson, control), control
    for control in corpus.CONTROLS:
        got = _scores(clean, lesson, control)
        assert sum(got.values()) < sum(full.values()), f"{control}: the target exercise must lose points"


@pytest.mark.parametrize("attack", sorted(corpus.ATTACKS))
def test_offender_scores_like_its_control(graded, attack):
    control, _, needs_sandbox, what = corpus.ATTACKS[attack]
    if attack not in graded["attacks"]:
        pytest.skip(f"needs the bubblewrap sandbox ({sandbox_status()[1]}): {what}")
    clean, attacked, lesson = graded["clean"], graded["attacked"], graded["lesson"]
    got = _scores(attacked, lesson, attack)
    if control == "zero":
        assert sum(got.values()) == 0, f"{what}: {got}"
        return
    want = _scores(clean, lesson, control)
    assert got == want, f"{attack} ({what}) should score like {control}: got {got}, want {want}"


def test_feedback_hides_hidden_tests(graded):
    """Feedback for a failing student shows which test failed but no hidden test code or line."""
    attacked, lesson, ctx = graded["attacked"], graded["lesson"], graded["ctx"]
    attacked.nbgrader("generate_feedback", lesson, "--force", "--student=blank_target")
    html = next((attacked.root / ".course" / "feedback" / "blank_target" / lesson).glob("*.html")).read_text()
    hidden = [l.strip() for c in ctx.solution.cells if is_test(c)
              for l in _hidden_lines(c.source) if len(l.strip()) > 12]
    import html as html_lib

    text = html_lib.unescape(html)
    leaked = [l for l in hidden if l in text]
    assert not leaked, f"hidden test lines in the feedback: {leaked[:3]}"
    for c in ctx.target_tests(ctx.solution):
        assert f"Test `{nbg(c)['grade_id']}` failed" in text


def _hidden_lines(source: str) -> list[str]:
    out, inside = [], False
    for line in source.splitlines():
        if "BEGIN HIDDEN TESTS" in line:
            inside = True
        elif "END HIDDEN TESTS" in line:
            inside = False
        elif inside:
            out.append(line)
    return out


def test_guard_stops_patched_checks(tmp_path):
    """On a lesson whose tests call numpy.testing: the patches cheat without the guard, not with it."""
    course = Course(tmp_path / "course", timeout=TIMEOUT).create([])
    tiny_lesson.write(course.root)
    lesson, name = tiny_lesson.LESSON, tiny_lesson.NOTEBOOK
    course.nbgrader("generate_assignment", lesson, "--force")
    ctx = corpus.Context(root=course.root, lesson=lesson, name=name,
                         solution=nbformat.read(course.root / "solutions" / lesson / name, as_version=4),
                         release=nbformat.read(course.root / "lessons" / lesson / name, as_version=4),
                         target="ex1_mean_state", wrong=tiny_lesson.WRONG["answers"][0])
    subs = {"perturbed_target": corpus.CONTROLS["perturbed_target"](ctx),
            "redefine": corpus.ATTACKS["redefine"][1](ctx), "monkeypatch": corpus.ATTACKS["monkeypatch"][1](ctx)}
    for student, nb in subs.items():
        corpus.write_submission(course.root / ".course" / "submitted" / student / lesson / name, nb)
    course.nbgrader("autograde", lesson, "--force", "--GuardedExecute.guard=False")
    off = {s: course.cell_scores(lesson, s)["test_ex1_mean_state"] for s in subs}
    assert off == {"perturbed_target": 0, "redefine": 2, "monkeypatch": 2}, f"the attacks should work unguarded: {off}"
    course.nbgrader("autograde", lesson, "--force")
    on = {s: course.cell_scores(lesson, s) for s in subs}
    assert on["redefine"] == on["monkeypatch"] == on["perturbed_target"], on
    assert on["perturbed_target"]["test_ex1_mean_state"] == 0


def test_sandbox_active_or_skipped_loudly():
    ok, why = sandbox_status()
    if not ok:
        pytest.skip(f"bubblewrap sandbox unavailable ({why}): grading runs unsandboxed; sandbox tests skipped")
    assert ok
