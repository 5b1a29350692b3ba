"""`python -m oxitrack` runs the command line."""

import sys

from oxitrack.cli import main

sys.exit(main())
