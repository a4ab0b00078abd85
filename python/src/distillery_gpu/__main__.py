"""``python -m distillery_gpu``: see :mod:`distillery_gpu.cli`."""

import sys

from .cli import main

sys.exit(main())
