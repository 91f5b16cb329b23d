#!/usr/bin/env python3
"""Splits string literals on lines longer than the limit into concatenations (CSharpier lays out code but never
breaks a literal). A regular or interpolated literal ("…", $"…") is cut at the last space that keeps the line within
the limit, outside interpolation holes; the rest continues on the next line as `+ "…"` (or `+ $"…"`), which
CSharpier then lays out. Verbatim, raw and UTF-8 literals are left alone. Repeats until no line can be cut.

usage: split_strings.py [--limit 120] FILE...
"""
import re
import sys


def literals(line):
    """(start, end, interpolated) of each regular or $ literal; end is the index of the closing quote."""
    out = []
    i = 0
    n = len(line)
    while i < n:
        if line.startswith('//', i):
            break
        c = line[i]
        if c == "'":
            j = i + 1
            while j < n and line[j] != "'":
                j += 2 if line[j] == '\\' else 1
            i = j + 1
            continue
        if c == '"':
            prefix = line[max(0, i - 2):i]
            if line.startswith('"""', i) or prefix.endswith('@') or prefix in ('@$', '$@'):
                return out, True  # verbatim or raw: leave the line alone
            interp = prefix.endswith('$')
            j = i + 1
            depth = 0
            while j < n:
                ch = line[j]
                if ch == '\\':
                    j += 2
                    continue
                if interp and ch == '{':
                    if line.startswith('{{', j) and depth == 0:
                        j += 2
                        continue
                    depth += 1
                elif interp and ch == '}':
                    if depth == 0 and line.startswith('}}', j):
                        j += 2
                        continue
                    depth = max(0, depth - 1)
                elif ch == '"' and depth == 0:
                    break
                elif ch == '"' and depth > 0:
                    # a nested literal inside a hole: skip it
                    k = j + 1
                    while k < n and line[k] != '"':
                        k += 2 if line[k] == '\\' else 1
                    j = k
                j += 1
            if line[j + 1:j + 3] == 'u8':
                return out, True
            out.append((i - (1 if interp else 0), j, interp))
            i = j + 1
            continue
        i += 1
    return out, False


def cut_point(line, start, end, interp, limit):
    """Index of the last space inside the literal, outside holes, such that the cut line fits in limit - 1."""
    body_start = start + (2 if interp else 1)
    depth = 0
    best = -1
    j = body_start
    while j < end:
        ch = line[j]
        if ch == '\\':
            j += 2
            continue
        if interp and ch == '{':
            if line.startswith('{{', j) and depth == 0:
                j += 2
                continue
            depth += 1
        elif interp and ch == '}':
            if depth == 0 and line.startswith('}}', j):
                j += 2
                continue
            depth -= 1
        elif ch == ' ' and depth == 0 and j + 2 <= limit - 1 and j > body_start + 10:
            best = j
        j += 1
    return best


def split_line(line, limit):
    lits, skip = literals(line)
    if skip or not lits:
        return None
    indent = re.match(r'^(\s*)', line).group(1)
    for start, end, interp in reversed(lits):
        if start >= limit - 12:
            continue
        cut = cut_point(line, start, end, interp, limit)
        if cut < 0:
            continue
        head = line[:cut + 1] + '"'
        tail = indent + '    + ' + ('$"' if interp else '"') + line[cut + 1:]
        return [head, tail]
    return None


def split_file(path, limit):
    with open(path, encoding='utf-8') as f:
        lines = f.read().split('\n')
    out = []
    changed = False
    queue = list(lines)
    while queue:
        line = queue.pop(0)
        if len(line) > limit and not line.lstrip().startswith('//'):
            parts = split_line(line, limit)
            if parts:
                out.append(parts[0])
                queue.insert(0, parts[1])
                changed = True
                continue
        out.append(line)
    if changed:
        with open(path, 'w', encoding='utf-8') as f:
            f.write('\n'.join(out))
    return changed


def main(argv):
    limit = 120
    if argv and argv[0] == '--limit':
        limit = int(argv[1])
        argv = argv[2:]
    print(f'{sum(split_file(p, limit) for p in argv)} files with literals split')


if __name__ == '__main__':
    main(sys.argv[1:])
