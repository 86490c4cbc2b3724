"""``python -m datagen ...``: see ``datagen/cli.py``."""

import sys

from datagen.cli import main

sys.exit(main())
