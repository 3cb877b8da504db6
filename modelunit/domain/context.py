"""The context every action runs in: the database, the signed-in actor, the campaign."""

from __future__ import annotations

from dataclasses import dataclass

from modelunit.domain.calendar import now
from modelunit.domain.models import User
from modelunit.errors import ModelUnitError
from modelunit.storage.database import Database


@dataclass
class Context:
    """Who is acting, on which database and campaign (``None``: the newest campaign)."""

    db: Database
    actor: User
    campaign_id: str | None = None

    def refused(self, err: ModelUnitError, command: str) -> None:
        """Record a refusal in the append-only log beside the database."""
        self.db.log_refusal({"at": now(), "user": self.actor.name, "command": command,
                             "campaign": self.campaign_id, "error": err.key, "message": err.render()})
