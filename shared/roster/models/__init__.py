"""Pydantic models: requests, responses and stored items, mapped explicitly."""
