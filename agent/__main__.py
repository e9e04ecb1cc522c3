"""`python -m agent` is `titip-agent`."""

import sys

from agent.cli import main

sys.exit(main())
