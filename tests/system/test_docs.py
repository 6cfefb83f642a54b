"""docs/architecture.md is a tour of the code that matches the tree.

Two checks, both reading the tour's backticked paths (`shared/wfa_call.c`, **`shared/wfa_error.[ch]`**):

- every path it names exists. A path is a backticked word that starts with one of the tree's
  top folders (shared/, services/, tools/, tests/, deploy/, docs/); `X.[ch]` names X.c and
  X.h; a glob (`shared/lua/monev_*.lua`) must match at least one file; build/ holds what the
  build makes and is not checked.
- every source file is named, by its own path (a glob names nothing: the tour says what each
  file is for). Source files are what builds or runs the system and its tests:
    shared/*.c, shared/*.h and every .lua under shared/ (the library and its Lua steps),
    every .c, .h and .lua under services/ (the services),
    every .c, .h and .sh under tools/ (wfactl and the bench),
    tests/*.py and the helpers in tests/system/ (harness.py and every .py not named test_*).
  Not counted: the test files themselves (tests/system/test_*.py: each says what it tests at
  its top, and the tour names their folder), data (shared/data/), and deploy/ (configuration
  and packaging, toured as a folder).
"""

import glob
import os
import re

from harness import ROOT

TOUR = os.path.join(ROOT, "docs", "architecture.md")
TOP_FOLDERS = ("shared", "services", "tools", "tests", "deploy", "docs")
SOURCE_PATTERNS = ["shared/*.c", "shared/*.h", "shared/**/*.lua",
                   "services/**/*.c", "services/**/*.h", "services/**/*.lua",
                   "tools/**/*.c", "tools/**/*.h", "tools/**/*.sh",
                   "tests/*.py", "tests/system/*.py"]


def is_source(path):
    return not os.path.basename(path).startswith("test_")


def source_files():
    found = set()
    for pattern in SOURCE_PATTERNS:
        for path in glob.glob(os.path.join(ROOT, pattern), recursive=True):
            relative = os.path.relpath(path, ROOT)
            if os.path.isfile(path) and is_source(relative):
                found.add(relative)
    return found


def expand(path):
    """The paths a tour path stands for: X.[ch] is X.c and X.h."""
    match = re.match(r"^(.*)\.\[(\w+)\]$", path)
    if match:
        return ["%s.%s" % (match.group(1), letter) for letter in match.group(2)]
    return [path]


def tour_paths(text):
    """Every backticked path of the tour, as written."""
    paths = []
    for span in re.findall(r"`([^`\n]+)`", text):
        span = span.strip()
        if re.match(r"^(%s)/[\w./\[\]*-]*$" % "|".join(TOP_FOLDERS), span):
            paths.append(span)
    return paths


def test_tour_names_only_what_exists_and_every_source_file():
    with open(TOUR, encoding="utf-8") as f:
        text = f.read()
    named, missing = set(), []
    for written in tour_paths(text):
        if "*" in written:
            if not glob.glob(os.path.join(ROOT, written), recursive=True):
                missing.append(written)
            continue
        for path in expand(written):
            if not os.path.exists(os.path.join(ROOT, path)):
                missing.append(path)
            named.add(os.path.normpath(path))
    unnamed = sorted(source_files() - named)
    problems = []
    if missing:
        problems.append("docs/architecture.md names paths that do not exist:\n  " +
                        "\n  ".join(sorted(set(missing))))
    if unnamed:
        problems.append("source files docs/architecture.md does not name:\n  " + "\n  ".join(unnamed))
    assert not problems, "\n".join(problems)


def test_the_checks_can_fail():
    """The reader of the tour sees what the test sees: X.[ch], globs, bold, prose."""
    text = ("1. **`shared/wfa_error.[ch]`** and `shared/lua/*.lua`; `WFA_KEYS/trusted`, "
            "`build/gen/pemda.inc`, `wfactl keys`")
    assert tour_paths(text) == ["shared/wfa_error.[ch]", "shared/lua/*.lua"]
    assert expand("shared/wfa_error.[ch]") == ["shared/wfa_error.c", "shared/wfa_error.h"]
    assert "shared/wfa_error.c" in source_files()
    assert "tests/system/harness.py" in source_files()
    assert not any(os.path.basename(path).startswith("test_") for path in source_files())
