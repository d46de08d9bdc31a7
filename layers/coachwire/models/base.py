from __future__ import annotations

import json
import unicodedata
from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

# Identifiers travel in URLs, keys and audit records: keep them plain.
Identifier = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:\-]*$")]



def _printable(value: str) -> str:
    """Text shown to people (names, addresses in e-mails): no NUL, control, format (bidi overrides, zero-width)
    or unassigned characters, which would let a sender disguise or break what a reader sees."""
    for char in value:
        if unicodedata.category(char).startswith("C"):
            raise ValueError(f"contains a control or formatting character (U+{ord(char):04X})")
    return value


PrintableText = AfterValidator(_printable)


class InboundModel(BaseModel):
    """Anything that arrives from outside: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    @classmethod
    def from_json_data(cls, data: object) -> Self:
        """Strict validation in JSON mode: exactly the JSON types the contract names ("2" is not an integer, 1 is
        not a boolean, a number is not a timestamp), with dates and timestamps as ISO strings. Ingest and the
        triggers' re-parse of the bus event both use it, so they agree on what is valid."""
        return cls.model_validate_json(json.dumps(data), strict=True)


class Record(BaseModel):
    """Stored records: tolerant of fields added by later versions."""

    model_config = ConfigDict(extra="ignore")
