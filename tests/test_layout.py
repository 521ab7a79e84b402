"""The tree's rules (docs/architecture.md, issue 24), read from the code with `ast`: imports run one way
(the deployed code imports none of the tools), no circle between folders or between modules (lazy imports
inside functions count), and no top-level folder holds more than a third of the non-test code."""

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# What runs in AWS or builds it; everything else is a tool run by a person or the tests.
DEPLOYED = {"lambdas", "analytics", "stacks", "app.py"}
# Each Lambda's package is importable under its own name (pyproject.toml's package-dir).
LAMBDA_PACKAGES = {
    "telegram_ingest": "lambdas/ingest/telegram_ingest",
    "telegram_etl": "lambdas/etl/telegram_etl",
}
SKIPPED = {"tests", "node_modules", "cdk.out"}


def sources() -> dict[str, Path]:
    """Every non-test module of the repository by its import name."""
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in SKIPPED or relative.parts[0].startswith("."):
            continue
        parts = list(relative.with_suffix("").parts)
        for package, folder in LAMBDA_PACKAGES.items():
            if relative.as_posix().startswith(folder + "/"):
                parts = [package, *relative.relative_to(folder).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def folder_of(path: Path) -> str:
    return path.relative_to(ROOT).parts[0]


def imports(path: Path, module: str, known: set[str]) -> set[str]:
    """The repository's modules that `path` imports, anywhere in it."""
    named: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            named |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, one level up per extra dot
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base]).strip(".")
            named |= {f"{base}.{alias.name}" for alias in node.names} | {base}
    found = set()
    for name in named:
        while name and name not in known:
            name = name.rpartition(".")[0]
        if name and name != module:
            found.add(name)
    return found


def cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One circle in the graph, as the nodes along it, or None."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node], _ = "open", path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        state[node], _ = "done", path.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


@pytest.fixture(scope="module")
def graph() -> tuple[dict[str, Path], dict[str, set[str]]]:
    modules = sources()
    return modules, {name: imports(path, name, set(modules)) for name, path in modules.items()}


def test_the_checker_sees_the_tree_and_its_imports(graph):
    modules, edges = graph
    assert {"local.replay", "local_pipeline.replay.__main__", "telegram_etl.job", "bench.queries"} <= set(
        modules
    )
    assert "local.replay" in edges["local_pipeline.replay.__main__"]
    assert "standins.workdir" in edges["ops.rights"]  # an import inside a function counts


def test_the_cycle_finder_finds_a_circle_and_only_a_circle():
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_the_deployed_code_imports_none_of_the_tools(graph):
    modules, edges = graph
    wrong = {
        (name, target)
        for name, targets in edges.items()
        if folder_of(modules[name]) in DEPLOYED
        for target in targets
        if folder_of(modules[target]) not in DEPLOYED
    }
    assert not wrong


def test_no_circle_between_modules(graph):
    assert cycle(graph[1]) is None


def test_no_circle_between_top_level_folders(graph):
    modules, edges = graph
    folders: dict[str, set[str]] = defaultdict(set)
    for name, targets in edges.items():
        home = folder_of(modules[name])
        folders[home] |= {folder_of(modules[target]) for target in targets} - {home}
    assert cycle(folders) is None


def test_no_top_level_folder_holds_more_than_a_third_of_the_code(graph):
    modules = graph[0]
    lines: dict[str, int] = defaultdict(int)
    for path in modules.values():
        lines[folder_of(path)] += len(path.read_text().splitlines())
    total = sum(lines.values())
    assert {folder: count for folder, count in lines.items() if count > total / 3} == {}, (total, dict(lines))


def test_no_module_is_longer_than_500_lines_without_saying_why(graph):
    """A longer module names its reason at its top: its docstring says "Longer than 500 lines: <why>"."""
    too_long = {
        name
        for name, path in graph[0].items()
        if (text := path.read_text()).count("\n") > 500
        and "Longer than 500 lines:" not in (ast.get_docstring(ast.parse(text)) or "")
    }
    assert too_long == set()
