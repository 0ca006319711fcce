#!/usr/bin/env python3
"""Every C source and header of the tree is formatted as the committed
.clang-format says (clang-format --dry-run --Werror), one TAP case per
top-level folder.  usage: check_format.py SOURCE_ROOT [CLANG_FORMAT]"""
import os
import subprocess
import sys

ROOT = sys.argv[1]
TOOL = sys.argv[2] if len(sys.argv) > 2 else "clang-format"
FOLDERS = ["corpus", "indexer", "query", "store", "web", "tests"]
SKIP = {"node_modules", ".git"}

n = failed = 0
for folder in FOLDERS:
    files = []
    for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, folder)):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP and not d.startswith("build"))
        files += [os.path.join(dirpath, f) for f in sorted(filenames) if f.endswith((".c", ".h"))]
    bad = []
    for path in files:
        r = subprocess.run([TOOL, "--dry-run", "--Werror", path], capture_output=True, text=True)
        if r.returncode != 0:
            bad.append((path, r.stderr.strip().splitlines()[:4]))
    n += 1
    if bad or not files:
        failed += 1
        print(f"not ok {n} - {folder}/: {len(bad)} of {len(files)} files not clang-formatted")
        for path, lines in bad[:10]:
            print(f"#   {os.path.relpath(path, ROOT)}")
            for line in lines:
                print(f"#     {line}")
    else:
        print(f"ok {n} - {folder}/: {len(files)} files clang-formatted")
print(f"1..{n}")
sys.exit(1 if failed else 0)
