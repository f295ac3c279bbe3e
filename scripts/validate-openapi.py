"""Validates an OpenAPI document with openapi-spec-validator and insists on version 3.0.x.

Prints 'N passed, N failed' so CI can read the outcome.
"""
import json
import sys

from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError


def main(path: str) -> int:
    with open(path, encoding="utf-8") as handle:
        document = json.load(handle)
    failures = []
    if not str(document.get("openapi", "")).startswith("3.0."):
        failures.append(f"openapi is {document.get('openapi')!r}, expected 3.0.x")
    try:
        validate(document)
    except OpenAPIValidationError as error:
        failures.append(f"openapi-spec-validator: {error}")
    except Exception as error:  # unresolvable $ref and the like
        failures.append(f"openapi-spec-validator: {type(error).__name__}: {str(error)[:500]}")
    api_paths = [p for p in document.get("paths", {}) if p.startswith("/api/v1")]
    if not api_paths:
        failures.append("no /api/v1 paths")
    for failure in failures:
        print(failure)
    print(f"openapi: {len(api_paths)} /api/v1 paths")
    print(f"{1 - min(1, len(failures))} passed, {min(1, len(failures))} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
