"""The exercise map: lesson -> exercise -> reference function -> its tests -> its wrong answers.

    python -m autograder.exercise_map            # print the table (Markdown)
    python -m autograder.exercise_map --write    # write it into CONTRIBUTING.md (`make exercise-map`)
    python -m autograder.exercise_map --check    # exit 1 when CONTRIBUTING.md's table is out of date

Everything is derived, nothing is listed by hand: from ``solutions/*/*.ipynb`` each ``## Exercise N``
heading with the answer cells under it (their grade_ids and the functions they define), the points and
grade_ids of its autograded test cells; the reference, ``helpers.<module>.<name>``, is the helpers
function of the same name (``—`` when there is none, e.g. a free-form exercise); its unit tests are the
test functions of ``tests/test_*.py`` (those that import ``helpers``) that mention the name; the wrong
answers are the entries of the lesson's catalogue that replace the answer cell. Sources are read as text
(``ast``), nothing is imported. ``tests/test_exercise_map.py`` keeps CONTRIBUTING.md's copy true and
checks that each reference's docstring says where it is defined ("Defined in lesson NN, Exercise k").
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from autograder.notebooks import (
    REPO,
    SOLUTIONS,
    grade_id,
    is_answer,
    is_test,
    lesson_ids,
    load_catalogue,
    notebooks,
    points,
    read,
    strip_solution_markers,
)

HELPERS = REPO / "helpers"
TESTS = REPO / "tests"
CONTRIBUTING = REPO / "CONTRIBUTING.md"
BEGIN, END = "<!-- exercise-map:begin -->", "<!-- exercise-map:end -->"

EXERCISE = re.compile(r"^##\s+Exercise\s+(\d+)\s*[—–:-]?\s*(.*?)\s*(?:\((\d+(?:\.\d+)?)\s+points?\))?\s*$")
HEADING = re.compile(r"^#{1,2}\s")  # a level-1 or level-2 heading ends an exercise
DEFINED_IN = re.compile(r"lesson\s+(\d{2}),\s+Exercise\s+(\d+)")


@dataclass
class Exercise:
    lesson: str
    notebook: str
    number: int
    title: str
    cells: list[str] = field(default_factory=list)  # grade_ids of its answer cells
    functions: list[str] = field(default_factory=list)  # public functions they define
    tests: list[str] = field(default_factory=list)  # grade_ids of its autograded test cells
    points: float = 0.0  # of those test cells
    references: dict[str, list[str]] = field(default_factory=dict)  # function -> ["helpers.m.name", ...]
    helper_tests: dict[str, list[str]] = field(default_factory=dict)  # function -> ["test_m.py::test_x", ...]
    wrong_answers: int = 0
    right_answers: int = 0


# -- the lessons -----------------------------------------------------------------------------------
def defined_functions(source: str) -> list[str]:
    """Public top-level functions (and classes) an answer cell defines."""
    try:
        tree = ast.parse(strip_solution_markers(source))
    except SyntaxError:
        return re.findall(r"^def ([A-Za-z]\w*)\s*\(", source, re.M)
    return [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and not n.name.startswith("_")]


def lesson_exercises(lesson: str, solutions: Path = SOLUTIONS) -> list[Exercise]:
    out: list[Exercise] = []
    for path in notebooks(solutions, lesson):
        current = None
        for cell in read(path).cells:
            if cell.cell_type == "markdown":
                for line in cell.source.splitlines():
                    if m := EXERCISE.match(line):
                        current = Exercise(lesson, path.name, int(m.group(1)), m.group(2).strip())
                        out.append(current)
                    elif HEADING.match(line):
                        current = None
            if current is None:
                continue
            if is_answer(cell):
                current.cells.append(grade_id(cell))
                current.functions += defined_functions(cell.source)
            elif is_test(cell):
                current.tests.append(grade_id(cell))
                current.points += points(cell)
    return out


# -- the helpers and their tests -------------------------------------------------------------------
def helper_index(helpers: Path = HELPERS) -> dict[str, list[tuple[str, ast.AST]]]:
    """name -> [(module, its ast node)] of every public top-level function or class in helpers/."""
    index: dict[str, list[tuple[str, ast.AST]]] = {}
    for path in sorted(helpers.glob("*.py")):
        if path.name.startswith("_"):
            continue
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_"):
                index.setdefault(node.name, []).append((f"{helpers.name}.{path.stem}", node))
    return index


def _imports_helpers(tree: ast.Module) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "helpers":
            return True
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "helpers" for a in node.names):
            return True
    return False


def unit_test_index(tests: Path = TESTS) -> list[tuple[str, set[str]]]:
    """[("test_m.py::test_x", names it mentions)] for the test functions of the helpers' unit tests."""
    out = []
    for path in sorted(tests.glob("test_*.py")):
        tree = ast.parse(path.read_text())
        if not _imports_helpers(tree):
            continue
        funcs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
        funcs += [m for c in tree.body if isinstance(c, ast.ClassDef) for m in c.body if isinstance(m, ast.FunctionDef)]
        for fn in funcs:
            if not fn.name.startswith("test"):
                continue
            names = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name)}
            names |= {n.attr for n in ast.walk(fn) if isinstance(n, ast.Attribute)}
            out.append((f"{path.name}::{fn.name}", names))
    return out


def exercise_map(solutions: Path = SOLUTIONS, helpers: Path = HELPERS, tests: Path = TESTS) -> list[Exercise]:
    index, unit_tests = helper_index(helpers), unit_test_index(tests)
    exercises = []
    for lesson in lesson_ids(solutions):
        try:
            answers = load_catalogue(lesson, solutions)["answers"]
        except FileNotFoundError:
            answers = []
        try:
            rights = load_catalogue(lesson, solutions, kind="right")["answers"]
        except FileNotFoundError:
            rights = []
        for ex in lesson_exercises(lesson, solutions):
            ex.wrong_answers = sum(a["cell"] in ex.cells for a in answers)
            ex.right_answers = sum(a["cell"] in ex.cells for a in rights)
            for name in ex.functions:
                ex.references[name] = [f"{module}.{name}" for module, _ in index.get(name, [])]
                ex.helper_tests[name] = [t for t, mentioned in unit_tests if name in mentioned] if name in index else []
            exercises.append(ex)
    return exercises


def docstring_problems(exercises: list[Exercise], helpers: Path = HELPERS) -> list[str]:
    """What is wrong with the references: a name defined twice, a docstring that does not say where it is taught."""
    index, problems = helper_index(helpers), []
    for ex in exercises:
        for name, refs in ex.references.items():
            if len(refs) > 1:
                problems.append(f"{name} is defined in {', '.join(refs)}: one name for one idea")
            for module, node in index.get(name, []):
                doc = ast.get_docstring(node) or ""
                paragraphs = [p for p in re.split(r"\n\s*\n", doc) if p.strip().startswith("Defined in")]
                found = {(int(a), int(b)) for p in paragraphs for a, b in DEFINED_IN.findall(p)}
                if (int(ex.lesson[:2]), ex.number) not in found:
                    problems.append(
                        f'{module}.{name}: its docstring lacks the line "Defined in lesson '
                        f'{ex.lesson[:2]}, Exercise {ex.number} (lessons/{ex.lesson}/{ex.notebook})."'
                    )
    return problems


# -- the table -------------------------------------------------------------------------------------
def _code(items) -> str:
    return ", ".join(f"`{i}`" for i in items) or "—"


def _tests(found: list[str]) -> str:
    by_file: dict[str, list[str]] = {}
    for t in found:
        file, name = t.split("::")
        by_file.setdefault(file, []).append(name)
    return "<br>".join(f"`{f}`: " + ", ".join(names) for f, names in by_file.items()) or "—"


def _points(x: float) -> str:
    return f"{x:g}"


def render(exercises: list[Exercise]) -> str:
    rows = [
        "| lesson | exercise | answer cell → function | points | test cells | reference | its unit tests "
        "| wrong answers | right answers |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for ex in exercises:
        refs = [r for name in ex.functions for r in ex.references.get(name, [])]
        tests = [t for name in ex.functions for t in ex.helper_tests.get(name, [])]
        answer = f"{_code(ex.cells)} → {_code(ex.functions)}"
        rows.append(
            f"| `{ex.lesson}` | {ex.number} — {ex.title} | {answer} | {_points(ex.points)} | "
            f"{_code(ex.tests)} | {_code(refs)} | {_tests(list(dict.fromkeys(tests)))} | "
            f"{ex.wrong_answers} | {ex.right_answers} |"
        )
    return "\n".join(rows) + "\n"


def block(table: str) -> str:
    note = "<!-- generated by `make exercise-map` (python -m autograder.exercise_map); do not edit -->"
    return f"{BEGIN}\n{note}\n\n{table}\n{END}"


def current_block(text: str) -> str | None:
    if BEGIN not in text or END not in text:
        return None
    start = text.index(BEGIN)
    return text[start : text.index(END, start) + len(END)]


SECTION = """

## The exercise map

Every exercise, its reference implementation in `helpers/`, the unit tests of that reference, the
number of wrong answers in the lesson's catalogue that must fail its test cells and the number of
correct answers written differently that must keep full marks. Generated from the
lessons, the helpers and the tests by `make exercise-map`; `tests/test_exercise_map.py` fails when it is
out of date, and when a reference's docstring does not end with `Defined in lesson NN, Exercise k (...)`.

"""


def write(path: Path = CONTRIBUTING, exercises: list[Exercise] | None = None) -> bool:
    """Put the table into ``path`` between the markers (a new section at the end the first time)."""
    text = path.read_text()
    new = block(render(exercise_map() if exercises is None else exercises))
    old = current_block(text)
    out = text.replace(old, new) if old is not None else text.rstrip("\n") + SECTION + new + "\n"
    if out != text:
        path.write_text(out)
    return out != text


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    g = p.add_mutually_exclusive_group()
    g.add_argument("--write", action="store_true", help=f"write the table into {CONTRIBUTING.name}")
    g.add_argument("--check", action="store_true", help=f"exit 1 when {CONTRIBUTING.name}'s table is out of date")
    a = p.parse_args(argv)
    exercises = exercise_map()
    if a.write:
        changed = write(CONTRIBUTING, exercises)
        print(f"{CONTRIBUTING.name}: exercise map {'updated' if changed else 'already up to date'}")
    elif a.check:
        if current_block(CONTRIBUTING.read_text()) != block(render(exercises)):
            print(f"{CONTRIBUTING.name}: the exercise map is out of date: run `make exercise-map`", file=sys.stderr)
            return 1
    else:
        print(render(exercises), end="")
    for problem in docstring_problems(exercises):
        print(f"warning: {problem}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
