"""The layers of the code, enforced: a new import across a boundary fails here.

Every import in the package is read from the source (module level, inside functions and
under `TYPE_CHECKING` alike), resolved to a `faxage_sim` module, and held to the rules:

* the core (`core/`) imports only the core, `wire/catalog` and `documents/formats` — no web
  framework, no record layouts (push, email and callback payloads are built in `notify/`);
* the protocol endpoints (`endpoints/`) import neither the control plane nor scenarios;
* the wire layer (`wire/`) imports only the core types its records format; the catalog
  imports nothing of the package;
* no import cycle at all, counting every import statement (a type two modules need lives in a
  module both import; the account aggregate knows its parts, the parts never import it back);
* only `__init__`, `__main__` and the pytest entry point sit loose at the top of the package,
  and the package itself never uses a moved module's old name.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "faxage_sim"
WEB_FRAMEWORKS = ("starlette", "uvicorn", "httpx", "h11")


@dataclass(frozen=True)
class Import:
    importer: str  # dotted module name
    target: str  # dotted module name (a package's submodule where one is named)
    line: int
    top_level: bool  # run when the importer is imported (not in a function, not typing-only)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(importer: str, is_package: bool, module: str | None, level: int) -> str:
    if level == 0:
        return module or ""
    base = importer.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, module] if module else base)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports_of(path: Path, source: str | None = None) -> list[Import]:
    importer = _module_name(path)
    is_package = path.name == "__init__.py"
    found: list[Import] = []

    def visit(node: ast.AST, top_level: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                found.extend(Import(importer, alias.name, child.lineno, top_level)
                             for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = _resolve(importer, is_package, child.module, child.level)
                for alias in child.names:
                    # `from . import x` names a module; `from .m import f` names module m.
                    candidate = f"{base}.{alias.name}"
                    target = candidate if _exists(candidate) else base
                    found.append(Import(importer, target, child.lineno, top_level))
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) or (
                    isinstance(child, ast.If) and _is_type_checking(child)):
                visit(child, False)  # run later, or never: not part of importing the module
            else:
                visit(child, top_level)

    visit(ast.parse(source if source is not None else path.read_text(encoding="utf-8")), True)
    return found


def _exists(dotted: str) -> bool:
    if not dotted.startswith("faxage_sim"):
        return False
    rel = Path(*dotted.split(".")[1:])
    return (PACKAGE / rel).with_suffix(".py").exists() or (PACKAGE / rel / "__init__.py").exists()


def all_imports() -> list[Import]:
    return [i for path in sorted(PACKAGE.rglob("*.py")) for i in _imports_of(path)]


def _in(module: str, *packages: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def _violations(importers: str, allowed: tuple[str, ...] = (),
                forbidden: tuple[str, ...] = (), imports: list[Import] | None = None) -> list[str]:
    out = []
    for imp in all_imports() if imports is None else imports:
        if not _in(imp.importer, importers):
            continue
        target = imp.target
        if target.startswith("faxage_sim"):
            bad = (allowed and not _in(target, *allowed)) or _in(target, *forbidden)
        else:
            bad = _in(target, *forbidden)
        if bad:
            out.append(f"{imp.importer}:{imp.line} imports {target}")
    return out


def test_the_core_imports_only_the_core_the_catalog_and_document_formats() -> None:
    assert _violations(
        "faxage_sim.core",
        allowed=("faxage_sim.core", "faxage_sim.wire.catalog", "faxage_sim.documents.formats"),
        forbidden=WEB_FRAMEWORKS) == []


def test_endpoints_import_neither_the_control_plane_nor_scenarios() -> None:
    assert _violations("faxage_sim.endpoints",
                       forbidden=("faxage_sim.control", "faxage_sim.scenario")) == []


def test_the_catalog_imports_nothing_of_the_package() -> None:
    assert _violations("faxage_sim.wire.catalog", allowed=("faxage_sim.wire.catalog",),
                       forbidden=WEB_FRAMEWORKS) == []


def test_the_wire_layer_imports_the_core_only_for_the_types_it_formats() -> None:
    assert _violations("faxage_sim.wire", allowed=("faxage_sim.wire", "faxage_sim.core"),
                       forbidden=WEB_FRAMEWORKS) == []


def import_cycles(imports: list[Import]) -> list[str]:
    """Every cycle through the package's modules, as `a -> b -> ... -> a` (each found once,
    from its smallest module), over all the imports given: module level, inside functions and
    under TYPE_CHECKING alike (a lazy or typing-only import still ties the two modules)."""
    graph: dict[str, set[str]] = {}
    for imp in imports:
        if imp.target.startswith("faxage_sim") and imp.target != imp.importer:
            graph.setdefault(imp.importer, set()).add(imp.target)
    cycles = []
    for start in sorted(graph):
        stack: list[tuple[str, tuple[str, ...]]] = [(start, (start,))]
        seen = {start}
        while stack:
            node, trail = stack.pop()
            for nxt in sorted(graph.get(node, ())):
                if nxt == start:
                    cycles.append(" -> ".join([*trail, start]))
                elif nxt not in seen and nxt > start:
                    seen.add(nxt)
                    stack.append((nxt, (*trail, nxt)))
    return cycles


def test_no_import_cycles_counting_every_import_statement() -> None:
    assert import_cycles(all_imports()) == []


def test_the_cycle_check_sees_a_lazy_or_typing_only_cycle() -> None:
    """The checker itself: a function-level import one way and a TYPE_CHECKING import back
    (the shape faults.py <-> fault_effects.py once had) is a cycle."""
    one = _imports_of(PACKAGE / "faults" / "one.py", (
        "def f() -> None:\n    from .two import g\n"))
    two = _imports_of(PACKAGE / "faults" / "two.py", (
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .one import f\n"))
    assert import_cycles(one + two) == [
        "faxage_sim.faults.one -> faxage_sim.faults.two -> faxage_sim.faults.one"]


LOOSE_MODULES = {"__init__", "__main__", "pytest_plugin"}


def test_the_top_level_holds_only_the_package_entry_points() -> None:
    """Everything else sits in a subpackage named for its role (server/, cli/, faults/, ...)."""
    loose = {path.stem for path in PACKAGE.glob("*.py")}
    assert loose == LOOSE_MODULES


def test_the_package_uses_no_old_module_name() -> None:
    """Old names (faxage_sim.state, faxage_sim.handle, ...) still import for users, through
    `faxage_sim.MOVED` and `MOVED_WITHOUT_STUBS`; the package itself names each module by
    where it lives."""
    import faxage_sim

    old_names = {**faxage_sim.MOVED, **faxage_sim.MOVED_WITHOUT_STUBS}
    assert [f"{imp.importer}:{imp.line} imports {imp.target}" for imp in all_imports()
            if imp.target in old_names] == []


def test_every_old_module_name_gives_the_module_itself() -> None:
    import importlib

    import faxage_sim

    for old, new in {**faxage_sim.MOVED, **faxage_sim.MOVED_WITHOUT_STUBS}.items():
        assert importlib.import_module(old) is importlib.import_module(new), old


def test_no_two_endpoint_modules_import_each_other_even_lazily_or_for_types() -> None:
    """The fault gate is imported by `base` (when a fault exists) and never imports it."""
    graph: dict[str, set[str]] = {}
    for imp in all_imports():
        if _in(imp.importer, "faxage_sim.endpoints") and _in(imp.target, "faxage_sim.endpoints") \
                and imp.target != imp.importer:
            graph.setdefault(imp.importer, set()).add(imp.target)
    pairs = sorted(f"{a} <-> {b}" for a in graph for b in graph[a]
                   if a < b and a in graph.get(b, ()))
    assert pairs == []


def test_the_rules_see_a_violation() -> None:
    """The checker itself: an import of the web framework from the core is found."""
    probe = _imports_of(PACKAGE / "core" / "probe.py", (
        "def f() -> None:\n    from starlette.requests import Request\n"
        "from ..scenario import model\nfrom ..wire import catalog\nfrom .jobs import FaxJob\n"))
    found = _violations("faxage_sim.core",
                        allowed=("faxage_sim.core", "faxage_sim.wire.catalog"),
                        forbidden=WEB_FRAMEWORKS, imports=probe)
    assert found == ["faxage_sim.core.probe:2 imports starlette.requests",
                     "faxage_sim.core.probe:3 imports faxage_sim.scenario.model"]
