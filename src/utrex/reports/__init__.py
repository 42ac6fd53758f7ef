"""The state reports (issue 5): computed from the store's records in force or finalized snapshots.

`registry` names every report `utrex report NAME` knows; `october_1` is the first one built. Inputs are
read once (`inputs`), counts are Polars group-bys over the students behind them (`detail`), and small
counts are marked, never dropped (`suppression`). `output` writes any report as csv, json, html or xlsx.
"""
