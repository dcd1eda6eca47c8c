"""Running a refactored module beside the original: shared by the differential tests of
the loop, any/all and duplicate rules (each module defines `f` and a `LOG` of side effects)."""

from __future__ import annotations

import functools


@functools.cache
def namespace_of(source: str) -> dict:
    """The module's namespace, made once (each run clears its LOG)."""
    namespace: dict = {}
    exec(compile(source, "<differential>", "exec"), namespace)
    return namespace


def run_logged(namespace: dict, *args):
    """``f(*args)``'s result or exception, and the side effects it logged."""
    namespace["LOG"].clear()
    try:
        result = ("ok", namespace["f"](*args))
    except Exception as exc:  # the point is to compare them
        result = ("raised", type(exc), exc.args)
    return result, list(namespace["LOG"])
