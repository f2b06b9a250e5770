#!/usr/bin/env python3
"""Compare the committed CodePipeline model with an installed botocore's.

Why this exists
---------------
sluice's one source of truth for what CodePipeline accepts is the service
model committed at model/codepipeline/2015-07-09/service-2.json (botocore's
model with its documentation text stripped), with the paginators beside it
(paginators-1.json, as botocore has them).  Everything generated from it
(scripts/gen_model.py) and every end-to-end client (AWS_DATA_PATH points
boto3 and aws-cli at model/) reads that file, so every machine gives the same
answers whatever botocore it happens to have.

AWS still changes the service.  This script says what an installed botocore's
model has that the committed one does not (operations, shapes, members,
constraints, enum values, errors, paginators), and with --adopt replaces the
committed files with it.  Adopting is a deliberate step: after it, run
scripts/gen_model.py, build, and run the tests (see the README, "The model").

Usage
-----
  python3 scripts/compare_model.py                  compare with botocore's model
  python3 scripts/compare_model.py --model PATH     compare with a service-2.json(.gz)
  python3 scripts/compare_model.py --adopt          write botocore's model, stripped,
                                                    over the committed one

Exit status: 0 when the models agree (or after --adopt), 1 when they differ,
77 when no botocore is installed and no --model is given.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
MODEL_REL = os.path.join("codepipeline", "2015-07-09")
COMMITTED_DIR = REPO_ROOT / "model" / MODEL_REL
COMMITTED = COMMITTED_DIR / "service-2.json"
COMMITTED_PAGINATORS = COMMITTED_DIR / "paginators-1.json"
EXIT_SKIP = 77


def load(path: Path) -> dict[str, Any]:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":  # gzip magic, whatever the file is called
        raw = gzip.decompress(raw)
    return json.loads(raw.decode("utf-8"))


def paginators_beside(model_path: Path) -> dict[str, Any] | None:
    """The paginators-1.json(.gz) next to a service model, if there is one."""
    for name in ("paginators-1.json", "paginators-1.json.gz"):
        if (model_path.parent / name).is_file():
            return load(model_path.parent / name)
    return None


def botocore_model_path() -> Path | None:
    try:
        import botocore  # noqa: PLC0415
    except ImportError:
        return None
    base = Path(os.path.dirname(botocore.__file__)) / "data" / MODEL_REL
    # Same preference as botocore's loader: plain JSON first, then gzip.
    for name in ("service-2.json", "service-2.json.gz"):
        if (base / name).is_file():
            return base / name
    return None


def strip(model: dict[str, Any]) -> dict[str, Any]:
    """The model without its documentation text: what the project commits."""
    def bare(node: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in node.items() if k not in ("documentation", "documentationUrl")}

    out = bare(model)
    out["operations"] = {}
    for name, op in model["operations"].items():
        op = bare(op)
        for key in ("input", "output"):
            if key in op:
                op[key] = bare(op[key])
        if "errors" in op:
            op["errors"] = [bare(e) for e in op["errors"]]
        out["operations"][name] = op
    out["shapes"] = {}
    for name, shape in model["shapes"].items():
        shape = bare(shape)
        if "members" in shape:
            shape["members"] = {m: bare(ref) for m, ref in shape["members"].items()}
        for key in ("member", "key", "value"):
            if key in shape:
                shape[key] = bare(shape[key])
        out["shapes"][name] = shape
    return out


def serialize(model: dict[str, Any]) -> str:
    return json.dumps(model, indent=2, ensure_ascii=True) + "\n"


def describe_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Human-readable lines: what `new` has that `old` has not, and the reverse."""
    lines: list[str] = []

    def keyed(label: str, a: dict[str, Any], b: dict[str, Any], detail) -> None:
        for name in sorted(set(b) - set(a)):
            lines.append(f"+ {label} {name}")
        for name in sorted(set(a) - set(b)):
            lines.append(f"- {label} {name}")
        for name in sorted(set(a) & set(b)):
            if a[name] != b[name]:
                detail(name, a[name], b[name])

    def changed_fields(prefix: str, a: dict[str, Any], b: dict[str, Any], skip=()) -> None:
        for key in sorted((set(a) | set(b)) - set(skip)):
            if a.get(key) != b.get(key):
                lines.append(f"~ {prefix} {key}: {json.dumps(a.get(key))} -> {json.dumps(b.get(key))}")

    def operation(name: str, a: dict[str, Any], b: dict[str, Any]) -> None:
        changed_fields(f"operation {name}", a, b)

    def shape(name: str, a: dict[str, Any], b: dict[str, Any]) -> None:
        changed_fields(f"shape {name}", a, b, skip=("members", "enum"))
        old_enum, new_enum = a.get("enum", []), b.get("enum", [])
        for value in new_enum:
            if value not in old_enum:
                lines.append(f"+ shape {name} enum value {value}")
        for value in old_enum:
            if value not in new_enum:
                lines.append(f"- shape {name} enum value {value}")
        keyed(f"shape {name} member", a.get("members", {}), b.get("members", {}),
              lambda m, x, y: changed_fields(f"shape {name} member {m}", x, y))

    changed_fields("metadata", old.get("metadata", {}), new.get("metadata", {}))
    keyed("paginator", old.get("pagination", {}), new.get("pagination", {}),
          lambda name, a, b: changed_fields(f"paginator {name}", a, b))
    keyed("operation", old["operations"], new["operations"], operation)
    keyed("shape", old["shapes"], new["shapes"], shape)
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", type=Path, help="a service-2.json(.gz) instead of botocore's")
    ap.add_argument("--adopt", action="store_true",
                    help="write that model, stripped, over the committed one")
    args = ap.parse_args(argv)

    other_path = args.model or botocore_model_path()
    if other_path is None:
        print("no botocore with a CodePipeline model is installed, and no --model given: "
              "nothing to compare")
        return EXIT_SKIP
    other = strip(load(other_path))
    other_paginators = paginators_beside(other_path)
    if other_paginators is None:
        # Without them the committed paginators would be compared with, or
        # replaced by, nothing.
        print(f"no paginators-1.json(.gz) beside {other_path}: botocore keeps one there")
        return 1

    if args.adopt:
        COMMITTED_DIR.mkdir(parents=True, exist_ok=True)
        COMMITTED.write_text(serialize(other), encoding="utf-8", newline="\n")
        COMMITTED_PAGINATORS.write_text(serialize(other_paginators), encoding="utf-8",
                                        newline="\n")
        print(f"wrote {COMMITTED_DIR.relative_to(REPO_ROOT)}/ from {other_path.parent}")
        print("next: python3 scripts/gen_model.py, then build and run scripts/test.sh")
        return 0

    if not COMMITTED.is_file():
        print(f"{COMMITTED.relative_to(REPO_ROOT)} is missing: adopt a model with --adopt")
        return 1
    committed = load(COMMITTED)
    same_text = (COMMITTED.read_text(encoding="utf-8") == serialize(other)
                 and load(COMMITTED_PAGINATORS) == other_paginators)
    committed["pagination"] = load(COMMITTED_PAGINATORS)["pagination"]
    other["pagination"] = other_paginators["pagination"]
    changes = describe_changes(committed, other)
    if not changes and not same_text:
        # Alike member by member, yet not the same file: an order (enum values
        # are generated in model order) or a top-level key changed.
        changes = ["~ the order of members or enum values, or a top-level key"]
    if not changes:
        print(f"the committed model matches {other_path}")
        return 0
    print(f"{other_path} differs from the committed model "
          f"({len(changes)} changes; + only in that model, - only in the committed one):")
    for line in changes:
        print("  " + line)
    adopt = "--adopt" + (f" --model {other_path}" if args.model else "")
    print(f"to adopt it: python3 scripts/compare_model.py {adopt} && python3 scripts/gen_model.py")
    return 1


if __name__ == "__main__":
    sys.exit(main())
