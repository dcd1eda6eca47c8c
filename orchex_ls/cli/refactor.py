"""``orchex refactor``: list the catalogue, or apply one refactoring at a location.

Exit codes: 0 done (diff printed or file written), 1 the refactoring does not apply here
(the reason is printed), 2 usage error (bad location, unknown rule, unreadable file).
"""

from __future__ import annotations

import difflib
import json
import re
import sys
import tokenize
from io import BytesIO
from pathlib import Path

import click

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2

_LOCATION = re.compile(r"^(?P<file>.+?):(?P<l1>\d+)(?::(?P<c1>\d+))?(?:-(?P<l2>\d+)(?::(?P<c2>\d+))?)?$")
LOCATION_HELP = (
    "FILE:LINE[:COL][-LINE[:COL]], 1-based; an end column points just past the last "
    "character; a bare LINE means the statement starting on it, LINE-LINE the whole "
    "statements on those lines"
)


def parse_location(spec: str, lines: list[str] | None = None):
    """(path, Selection) for a location spec; raises click.BadParameter with the reason."""
    from ..refactor.models import Selection

    match = _LOCATION.match(spec)
    if match is None:
        raise click.BadParameter(f"{spec!r} is not {LOCATION_HELP}", param_hint="LOCATION")
    g = match.groupdict()
    l1 = int(g["l1"])
    l2 = int(g["l2"]) if g["l2"] else None
    if l1 < 1 or (l2 is not None and l2 < l1):
        raise click.BadParameter(f"{spec!r}: lines start at 1 and a range must not end before it starts",
                                 param_hint="LOCATION")
    if g["c1"] is None:
        if g["c2"] is not None:
            raise click.BadParameter(f"{spec!r}: give the start column too", param_hint="LOCATION")
        return Path(g["file"]), Selection.lines(l1 - 1, (l2 or l1) - 1)
    c1 = int(g["c1"])
    if c1 < 1:
        raise click.BadParameter(f"{spec!r}: columns start at 1", param_hint="LOCATION")
    if l2 is None:
        return Path(g["file"]), Selection.cursor(l1 - 1, c1 - 1)
    if g["c2"] is None:  # to the end of that line
        text = lines[l2 - 1].rstrip("\r\n") if lines and l2 - 1 < len(lines) else ""
        c2 = len(text) + 1
    else:
        c2 = int(g["c2"])
    if c2 < 1 or (l2, c2) < (l1, c1):
        raise click.BadParameter(f"{spec!r}: the range ends before it starts", param_hint="LOCATION")
    return Path(g["file"]), Selection(start_line=l1 - 1, start_col=c1 - 1, end_line=l2 - 1, end_col=c2 - 1)


def _read(path: Path) -> tuple[str, str, bytes]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise click.BadParameter(f"cannot read {path}: {exc.strerror or exc}", param_hint="LOCATION") from None
    if b"\0" in data[:8192]:
        raise click.BadParameter(f"{path} is a binary file", param_hint="LOCATION")
    try:
        encoding, _ = tokenize.detect_encoding(BytesIO(data).readline)
        # No newline translation: a CRLF file stays CRLF.
        return data.decode(encoding), encoding, data
    except (SyntaxError, LookupError, UnicodeDecodeError) as exc:
        raise click.BadParameter(f"{path} is not readable Python source: {exc}", param_hint="LOCATION") from None


@click.command()
@click.argument("location", required=False, metavar="FILE:LINE[:COL][-LINE[:COL]]")
@click.option("--rule", "-r", "rule_id", metavar="ID", help="The refactoring to apply (see --list).")
@click.option("--list", "list_rules", is_flag=True, help="List the refactorings and exit.")
@click.option("--diff", "mode", flag_value="diff", default=True, help="Print a unified diff (default).")
@click.option("--apply", "mode", flag_value="apply", help="Write the result to the file (atomically).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def refactor(location, rule_id, list_rules, mode, as_json) -> None:
    """Apply a verified refactoring at FILE:LINE[:COL][-LINE[:COL]] (1-based; a bare LINE
    means the statement starting there, LINE-LINE the whole statements on those lines)."""
    from ..refactor.rules import RULES, rule_by_id

    if list_rules:
        infos = [rule.info() for rule in RULES]
        if as_json:
            click.echo(json.dumps([i.model_dump(mode="json") for i in infos], indent=2))
        else:
            width = max(len(i.id) for i in infos)
            for info in infos:
                fixes = f"  [fixes {', '.join(info.answers)}]" if info.answers else ""
                click.echo(f"{info.id:<{width}}  {info.kind:<16}  {info.description}{fixes}")
        return
    if location is None or rule_id is None:
        raise click.UsageError("give a location and --rule ID (or --list)")
    if rule_by_id(rule_id) is None:
        known = ", ".join(rule.id for rule in RULES)
        raise click.BadParameter(f"unknown refactoring {rule_id!r}; known: {known}", param_hint="--rule")

    path, _ = parse_location(location)
    text, encoding, original = _read(path)
    from ..refactor.document import SourceDocument, split_lines
    from ..refactor.engine import apply
    from ..refactor.models import Refused

    path, selection = parse_location(location, split_lines(text))
    if selection.start_line >= len(split_lines(text)):
        raise click.BadParameter(f"{path} has only {len(split_lines(text))} lines", param_hint="LOCATION")
    outcome = apply(SourceDocument(text, str(path)), selection, rule_id)
    if isinstance(outcome, Refused):
        if as_json:
            click.echo(outcome.model_dump_json(indent=2))
        click.echo(f"orchex: {rule_id} does not apply at {location}: {outcome.reason}", err=True)
        sys.exit(EXIT_REFUSED)

    if mode == "apply":
        from ..analysis.cache import atomic_write

        try:
            if path.read_bytes() != original:
                click.echo(f"orchex: {path} changed while refactoring; nothing written", err=True)
                sys.exit(EXIT_REFUSED)
            atomic_write(path.resolve(), outcome.new_source.encode(encoding), mode=path.stat().st_mode & 0o7777)
        except OSError as exc:
            raise click.ClickException(f"cannot write {path}: {exc.strerror or exc}") from None
    if as_json:
        click.echo(outcome.model_dump_json(indent=2))
    elif mode == "apply":
        click.echo(f"{path}: {outcome.title}", err=True)
    else:
        name = path.as_posix()
        # git-style a/ b/ prefixes for relative paths (so `git apply` / `patch -p1` take it).
        old_name, new_name = (name, name) if path.is_absolute() else (f"a/{name}", f"b/{name}")
        diff = difflib.unified_diff(
            text.splitlines(keepends=True), outcome.new_source.splitlines(keepends=True),
            fromfile=old_name, tofile=new_name,
        )
        sys.stdout.writelines(line if line.endswith(("\n", "\r")) else line + "\n" for line in diff)
        click.echo(f"{outcome.title}", err=True)
