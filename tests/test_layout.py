"""Guards of the project's layout (README "Project layout"): the model layer never imports the UI,
and every repository path a docstring or the README names exists, so the text that points a
newcomer somewhere never points at a file that moved."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("models", "components", "tests", "assets", "bench", "scripts", "eval", "docs")
PATH = re.compile(rf"(?<![\w./-])((?:{'|'.join(FOLDERS)})/[\w./-]*[\w/])")


def python_files() -> list[Path]:
    return [
        p for p in ROOT.rglob("*.py") if ".venv" not in p.parts and "test-artifacts" not in p.parts
    ]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_the_model_layer_never_imports_gradio_or_the_ui() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_modules(path) & {"gradio", "components"})
        for path in (ROOT / "models").rglob("*.py")
    }
    assert not {k: v for k, v in offenders.items() if v}


def docstrings(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), str(path))
    nodes = [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef))]
    return [text for node in nodes if (text := ast.get_docstring(node))]


def named_paths(text: str) -> set[str]:
    return {match.rstrip("./") for match in PATH.findall(text) if "*" not in match}


def test_every_path_a_docstring_or_the_readme_names_exists() -> None:
    missing: dict[str, list[str]] = {}
    sources = {"README.md": [(ROOT / "README.md").read_text()]}
    sources |= {str(p.relative_to(ROOT)): [p.read_text()] for p in (ROOT / "docs").glob("*.md")}
    sources |= {str(p.relative_to(ROOT)): docstrings(p) for p in python_files()}
    for source, texts in sources.items():
        gone = sorted(p for text in texts for p in named_paths(text) if not (ROOT / p).exists())
        if gone:
            missing[source] = gone
    assert not missing, f"paths that do not exist: {missing}"


def test_each_capability_has_one_folder_on_each_floor() -> None:
    for capability in ("text", "image", "embeddings", "attention", "finetune"):
        for floor in ("models", "components"):
            init = ROOT / floor / capability / "__init__.py"
            assert init.is_file(), init
            doc = ast.get_docstring(ast.parse(init.read_text()))
            assert doc and "\n" not in doc.strip(), f"{init}: a one-line docstring"


def test_no_tab_folder_imports_another() -> None:
    tabs = ("text", "image", "embeddings", "attention", "finetune")
    arrows = []
    for tab in tabs:
        for path in (ROOT / "components" / tab).rglob("*.py"):
            source = path.read_text()
            for other in tabs:
                if other != tab and re.search(rf"^\s*from components\.{other}\b", source, re.M):
                    arrows.append(f"components/{tab} -> components/{other}")
    assert not arrows


def test_no_import_circle_between_modules() -> None:
    """Module A importing B (at the top or inside a function) while B imports A, directly or
    through others, is a circle: the split of models/image/diffusion.py opened the last one."""
    names = {
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): p
        for floor in ("models", "components")
        for p in (ROOT / floor).rglob("*.py")
    }
    graph: dict[str, set[str]] = {}
    for name, path in names.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # ``from package import module`` imports that module, not the package's own code
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    targets.add(sub if sub in names else node.module)
            elif isinstance(node, ast.Import):
                targets |= {a.name for a in node.names}
        graph[name] = {t for t in targets if t in names and t != name}
    circles = []
    for start in graph:
        stack, seen = [(start, [start])], set()
        while stack:
            node, trail = stack.pop()
            for nxt in graph[node]:
                if nxt == start:
                    circles.append(" -> ".join([*trail, nxt]))
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*trail, nxt]))
    assert not circles, circles[:5]
