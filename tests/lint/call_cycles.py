#!/usr/bin/env python3
"""No two source files of tokenwatch call each other, directly or around a loop.

Reads the symbol tables (nm) of the objects of the twcore library in a build
directory, draws an edge a -> b when an object uses a function or variable that
b defines, and prints every strongly connected component of more than one
file.  A loop means one of the files is doing two jobs (see
/work/shared/style.md: a registry holds its table, the helpers its plug-ins share
live below them).  Objects whose source file no longer exists (a stale build
directory) are ignored.

    call_cycles.py BUILD_DIR SOURCE_DIR     exit 0 clean, 1 with one line per loop
"""
import collections
import os
import subprocess
import sys


def objects(build, src):
    top = os.path.join(build, "CMakeFiles", "twcore.dir")
    for dirpath, _, files in os.walk(top):
        for f in files:
            if not f.endswith(".c.o"):
                continue
            path = os.path.join(dirpath, f)
            rel = os.path.relpath(path, top)[: -len(".o")]
            if os.path.exists(os.path.join(src, rel)):
                yield rel[: -len(".c")], path


def graph(objs):
    defined, used = {}, collections.defaultdict(set)
    by_path = {path: name for name, path in objs}
    # One nm for every object: "PATH:[VALUE] TYPE SYMBOL" a line.
    out = subprocess.run(["nm", "-A", *by_path], capture_output=True, text=True,
                         check=True).stdout
    for line in out.splitlines():
        path, _, rest = line.partition(":")
        name, parts = by_path.get(path), rest.split()
        if name is None:
            continue
        if len(parts) == 3 and parts[1] in "TDBRG":
            defined[parts[2]] = name
        elif len(parts) == 2 and parts[0] == "U":
            used[name].add(parts[1])
    edges = collections.defaultdict(set)
    for name, symbols in used.items():
        for s in symbols:
            if s in defined and defined[s] != name:
                edges[name].add(defined[s])
    return edges


def loops(edges):
    """Tarjan's strongly connected components, iteratively."""
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]
    for root in list(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(edges.get(w, ())))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def main():
    build, src = sys.argv[1], sys.argv[2]
    objs = list(objects(build, src))
    if not objs:
        print(f"call_cycles: no twcore objects under {build}", file=sys.stderr)
        return 1
    found = loops(graph(objs))
    for comp in found:
        print("call loop: " + " <-> ".join(comp))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
