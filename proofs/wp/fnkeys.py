#!/usr/bin/env python3
"""fnkeys.py PROGRAM COMMON FUNCTION...: the proof record's key of each
FUNCTION (proofs/wp/record.sh), one "FUNCTION KEY" line each.

PROGRAM is the program as Frama-C prints it (-print -ocode).  WP's goals for
a function F are made from F's own code and annotations, the contracts of
the functions it calls, and the global declarations and logic; not from the
code of other functions that carry a contract.  So F's key is the SHA-256
of COMMON (the options and tool versions), F's name, and PROGRAM with the
body of every other function that has a contract left out.  A function
without a contract keeps its body, since WP may use it when F calls it.
Frama-C prints a definition's body between a "{" and a "}" alone on their
lines, at the indentation of the definition (two spaces inside a ghost
block), and a contract as a comment that ends on the line just before the
definition.  A name that is not a defined function (the "(lemmas)" row of
run-wp.sh) gets the program with every contracted body left out: the ACSL
lemmas depend on the global logic only.
"""
import hashlib
import re
import sys


def definitions(lines):
    """(name, first body line, last body line, has contract) of each
    function definition, the body lines being the braces and what is
    between them."""
    out = []
    i = 0
    while i < len(lines):
        m = re.match(r'^( *)\{$', lines[i])
        if not m:
            i += 1
            continue
        indent = m.group(1)
        # the signature: its first line starts at the brace's indentation,
        # its continuation lines (parameters, ghost parameters) further in
        j = i - 1
        while j > 0 and lines[j].startswith(indent + ' '):
            j -= 1
        sig = ' '.join(l.strip() for l in lines[j:i])
        name = re.search(r'([A-Za-z_][A-Za-z_0-9]*)\s*\(', sig)
        end = i + 1
        while end < len(lines) and lines[end] != indent + '}':
            end += 1
        contract = j > 0 and re.search(r'(\*/|@/)\s*$', lines[j - 1]) is not None
        if name and end < len(lines):
            out.append((name.group(1), i, end, contract))
        i = end + 1
    return out


def main():
    if len(sys.argv) < 3:
        sys.exit('usage: fnkeys.py PROGRAM COMMON FUNCTION...')
    lines = open(sys.argv[1]).read().split('\n')
    common = sys.argv[2]
    defs = definitions(lines)
    for f in sys.argv[3:]:
        drop = set()
        for name, a, b, contract in defs:
            if name != f and contract:
                drop.update(range(a + 1, b))
        text = '\n'.join(l for k, l in enumerate(lines) if k not in drop)
        h = hashlib.sha256(('%s\n%s\n' % (common, f) + text).encode()).hexdigest()
        print(f, h)


if __name__ == '__main__':
    main()
