"""``python -m orchex_ls`` / ``orchex-ls``: the language server entry point.

The server itself is built in the language-server issue; until then this entry point says
so plainly instead of pretending to serve.
"""

from __future__ import annotations

import sys


def main() -> None:
    sys.stderr.write(
        "orchex-ls: the language server is not part of this version yet; "
        "use `orchex analyze` for the analyzer.\n"
    )
    sys.exit(2)


if __name__ == "__main__":
    main()
