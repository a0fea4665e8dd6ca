"""``python -m server.cli`` runs the same CLI as the ``insideout`` script."""

import sys

from server.cli import main

sys.exit(main())
