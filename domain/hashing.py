"""The content hash that versions a definition (a questionnaire, a set of approaches).

Publishing a definition whose hash matches the latest version's makes no new version, so loading
an unchanged file twice changes nothing (docs/methodology.md §5.5).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any


def definition_hash(definition: Mapping[str, Any]) -> str:
    """SHA-256 of the definition as sorted JSON, without its ``version``."""
    # The version number inside the file is ours to assign, so it does not count as a change.
    body = {k: v for k, v in definition.items() if k != "version"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()
