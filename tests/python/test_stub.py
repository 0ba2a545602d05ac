"""agentscale/_core.pyi matches the compiled module, name for name."""

from __future__ import annotations

import ast
import enum
import inspect
import pathlib

import agentscale
from agentscale import _core

STUB = pathlib.Path(agentscale.__file__).with_name("_core.pyi")
IGNORED_CLASS_MEMBERS = {"__init__", "__eq__", "__hash__", "__copy__", "__deepcopy__", "__len__"}


def stub_names() -> tuple[set[str], dict[str, set[str]]]:
    tree = ast.parse(STUB.read_text())
    top: set[str] = set()
    members: dict[str, set[str]] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            top.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            top.add(node.target.id)
        elif isinstance(node, ast.Assign):
            top.update(t.id for t in node.targets if isinstance(t, ast.Name))
        if isinstance(node, ast.ClassDef):
            names: set[str] = set()
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    names.add(item.name)
                elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    names.add(item.target.id)
                elif isinstance(item, ast.Assign):
                    names.update(t.id for t in item.targets if isinstance(t, ast.Name))
            members[node.name] = names - IGNORED_CLASS_MEMBERS
    return {n for n in top if not n.startswith("_") or n == "__version__"}, members


def module_names() -> tuple[set[str], dict[str, set[str]]]:
    top = {n for n in dir(_core) if not n.startswith("_")} | {"__version__"}
    members: dict[str, set[str]] = {}
    for name in top:
        obj = getattr(_core, name)
        if not inspect.isclass(obj) or obj is _core.Error:
            continue
        if issubclass(obj, enum.Enum):
            names = {m.name for m in obj} | {"kubernetes_name", "from_kubernetes_name"}
        else:
            names = {k for k in vars(obj) if not k.startswith("_")}
        members[name] = names
    return top, members


def test_stub_lists_every_name() -> None:
    stub_top, stub_members = stub_names()
    mod_top, mod_members = module_names()
    assert stub_top == mod_top
    for cls, names in mod_members.items():
        assert stub_members[cls] == names, cls


def test_package_exports_everything() -> None:
    mod_top, _ = module_names()
    assert mod_top <= set(agentscale.__all__)
    for name in agentscale.__all__:
        assert hasattr(agentscale, name)


def test_enum_values_match_stub() -> None:
    tree = ast.parse(STUB.read_text())
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and any(
            isinstance(b, ast.Attribute) and b.attr == "Enum" for b in node.bases
        ):
            cls = getattr(_core, node.name)
            for item in node.body:
                if isinstance(item, ast.Assign) and isinstance(item.value, ast.Constant):
                    target = item.targets[0]
                    assert isinstance(target, ast.Name)
                    assert cls[target.id].value == item.value.value


def _split_top(text: str) -> list[str]:
    """Splits a parameter list at the commas outside brackets and quotes."""
    parts: list[str] = []
    depth = 0
    quote = ""
    cur = ""
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
            continue
        cur += ch
    if cur.strip():
        parts.append(cur.strip())
    return parts


def _module_signatures(name: str, doc: str) -> list[tuple[str, ...]]:
    """Parameter names (with '*' for keyword-only) of each pybind11 signature."""
    sigs: list[tuple[str, ...]] = []
    for line in doc.splitlines():
        line = line.strip()
        if line[:1].isdigit() and ". " in line:
            line = line.split(". ", 1)[1]
        if not line.startswith(name + "(") or line.startswith(name + "(*args, **kwargs)"):
            continue
        depth = 0
        for i, ch in enumerate(line[len(name):], len(name)):
            depth += ch == "("
            depth -= ch == ")"
            if depth == 0:
                params = line[len(name) + 1 : i]
                break
        names = []
        for p in _split_top(params):
            names.append("*" if p == "*" else p.split(":")[0].split("=")[0].strip())
        sigs.append(tuple(n for n in names if n != "self"))
    return sigs


def _stub_signature(fn: ast.FunctionDef) -> tuple[str, ...]:
    a = fn.args
    names = [x.arg for x in a.posonlyargs + a.args]
    if a.kwonlyargs:
        names.append("*")
        names += [x.arg for x in a.kwonlyargs]
    return tuple(n for n in names if n != "self")


def test_stub_signatures_match_module() -> None:
    """Every function and method the stub declares takes the parameters the
    compiled one takes, in order, keyword-only where it is (each overload)."""
    tree = ast.parse(STUB.read_text())
    checked = 0

    def check(obj: object, name: str, stubs: list[ast.FunctionDef], where: str) -> int:
        doc = getattr(obj, "__doc__", None) or ""
        got = _module_signatures(name, doc)
        if not got:
            return 0
        want = [_stub_signature(f) for f in stubs]
        assert sorted(got) == sorted(want), f"{where}: module {got} vs stub {want}"
        return 1

    top: dict[str, list[ast.FunctionDef]] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            top.setdefault(node.name, []).append(node)
        elif isinstance(node, ast.ClassDef) and hasattr(_core, node.name):
            cls = getattr(_core, node.name)
            methods: dict[str, list[ast.FunctionDef]] = {}
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and not item.name.startswith("_"):
                    if not any(isinstance(d, ast.Name) and d.id in ("property", "staticmethod")
                               for d in item.decorator_list):
                        methods.setdefault(item.name, []).append(item)
            for mname, defs in methods.items():
                member = vars(cls).get(mname)
                if member is not None and callable(member):
                    checked += check(member, mname, defs, f"{node.name}.{mname}")
    for fname, defs in top.items():
        if hasattr(_core, fname):
            checked += check(getattr(_core, fname), fname, defs, fname)
    assert checked > 100  # the check reached most of the API
