#!/usr/bin/env python3
"""The metrics reference agrees with what the daemon serves and with the code.

Reads a /metrics page and checks that every family on it is a row of
docs/metrics.md ("| `family` | type | labels | meaning |") with the page's type
and every label the page shows it with, and that tokenwatch(8) names it
("*family*", its summary table); and, the other way, that every family the
document lists is a name the program's source (agent, collectors, core,
exporters, lib) contains, so the document names no family the code cannot emit.

    docs_metrics.py PAGE DOC MAN SOURCE_DIR   exit 0 clean, 1 with one line per problem
"""
import os
import re
import sys

SAMPLE = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? \S+$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="(?:[^"\\]|\\.)*"')
ROW = re.compile(r"^\| `((?:astro|tokenwatch)_[a-z0-9_]+)` \|")
SOURCE_DIRS = ("agent", "collectors", "core", "exporters", "lib")


def page_families(path):
    """{family: (type, set of labels)} from the page's HELP, TYPE and samples."""
    fams = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("# HELP "):
                fams.setdefault(line.split()[2], [None, set()])
            elif line.startswith("# TYPE "):
                _, _, name, typ = line.split()[:4]
                fams.setdefault(name, [None, set()])[0] = typ
            elif line and not line.startswith("#"):
                m = SAMPLE.match(line)
                if m and m.group(1) in fams:
                    fams[m.group(1)][1].update(LABEL.findall(m.group(2) or ""))
    return fams


def doc_rows(path):
    """{family: (type, set of labels)} from the document's table rows."""
    rows = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = ROW.match(line)
            if not m:
                continue
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            typ = cells[1] if len(cells) > 1 else ""
            labels = set(re.findall(r"`([a-zA-Z_][a-zA-Z0-9_]*)`", cells[2])) if len(cells) > 2 else set()
            rows[m.group(1)] = (typ, labels)
    return rows


def source_names(src):
    """Every identifier-like word of the program's C sources."""
    words = set()
    for top in SOURCE_DIRS:
        for dirpath, _, files in os.walk(os.path.join(src, top)):
            for name in files:
                if name.endswith((".c", ".h")):
                    with open(os.path.join(dirpath, name), encoding="utf-8", errors="replace") as f:
                        words.update(re.findall(r"[a-z][a-z0-9_]+", f.read()))
    return words


def problems(page, doc, man, src):
    fams, rows = page_families(page), doc_rows(doc)
    with open(man, encoding="utf-8") as f:
        man_text = f.read()
    out = []
    for name in sorted(fams):
        typ, labels = fams[name]
        if name not in rows:
            out.append(f"{name}: served, not in docs/metrics.md")
            continue
        if rows[name][0] != typ:
            out.append(f"{name}: served as {typ}, documented as {rows[name][0]}")
        for label in sorted(labels - rows[name][1]):
            out.append(f"{name}: served with label {label}, not documented")
    for name in sorted(fams):
        if f"*{name}*" not in man_text:
            out.append(f"{name}: served, not in tokenwatch(8)")
    words = source_names(src)
    for name in sorted(rows):
        if name not in words:
            out.append(f"{name}: in docs/metrics.md, but no source file names it")
    return fams, rows, out


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    fams, rows, out = problems(*sys.argv[1:5])
    if len(fams) < 30 or len(rows) < 30:
        out.append(f"only {len(fams)} families served and {len(rows)} documented: wrong input?")
    for line in out:
        print(line)
    sys.exit(1 if out else 0)


if __name__ == "__main__":
    main()
