"""Input shapes of the webhooks, one module per provider. The webhook views
(before anything is stored) and the worker (when it applies a stored
delivery) read requests through the same serializers."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


def parse(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    """Validated data, or ``serializers.ValidationError``."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
