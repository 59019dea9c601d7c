"""A grade report for instructors: one self-contained HTML page per course, with plots.

    python -m autograder.report [--root PATH] [--out FILE] [--lessons 01-sequences,...] [--no-flags]
    make report [COURSE_ROOT=.course/grade-demo]

Read-only: the gradebook (``LSTM_COURSE_DB``, else ``<root>/.course/gradebook.db``), the autograded notebooks
(``<root>/.course/autograded/<student>/<lesson>/``), the class grader's records (``<root>/.course/logs/runs/``)
and the lessons' wrong-answer catalogues (``<root>/solutions/<lesson>/wrong_answers.yaml``, else the
repository's). It writes ``<root>/.course/report/index.html`` (or ``--out``) with:

- **Scores per lesson**: the distribution of the autograded score (% of the lesson's autograded points), with
  the mean and the median.
- **Item analysis**: for every graded test cell, the share of the class that passed it (full points), with
  the cells nobody or everybody passed marked: the cells to look at first.
- **Named mistakes**: each failed test cell whose feedback matches a wrong answer's ``message`` in the
  lesson's catalogue is counted as that mistake ("sum instead of mean: 38 % of the class"); a failure
  with ``NotImplementedError`` is "not attempted", anything else "not a catalogued mistake".
- **Slow or timed-out notebooks**: the grading time of every (student, lesson) from the last class-grading
  run, the slowest ones, and every task that timed out, failed or was lost, plus cells stopped by a timeout.
- **Flags** (:mod:`autograder.flags`): tampering APIs and near-copies, per lesson, for a human to read.

The plots are PNG images inside the page (matplotlib; no script, nothing fetched), so the page works
offline and can be mailed or archived as one file.
"""

from __future__ import annotations

import argparse
import base64
import collections
import html
import io
import json
import os
import re
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.notebooks import REPO, SOLUTIONS, load_catalogue

COURSE_ID = "lstm-course"  # nbgrader_config.py's CourseDirectory.course_id
ANSI = re.compile(r"\x1b\[[0-9;]*m")
TIMEOUTS = {"CellTimeoutError", "TimeoutError", "CheckerTimeout"}


@dataclass
class Item:
    """One graded test cell of a lesson."""

    lesson: str
    notebook: str
    cell: str
    max_score: float
    scores: dict[str, float] = field(default_factory=dict)  # student -> score

    @property
    def pass_rate(self) -> float:
        return sum(s >= self.max_score for s in self.scores.values()) / max(1, len(self.scores))


@dataclass
class Data:
    lessons: list[str]
    students: list[str]
    totals: dict[tuple[str, str], tuple[float, float]]  # (student, lesson) -> (score, max)
    items: list[Item]
    mistakes: dict[str, dict[str, set]]  # lesson -> {mistake name: the students who made it}
    failures: dict[str, int]  # lesson -> failed (student, cell) pairs
    tasks: list[dict]  # the class grader's results of the last run per (student, lesson)
    timeouts: list[tuple[str, str, str]]  # (student, lesson, cell) stopped by a timeout
    flags: dict[str, object] = field(default_factory=dict)  # lesson -> autograder.flags.Report


def _db_url(root: Path) -> str:
    return os.environ.get("LSTM_COURSE_DB") or f"sqlite:///{root / '.course' / 'gradebook.db'}"


def _text(cell) -> str:
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            parts += [out.get("ename", ""), out.get("evalue", ""), *out.get("traceback", [])]
        elif "text" in out:
            parts.append(out["text"] if isinstance(out["text"], str) else "".join(out["text"]))
        else:
            parts.append(str(out.get("data", {}).get("text/plain", "")))
    return ANSI.sub("", "\n".join(parts))


def _catalogue(root: Path, lesson: str) -> list[dict]:
    for solutions in (root / "solutions", SOLUTIONS):
        try:
            return load_catalogue(lesson, solutions)["answers"]
        except FileNotFoundError:
            continue
    return []


def _classify(text: str, cell: str, catalogue: list[dict]) -> str:
    """The named mistake a failed test cell's output shows (several names when their messages all match)."""
    if "NotImplementedError" in text:  # the release's stub is still there
        return "not attempted (NotImplementedError)"
    names = sorted({a["name"] for a in catalogue if cell in a.get("fails", []) and re.search(a["message"], text)})
    return " or ".join(f"“{n}”" for n in names) if len(names) > 1 else names[0] if names else "not a catalogued mistake"


def _last_run(root: Path) -> list[dict]:
    """The newest record of every (student, lesson) over the class grader's runs."""
    latest: dict[tuple[str, str], tuple[float, dict]] = {}
    for done in (root / ".course" / "logs" / "runs").glob("*/*/*.done"):
        try:
            rec = json.loads(done.read_text())
        except (OSError, ValueError):
            continue
        key = (rec["student"], rec["lesson"])
        mtime = done.stat().st_mtime
        if key not in latest or latest[key][0] < mtime:
            latest[key] = (mtime, rec)
    return [rec for _, rec in sorted(latest.values(), key=lambda t: (t[1]["lesson"], t[1]["student"]))]


def collect(root: Path, lessons: list[str] | None = None, flags: bool = True) -> Data:
    from nbgrader.api import Gradebook

    root = Path(root)
    totals, items, mistakes, failures, timeouts = {}, [], {}, {}, []
    with Gradebook(_db_url(root), COURSE_ID) as gb:
        names = [a.name for a in gb.assignments]
        lessons = [x for x in (lessons or names) if x in names]
        students = sorted(s.id for s in gb.students)
        for lesson in lessons:
            catalogue = _catalogue(root, lesson)
            found, failed = collections.defaultdict(set), 0
            by_cell: dict[tuple[str, str], Item] = {}
            for sub in gb.assignment_submissions(lesson):
                score = mx = 0.0
                for nb in sub.notebooks:
                    path = root / ".course" / "autograded" / sub.student_id / lesson / f"{nb.name}.ipynb"
                    cells = {}
                    if path.exists():
                        nbj = nbformat.read(path, as_version=4)
                        cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nbj.cells}
                        for i, c in enumerate(nbj.cells):  # any cell the grader stopped (an answer's loop...)
                            if any(o.get("ename") in TIMEOUTS for o in c.get("outputs", [])):
                                gid = c.metadata.get("nbgrader", {}).get("grade_id") or f"cell {i}"
                                timeouts.append((sub.student_id, lesson, gid))
                    for g in nb.grades:
                        if g.cell.cell_type != "code":
                            continue
                        got = g.score or 0.0
                        score, mx = score + got, mx + g.max_score
                        item = by_cell.setdefault((nb.name, g.name), Item(lesson, nb.name, g.name, g.max_score))
                        item.scores[sub.student_id] = got
                        if got < g.max_score:
                            failed += 1
                            text = _text(cells[g.name]) if g.name in cells else ""
                            found[_classify(text, g.name, catalogue)].add(sub.student_id)
                totals[(sub.student_id, lesson)] = (score, mx)
            items += list(by_cell.values())
            mistakes[lesson], failures[lesson] = dict(found), failed
    data = Data(lessons, students, totals, items, mistakes, failures, _last_run(root), timeouts)
    if flags:
        from autograder.flags import lesson_report

        for lesson in lessons:
            try:
                data.flags[lesson] = lesson_report(lesson, root)
            except Exception as e:  # noqa: BLE001 - a report without flags is still a report
                data.flags[lesson] = f"flags could not be computed: {type(e).__name__}: {e}"
    return data


# -- the page -------------------------------------------------------------------------------------------
def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _img(fig, alt: str) -> str:
    return f'<img class="plot" alt="{html.escape(alt)}" src="data:image/png;base64,{_png(fig)}">'


def _plots(data: Data) -> dict[str, str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.style.use("default")
    out = {}
    # scores per lesson
    fig, ax = plt.subplots(figsize=(max(6, 1.1 * len(data.lessons) + 2), 4))
    per = [
        [100 * s / m for (st, les), (s, m) in data.totals.items() if les == lesson and m > 0] for lesson in data.lessons
    ]
    ax.boxplot(per, tick_labels=data.lessons, showmeans=True)
    for i, values in enumerate(per, start=1):
        ax.scatter([i] * len(values), values, s=14, alpha=0.6, color="tab:blue", label="a student" if i == 1 else None)
    ax.set(title="Autograded score per lesson", xlabel="lesson", ylabel="score (% of the autograded points)")
    ax.set_ylim(-5, 105)
    ax.tick_params(axis="x", rotation=30)
    ax.legend(loc="lower left")
    out["scores"] = _img(fig, "score distribution per lesson")
    # item analysis, one panel per lesson
    for lesson in data.lessons:
        items = [it for it in data.items if it.lesson == lesson]
        if not items:
            continue
        fig, ax = plt.subplots(figsize=(7, 0.32 * len(items) + 1.4))
        rates = [100 * it.pass_rate for it in items]
        colors = ["tab:red" if r == 0 else "tab:green" if r == 100 else "tab:blue" for r in rates]
        ax.barh([it.cell for it in items], rates, color=colors)
        ax.invert_yaxis()
        ax.set(title=f"{lesson}: share of the class passing each graded cell", xlabel="passed (% of students)")
        ax.set_xlim(0, 100)
        from matplotlib.patches import Patch

        ax.legend(
            handles=[Patch(color="tab:red", label="nobody"), Patch(color="tab:blue", label="some"),
                     Patch(color="tab:green", label="everybody")],
            loc="lower right", fontsize=8,
        )  # fmt: skip
        out[f"items-{lesson}"] = _img(fig, f"pass rate per graded cell of {lesson}")
    # grading time
    secs = [t["seconds"] for t in data.tasks]
    if secs:
        fig, ax = plt.subplots(figsize=(6, 3.5))
        ax.hist(secs, bins=min(30, max(5, len(secs) // 3)), color="tab:purple", label="(student, lesson) tasks")
        ax.set(title="Grading time per (student, lesson)", xlabel="seconds", ylabel="tasks")
        ax.legend()
        out["times"] = _img(fig, "grading time per task")
    return out


def _table(headers: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


CSS = """body{font-family:system-ui,sans-serif;margin:2em auto;max-width:70em;color:#222;background:#fff}
h1,h2,h3{color:#123}table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;
padding:.25em .6em;text-align:left;font-size:.92em}th{background:#f2f4f7}img.plot{max-width:100%;
border:1px solid #eee;margin:.5em 0}.muted{color:#666}"""


def render(data: Data) -> str:
    plots = _plots(data)
    n = len(data.students)
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Grade report</title>",
        f"<style>{CSS}</style></head><body><h1>Grade report</h1>",
        f"<p class='muted'>{n} students, {len(data.lessons)} lessons: {', '.join(data.lessons)}. "
        "Autograded points only (written answers are graded by hand in the formgrader).</p>",
        "<h2 id='scores'>Scores per lesson</h2>",
        plots["scores"],
    ]
    rows = []
    for lesson in data.lessons:
        v = [100 * s / m for (st, les), (s, m) in data.totals.items() if les == lesson and m > 0]
        if v:
            rows.append([lesson, len(v), f"{statistics.mean(v):.0f} %", f"{statistics.median(v):.0f} %",
                         f"{min(v):.0f} %", f"{max(v):.0f} %"])  # fmt: skip
    parts.append(_table(["lesson", "graded", "mean", "median", "min", "max"], rows))
    parts.append("<h2 id='items'>Item analysis: who passed each graded cell</h2>")
    for lesson in data.lessons:
        parts.append(f"<h3>{html.escape(lesson)}</h3>" + plots.get(f"items-{lesson}", ""))
    parts.append("<h2 id='mistakes'>Named mistakes</h2><p>A failed test cell whose feedback matches a wrong "
                 "answer of the lesson's catalogue (<code>wrong_answers.yaml</code>) is counted as that mistake; "
                 "the share is of the students graded in that lesson.</p>")  # fmt: skip
    for lesson in data.lessons:
        graded = sum(1 for (_, les) in data.totals if les == lesson) or 1
        found = sorted(data.mistakes.get(lesson, {}).items(), key=lambda kv: (-len(kv[1]), kv[0]))
        rows = [[name, len(who), f"{100 * len(who) / graded:.0f} % of the class", ", ".join(sorted(who))]
                for name, who in found]  # fmt: skip
        parts.append(f"<h3>{html.escape(lesson)}</h3>")
        parts.append(_table(["mistake", "students", "share", "who"], rows) if rows else "<p>No failed cell.</p>")
    parts.append("<h2 id='slow'>Slow or timed-out notebooks</h2>")
    bad = [t for t in data.tasks if t["status"] != "graded"]
    if data.tasks:
        parts.append(plots.get("times", ""))
        slow = sorted(data.tasks, key=lambda t: -t["seconds"])[:10]
        parts.append("<p>The slowest (student, lesson) tasks of the last class-grading run:</p>")
        parts.append(_table(["student", "lesson", "seconds", "status", "worker"],
                            [[t["student"], t["lesson"], f"{t['seconds']:.1f}", t["status"], t["worker"]]
                             for t in slow]))  # fmt: skip
    else:
        parts.append("<p class='muted'>No class-grading run recorded (grade with "
                     "<code>python -m autograder.grade_parallel</code> to see times here).</p>")  # fmt: skip
    parts.append(
        _table(["student", "lesson", "status", "exit code", "log"],
               [[t["student"], t["lesson"], t["status"], t["returncode"], t["log"]] for t in bad])
        if bad else "<p>No task timed out, failed or was lost.</p>"
    )  # fmt: skip
    parts.append(
        _table(["student", "lesson", "cell stopped by a timeout"], [list(t) for t in data.timeouts])
        if data.timeouts else "<p>No cell was stopped by a timeout.</p>"
    )  # fmt: skip
    parts.append("<h2 id='flags'>Flags</h2><p>For a human to read; no score was changed "
                 "(<code>python -m autograder.flags</code>).</p>")  # fmt: skip
    for lesson in data.lessons:
        rep = data.flags.get(lesson)
        parts.append(f"<h3>{html.escape(lesson)}</h3>")
        if rep is None:
            parts.append("<p class='muted'>Not computed (--no-flags).</p>")
        elif isinstance(rep, str):
            parts.append(f"<p>{html.escape(rep)}</p>")
        else:
            rows = [[h.student, h.notebook, h.cell, h.api, h.what] for h in rep.hits]
            rows += [[p.student, p.notebook, p.cell, "near-copy", f"{p.other} ({p.similarity:.2f})"] for p in rep.pairs]
            parts.append(_table(["student", "notebook", "cell", "flag", "what"], rows) if rows else "<p>No flag.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write(root: Path, out: Path | None = None, lessons: list[str] | None = None, flags: bool = True) -> Path:
    out = Path(out or Path(root) / ".course" / "report" / "index.html")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(collect(root, lessons, flags)))
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--root", default=os.environ.get("LSTM_COURSE_ROOT", str(REPO)))
    p.add_argument("--out", default=None)
    p.add_argument("--lessons", default="", help="comma-separated (default: every lesson in the gradebook)")
    p.add_argument("--no-flags", action="store_true", help="leave the flags out (they read every submission)")
    a = p.parse_args(argv)
    lessons = [x for x in a.lessons.split(",") if x] or None
    path = write(Path(a.root), a.out, lessons, not a.no_flags)
    print(f"grade report: {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
