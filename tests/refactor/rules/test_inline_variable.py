"""inline-variable: golden before/after, refusals, offers, parentheses and comments
(differential runs are in test_inline_variable_behaviour.py)."""

from __future__ import annotations

import pytest
from extraction_harness import Rule, cursor, dedent, lines, span

from orchex_ls.refactor.models import Selection

rule = Rule("inline-variable")


def selection(source: str, spec: tuple) -> Selection:
    kind, *args = spec
    return {"lines": lines, "span": span, "cursor": cursor}[kind](source, *args)


GOLDEN = [
    (
        "docstring example",
        """
        def area(width, height):
            size = width * height
            return size / 2
        """,
        ("cursor", "size ="),
        """
        def area(width, height):
            return width * height / 2
        """,
    ),
    (
        "cursor on the use",
        """
        def area(width, height):
            size = width * height
            return size / 2
        """,
        ("cursor", "size /"),
        """
        def area(width, height):
            return width * height / 2
        """,
    ),
    (
        "parentheses needed",
        """
        def f(a, b):
            total = a + b
            return total * 2
        """,
        ("cursor", "total ="),
        """
        def f(a, b):
            return (a + b) * 2
        """,
    ),
    (
        "power right operand",
        """
        def f(a):
            n = -a
            return 2 ** n
        """,
        ("cursor", "n ="),
        """
        def f(a):
            return 2 ** -a
        """,
    ),
    (
        "power left operand",
        """
        def f(a):
            n = -1
            return n ** a
        """,
        ("cursor", "n ="),
        """
        def f(a):
            return (-1) ** a
        """,
    ),
    (
        "literal used twice",
        """
        def f(a):
            limit = 10
            if a > limit:
                return limit
            return a
        """,
        ("cursor", "limit ="),
        """
        def f(a):
            if a > 10:
                return 10
            return a
        """,
    ),
    (
        "alias used twice",
        """
        def f(items):
            xs = items
            print(xs)
            return len(xs)
        """,
        ("cursor", "xs ="),
        """
        def f(items):
            print(items)
            return len(items)
        """,
    ),
    (
        "comment moves down",
        """
        def f(a):
            # twice a
            b = a * 2
            return b + 1
        """,
        ("cursor", "b ="),
        """
        def f(a):
            # twice a
            return a * 2 + 1
        """,
    ),
    (
        "attribute on a literal",
        """
        def f():
            n = 3
            return n.bit_length()
        """,
        ("cursor", "n ="),
        """
        def f():
            return (3).bit_length()
        """,
    ),
    (
        "call argument",
        """
        def f(a, b):
            s = a + b
            print(s, 1)
        """,
        ("cursor", "s ="),
        """
        def f(a, b):
            print(a + b, 1)
        """,
    ),
    (
        "await",
        """
        async def f(client):
            r = await client.get()
            return r.json()
        """,
        ("cursor", "r ="),
        """
        async def f(client):
            return (await client.get()).json()
        """,
    ),
    (
        "method",
        """
        class A:
            def m(self):
                k = self.k
                return k + 1
        """,
        ("cursor", "k ="),
        """
        class A:
            def m(self):
                return self.k + 1
        """,
    ),
    (
        "annotated",
        """
        def f(a):
            b: int = a + 1
            return b
        """,
        ("cursor", "b:"),
        """
        def f(a):
            return a + 1
        """,
    ),
    (
        "if test",
        """
        def f(a):
            ok = a.check()
            if ok:
                return 1
        """,
        ("cursor", "ok ="),
        """
        def f(a):
            if a.check():
                return 1
        """,
    ),
    (
        "for iterable",
        """
        def f(a):
            xs = sorted(a)
            for x in xs:
                print(x)
        """,
        ("cursor", "xs ="),
        """
        def f(a):
            for x in sorted(a):
                print(x)
        """,
    ),
    (
        "string literal in f-string",
        """
        def f(a):
            sep = 1
            return f"{sep}{a}"
        """,
        ("cursor", "sep ="),
        """
        def f(a):
            return f"{1}{a}"
        """,
    ),
    (
        "tuple value",
        """
        def f(a):
            t = a, 1
            return len(t)
        """,
        ("cursor", "t ="),
        """
        def f(a):
            return len((a, 1))
        """,
    ),
    (
        "lambda value",
        """
        def f(xs):
            key = lambda x: -x
            return sorted(xs, key=key)
        """,
        ("cursor", "key ="),
        """
        def f(xs):
            return sorted(xs, key=lambda x: -x)
        """,
    ),
    (
        "not in a comparison",
        """
        def f(a, b):
            c = not a
            return c == b
        """,
        ("cursor", "c ="),
        """
        def f(a, b):
            return (not a) == b
        """,
    ),
]

REFUSALS = [
    ("parameter", "def f(a):\n    return a + 1\n", ("cursor", "a + 1"), "is a parameter"),
    ("assigned twice", "def f(a):\n    b = 1\n    b = 2\n    return b\n", ("cursor", "b = 1"), "assigned 2 times"),
    ("augmented assignment", "def f(a):\n    b = 1\n    b += a\n    return b\n", ("cursor", "b = 1"), "assigned 2 times"),
    ("loop target", "def f(a):\n    for b in a:\n        print(b)\n", ("cursor", "b)\n"), "not bound by a plain"),
    ("tuple unpacking", "def f(a):\n    b, c = a\n    return b\n", ("cursor", "b, c"), "not bound by a plain"),
    ("chained assignment", "def f(a):\n    b = c = a.x\n    return b\n", ("cursor", "b = c"), "not bound by a plain"),
    ("deleted", "def f(a):\n    b = a + 1\n    print(b)\n    del b\n", ("cursor", "b = a"), "deleted"),
    ("global", "def f(a):\n    global G\n    G = a\n    return G\n", ("cursor", "G = a"), "global or nonlocal"),
    ("not a local", "def f(a):\n    return len(a)\n", ("cursor", "len"), "not a local variable"),
    ("captured by a lambda", "def f(a):\n    b = a + 1\n    return lambda: b\n", ("cursor", "b = a"), "nested function, lambda"),
    ("captured by a generator", "def f(a):\n    b = a + 1\n    return (b for _ in a)\n", ("cursor", "b = a"), "nested function, lambda"),
    ("locals()", "def f(a):\n    b = a + 1\n    print(b)\n    return locals()\n", ("cursor", "b = a"), "`locals`"),
    ("never read", "def f(a):\n    b = a + 1\n", ("cursor", "b = a"), "never read"),
    ("maybe unbound", "def f(a):\n    if a:\n        b = a.x\n    return b\n", ("cursor", "b = a"), "may be read before it is assigned"),
    ("read twice", "def f(a):\n    b = a.x\n    print(b)\n    return b\n", ("cursor", "b = a"), "read 2 times"),
    ("code in between", "def f(a):\n    b = a.x\n    a.y = 1\n    return b\n", ("cursor", "b = a"), "not in the statement right after"),
    ("alias rebound later", "def f(a, c):\n    b = a\n    a = c\n    return b\n", ("cursor", "b = a"), "not in the statement right after"),
    ("call before the use", "def f(a):\n    b = a.x\n    return g(a) + b\n", ("cursor", "b = a"), "evaluates `g(a)` before `b`"),
    ("local a closure rebinds", "def f():\n    x = 1\n    def g():\n        nonlocal x\n        x = 5\n        return 1\n    b = g()\n    return x + b\n", ("cursor", "b ="), "evaluates `x` before `b`"),
    ("literal repeated into a comprehension", "def f(a):\n    n = 1000\n    print(n)\n    return [n for _ in a]\n", ("cursor", "n ="), "read 2 times"),
    ("right of `and`", "def f(a):\n    b = a.x\n    return a and b\n", ("cursor", "b = a"), "short-circuit"),
    ("loop condition", "def f(a):\n    b = a.x\n    while b:\n        a.step()\n", ("cursor", "b = a"), "loop condition"),
    ("nested block", "def f(a):\n    b = a.x\n    if a:\n        print(b)\n", ("cursor", "b = a"), "not in the statement right after"),
    ("comprehension body", "def f(a):\n    b = a.x\n    return [b for _ in a]\n", ("cursor", "b = a"), "inside a comprehension"),
    ("comment on the line", "def f(a):\n    b = a.x  # why\n    return b\n", ("cursor", "b = a"), "comment on the assignment line"),
    ("module level", "b = 1\nprint(b)\n", ("cursor", "b = 1"), "module-level"),
    ("class attribute", "class A:\n    b = 1\n    c = b\n", ("cursor", "b = 1"), "class attributes"),
    ("not a variable", "def f(a):\n    return a.x\n", ("cursor", "x\n"), "not a variable of this function"),
    ("quotes into an f-string", "def f(a):\n    s = 'x'\n    return f\"{s}\"\n", ("cursor", "s ="), "f-string"),
    ("only statement of its block", "def f(a):\n    try:\n        b = a.x\n    except E:\n        raise\n    return b\n", ("cursor", "b = a"), "ends its block"),
    ("cursor on nothing", "def f(a):\n    return 1\n", ("cursor", "1\n"), "put the cursor on a variable"),
]


@pytest.mark.parametrize(("before", "spec", "after"), [g[1:] for g in GOLDEN], ids=[g[0] for g in GOLDEN])
def test_golden(before, spec, after):
    source = dedent(before)
    assert rule.new_source(source, selection(source, spec)) == dedent(after)


@pytest.mark.parametrize(("source", "spec", "phrase"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_refusals(source, spec, phrase):
    assert phrase in rule.reason(source, selection(source, spec))


def test_offered_on_the_assignment_and_on_a_use():
    source = "def f(a):\n    b = a * 2\n    return b + 1\n"
    assert rule.offered(source, cursor(source, "b = a"))
    assert rule.offered(source, cursor(source, "b + 1"))
    assert not rule.offered(source, cursor(source, "a * 2"))


def test_title_reports_the_metric_change():
    source = dedent(GOLDEN[0][1])
    assert rule.applied(source, selection(source, GOLDEN[0][2])).title == "Inline variable (lines 2 → 1)"


def test_parenthesized_use_keeps_its_parentheses():
    source = "def f(a, b):\n    c = a + b\n    return (c) * 2\n"
    assert rule.new_source(source, cursor(source, "c =")) == "def f(a, b):\n    return (a + b) * 2\n"


def test_comments_inside_the_expression_move_with_it():
    source = dedent("""
        def f(a, b):
            c = (a +  # first
                 b)
            return c * 2
    """)
    assert rule.new_source(source, cursor(source, "c =")) == dedent("""
        def f(a, b):
            return (a +  # first
                 b) * 2
    """)
