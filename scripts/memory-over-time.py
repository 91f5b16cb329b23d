#!/usr/bin/env python3
"""A process's memory over time from a dotnet-counters CSV (docs/benchmarks.md, "The peak over time").

Record one with
  dotnet-counters collect --format csv -o ctr.csv --refresh-interval 1 --counters System.Runtime -- dotnet APP.dll ...
then
  python3 scripts/memory-over-time.py ctr.csv [--from S] [--tail S] [--every N]

prints, per sample (every N-th; default 1): the working set, the GC's committed memory, their difference (the native
part: what the process holds outside the GC heap, libraries' pages included), and the GC heap's generation 2 and
large-object heap after the last collection, in MiB; then the ranges of each from second S on and over the last S
seconds. Samples are the CSV's timestamps in order, one per refresh interval.
"""
import argparse
import collections
import csv

MIB = 2 ** 20
WORKING_SET = 'dotnet.process.memory.working_set (By)'
COMMITTED = 'dotnet.gc.last_collection.memory.committed_size (By)'
GEN2 = 'dotnet.gc.last_collection.heap.size (By)[gc.heap.generation=gen2]'
LOH = 'dotnet.gc.last_collection.heap.size (By)[gc.heap.generation=loh]'


def samples(path):
    """(working set, committed, native, gen 2, LOH) in MiB per timestamp, in file order; a counter not yet reported
    in a sample keeps its last value."""
    rows = collections.OrderedDict()
    for row in csv.reader(open(path, newline='')):
        if len(row) < 5 or row[0] == 'Timestamp':
            continue
        try:
            rows.setdefault(row[0], {})[row[2]] = float(row[4])
        except ValueError:
            continue
    last = {}
    out = []
    for values in rows.values():
        last.update(values)
        if WORKING_SET not in last or COMMITTED not in last:
            continue
        ws, committed = last[WORKING_SET] / MIB, last[COMMITTED] / MIB
        out.append((ws, committed, ws - committed, last.get(GEN2, 0) / MIB, last.get(LOH, 0) / MIB))
    return out


def ranges(rows):
    return ' '.join(f'{lo:.0f}-{hi:.0f}' for lo, hi in (
        (min(r[i] for r in rows), max(r[i] for r in rows)) for i in range(5)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('csv')
    parser.add_argument('--from', dest='start', type=int, default=0, help='ranges from this sample (second) on')
    parser.add_argument('--tail', type=int, default=0, help='ranges over the last this many samples too')
    parser.add_argument('--every', type=int, default=1, help='print every N-th sample')
    args = parser.parse_args()
    rows = samples(args.csv)
    if not rows:
        raise SystemExit(f'{args.csv}: no working-set and committed-memory samples')
    print('s working_set committed native gen2 loh (MiB)')
    for i, r in enumerate(rows):
        if i % args.every == 0:
            print(i, *(f'{v:.0f}' for v in r))
    peak = max(range(len(rows)), key=lambda i: rows[i][0])
    print(f'peak working set {rows[peak][0]:.0f} MiB at sample {peak} of {len(rows)}')
    print('ranges (working_set committed native gen2 loh):')
    if args.start < len(rows):
        print(f'  from sample {args.start}: {ranges(rows[args.start:])}')
    if args.tail:
        print(f'  last {min(args.tail, len(rows))}: {ranges(rows[-args.tail:])}')


if __name__ == '__main__':
    main()
