"""Who collects for a round (docs/design.md §16): its `teams`, a list of token names.

A round without teams is open to every enumerator. With teams, an enumerator outside them sees
neither the round's form nor its assignments, and its submissions are refused (403). Admins and
supervisors are not enumerators of a team: they see and may submit to every round.
"""

from __future__ import annotations

from typing import Any

from catalogue import Role
from service.domain.errors import Forbidden
from service.domain.round import Round


def collects_for(survey_round: Round, token: dict[str, Any]) -> bool:
    """Whether this token may see the round's form and assignments and submit to it."""
    return token["role"] != Role.ENUMERATOR or survey_round.collects_by(token["name"])


def require_collector(survey_round: Round, token: dict[str, Any]) -> None:
    """403 for an enumerator outside the round's teams."""
    if not collects_for(survey_round, token):
        raise Forbidden(
            f"{token['name']!r} is not in the teams that collect for round {survey_round.id!r}.",
        )
