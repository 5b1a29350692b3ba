"""The bodies wakatime-cli reads back for its heartbeats, and the statuses that go with them.

One body per heartbeat (accepted: its ``data``; refused: the one error shape), gathered into
``{"responses": [[body, status], ...]}`` for a bulk request. Pure: stdlib only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from oxitrack.errors import ClientError
    from oxitrack.sessions import Session
    from oxitrack.wakatime import Heartbeat

#: wakatime-cli drops a heartbeat answered 400 and queues it again on any other failure status,
#: so a heartbeat that can never be accepted is answered 400, not 422.
BAD_HEARTBEAT_STATUS = 400
CREATED_STATUS = 201
#: The key of a bulk answer counting the heartbeats that request stored for the first time.
NEW_HEARTBEATS_KEY = "new_heartbeats"


def accepted_answer(heartbeat: Heartbeat, session: Session) -> dict[str, Any]:
    """The body for an accepted heartbeat: ``{"data": ...}`` as wakatime-cli parses it.

    The CLI reads ``data`` as its own heartbeat type, so only fields it knows are echoed, with the
    types it expects and no nulls; OxiTrack's session fields ride along (the CLI ignores them).
    """
    details = heartbeat.details
    data: dict[str, Any] = {
        "entity": heartbeat.entity,
        "type": details.entity_type,
        "time": details.time,
        "project_path": heartbeat.beat.project_path,
        "session_id": session.id,
        "duration_seconds": session.duration_seconds,
    }
    optional = {
        "category": details.category,
        "project": details.project_name,
        "branch": details.branch,
        "language": details.language,
        "is_write": details.is_write,
    }
    data.update({key: value for key, value in optional.items() if value is not None})
    return {"data": data}


def refused_answer(error: ClientError) -> dict[str, str]:
    """The body for a refused heartbeat: the one error shape; the CLI logs its ``error``."""
    return error.to_json()


def bulk_answer(
    pairs: Sequence[tuple[Mapping[str, Any], int]], *, new: int | None = None
) -> dict[str, Any]:
    """``{"responses": [[body, status], ...]}``, one pair per heartbeat, in request order.

    ``new``, when given, is OxiTrack's own count beside them (``NEW_HEARTBEATS_KEY``): a
    heartbeat stored before is 201 too (on any status but 201, 202 or 400, wakatime-cli sends
    it again, for ever), so only this count tells ``oxitrack import`` what a request added.
    WakaTime clients read ``responses`` alone and ignore other keys.
    """
    answer: dict[str, Any] = {"responses": [[dict(body), status] for body, status in pairs]}
    if new is not None:
        answer[NEW_HEARTBEATS_KEY] = new
    return answer
