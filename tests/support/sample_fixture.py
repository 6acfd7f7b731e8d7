"""A round's sample and its phones' visits, from a fixture folder of R goldens (sample CSV and
`visits.json`), sent as the admin and a supervisor would."""

from __future__ import annotations

import json
from pathlib import Path

from flask.testing import FlaskClient


def send_sample_and_visits(
    client: FlaskClient, round_id: str, fixture: Path, sample: bytes, as_admin, as_supervisor
) -> None:
    loaded = client.put(
        f"/api/v1/rounds/{round_id}/sample",
        data=sample,
        headers={**as_admin, "Content-Type": "text/csv"},
    )
    assert loaded.status_code == 200, loaded.json
    visits = json.loads((fixture / "visits.json").read_text())
    sent = client.post(
        f"/api/v1/rounds/{round_id}/submissions/batch",
        json={"submissions": visits},
        headers=as_supervisor,
    )
    assert sent.json["summary"]["created"] == len(visits), sent.json
