#!/usr/bin/env python3
# Checks a JSON document against the subset of JSON Schema that docs/report-schema.json uses: type (one or a
# list), required, properties, items, enum, const, minimum. python3-jsonschema may not be installed; this
# needs nothing but the standard library. Usage: json_schema_check.py SCHEMA DOCUMENT; exits 1 naming the
# first place that does not fit.
import json
import sys

TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def check(schema, v, where):
    t = schema.get("type")
    if t is not None:
        ts = t if isinstance(t, list) else [t]
        if not any(TYPES[x](v) for x in ts):
            raise ValueError(f"{where}: {json.dumps(v)[:80]} is not of type {t}")
    if "const" in schema and v != schema["const"]:
        raise ValueError(f"{where}: {v!r} is not {schema['const']!r}")
    if "enum" in schema and v not in schema["enum"]:
        raise ValueError(f"{where}: {v!r} is not one of {schema['enum']}")
    if "minimum" in schema and isinstance(v, (int, float)) and v < schema["minimum"]:
        raise ValueError(f"{where}: {v} is below {schema['minimum']}")
    if isinstance(v, dict):
        for k in schema.get("required", []):
            if k not in v:
                raise ValueError(f"{where}: the required key {k!r} is missing")
        for k, sub in schema.get("properties", {}).items():
            if k in v:
                check(sub, v[k], f"{where}.{k}")
    if isinstance(v, list) and "items" in schema:
        for i, item in enumerate(v):
            check(schema["items"], item, f"{where}[{i}]")


def main():
    schema = json.load(open(sys.argv[1]))
    doc = json.load(open(sys.argv[2]))
    try:
        check(schema, doc, "$")
    except ValueError as e:
        print(f"json_schema_check: {sys.argv[2]}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
