#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Documentation/*.rst and results/*.rst parse as reStructuredText without
# a warning (malformed tables, short title lines, broken references), and
# Documentation/index.rst names every page.
. "$(dirname "$0")/common.sh"
cd "$TOP" || exit 1
python3 - Documentation/*.rst Documentation/results/*.rst <<'PY'
import io
import sys

import docutils.core

bad = 0
for path in sys.argv[1:]:
    out = io.StringIO()
    docutils.core.publish_doctree(open(path, encoding="utf-8").read(), source_path=path,
                                  settings_overrides={"report_level": 2, "halt_level": 5,
                                                      "warning_stream": out})
    if out.getvalue():
        bad += 1
        print(out.getvalue().strip())
index = open("Documentation/index.rst", encoding="utf-8").read()
for path in sys.argv[1:]:
    page = path.removeprefix("Documentation/")
    if page != "index.rst" and f"``{page}``" not in index:
        bad += 1
        print(f"{path}: not named in Documentation/index.rst")
print(f"docs: {len(sys.argv) - 1 - bad} of {len(sys.argv) - 1} pages clean")
sys.exit(1 if bad else 0)
PY
