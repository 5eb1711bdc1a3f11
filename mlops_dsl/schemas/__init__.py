"""The JSON schema of the blueprint config (package data)."""
