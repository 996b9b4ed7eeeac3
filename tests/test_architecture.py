"""The shape of the code (docs/architecture.md): dependencies between the shop's packages point one way,
modules stay small, and every Markdown file the repository cites is in the repository.

Imports are read with `ast` from every module under shop/: module-level ones, ones inside functions and
`if TYPE_CHECKING:` ones alike (a typing-only import still ties one package to another).
"""

import ast
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHOP = ROOT / "shop"

# Each package may import packages on its own layer or below, never above. Same table as
# docs/architecture.md.
LAYERS: dict[str, int] = {
    "emails": 0,  # infrastructure: the outgoing email queue
    "audit": 0,  # infrastructure: the staff audit log
    "catalog": 1,
    "discounts": 2,  # codes, their uses and a cart's code; the cart prices with them, orders take uses
    "cart": 2,
    "downloads": 2,
    "orders": 3,
    "payments": 4,
    "checkout": 5,
    "accounts": 5,
    "invoices": 5,
    "guides": 6,
    "storefront": 7,
    "journal": 7,
    "privacy": 7,  # a customer's own data: gathers orders, downloads, guides and journal comments
    "site": 8,  # the sitemap lists every public page, the journal's articles among them
    "admin": 8,
}
# Top-level modules that wire the packages into the app; every other top-level module is infrastructure
# and imports no package.
WIRING = {"__init__", "cli", "models", "templating"}
MAX_MODULE_LINES = 600
CITING_PLACES = ("shop", "tests", "templates", "docs", "README.md")
MARKDOWN_CITATION = re.compile(r"[\w./-]*[\w-]\.md\b")


def _imported_modules(tree: ast.AST) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            # `from shop import orders` names the package in the alias, not in the module.
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def _package_of(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) > 1 and parts[0] == "shop" and parts[1] in LAYERS:
        return parts[1]
    return None


def package_imports(shop: Path = SHOP) -> dict[str, dict[str, list[str]]]:
    """{importing package or top-level module: {imported package: [where]}}; a package's imports of
    itself are left out."""
    graph: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path in sorted(shop.rglob("*.py")):
        relative = path.relative_to(shop)
        source = relative.parts[0] if len(relative.parts) > 1 else relative.stem
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for module in _imported_modules(tree):
            target = _package_of(module)
            if target is not None and target != source:
                graph[source][target].append(str(path.relative_to(ROOT)))
    return graph


def _shop_packages() -> set[str]:
    return {path.parent.name for path in SHOP.glob("*/__init__.py")}


def test_every_package_has_a_layer() -> None:
    assert _shop_packages() == set(LAYERS)


def test_packages_import_only_packages_at_or_below_their_layer() -> None:
    upward = [
        f"{source} (layer {LAYERS[source]}) imports {target} (layer {LAYERS[target]}) in {sorted(set(where))}"
        for source, targets in package_imports().items()
        if source in LAYERS
        for target, where in targets.items()
        if LAYERS[target] > LAYERS[source]
    ]
    assert upward == []


def test_no_two_packages_import_each_other() -> None:
    graph = package_imports()
    pairs = sorted(
        f"{a} ↔ {b}" for a in graph for b in graph[a] if a < b and a in graph.get(b, {}) and a in LAYERS
    )
    assert pairs == []


def test_infrastructure_modules_import_no_package() -> None:
    graph = package_imports()
    offenders = {
        module: sorted(targets)
        for module, targets in graph.items()
        if module not in LAYERS and module not in WIRING
    }
    assert offenders == {}


def test_no_module_is_over_the_size_limit() -> None:
    sizes = {
        str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for path in SHOP.rglob("*.py")
    }
    assert {path: lines for path, lines in sizes.items() if lines > MAX_MODULE_LINES} == {}


def _citing_files() -> list[Path]:
    files: list[Path] = []
    for place in CITING_PLACES:
        path = ROOT / place
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files += [f for f in path.rglob("*") if f.is_file() and "__pycache__" not in f.parts]
    return files


def _exists(citation: str, cited_from: Path) -> bool:
    return (ROOT / citation).is_file() or (cited_from.parent / citation).is_file()


def test_every_cited_markdown_file_is_in_the_repository() -> None:
    dangling = []
    for path in _citing_files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary fixtures
        for citation in MARKDOWN_CITATION.findall(text):
            if not _exists(citation, path):
                dangling.append(f"{path.relative_to(ROOT)} cites {citation}")
    assert dangling == []
