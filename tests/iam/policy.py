"""A small IAM identity-policy evaluator over the synthesised CloudFormation template.

Each function's role policies are read from the template; resources stay in template space: `Fn::GetAtt [X, Arn]`
renders as `<X.Arn>`, `Ref X` as `<X>`, `Fn::Join` concatenates. A recorded access is turned into the same form
(e.g. the profiles table → `<DataProfilesXXXX.Arn>`), so IAM's own matching applies: wildcards `*` and `?` in
actions (case-insensitive) and resources, Condition operators, explicit Deny over Allow, implicit deny otherwise.
Not modelled: resource policies, key policies, SCPs, permission boundaries (none of them grant here).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from coachwire import spine
from coachwire.settings import env_var

from tests.iam.recorder import SECRET_SETTINGS, Access


class UnsupportedPolicy(ValueError):
    """A policy feature this evaluator does not implement: refuse rather than guess."""


def render(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if "Ref" in value:
            return f"<{value['Ref']}>"
        if "Fn::GetAtt" in value:
            target, attribute = value["Fn::GetAtt"]
            return f"<{target}.{attribute}>"
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return separator.join(render(p) for p in parts)
    raise UnsupportedPolicy(f"cannot render {value!r}")


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _wildcard(pattern: str, value: str, ignore_case: bool = False) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL) is not None


_STRING_TESTS = {
    "StringEquals": lambda p, v: p == v,
    "StringLike": lambda p, v: _wildcard(p, v),
    "StringEqualsIgnoreCase": lambda p, v: p.lower() == v.lower(),
    "ArnEquals": lambda p, v: p == v,
    "ArnLike": lambda p, v: _wildcard(p, v),
    "Bool": lambda p, v: p.lower() == v.lower(),
}
_NEGATED = {"StringNotEquals": "StringEquals", "StringNotLike": "StringLike", "ArnNotEquals": "ArnEquals",
            "ArnNotLike": "ArnLike", "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase"}


def condition_holds(condition: dict, context: dict[str, str]) -> bool:
    """Every operator and key must hold (AND); any listed value may match (OR)."""
    for operator, tests in condition.items():
        base = operator.removesuffix("IfExists")
        if_exists = base != operator
        negated = base in _NEGATED
        test = _STRING_TESTS.get(_NEGATED.get(base, base))
        if test is None:
            raise UnsupportedPolicy(f"condition operator {operator} is not implemented")
        for key, values in tests.items():
            actual = context.get(key)
            if actual is None:
                if not (if_exists or negated):  # AWS: an absent key fails a positive test
                    return False
                continue
            matched = any(test(render(v), actual) for v in _as_list(values))
            if matched == negated:
                return False
    return True


@dataclass(frozen=True)
class Request:
    action: str
    resource: str  # template space, e.g. "<DataProfiles297ADEC4.Arn>/index/by_manager"
    context: tuple[tuple[str, str], ...] = ()


def _statement_applies(statement: dict, request: Request) -> bool:
    if "Action" in statement:
        if not any(_wildcard(render(a), request.action, ignore_case=True) for a in _as_list(statement["Action"])):
            return False
    elif "NotAction" in statement:
        if any(_wildcard(render(a), request.action, ignore_case=True) for a in _as_list(statement["NotAction"])):
            return False
    else:
        raise UnsupportedPolicy(f"statement without Action or NotAction: {statement}")
    if "Resource" in statement:
        if not any(_wildcard(render(r), request.resource) for r in _as_list(statement["Resource"])):
            return False
    elif "NotResource" in statement:
        if any(_wildcard(render(r), request.resource) for r in _as_list(statement["NotResource"])):
            return False
    else:
        raise UnsupportedPolicy(f"statement without Resource or NotResource: {statement}")
    return condition_holds(statement.get("Condition", {}), dict(request.context))


def decide(statements: list[dict], request: Request) -> str:
    """"allow", "explicit deny" or "implicit deny", as IAM decides for identity policies alone."""
    applying = [s for s in statements if _statement_applies(s, request)]
    if any(s["Effect"] == "Deny" for s in applying):
        return "explicit deny"
    return "allow" if any(s["Effect"] == "Allow" for s in applying) else "implicit deny"


def construct_id(name: str) -> str:
    return "".join(part.title() for part in name.split("_"))


class TemplatePolicies:
    """Per function (spine name): its role's statements, and spine-level resources → template-space ARNs."""

    def __init__(self, template: dict) -> None:
        self.template = template
        self.resources: dict[str, dict] = template["Resources"]
        self.functions: dict[str, str] = {}  # spine name -> function logical id
        names = [t.name for t in spine.TRIGGERS] + [f.name for f in spine.HTTP_FUNCTIONS]
        kinds = {t.name: "Trigger" for t in spine.TRIGGERS} | {f.name: "Function" for f in spine.HTTP_FUNCTIONS}
        for logical_id in self.of_type("AWS::Lambda::Function"):
            for name in names:
                if logical_id.startswith(f"{construct_id(name)}{kinds[name]}Handler"):
                    self.functions[name] = logical_id

    def of_type(self, type_: str) -> dict[str, dict]:
        return {k: v for k, v in self.resources.items() if v["Type"] == type_}

    def _one(self, type_: str) -> str:
        (found,) = self.of_type(type_)
        return found

    def statements(self, function: str) -> list[dict]:
        role = self.resources[self.functions[function]]["Properties"]["Role"]["Fn::GetAtt"][0]
        out: list[dict] = []
        for res in self.of_type("AWS::IAM::Policy").values():
            if any(r.get("Ref") == role for r in res["Properties"].get("Roles", [])):
                out += res["Properties"]["PolicyDocument"]["Statement"]
        for policy in self.resources[role]["Properties"].get("Policies", []):
            out += policy["PolicyDocument"]["Statement"]
        if self.resources[role]["Properties"].get("ManagedPolicyArns"):
            raise UnsupportedPolicy(f"{role} has managed policies, which this evaluator cannot read")
        return out

    def _env(self, function: str) -> dict:
        return self.resources[self.functions[function]]["Properties"].get("Environment", {}).get("Variables", {})

    def table_id(self, key: str) -> str:
        env = self._env(next(iter(self.functions)))
        return env[f"COACHWIRE_{key.upper()}_TABLE"]["Ref"]

    def _key_of(self, bucket_or_table: str) -> str:
        props = self.resources[bucket_or_table]["Properties"]
        if "SSESpecification" in props:
            return props["SSESpecification"]["KMSMasterKeyId"]["Fn::GetAtt"][0]
        (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        return rule["ServerSideEncryptionByDefault"]["KMSMasterKeyID"]["Fn::GetAtt"][0]

    def _bucket(self) -> str:
        for function in self.functions:
            if "COACHWIRE_AUDIT_BUCKET" in self._env(function):
                return self._env(function)["COACHWIRE_AUDIT_BUCKET"]["Ref"]
        raise UnsupportedPolicy("no function names the audit bucket")

    def _secret(self, name: str) -> str:
        """The stack's secret of that name: the one a function's `<setting>` env var refers to."""
        variable = env_var(SECRET_SETTINGS[name])
        found = {self._env(f)[variable]["Ref"] for f in self.functions if variable in self._env(f)}
        if len(found) != 1:
            raise UnsupportedPolicy(f"no single secret is named by {variable}: {sorted(found)}")
        return found.pop()

    def _queue(self, trigger: str, dead_letter: bool) -> str:
        suffix = "DeadLetterQueue" if dead_letter else "Queue"
        prefix = f"{construct_id(trigger)}Trigger{suffix}"
        (found,) = [k for k in self.of_type("AWS::SQS::Queue") if k.startswith(prefix)
                    and not k.startswith(f"{construct_id(trigger)}TriggerDeliveryDeadLetterQueue")]
        return found

    def arn(self, resource: tuple[str, ...]) -> str | None:
        """Template-space ARN of a recorded resource; None when the recorder could not name it."""
        kind, *rest = resource
        if kind == "table":
            arn = f"<{self.table_id(rest[0])}.Arn>"
            return arn + (f"/index/{rest[2]}" if len(rest) == 3 else "")
        if kind == "table-key":
            return f"<{self._key_of(self.table_id(rest[0]))}.Arn>"
        if kind == "bucket-key":
            return f"<{self._key_of(self._bucket())}.Arn>"
        if kind == "audit-object":
            return f"<{self._bucket()}.Arn>/{rest[0]}"
        if kind == "event-bus":
            return f"<{self._one('AWS::Events::EventBus')}.Arn>"
        if kind in ("queue", "dead-letter-queue"):
            return f"<{self._queue(rest[0], kind == 'dead-letter-queue')}.Arn>"
        if kind == "secret":
            return f"<{self._secret(rest[0])}>"
        if kind == "email-identity":
            # The deployed sender is the stack's one identity, whatever the local sender address is.
            return ("arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/"
                    f"<{self._one('AWS::SES::EmailIdentity')}>")
        return None

    def check(self, access: Access) -> str:
        """"allow", or why not."""
        if access.function not in self.functions:
            return f"no function {access.function!r} in the template"
        arn = self.arn(access.resource)
        if arn is None:
            return (f"denied: the IAM check cannot name the resource {'/'.join(access.resource)} "
                    "(teach tests/iam/recorder.py and tests/iam/policy.py about it)")
        verdict = decide(self.statements(access.function), Request(access.action, arn, access.context))
        return "allow" if verdict == "allow" else f"{verdict} (resource {arn})"
