"""The layering of the project's modules, read from their source (no import is run).

Every import of every project module counts, at module top and inside functions:
an import moved into a function still ties the two modules together. The rules:

* no import cycle between project modules;
* the app rules of ``LAYERING`` (an app never imports the modules listed for it);
* imports at module top, except the ones Django requires elsewhere (an app's
  ``ready``, migrations) and those listed in ``INNER_IMPORTS`` with their reason.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = sorted(
    path.name
    for path in ROOT.iterdir()
    if path.is_dir() and (path / "__init__.py").exists() and path.name != "tests"
)


def _module_name(path: Path) -> str:
    name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    return name.removesuffix(".__init__")


MODULES = {_module_name(path): path for app in APPS for path in sorted((ROOT / app).rglob("*.py"))}


def _resolve(name: str) -> str | None:
    """The project module ``name`` is, or is inside (``calls.models.Call``: calls.models)."""
    while name:
        if name in MODULES:
            return name
        if "." not in name:
            return None
        name = name.rsplit(".", 1)[0]
    return None


def _imports(module: str):
    """(line, imported module, at module top, in the project) for each import of
    ``module``: the project module imported, or the imported name outside the project."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []

    def visit(node, top):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            names = [f"{base}.{alias.name}" if base else alias.name for alias in node.names]
        else:
            # Module level includes the bodies of module-level if/try/with blocks.
            scoped = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            for child in ast.iter_child_nodes(node):
                visit(child, top and not scoped)
            return
        for name in names:
            target = _resolve(name)
            if target != module:
                found.append((node.lineno, target or name, top, target is not None))

    visit(tree, True)
    return found


IMPORTS = {module: list(_imports(module)) for module in MODULES}
GRAPH = {
    module: {target for _line, target, _top, project in found if project}
    for module, found in IMPORTS.items()
}


def _cycles() -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(module):
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in sorted(GRAPH[module]):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(GRAPH):
        if module not in index:
            visit(module)
    return found


def _in(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


# (app, modules it never imports, why).
LAYERING = [
    pytest.param(
        "accounts",
        [app for app in APPS if app != "accounts"],
        "accounts is the bottom layer (users, organisations, roles): every app builds on it",
        id="accounts-imports-no-other-app",
    ),
    pytest.param(
        "notifications",
        ["workflows.services"],
        "the outbox only sends: transitions call it, it never performs one",
        id="notifications-never-performs-a-transition",
    ),
    *(
        pytest.param(
            app,
            ["api"],
            "the API is a face over the apps' selectors and services: no app depends on it",
            id=f"{app}-imports-no-api",
        )
        for app in APPS
        if app not in {"api", "config"}
    ),
    *(
        pytest.param(
            app,
            [m for m in MODULES if m.startswith("config.") and m != "config.typography"],
            "config names every app; of config, the apps use only the typography of the text "
            "they write (emails, letters)",
            id=f"{app}-imports-only-config-typography",
        )
        for app in APPS
        if app != "config"
    ),
]

# Imports inside a function, each with its reason: (module, imported module) -> why.
# Django's own places need no entry: an AppConfig's ``ready`` and migrations.
INNER_IMPORTS = {
    ("notifications.letters", "weasyprint.HTML"): "WeasyPrint (Pango) loads when a PDF is made",
    ("notifications.letters", "weasyprint.urls.URLFetcher"): "the same, with weasyprint.HTML",
    ("notifications.webhooks", "anymail.signals.tracking"): "connected from the app's ready()",
    ("workflows.diagram", "workflows.flows"): "a script: django.setup() before the flows' models",
}


def test_the_project_modules_are_read():
    assert {"accounts.roles", "calls.backoffice.views", "workflows.services"} <= set(MODULES)
    assert "calls.backoffice.services" in GRAPH["calls.backoffice.views"]


def test_no_import_cycle():
    assert _cycles() == []


@pytest.mark.parametrize(("app", "forbidden", "why"), LAYERING)
def test_layering(app, forbidden, why):
    breaks = [
        f"{module}:{line} imports {target}"
        for module, found in IMPORTS.items()
        if _in(module, app)
        for line, target, _top, project in found
        if project and any(_in(target, rule) for rule in forbidden)
    ]
    assert breaks == [], why


def _django_place(module: str, path: Path) -> bool:
    return ".migrations." in module or path.name == "apps.py"


def test_imports_at_module_top():
    inner = {
        (module, target): line
        for module, found in IMPORTS.items()
        if not _django_place(module, MODULES[module])
        for line, target, top, _project in found
        if not top
    }
    unexplained = sorted(
        f"{module}:{line} imports {target}"
        for (module, target), line in inner.items()
        if (module, target) not in INNER_IMPORTS
    )
    assert unexplained == [], "import at module top, or list it in INNER_IMPORTS with why"
    assert sorted(set(INNER_IMPORTS) - set(inner)) == [], "remove the entries no longer needed"
