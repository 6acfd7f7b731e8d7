"""scipy.special's compiled functions loaded without the package (scoring/special.py): the
same function objects, hence the same numbers, whichever is imported first."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]
SAME = (
    "assert all(getattr(ours, f) is getattr(scipy.special, f)"
    " for f in ('stdtrit', 'betaincinv', 'ndtri'))"
)


def python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)


def test_the_functions_load_without_scipy_special_and_are_its_own() -> None:
    proc = python(
        "import sys; import scoring.special as ours;"
        "assert 'scipy.special' not in sys.modules;"
        "import scipy.special; scipy.special.gammaln(3.0);" + SAME  # the package then loads in full
    )
    assert proc.returncode == 0, proc.stderr


def test_with_scipy_special_imported_first_they_are_taken_from_it() -> None:
    proc = python("import scipy.special; import scoring.special as ours;" + SAME)
    assert proc.returncode == 0, proc.stderr
