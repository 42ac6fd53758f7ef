"""The data collector (issue 7): manifests, data sources, scheduled collections and their runs.

- `manifests`: what a collection collects (data) and the check that a file carries it.
- `sources`: where a file comes from (folder, HTTP(S) URL, command), fetched to a temporary file.
- `recurrence`: when a schedule is due, in the LEA's time zone (a pure function of the clock).
- `models`: the tables (migration 0009); `config`: adding and listing sources and schedules.
- `runner`: one run: skip checks, collect, check the manifest, then the schedule's action.
- `service`: the planner (which runs are due between two instants) and the APScheduler driver.
- `dashboard`: what each LEA has due next and which months still lack a submission.
"""
