"""Adapters of the ports (``roster.ports``) to AWS services other than DynamoDB (whose
adapter is ``roster.repository``). Bound in ``roster.wiring``."""
