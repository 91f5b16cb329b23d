#!/usr/bin/env python3
"""Wraps comment lines longer than the limit (CSharpier lays out code but leaves comments as written).

A long `//` or `///` line is broken at the last space before the limit; the words that overflow go to the start of
the next comment line when that line continues the same paragraph (same marker and indentation, not a list item, a
block tag or a blank), else onto a new line. A code line ending in a long trailing comment gets the comment on its
own line(s) above it. Lines inside <code> blocks and lines without a space to break at are left alone.

usage: wrap_comments.py [--limit 120] FILE...
"""
import re
import sys

COMMENT = re.compile(r'^(\s*)(///?)( ?)(.*)$')
STRUCTURAL = re.compile(r'^(-|\*|\d+[.)]|\(\d+\)|\||</?(summary|remarks|para|list|item|term|description|code|example|returns|param|typeparam|exception|value|listheader)\b)')


def split_at(text, width):
    """Splits text so the first part fits in width; None when no space allows it."""
    if len(text) <= width:
        return text, ''
    cut = text.rfind(' ', 0, width + 1)
    if cut <= 0:
        return None
    return text[:cut].rstrip(), text[cut + 1:].lstrip()


def continuation_indent(body):
    m = re.match(r'^((?:-|\*|\d+[.)])\s+)', body)
    return ' ' * len(m.group(1)) if m else ''


def trailing_comment(line):
    """Index of a trailing // comment outside string and char literals, or -1."""
    in_str = in_chr = verbatim = False
    i = 0
    while i < len(line) - 1:
        c = line[i]
        if in_str:
            if c == '\\' and not verbatim:
                i += 2
                continue
            if c == '"':
                if verbatim and line[i + 1:i + 2] == '"':
                    i += 2
                    continue
                in_str = False
        elif in_chr:
            if c == '\\':
                i += 2
                continue
            if c == "'":
                in_chr = False
        elif c == '"':
            in_str = True
            verbatim = i > 0 and line[i - 1] == '@' or (i > 1 and line[i - 2:i] in ('$@', '@$'))
        elif c == "'":
            in_chr = True
        elif line[i:i + 2] == '//':
            return i
        i += 1
    return -1


def wrap_file(path, limit):
    with open(path, encoding='utf-8') as f:
        lines = f.read().split('\n')
    out = []
    in_code = False
    changed = False
    i = 0
    while i < len(lines):
        line = lines[i]
        m = COMMENT.match(line)
        if m and '<code>' in line:
            in_code = '</code>' not in line
        elif m and '</code>' in line:
            in_code = False
        if m and not in_code and len(line) > limit:
            indent, marker, space, body = m.groups()
            prefix = f'{indent}{marker} '
            extra = continuation_indent(body)
            first = split_at(body, limit - len(prefix))
            if first is None:
                out.append(line)
                i += 1
                continue
            out.append(prefix + first[0])
            rest = first[1]
            changed = True
            i += 1
            while rest:
                nxt = lines[i] if i < len(lines) else None
                nm = COMMENT.match(nxt) if nxt is not None else None
                joinable = (nm and nm.group(1) == indent and nm.group(2) == marker and nm.group(4).strip()
                            and not STRUCTURAL.match(nm.group(4).lstrip()) and '<code>' not in nxt)
                if joinable:
                    text = rest + ' ' + nm.group(4).strip()
                    i += 1
                else:
                    text = rest
                part = split_at(text, limit - len(prefix) - len(extra))
                if part is None:
                    out.append(prefix + extra + text)
                    break
                out.append(prefix + extra + part[0])
                rest = part[1]
            continue
        if not m and len(line) > limit:
            at = trailing_comment(line)
            if at > 0 and line[:at].strip():
                indent = re.match(r'^(\s*)', line).group(1)
                comment = line[at + 2:].strip()
                code = line[:at].rstrip()
                prefix = f'{indent}// '
                while comment:
                    part = split_at(comment, limit - len(prefix)) or (comment, '')
                    out.append(prefix + part[0])
                    comment = part[1]
                out.append(code)
                changed = True
                i += 1
                continue
        out.append(line)
        i += 1
    if changed:
        with open(path, 'w', encoding='utf-8') as f:
            f.write('\n'.join(out))
    return changed


def main(argv):
    limit = 120
    if argv and argv[0] == '--limit':
        limit = int(argv[1])
        argv = argv[2:]
    n = sum(wrap_file(p, limit) for p in argv)
    print(f'{n} files rewrapped')


if __name__ == '__main__':
    main(sys.argv[1:])
