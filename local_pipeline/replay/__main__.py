"""Runs local.replay with this command line (same options, output and exit status)."""

import sys

from local.replay import main

sys.exit(main())
