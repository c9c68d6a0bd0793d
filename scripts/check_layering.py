#!/usr/bin/env python3
"""Checks DESIGN.md's layering: a library under src/ includes only its own headers and those
of the layers below it, and third-party types stay in their adapter's folder."""
import pathlib
import re
import sys

# layer -> the src/ folders its files may include from (besides itself).
ALLOWED = {
    "core": set(),
    "crypto": {"core"},
    "http": {"core"},
    "acme": {"core", "crypto", "http"},
    "dns": {"core", "http"},
    "store": {"core"},
    "accounts": {"core", "crypto", "store"},
    "issuance": {"core", "crypto", "http", "acme", "dns", "store"},
    "zones": {"core", "crypto", "http", "dns", "store"},
    "notify": {"core", "crypto", "http", "store", "issuance"},
    "api": {"core", "crypto", "http", "dns", "store", "accounts", "issuance", "zones", "notify"},
}
# A third-party header -> the only folder (prefix under src/) that may include it.
CONFINED = {
    "boost/": "api/",
    "curl/": "http/",
    "ldns/": "dns/ldns/",
    "sqlite3.h": "store/sqlite/",
    "pqxx/": "store/postgres/",
    "libpq-fe.h": "store/postgres/",
    "zip.h": "crypto/",
}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def main() -> int:
    root = pathlib.Path(__file__).resolve().parent.parent / "src"
    problems = []
    for path in sorted(root.rglob("*")):
        if path.suffix not in {".h", ".cc"}:
            continue
        rel = path.relative_to(root).as_posix()
        layer = rel.split("/")[0]
        for kind, target in INCLUDE.findall(path.read_text()):
            if kind == '"':
                dep = target.split("/")[0]
                if dep != layer and dep in ALLOWED and dep not in ALLOWED.get(layer, set()):
                    problems.append(f"src/{rel}: {layer}/ may not include {target}")
            for header, home in CONFINED.items():
                if target.startswith(header) and not rel.startswith(home):
                    problems.append(f"src/{rel}: <{target}> belongs in src/{home} only")
            # Boost stays out of every header, so no other file ever sees its types.
            if target.startswith("boost/") and path.suffix == ".h":
                problems.append(f"src/{rel}: <{target}> belongs in a .cc file only")
    for p in problems:
        print(p)
    if problems:
        print(f"check_layering: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print("check_layering: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
