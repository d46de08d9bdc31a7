"""The SES identity notification mail is sent from. Functions get send rights on it, nothing wider."""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from aws_cdk import aws_ses as ses
from constructs import Construct

from infrastructure.config import CoachwireConfig


class Notifications(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: CoachwireConfig) -> None:
        super().__init__(scope, construct_id)
        # An email identity needs a one-time click on the verification mail SES sends after deploy
        # (and SES production access to mail unverified recipients).
        self.sender = ses.EmailIdentity(self, "Sender", identity=ses.Identity.email(config.sender_email))

    def grant_send(self, grantee: iam.IGrantable) -> None:
        self.sender.grant_send_email(grantee)  # ses:SendEmail + ses:SendRawEmail on this identity only
