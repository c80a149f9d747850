"""``python -m straitsim`` runs the command line."""

import sys

from straitsim.cli import main

sys.exit(main())
