"""One error base with stable codes: the API maps them to one JSON body, the CLI to one line."""

from __future__ import annotations

from typing import Any


class FrontdeskError(Exception):
    """Base of every error Frontdesk raises on purpose. `code` is stable; `message` says how to fix it."""

    code = "frontdesk_error"
    status_code = 500

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class ConfigError(FrontdeskError):
    code = "config_invalid"
    status_code = 500


class NotFoundError(FrontdeskError):
    code = "not_found"
    status_code = 404


class InvalidInputError(FrontdeskError):
    code = "invalid_input"
    status_code = 422


class TestSetError(FrontdeskError):
    __test__ = False  # not a pytest test class, despite the name
    code = "testset_invalid"
    status_code = 422


class ProviderError(FrontdeskError):
    code = "provider_error"
    status_code = 502


class StorageError(FrontdeskError):
    code = "storage_error"
    status_code = 503


class ConflictError(FrontdeskError):
    """The action lost a race or no longer applies (another agent claimed it; it is not yours any more)."""

    code = "conflict"
    status_code = 409


class AuthError(FrontdeskError):
    code = "unauthorized"
    status_code = 401


class ForbiddenError(FrontdeskError):
    code = "forbidden"
    status_code = 403
