"""Placeholder, filled in below (OpenAPI)."""
from drf_spectacular.generators import SchemaGenerator as Generator  # noqa: F401
from drf_spectacular.openapi import AutoSchema  # noqa: F401
