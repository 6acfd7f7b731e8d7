"""Turn the readable XLSForm sources (`forms/*.md`) into the `.xlsx` files the service reads.

Run `python -m forms.build` after editing a `.md` file and commit both; a test fails when
they disagree.
"""

from __future__ import annotations

from pathlib import Path

from pyxform.xls2json_backends import md_table_to_workbook

FORMS_DIR = Path(__file__).resolve().parent
INSTRUMENTS = ("household", "business")
# Rounds with a sample pick an assignment instead of typing location and weight (§8).
SAMPLE_FORMS = tuple(f"{instrument}_sample" for instrument in INSTRUMENTS)


def source_path(instrument: str) -> Path:
    return FORMS_DIR / f"{instrument}.md"


def workbook_path(instrument: str) -> Path:
    return FORMS_DIR / f"{instrument}.xlsx"


def build(instrument: str) -> Path:
    """Write `forms/<instrument>.xlsx` from `forms/<instrument>.md`."""
    target = workbook_path(instrument)
    md_table_to_workbook(source_path(instrument).read_text(encoding="utf-8")).save(target)
    return target


if __name__ == "__main__":
    for name in (*INSTRUMENTS, *SAMPLE_FORMS):
        print(build(name))
