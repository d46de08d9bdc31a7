"""The deploy examples in the docs work as written: their context is complete and synthesises."""

from __future__ import annotations

import re
import shlex

import pytest

from infrastructure.config import CoachwireConfig
from tests.infra.conftest import REPO_ROOT

pytestmark = pytest.mark.infra


def _command(doc: str, prefix: str) -> list[str]:
    """The words of the first shell line in `doc` starting with `prefix`, with its `\\` continuations."""
    text = (REPO_ROOT / doc).read_text()
    match = re.search(rf"^{re.escape(prefix)}(?:.*\\\n)*.*$", text, flags=re.MULTILINE)
    assert match, f"{doc} has no `{prefix}` example"
    return shlex.split(match.group(0).replace("\\\n", " "), comments=True)


def cdk_context(doc: str) -> dict[str, str]:
    words = _command(doc, "npx cdk deploy")
    pairs = [words[i + 1] for i, word in enumerate(words) if word == "-c"]
    return dict(pair.split("=", 1) for pair in pairs)


def make_context(doc: str) -> dict[str, str]:
    words = _command(doc, "make deploy")
    return dict(word.split("=", 1) for word in words[2:] if "=" in word)


@pytest.mark.parametrize(("doc", "context"), [("infrastructure/README.md", cdk_context),
                                              ("README.md", make_context)])
def test_the_documented_deploy_context_is_complete(doc, context) -> None:
    documented = context(doc)
    assert documented.get("stage") == "prod", f"{doc}: the example should deploy a real stage"
    config = CoachwireConfig.from_context(documented)
    assert not config.uses_placeholders


def test_the_infrastructure_readme_example_synthesises(cdk_json_context) -> None:
    from infrastructure.app_factory import build_app

    documented = cdk_context("infrastructure/README.md")
    app, stack = build_app({**cdk_json_context, "aws:cdk:bundling-stacks": [], **documented}, nag=False)
    template = app.synth().get_stack_by_name(stack.stack_name).template
    (authorizer,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::ApiGatewayV2::Authorizer"]
    assert authorizer["Properties"]["JwtConfiguration"]["Issuer"] == documented["jwt_issuer"]
