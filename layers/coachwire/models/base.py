from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

# Identifiers travel in URLs, keys and audit records: keep them plain.
Identifier = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:\-]*$")]


class InboundModel(BaseModel):
    """Anything that arrives from outside: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Record(BaseModel):
    """Stored records: tolerant of fields added by later versions."""

    model_config = ConfigDict(extra="ignore")
