"""Entry point: ``python -m hamknee`` and the ``hamknee`` console script."""

from __future__ import annotations

import sys


def main() -> int:
    from hamknee.cli import run

    return run(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
