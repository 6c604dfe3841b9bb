"""Media types of request bodies."""

from __future__ import annotations

import re

# application/json, or a structured-syntax type such as application/problem+json
_JSON = re.compile(r"application/(?:json|[a-z0-9!#$&^_.+-]+\+json)")


def is_json(content_type: str | None) -> bool:
    """Whether a Content-Type header declares a JSON body (parameters such as charset aside)."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return bool(_JSON.fullmatch(media))
