"""``python -m orchex_ls`` / ``orchex-ls``: start the language server."""

from __future__ import annotations


def main() -> None:
    from .server.main import main as serve

    serve()


if __name__ == "__main__":
    main()
