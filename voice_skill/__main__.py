"""`python -m voice_skill` runs the command line."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
