"""``python -m scoring``.

Once its output is flushed the process ends with ``os._exit``: tearing down numpy, pyarrow
and the arrays read buys nothing for a one-shot command (≈ 30 ms of a 0.5 s run,
docs/benchmarks.md), and an Arrow reader thread still winding down at interpreter exit can
abort the process ("terminate called without an active exception", apache/arrow#34314).
Usage errors and ``--help`` (``SystemExit`` from argparse) exit as usual.
"""

import os
import sys

from scoring.cli import main

status = main()
sys.stdout.flush()
sys.stderr.flush()
os._exit(status)
