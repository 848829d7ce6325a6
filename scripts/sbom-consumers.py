"""Parse a bill of materials written by `gomodoff sbom` with the reference consumers.

Usage: sbom-consumers.py cyclonedx|spdx FILE

cyclonedx: cyclonedx-python-lib validates the document against its CycloneDX 1.6 JSON schema
(strict) and deserialises it into its object model; spdx: spdx-tools parses the file and runs
its full SPDX 2.3 document validation. Exit 1 with the problems listed on any error or
validation message. `.ci/run` installs both (pinned) into target/sbom-venv; the `sbom` tests
run this with that venv's python.
"""

import json
import sys


def cyclonedx(path):
    from cyclonedx.model.bom import Bom
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    with open(path, encoding="utf-8") as f:
        text = f.read()
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    if error is not None:
        print(f"cyclonedx-python-lib: invalid: {error}")
        return 1
    bom = Bom.from_json(json.loads(text))  # type: ignore[attr-defined]
    names = sorted(c.name for c in bom.components)
    print(f"cyclonedx-python-lib: {len(names)} components, root {bom.metadata.component.name}")
    return 0


def spdx(path):
    from spdx_tools.spdx.parser.parse_anything import parse_file
    from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

    doc = parse_file(path)
    messages = validate_full_spdx_document(doc)
    for m in messages:
        print(f"spdx-tools: {m.validation_message} ({m.context})")
    if messages:
        return 1
    print(f"spdx-tools: {len(doc.packages)} packages, {len(doc.relationships)} relationships")
    return 0


def main():
    kind, path = sys.argv[1], sys.argv[2]
    return {"cyclonedx": cyclonedx, "spdx": spdx}[kind](path)


if __name__ == "__main__":
    sys.exit(main())
