#!/usr/bin/env python3
"""Counts test cases in meson's testlog.json and prints the closing line.

A TAP test counts each of its "ok"/"not ok" lines (a "# SKIP" directive
counts as skipped); any other test counts as one case by its result.  A TAP
test that crashed after some cases passed also counts one failure for the
crash.  Exit status 1 if anything failed.
"""
import json
import re
import sys

TAP = re.compile(r'^(not ok|ok)\b(.*)$')


def main(path):
    passed = failed = skipped = 0
    with open(path, encoding='utf-8', errors='replace') as f:
        for line in f:
            t = json.loads(line)
            result = t.get('result')
            cases = []
            for out in (t.get('stdout') or '').splitlines():
                m = TAP.match(out.strip())
                if m:
                    directive = m.group(2)
                    if '# SKIP' in directive.upper():
                        cases.append('skip')
                    else:
                        cases.append('ok' if m.group(1) == 'ok' else 'fail')
            if cases:
                passed += cases.count('ok')
                failed += cases.count('fail')
                skipped += cases.count('skip')
                if result not in ('OK', 'SKIP', 'EXPECTEDFAIL') and 'fail' not in cases:
                    failed += 1
            elif result == 'OK' or result == 'EXPECTEDFAIL':
                passed += 1
            elif result == 'SKIP':
                skipped += 1
            else:
                failed += 1
    line = '%d passed, %d failed' % (passed, failed)
    if skipped:
        line += ', %d skipped' % skipped
    print(line)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
