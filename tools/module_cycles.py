#!/usr/bin/env python3
"""Prints the cycles of dsmc's module graph.

A module is a file under src/ (src/a/mod.rs is `a`, src/a/b.rs is `a::b`).
Module A depends on module B when A's code names a path into B:
`use crate::b::..`, `crate::b::X` in an expression, `super::b::..`
(brace groups expanded). A path is charged to the longest module it
reaches; a file's unit tests (`#[cfg(test)] mod` at its end) are not
read. Edges between a module and its own ancestors (a child using its
parent's items, a parent re-exporting its child's) are left out unless
`--all` is given: they are how Rust nests modules, not a layering fault.

Each strongly connected component of more than one module is printed
with the edges inside it and the first line that makes each edge. Exit
status 1 when there is a cycle, so the script can guard CI.

    python3 tools/module_cycles.py [--all] [SRC_DIR]
"""

import os
import re
import sys


def module_of(path, src):
    rel = os.path.relpath(path, src)[: -len(".rs")]
    parts = rel.split(os.sep)
    if parts[-1] == "mod":
        parts = parts[:-1]
    if parts in (["lib"], ["main"]):
        return ""
    return "::".join(parts)


def strip_comments(line):
    # Good enough for this tree: `//` inside a string literal is rare in
    # lines that also name a module path.
    i = line.find("//")
    return line if i < 0 else line[:i]


def expand(prefix, rest):
    """Expands `a::{b, c::{d, e}}` (rest after `prefix::`) into paths."""
    rest = rest.strip()
    if not rest.startswith("{"):
        return [prefix + rest]
    depth, start, out = 0, 1, []
    for i, ch in enumerate(rest):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                out += split_items(prefix, rest[start:i])
                break
    return out


def split_items(prefix, body):
    items, depth, cur = [], 0, ""
    for ch in body:
        if ch == "," and depth == 0:
            items.append(cur)
            cur = ""
            continue
        depth += ch == "{"
        depth -= ch == "}"
        cur += ch
    items.append(cur)
    out = []
    for item in items:
        item = item.strip()
        if not item or item == "self":
            out.append(prefix.rstrip(":"))
            continue
        m = re.match(r"([\w:]*?)(::)?(\{.*\})$", item, re.S)
        if m and m.group(3):
            out += expand(prefix + m.group(1) + "::", m.group(3))
        else:
            out.append(prefix + item.split(" as ")[0].strip())
    return out


PATH = re.compile(r"\b(crate|super)((?:::(?:\w+|\{))+)")


def refs(text):
    """Every (line number, path) a file names, `use` groups expanded."""
    lines = [strip_comments(l) for l in text.split("\n")]
    joined = "\n".join(lines)
    for m in PATH.finditer(joined):
        lineno = joined.count("\n", 0, m.start()) + 1
        root, tail = m.group(1), m.group(2)
        if tail.endswith("{"):
            # Take the brace group that follows.
            start = m.end() - 1
            depth = 0
            for j in range(start, len(joined)):
                depth += joined[j] == "{"
                depth -= joined[j] == "}"
                if depth == 0:
                    break
            group = joined[start : j + 1]
            for p in expand(root + tail[:-1], group):
                yield lineno, p
        else:
            yield lineno, root + tail


def resolve(path, here, is_dir_module, modules):
    parts = path.split("::")
    if parts[0] == "crate":
        base = []
        parts = parts[1:]
    else:
        base = here.split("::") if here else []
        # `super` in a file module a::b is `a`; in a::b's mod.rs it is `a` too.
        while parts and parts[0] == "super":
            base = base[:-1]
            parts = parts[1:]
    best = "::".join(base)
    for i in range(1, len(parts) + 1):
        cand = "::".join(base + parts[:i])
        if cand in modules:
            best = cand
        else:
            break
    return best


def ancestors(m):
    parts = m.split("::") if m else []
    return {"::".join(parts[:i]) for i in range(len(parts))}


def sccs(graph):
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    every = "--all" in sys.argv
    src = args[0] if args else os.path.join(os.path.dirname(__file__), "..", "src")
    files = {}
    for root, _, names in os.walk(src):
        for n in names:
            if n.endswith(".rs"):
                p = os.path.join(root, n)
                if os.path.basename(p) == "main.rs":
                    continue  # the binary's root: nothing depends on it
                files[module_of(p, src)] = p
    modules = set(files)
    graph, why = {}, {}
    for m, p in sorted(files.items()):
        is_dir = os.path.basename(p) == "mod.rs"
        with open(p, encoding="utf-8") as f:
            text = f.read()
        # A file's unit tests (`#[cfg(test)] mod tests`, at its end) may
        # use anything: they are not part of the layering.
        cut = re.search(r"^#\[cfg\(test\)\]\s*\n\s*mod \w+", text, re.M)
        if cut:
            text = text[: cut.start()]
        for lineno, path in refs(text):
            to = resolve(path, m, is_dir, modules)
            if to == m or to not in modules:
                continue
            if not every and (to in ancestors(m) or m in ancestors(to)):
                continue
            graph.setdefault(m, set()).add(to)
            why.setdefault((m, to), f"{os.path.relpath(p, os.path.join(src, '..'))}:{lineno}")
    cycles = [c for c in sccs(graph) if len(c) > 1]
    for c in cycles:
        print("cycle: " + " ↔ ".join(x or "crate" for x in c))
        for a in c:
            for b in sorted(graph.get(a, ())):
                if b in c:
                    print(f"  {a or 'crate'} → {b or 'crate'}  ({why[(a, b)]})")
    print(f"{len(cycles)} cycle(s) among {len(modules)} modules")
    return 1 if cycles else 0


if __name__ == "__main__":
    sys.exit(main())
