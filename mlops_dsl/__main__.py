"""``python -m mlops_dsl``."""
import sys

from .cli import main

sys.exit(main())
