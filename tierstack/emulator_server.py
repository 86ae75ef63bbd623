"""Run moto's server with tierstack's fidelity patches applied (``tierstack.fidelity``).

``python -m tierstack.emulator_server -H 127.0.0.1 -p 4566`` takes moto.server's arguments.
``tierstack.emulator up`` starts the emulator this way.
"""

from __future__ import annotations

import sys

from tierstack import fidelity


def main(argv: list[str] | None = None) -> None:
    fidelity.apply_all()
    from moto import server  # imported after patching is harmless: patches target model classes

    server.main(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
