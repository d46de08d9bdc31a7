"""The CDK app names each variable through settings.env_var: the name is the one Settings really reads."""

from __future__ import annotations

import pytest
from coachwire.settings import RetentionRules, Settings, env_var


def test_the_named_variable_is_the_one_settings_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(env_var("event_bus_name"), "bus-from-env")
    monkeypatch.setenv(env_var("profiles_table"), "profiles-from-env")
    monkeypatch.setenv(env_var("alerts_days", RetentionRules), "91")
    settings = Settings()
    assert (settings.event_bus_name, settings.profiles_table) == ("bus-from-env", "profiles-from-env")
    assert RetentionRules().alerts_days == 91


def test_a_field_that_does_not_exist_fails_loudly() -> None:
    with pytest.raises(KeyError, match="no field 'event_bus'"):
        env_var("event_bus")
