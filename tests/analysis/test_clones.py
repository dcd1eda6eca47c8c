"""Duplicate-code detection: orchex_ls.analysis.clones (and clone_tokens)."""

from __future__ import annotations

import ast
import io
import os
import pickle
import subprocess
import sys
import textwrap
import tokenize
from pathlib import Path

import pytest

from orchex_ls.analysis.clone_tokens import unpack
from orchex_ls.analysis.clones import CloneFingerprint, find_clones, fingerprint
from orchex_ls.analysis.models import CloneGroup, CloneLocation

ROOT = Path(__file__).resolve().parents[2]


def fp(source: str) -> CloneFingerprint:
    source = textwrap.dedent(source)
    return fingerprint(source, ast.parse(source))


def spans(group: CloneGroup) -> list[tuple[str, int, int]]:
    return [(loc.path, loc.line, loc.end_line) for loc in group.locations]


def python_tokens(source: str) -> int:
    """Tokens as Python's own tokenizer counts them (no layout or comment tokens)."""
    layout = {tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.COMMENT, tokenize.ENDMARKER}
    readline = io.StringIO(textwrap.dedent(source)).readline
    return sum(token.type not in layout for token in tokenize.generate_tokens(readline))


# Nine statements; {number} and {word} vary between copies.
BODY = """\
    total = 0
    for item in items:
        if item.value > limit:
            total += item.value * {number}
        else:
            total -= item.weight(limit, "{word}")
    result = [entry for entry in items if entry.ok]
    print("done", total, len(result))
    return total, result
"""


def function(name: str, number: int = 2, word: str = "w") -> str:
    """A ten-line function (lines 1-10 of its own)."""
    return f"def {name}(items, limit):\n" + BODY.format(number=number, word=word)


def method(name: str) -> str:
    return textwrap.indent(function(name).replace("(items,", "(self, items,"), "    ")


def test_type1_within_a_file_reports_exact_line_ranges() -> None:
    source = (
        "import os\n"  # 1
        "\n"  # 2
        "class A:\n"  # 3
        + method("run")  # 4-13
        + "\n\n"  # 14-15
        "class B(Base):\n"  # 16
        "    # a comment\n"  # 17
        + method("run")  # 18-27
    )
    groups = find_clones({"pkg/mod.py": fp(source)})
    assert len(groups) == 1
    group = groups[0]
    # the class headers differ, so the clone is the method
    assert spans(group) == [("pkg/mod.py", 4, 13), ("pkg/mod.py", 18, 27)]
    assert group.kind == "type-1"
    assert group.lines == 10
    assert group.tokens == python_tokens(method("run"))


def test_a_renamed_function_is_a_type2_clone() -> None:
    groups = find_clones({"m.py": fp(function("alpha") + "\n\n" + function("beta"))})
    assert [(g.kind, spans(g)) for g in groups] == [("type-2", [("m.py", 1, 10), ("m.py", 13, 22)])]


def test_type2_across_files_with_renamed_identifiers_and_literals() -> None:
    original = function("alpha")
    renamed = (
        function("gamma", number=7, word="other")
        .replace("total", "acc")
        .replace("item", "row")
        .replace("limit", "cap")
    )
    groups = find_clones({"b.py": fp("x = 1\n" + renamed), "a.py": fp(original)})
    assert len(groups) == 1
    group = groups[0]
    assert group.kind == "type-2"
    # locations sorted by path; the whole function, header included
    assert spans(group) == [("a.py", 1, 10), ("b.py", 2, 11)]
    assert group.lines == 10


def test_whitespace_and_comments_keep_a_clone_type1() -> None:
    reformatted = (
        function("alpha")
        .replace("total = 0", "total  =  0   # start at zero")
        .replace(
            'print("done", total, len(result))',
            'print(\n        "done",\n        total,\n        len(result)\n    )',
        )
    )
    groups = find_clones({"a.py": fp(function("alpha")), "b.py": fp("\n# header\n" + reformatted)})
    assert [g.kind for g in groups] == ["type-1"]
    assert spans(groups[0]) == [("a.py", 1, 10), ("b.py", 3, 16)]
    assert groups[0].lines == 10  # the code lines of the smaller copy


def test_a_changed_string_makes_it_type2() -> None:
    groups = find_clones({"a.py": fp(function("f", word="x")), "b.py": fp(function("f", word="y"))})
    assert [g.kind for g in groups] == ["type-2"]


def test_three_copies_make_one_group_with_three_locations() -> None:
    fps = {f"m{i}.py": fp(function("f", number=i)) for i in range(3)}
    groups = find_clones(fps)
    assert len(groups) == 1
    assert spans(groups[0]) == [("m0.py", 1, 10), ("m1.py", 1, 10), ("m2.py", 1, 10)]


def test_below_the_line_threshold_is_not_reported() -> None:
    short = """\
    def f(a, b):
        value = compute(a, b, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)
        other = compute(b, a, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)
        third = combine(value, other, a, b, [1, 2, 3, 4, 5], {"k": 1})
        return value + other + third
    """
    fps = {"a.py": fp(short), "b.py": fp(short)}
    assert find_clones(fps) == []  # five lines < 6
    assert len(find_clones(fps, min_lines=5)) == 1


def test_below_the_token_threshold_is_not_reported() -> None:
    thin = "def f():\n" + "".join(f"    a{i} = b{i}\n" for i in range(10))
    fps = {"a.py": fp(thin), "b.py": fp(thin)}
    assert find_clones(fps) == []  # 11 lines but 35 tokens < 50
    assert len(find_clones(fps, min_tokens=35)) == 1


def test_min_lines_is_configurable() -> None:
    fps = {"a.py": fp(function("f")), "b.py": fp(function("g"))}
    assert len(find_clones(fps, min_lines=10)) == 1
    assert find_clones(fps, min_lines=11) == []


def test_imports_and_docstrings_are_ignored() -> None:
    header = '''\
    """Module docstring, long enough to span
    several lines and many tokens, identical in both files.
    """
    import os
    import sys
    import json
    from collections import OrderedDict, defaultdict, namedtuple, deque, Counter
    from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence
    from os.path import join, exists, dirname, basename, splitext, abspath

    '''
    assert find_clones({"a.py": fp(header + "x = 1\n"), "b.py": fp(header + "y = [2]\n")}) == []


def test_a_docstring_difference_does_not_split_or_change_a_clone() -> None:
    with_doc = function("f").replace("limit):\n", 'limit):\n    """Add things up."""\n')
    groups = find_clones({"a.py": fp(function("f")), "b.py": fp(with_doc)})
    assert [(g.kind, spans(g)) for g in groups] == [("type-1", [("a.py", 1, 10), ("b.py", 1, 11)])]


def test_empty_input_and_files_without_code() -> None:
    assert find_clones({}) == []
    assert find_clones({"a.py": fp(""), "b.py": fp("import os\n"), "c.py": fp('"""Doc."""\n')}) == []


@pytest.mark.parametrize("same", [True, False])
def test_repeated_lines_do_not_clone_themselves(same: bool) -> None:
    lines = [f"    call(alpha, beta, gamma, delta, {0 if same else i})\n" for i in range(30)]
    assert find_clones({"a.py": fp("def f():\n" + "".join(lines))}, min_tokens=20) == []


def test_a_block_repeated_back_to_back_is_one_group_of_disjoint_copies() -> None:
    block = (
        "    total = compute(first, 1)\n"
        "    if total > limit:\n"
        "        total = limit\n"
        "    values.append(total * 2)\n"
        '    print("value", total, file=sys.stderr)\n'
        "    counter += 1\n"
    )
    source = "def g():\n" + block * 3 + "    return 2\n"
    groups = find_clones({"g.py": fp(source)}, min_tokens=30)
    assert [spans(g) for g in groups] == [[("g.py", 2, 7), ("g.py", 8, 13), ("g.py", 14, 19)]]


def test_an_exact_copy_is_found_where_its_shape_repeats_back_to_back() -> None:
    block = (
        "    remove_original_values(get_config_vars())\n"
        '    get_config_vars()["CFLAGS"] = "-arch {arch} -isysroot /Developer/SDKs/MacOSX10.4u.sdk"\n'
        '    assert_equal(get_platform(), "macosx-10.4-{arch}", {n})\n'
    )
    # in shape the body is one three-line block four times over, so its copies would
    # overlap; in text each block is different
    body = "".join(block.format(arch=a, n=n) for n, a in enumerate(["fat", "intel", "fat3", "universal"]))
    first = "def test_a():\n" + body
    second = "x = 1\n\ndef test_b():\n    setup()\n" + body
    groups = find_clones({"a.py": fp(first), "b.py": fp(second)})
    assert [(g.kind, g.lines, spans(g)) for g in groups] == [("type-1", 12, [("a.py", 2, 13), ("b.py", 5, 16)])]


def test_clones_are_cut_to_whole_sibling_statements() -> None:
    body = BODY.format(number=2, word="w").replace("    return total, result\n", "")
    after = "\n\ndef next_one():\n    pass\n"
    first = "def a(items, limit):\n    setup()\n" + body + after
    second = "def b(items, limit, extra=None):\n    other(extra)\n" + body + after
    groups = find_clones({"a.py": fp(first), "b.py": fp(second)}, min_lines=3)
    # the match runs from `total = 0` on past the end of a() into `def next_one`; it
    # is cut back to the statements inside a() and b() (next_one alone is too small)
    assert [spans(g) for g in groups] == [[("a.py", 3, 10), ("b.py", 3, 10)]]
    assert groups[0].lines == 8


LARGE = """\
def large(records, options):
    seen = set()
    output = []
    for record in records:
        key = (record.name, record.kind)
        if key in seen:
            continue
        seen.add(key)
        try:
            value = options.convert(record.payload, strict=True)
        except ValueError as error:
            options.log("bad record %s: %s", record.name, error)
            value = None
        output.append({"key": key, "value": value})
    return sorted(output, key=lambda item: item["key"])
"""


def test_groups_are_sorted_largest_first() -> None:
    fps = {
        "a.py": fp(function("small") + "\n" + LARGE),
        "b.py": fp(LARGE.replace("large", "big") + "\nx = 1\n\n" + function("little")),
    }
    groups = find_clones(fps)
    assert [(g.lines, spans(g)) for g in groups] == [
        (15, [("a.py", 12, 26), ("b.py", 1, 15)]),
        (10, [("a.py", 1, 10), ("b.py", 19, 28)]),
    ]


def test_output_is_deterministic_and_independent_of_mapping_order() -> None:
    sources = {
        f"p/m{i}.py": function("f", number=i % 2) + "\n" + LARGE
        if i % 2
        else LARGE.replace("large", f"g{i}") + "\nx = 1\n" + function("f")
        for i in range(5)
    }
    forward = {path: fp(src) for path, src in sources.items()}
    backward = {path: forward[path] for path in reversed(list(forward))}
    first = find_clones(forward)
    # LARGE x5, f x5, and the whole of the three even files and of the two odd ones
    assert sorted(len(g.locations) for g in first) == [2, 3, 5, 5]
    assert find_clones(backward) == first
    assert find_clones(forward) == first


def test_fingerprint_is_stable_across_processes_and_picklable() -> None:
    source = function("f") + "\nclass C:\n    def m(self):\n        return {'a': 1.5e-3, \"b\": f'{x!r}'}\n"
    here = fingerprint(source, ast.parse(source))
    assert pickle.loads(pickle.dumps(here)) == here
    assert all(isinstance(field, bytes) for field in here)
    code = (
        "import ast, pickle, sys\n"
        "from orchex_ls.analysis.clones import fingerprint\n"
        "src = sys.stdin.read()\n"
        "sys.stdout.buffer.write(pickle.dumps(fingerprint(src, ast.parse(src))))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", code], input=source.encode(), capture_output=True, env=env, check=True
    )
    assert pickle.loads(out.stdout) == here


def test_fingerprint_has_one_unit_per_logical_line_of_code() -> None:
    source = '''\
    """Doc."""
    import os

    # a comment
    x = 1


    if x:
        y = [
            1,
            2,
        ]
    else:
        y = 3
    '''
    # x = 1 | if x: | y = [...] | else: | y = 3
    assert fp(source).units == 5


TRICKY = "\n".join(
    [
        "def f(a):",
        "    s = \"# not a comment\" + 'it''s' + \"\"\"a \"quoted\" ''' # block\"\"\"",
        "    t = r\"\\d+\\\\\" + b'\\x00' + f\"{a!r} # {a}\"  # real comment with \"quote",
        "    u = 1e-5 + 0x1F + 1_000 + .5j + a.b1",
        "    w = [s, t, u]",
        "    return s, t, u, w",
        "",
    ]
)


@pytest.mark.parametrize(
    ("old", "new", "kind"),
    [
        ("# real comment", "# another comment", "type-1"),
        ("# not a comment", "# not a remark", "type-2"),  # in a string, not a comment
        ("' # block", "' # bloc", "type-2"),  # inside a triple-quoted string
        ("{a!r} # {a}", "{a!r}  # {a}", "type-2"),  # whitespace inside a string counts
        ("1e-5 + 0x1F", "1e-5  +  0x1F", "type-1"),  # whitespace outside does not
        ("1e-5", "2e-5", "type-2"),
        ("a.b1", "a.b2", "type-2"),
    ],
)
def test_the_scanner_tells_strings_comments_and_code_apart(old: str, new: str, kind: str) -> None:
    assert old in TRICKY
    changed = TRICKY.replace(old, new)
    groups = find_clones({"a.py": fp(TRICKY), "b.py": fp(changed)}, min_lines=4, min_tokens=20)
    assert [(g.kind, spans(g)) for g in groups] == [(kind, [("a.py", 1, 6), ("b.py", 1, 6)])]


EVERY_TOKEN = r'''
@decorator(1, key="v")
async def f(a: int, *args, b=-1.5e-3, **kw) -> dict[str, int]:
    x = 0x1F + 0o17 + 0b1 + 0xE+1 + 1_000 + .5 + 2j + 1e10 + 3.
    q = 1.5e100.__format__("e") + 3.0.real + 0x1F.real + 1_0.5e-1_0j
    x **= 2; x //= 3; x >>= 1; x <<= 1; x @= m; x ^= 1; x |= 2; x &= 3; x %= 4
    y = [i for i in range(x) if i != 3 and not i <= 2 or i >= 1 and i is not None]
    z = {k: v for k, v in kw.items()} if (w := len(args)) > 1 else ...
    s = r"raw\d" 'it''s' + u"""multi
line""" \
        + "tail"  # comment
    t = b'\x00' + rb'\d' + Rb"x"
    lam = lambda q, *, r=None: q ** r // 2 % 3 - ~4 << 1 >> 2 & 5 | 6 ^ 7
    await g(*args, **kw)
    with open(s) as fh, ctx() as (c, d):
        try:
            del x[1:2:3], y[...]
        except (ValueError, TypeError) as exc:
            raise RuntimeError("bad") from exc
        finally:
            pass
    match z:
        case {"a": [1, *rest]} | None:
            return -1
        case Point(x=0) if y:
            return 0
    global gg
    assert x, "msg"
    while True:
        yield (yield x)
        break
    else:
        pass
'''


def test_token_counts_match_pythons_tokenizer() -> None:
    result = fingerprint(EVERY_TOKEN, ast.parse(EVERY_TOKEN))
    assert sum(unpack(result, "tokens")) == python_tokens(EVERY_TOKEN)


@pytest.mark.parametrize("min_tokens", [0, 1])
def test_tiny_token_thresholds_still_work(min_tokens: int) -> None:
    fps = {"a.py": fp(function("f")), "b.py": fp(function("g"))}
    groups = find_clones(fps, min_lines=10, min_tokens=min_tokens)
    assert [spans(g) for g in groups] == [[("a.py", 1, 10), ("b.py", 1, 10)]]


def test_locations_are_model_objects() -> None:
    groups = find_clones({"a.py": fp(function("f")), "b.py": fp(function("f"))})
    assert groups[0].locations[0] == CloneLocation(path="a.py", line=1, end_line=10)
    assert groups[0].kind == "type-1"
