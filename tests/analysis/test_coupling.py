"""Tests for the import graph: naming, import extraction, fan-in/out, cycles."""

from __future__ import annotations

import ast
import textwrap

import pytest

from orchex_ls.analysis.coupling import (
    CouplingResult,
    ImportRef,
    build_coupling,
    extract_imports,
    module_name,
    strongly_connected,
)
from orchex_ls.analysis.models import Coupling, ModuleCoupling


def refs(source: str, module: str = "pkg.mod", is_package: bool = False) -> tuple[ImportRef, ...]:
    return extract_imports(ast.parse(textwrap.dedent(source)), module, is_package)


def workspace(files: dict[str, str]) -> CouplingResult:
    """build_coupling over {relative path: source}, running phase 1 like the analyzer."""
    modules = {}
    for path, source in files.items():
        name, is_package = module_name(path)
        modules[path] = (name, is_package, refs(source, name, is_package))
    return build_coupling(modules)


def row(result: CouplingResult, module: str) -> ModuleCoupling:
    return next(m for m in result.coupling.modules if m.module == module)


# --- module_name ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("pkg/sub/mod.py", ("pkg.sub.mod", False)),
        ("pkg/__init__.py", ("pkg", True)),
        ("pkg/sub/__init__.py", ("pkg.sub", True)),
        ("setup.py", ("setup", False)),
        ("pkg/mod.pyi", ("pkg.mod", False)),
        ("pkg\\win\\mod.py", ("pkg.win.mod", False)),
        ("./pkg/mod.py", ("pkg.mod", False)),
        # src-layout: the leading src/ is an import root, not a package
        ("src/pkg/x.py", ("pkg.x", False)),
        ("src/pkg/__init__.py", ("pkg", True)),
        ("src/tool.py", ("tool", False)),
        ("src/__init__.py", ("src", True)),
        # only a leading src/ is special
        ("pkg/src/x.py", ("pkg.src.x", False)),
        ("__init__.py", ("__init__", False)),
    ],
)
def test_module_name(path: str, expected: tuple[str, bool]) -> None:
    assert module_name(path) == expected


# --- extract_imports -------------------------------------------------------------------


def test_plain_imports_have_alias_positions() -> None:
    (os_ref, b_ref) = refs("import os, pkg.b as q\n")
    assert os_ref == ImportRef("os", (), 1, 8, 1, 10, False, False)
    assert (b_ref.target, b_ref.column, b_ref.end_column) == ("pkg.b", 12, 22)


def test_from_import_spans_the_statement() -> None:
    (ref,) = refs("x = 1\nfrom pkg.b import (\n    c,\n    d,\n)\n")
    assert ref == ImportRef("pkg.b", ("c", "d"), 2, 1, 5, 2, False, False)


@pytest.mark.parametrize(
    ("module", "is_package", "source", "target"),
    [
        ("pkg.a", False, "from . import x", "pkg"),
        ("pkg.a", False, "from .b import x", "pkg.b"),
        ("pkg", True, "from . import x", "pkg"),
        ("pkg", True, "from .b import x", "pkg.b"),
        ("pkg.sub.a", False, "from .. import x", "pkg"),
        ("pkg.sub.a", False, "from ..c import x", "pkg.c"),
        ("pkg.sub", True, "from .. import x", "pkg"),
        ("pkg.sub", True, "from ..c.d import x", "pkg.c.d"),
        ("pkg.sub.deep.a", False, "from ... import x", "pkg"),
        ("pkg.sub.deep.a", False, "from ...e import x", "pkg.e"),
        ("pkg.sub.deep", True, "from ... import x", "pkg"),
    ],
)
def test_relative_imports_resolve(module: str, is_package: bool, source: str, target: str) -> None:
    (ref,) = refs(source, module, is_package)
    assert ref.target == target
    assert ref.names == ("x",)


@pytest.mark.parametrize(
    ("module", "is_package", "source"),
    [
        ("top", False, "from . import x"),  # top-level module has no package
        ("pkg.a", False, "from .. import x"),
        ("pkg", True, "from ..other import x"),
    ],
)
def test_relative_import_beyond_top_level_is_dropped(module: str, is_package: bool, source: str) -> None:
    assert refs(source, module, is_package) == ()


def test_local_and_type_checking_flags() -> None:
    found = refs(
        """
        import typing
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            import tc_a
            def helper():
                import tc_b
        else:
            import runtime_else
        if typing.TYPE_CHECKING:
            import tc_c
        if not TYPE_CHECKING:
            import runtime_not
        else:
            import tc_d
        def f():
            import local_a
            class K:
                import local_b
        class C:
            import class_level
            async def m(self):
                from x import local_c
        try:
            import in_try
        except ImportError:
            import in_except
        with open("f"):
            import in_with
        for _ in ():
            import in_for
        while False:
            import in_while
        match 1:
            case 1:
                import in_match
        """
    )
    flags = {r.target: (r.local, r.type_checking) for r in found}
    assert flags == {
        "typing": (False, False),
        "tc_a": (False, True),
        "tc_b": (True, True),
        "runtime_else": (False, False),
        "tc_c": (False, True),
        "runtime_not": (False, False),
        "tc_d": (False, True),
        "local_a": (True, False),
        "local_b": (True, False),
        "class_level": (False, False),
        "x": (True, False),
        "in_try": (False, False),
        "in_except": (False, False),
        "in_with": (False, False),
        "in_for": (False, False),
        "in_while": (False, False),
        "in_match": (False, False),
    }
    assert [r.line for r in found] == sorted(r.line for r in found)


def test_main_guard_imports_are_local() -> None:
    found = refs(
        """
        if __name__ == "__main__":
            import as_script
        else:
            import on_import
        if "__main__" == __name__:
            import as_script_too
        """
    )
    assert {r.target: r.local for r in found} == {"as_script": True, "on_import": False, "as_script_too": True}


def test_refs_are_picklable_plain_tuples() -> None:
    import pickle

    found = refs("from . import a\nimport b\n")
    assert pickle.loads(pickle.dumps(found)) == found
    assert all(type(r) is ImportRef for r in found)


# --- fan-in / fan-out / instability --------------------------------------------------


GRAPH = {
    # app -> core, app -> util, app -> core.models (via from-import of a submodule)
    "app/__init__.py": "",
    "app/main.py": "import os\nimport requests.adapters\nfrom core import models, helper\nimport util\n",
    "core/__init__.py": "from .models import Model\n",
    "core/models.py": "import util\nimport json\n",
    "util.py": "import os.path\n",
    "lonely.py": "",
}


def test_fan_in_fan_out_instability() -> None:
    result = workspace(GRAPH)
    numbers = {m.module: (m.fan_in, m.fan_out, m.instability) for m in result.coupling.modules}
    assert numbers == {
        "app": (0, 0, 0.0),
        "app.main": (0, 3, 1.0),  # core.models, core (for `helper`), util
        "core": (1, 1, 0.5),  # in: app.main; out: core.models
        "core.models": (2, 1, round(1 / 3, 4)),  # in: app.main, core; out: util
        "lonely": (0, 0, 0.0),
        "util": (2, 0, 0.0),
    }
    assert [m.module for m in result.coupling.modules] == sorted(numbers)
    assert result.coupling.edges == 5
    assert result.coupling.cycles == ()
    main = result.modules["app/main.py"]
    assert main.imports == ("core", "core.models", "util")
    assert main.external == ("os", "requests")
    assert result.modules["util.py"].imported_by == ("app.main", "core.models")
    assert isinstance(result.coupling, Coupling)


def test_import_edges_to_deepest_workspace_module_only() -> None:
    result = workspace(
        {
            "a/__init__.py": "",
            "a/b/__init__.py": "",
            "a/b/c.py": "",
            "user.py": "import a.b.c\nimport a.b.missing\n",
        }
    )
    deps = result.modules["user.py"]
    # a.b.c, plus a.b for the missing submodule; never the a/__init__ it also runs
    assert deps.imports == ("a.b", "a.b.c")
    assert deps.external == ()  # a missing workspace module isn't a third-party package
    assert [(e.line, e.target) for e in deps.edges] == [(1, "a.b.c"), (2, "a.b")]


def test_from_import_of_submodule_and_name() -> None:
    result = workspace(
        {
            "pkg/__init__.py": "VALUE = 1\n",
            "pkg/sub.py": "",
            "user.py": "from pkg import sub\n",
            "user2.py": "from pkg import VALUE, sub\n",
            "user3.py": "from pkg import *\n",
        }
    )
    assert result.modules["user.py"].imports == ("pkg.sub",)
    assert result.modules["user2.py"].imports == ("pkg", "pkg.sub")
    assert result.modules["user3.py"].imports == ("pkg",)


def test_src_layout_imports_resolve() -> None:
    result = workspace({"src/pkg/__init__.py": "", "src/pkg/a.py": "from pkg import b\n", "src/pkg/b.py": ""})
    assert result.modules["src/pkg/a.py"].imports == ("pkg.b",)
    assert row(result, "pkg.b").path == "src/pkg/b.py"


def test_type_checking_and_local_imports_count_as_coupling() -> None:
    result = workspace(
        {
            "a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import b\ndef f():\n    import c\n",
            "b.py": "",
            "c.py": "",
        }
    )
    assert row(result, "a").fan_out == 2
    assert row(result, "b").fan_in == 1


def test_duplicate_module_names_keep_one_file() -> None:
    result = workspace({"pkg/mod.py": "import x\n", "pkg/mod.pyi": "import y\n", "pkg/__init__.py": ""})
    assert row(result, "pkg.mod").path == "pkg/mod.py"
    assert result.shadowed == ("pkg/mod.pyi",)
    assert "pkg/mod.pyi" not in result.modules


# --- cycles -------------------------------------------------------------------------


def test_two_cycle() -> None:
    result = workspace({"b.py": "import a\n", "a.py": "x = 1\nfrom b import thing\n"})
    assert result.coupling.cycles == (("a", "b"),)
    (cycle,) = result.cycles
    assert not cycle.local_only
    assert cycle.paths == ("a.py", "b.py")
    assert [(e.path, e.line, e.column, e.end_line, e.end_column, e.target) for e in cycle.edges] == [
        ("a.py", 2, 1, 2, 20, "b"),  # "from b import thing" is 19 characters
        ("b.py", 1, 8, 1, 9, "a"),
    ]


def test_three_cycle_beside_acyclic_modules() -> None:
    result = workspace(
        {
            "pkg/__init__.py": "",
            "pkg/x.py": "from . import y\nimport pkg.leaf\n",
            "pkg/y.py": "from .z import f\n",
            "pkg/z.py": "from pkg import x\n",
            "pkg/leaf.py": "",
            "pkg/user.py": "from pkg import x\n",
        }
    )
    assert result.coupling.cycles == (("pkg.x", "pkg.y", "pkg.z"),)
    (cycle,) = result.import_cycles
    assert {(e.source, e.target) for e in cycle.edges} == {
        ("pkg.x", "pkg.y"),
        ("pkg.y", "pkg.z"),
        ("pkg.z", "pkg.x"),
    }


def test_cycle_members_follow_the_imports() -> None:
    # a -> c -> b -> a: listed from the alphabetically first member, in import order
    files = {"a.py": "import c\n", "b.py": "import a\n", "c.py": "import b\n"}
    assert workspace(files).coupling.cycles == (("a", "c", "b"),)
    assert workspace(dict(reversed(files.items()))).coupling.cycles == (("a", "c", "b"),)


def test_cycle_that_is_not_one_loop_lists_every_member() -> None:
    # hub <-> x and hub <-> y: one strongly connected component, not a single loop
    files = {"hub.py": "import x, y\n", "x.py": "import hub\n", "y.py": "import hub\n"}
    (cycle,) = workspace(files).import_cycles
    assert cycle.modules == ("hub", "x", "y")
    assert len(cycle.edges) == 4


def test_two_separate_cycles_in_stable_order() -> None:
    files = {"d.py": "import c", "c.py": "import d", "b.py": "import a", "a.py": "import b"}
    first = workspace(files).coupling.cycles
    second = workspace(dict(reversed(files.items()))).coupling.cycles
    assert first == second == (("a", "b"), ("c", "d"))


def test_self_import_is_a_cycle() -> None:
    result = workspace({"a.py": "import a\n", "b.py": "import b.c\n"})
    assert result.coupling.cycles == (("a",), ("b",))
    assert row(result, "a").fan_out == 0  # self-imports aren't coupling


def test_type_checking_imports_do_not_make_cycles() -> None:
    result = workspace(
        {
            "a.py": "import b\n",
            "b.py": "from __future__ import annotations\nimport typing\nif typing.TYPE_CHECKING:\n    from a import A\n",
        }
    )
    assert result.coupling.cycles == ()
    assert result.cycles == ()
    assert row(result, "a").fan_in == 1  # still a dependency


def test_cycle_only_through_local_imports_is_flagged_not_reported() -> None:
    result = workspace({"a.py": "import b\n", "b.py": "def f():\n    import a\n"})
    assert result.coupling.cycles == ()
    assert result.import_cycles == ()
    (cycle,) = result.cycles
    assert cycle.local_only
    assert cycle.modules == ("a", "b")
    assert [(e.path, e.local) for e in cycle.edges] == [("a.py", False), ("b.py", True)]


def test_self_import_under_main_guard_is_local_only() -> None:
    result = workspace({"tool.py": 'def main(): ...\nif __name__ == "__main__":\n    import tool\n    tool.main()\n'})
    assert result.coupling.cycles == ()
    assert [c.local_only for c in result.cycles] == [True]


def test_local_import_extending_a_real_cycle() -> None:
    result = workspace(
        {
            "a.py": "import b\n",
            "b.py": "import a\ndef f():\n    import c\n",
            "c.py": "import a\n",
        }
    )
    assert result.coupling.cycles == (("a", "b"),)
    real, local = result.cycles
    assert not real.local_only and real.modules == ("a", "b")
    # the real cycle's edges leave out the deferred import
    assert all(not e.local for e in real.edges)
    assert local.local_only and local.modules == ("a", "b", "c")


def test_large_chain_has_no_recursion_error() -> None:
    n = 10_000
    files = {f"m{i}.py": f"import m{i + 1}\n" for i in range(n - 1)}
    files[f"m{n - 1}.py"] = ""
    result = workspace(files)
    assert result.coupling.cycles == ()
    assert result.coupling.edges == n - 1
    # closing the chain makes one cycle with every module
    files[f"m{n - 1}.py"] = "import m0\n"
    (cycle,) = workspace(files).coupling.cycles
    assert len(cycle) == n


def test_strongly_connected_components() -> None:
    # 0 -> 1 -> 2 -> 0, 2 -> 3, 3 -> 4 -> 3, 5 alone
    adj = [[1], [2], [0, 3], [4], [3], []]
    components = sorted(sorted(c) for c in strongly_connected(adj))
    assert components == [[0, 1, 2], [3, 4], [5]]
