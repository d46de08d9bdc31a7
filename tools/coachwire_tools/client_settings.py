"""The command line's own configuration (not the functions'): where the API is and the caller's token."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_API_URL = "http://127.0.0.1:8787"


class ClientSettings(BaseSettings):
    """What the command line needs to reach a Coachwire API: COACHWIRE_API_URL and COACHWIRE_TOKEN."""

    model_config = SettingsConfigDict(env_prefix="COACHWIRE_", frozen=True, extra="ignore")

    api_url: str = DEFAULT_API_URL
    token: str = Field("", repr=False)
