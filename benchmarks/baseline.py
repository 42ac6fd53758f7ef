"""The honest baseline: read a Clearinghouse file and slice every field of every line into a dict.

No validation at all: one Python loop over the lines, the layout chosen by the first three characters,
every field sliced by its columns. `run.py` runs this in a fresh process and compares the validator's
records/s with it. The field slices are precomputed as (id, start, end) tuples so the loop does no more
work than it has to (a faster, i.e. stricter, baseline than reading `Field.offset` per field).

Usage: python benchmarks/baseline.py FILE   (prints one JSON object)
"""

from __future__ import annotations

import json
import sys
import time


def main(path: str) -> None:
    started = time.perf_counter()
    from utrex.spec import spec_for

    spec = spec_for(None)
    by_prefix = {rt.prefix: [(f.id, f.offset, f.end) for f in rt.fields] for rt in spec.record_types}
    records = unknown = fields = 0
    with open(path, encoding="ascii", errors="replace") as fh:
        for line in fh:
            layout = by_prefix.get(line[:3])
            if layout is None:
                unknown += 1
                continue
            row = {fid: line[a:b] for fid, a, b in layout}
            records += 1
            fields += len(row)
    print(json.dumps({"records": records, "unknown": unknown, "fields": fields,
                      "seconds": round(time.perf_counter() - started, 3)}))


if __name__ == "__main__":
    main(sys.argv[1])
