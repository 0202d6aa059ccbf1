"""docs/architecture.md against the code: a newcomer must be able to trust its names.

The page names modules, directories and functions by path and dotted name, and the code cites
its sections by heading (``(docs/architecture.md, "Data contracts")``). These checks read
files only (no imports of the packages): every path it names exists, every dotted name
resolves to a module and a name defined in it, every module of the four packages is named on
the page, and every section the code cites is a heading of the page.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "architecture.md"
PACKAGES = ("risk_model", "assignment", "visit_planner", "dashboard")
TOP_DIRS = (*PACKAGES, "docs", "bench", "tests", "notebooks")


def page_text() -> str:
    """The architecture page's text."""
    return PAGE.read_text("utf-8")


def code_spans(text: str) -> list[str]:
    """Every inline code span (`...`) of a markdown text."""
    return re.findall(r"`([^`\n]+)`", text)


def named_paths(text: str) -> set[str]:
    """The repository paths the page names: code spans that start with a top-level directory
    and hold no placeholder (``runs/<month>/``) or glob."""
    return {
        span
        for span in code_spans(text)
        if span.split("/", 1)[0] in TOP_DIRS and "/" in span and not re.search(r"[<>*{} ]", span)
    }


def named_dotted(text: str) -> set[str]:
    """The dotted Python names the page gives (``visit_planner.policy.settings_from_policy``)."""
    return {
        span
        for span in code_spans(text)
        if re.fullmatch(r"[a-z_]+(\.[A-Za-z_][A-Za-z0-9_]*)+", span)
        and span.split(".", 1)[0] in PACKAGES
    }


def module_files() -> list[Path]:
    """Every module of the four packages, but ``__init__``/``__main__`` and the migrations'
    revision files (the page names their directory)."""
    files = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT)
            if path.name in ("__init__.py", "__main__.py") or "versions" in rel.parts:
                continue
            files.append(rel)
    return files


def defined_names(module: Path) -> set[str]:
    """Top-level names a module defines or imports (functions, classes, assignments)."""
    names: set[str] = set()
    for node in ast.parse(module.read_text("utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.ImportFrom | ast.Import):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def resolve(dotted: str) -> str | None:
    """Why ``dotted`` does not resolve to a module (and a name defined in it), or None."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        base = ROOT.joinpath(*parts[:cut])
        module = base / "__init__.py" if base.is_dir() else base.with_suffix(".py")
        if not module.is_file():
            continue
        rest = parts[cut:]
        if not rest:
            return None
        if len(rest) == 1 and rest[0] in defined_names(module):
            return None
        return f"{module.relative_to(ROOT)} defines no {'.'.join(rest)}"
    return "no such module"


def test_every_path_the_page_names_exists() -> None:
    """Every path but one the page calls git-ignored (``tests/dashboard/screenshots/``, made by
    the browser tests: on a fresh clone it exists only once they have run)."""
    text = page_text()
    paths = named_paths(text)
    assert len(paths) > 100  # the package maps name the modules by path
    made_by_running = set(re.findall(r"`([^`]+)`\s+\(git-ignored\)", text))
    assert "tests/dashboard/screenshots/" in made_by_running
    missing = sorted(p for p in paths - made_by_running if not (ROOT / p).exists())
    assert missing == [], f"docs/architecture.md names paths that do not exist: {missing}"


def test_every_dotted_name_the_page_gives_resolves() -> None:
    dotted = named_dotted(page_text())
    assert "visit_planner.policy.settings_from_policy" in dotted
    broken = {name: why for name in sorted(dotted) if (why := resolve(name)) is not None}
    assert broken == {}, f"docs/architecture.md gives names that do not resolve: {broken}"


def test_every_module_is_on_the_page() -> None:
    named = named_paths(page_text())
    modules = module_files()
    assert len(modules) > 150
    absent = [str(m) for m in modules if str(m) not in named]
    assert absent == [], (
        "modules missing from docs/architecture.md's package maps (add each, by path, "
        f"with its concern): {absent}"
    )


def cited_sections() -> dict[str, set[str]]:
    """Section headings the code and docs cite as ``docs/architecture.md, "Heading"`` (or
    ``docs/architecture.md ("Heading")``), each with the files that cite it."""
    pattern = re.compile(r'architecture\.md,?\s*\(?"([^"]+)"', re.S)
    cited: dict[str, set[str]] = {}
    sources = [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]
    for package in PACKAGES:
        sources += (ROOT / package).rglob("*.py")
        sources += (ROOT / package).rglob("*.toml")
    for source in sources:
        # a citation may wrap over a docstring's or a comment's lines
        text = re.sub(r"\s*\n\s*#?\s*", " ", source.read_text("utf-8"))
        for heading in pattern.findall(text):
            cited.setdefault(heading, set()).add(str(source.relative_to(ROOT)))
    return cited


def test_every_section_the_code_cites_is_a_heading() -> None:
    headings = set(re.findall(r"^#{2,3} (.+)$", page_text(), re.M))
    cited = cited_sections()
    assert {"Data contracts", "Policy defaults", "Runs and the store"} <= set(cited)
    unknown = {h: sorted(f) for h, f in cited.items() if h not in headings}
    assert unknown == {}, f"sections cited but not headings of docs/architecture.md: {unknown}"


@pytest.mark.parametrize(
    ("dotted", "resolves"),
    [
        ("assignment.plan.TownshipTask", True),
        ("assignment.plan.solve_everything", False),
        ("visit_planner.no_such_module", False),
    ],
)
def test_the_name_check_tells_a_moved_name(dotted: str, resolves: bool) -> None:
    assert (resolve(dotted) is None) is resolves


def paragraph(text: str, opening: str) -> str:
    """The paragraph of ``text`` that starts with ``opening`` (up to the next blank line)."""
    start = text.index(opening)
    end = text.find("\n\n", start)
    return text[start : end if end != -1 else len(text)]


def test_the_contract_tables_list_the_columns_of_the_code() -> None:
    """The sections "Data contracts" and "Outputs" list each table's columns: exactly those of
    ``visit_planner/contracts/columns.py`` and ``assignment/domain.py`` (values such as the
    roles may be named beside them)."""
    from assignment.domain import PLAN_COLUMNS
    from visit_planner.contracts import columns

    text = page_text()
    tables = {
        "**households** (required)": (set(columns.HOUSEHOLDS), {"AUDIT_ONLY"}),
        "**workers** (required)": (set(columns.WORKERS), set(columns.ROLES)),
        "- **scores**": (set(columns.SCORES) | set(columns.SCORES_PASSTHROUGH), None),
        "- **plan**": (set(PLAN_COLUMNS), None),
    }
    for opening, (expected, extras) in tables.items():
        named = set(code_spans(paragraph(text, opening)))
        assert expected - named == set(), f"{opening}: columns of the code not on the page"
        if extras is not None:
            assert named - expected - extras == set(), f"{opening}: columns not in the code"
