"""Start the language server: stdio by default, `--tcp --host H --port P` for TCP.

Only light imports happen before `initialize` is answered: the analyzer modules load with
the features, litellm never on this path.
"""

from __future__ import annotations

import argparse
import logging
import sys

from .. import __version__


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="orchex-ls", description="orchex language server (stdio by default)")
    p.add_argument("--version", action="version", version=f"orchex-ls {__version__}")
    p.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (the default)")
    p.add_argument("--tcp", action="store_true", help="listen on TCP instead of stdio")
    p.add_argument("--host", default="127.0.0.1", help="TCP host (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=2087, help="TCP port (default 2087)")
    p.add_argument("--log-file", help="write the server log to this file (never to stdout)")
    p.add_argument(
        "--log-level", default="WARNING", type=str.upper,
        choices=["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], help="log level (default WARNING)",
    )
    return p


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    # stdout is the protocol channel: logs go to a file or stderr, never stdout.
    handler = logging.FileHandler(args.log_file, encoding="utf-8") if args.log_file else logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=args.log_level, handlers=[handler], force=True)

    from .server import create_server

    server = create_server()
    if args.tcp:
        server.start_tcp(args.host, args.port)
    else:
        server.start_io()
