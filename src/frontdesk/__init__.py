"""Frontdesk: a self-hosted customer-support assistant that answers only from approved knowledge."""

__version__ = "0.1.0"
