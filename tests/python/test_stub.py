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
