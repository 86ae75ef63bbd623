"""``python -m tierstack deploy|destroy|outputs|emulator ...``; see tierstack.cli."""

import sys

from tierstack.cli import main

sys.exit(main())
