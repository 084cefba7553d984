"""The DynamoDB access layer: every key, condition and transaction lives below here."""

from roster.repository.dynamodb import DynamoRepository, get_repository, reset_repository

__all__ = ["DynamoRepository", "get_repository", "reset_repository"]
