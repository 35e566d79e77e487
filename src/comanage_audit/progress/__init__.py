"""`--previous`: what changed since earlier audits, and the Upgrade plan's typed entries
carried over.

load.py finds the previous audits before the exports are read (a bad `--previous` stops
the run at once) and reads the newest one's device states and plan in a second process
(worker.py) while this audit runs; previous.py and plan_entries.py read the files. After
the checks, compare.py matches the devices (match.py), counts what moved (counts.py),
says what is not like for like (basis.py) and carries the entries over (carry.py).

Nothing is imported here, so the worker process loads only what reading needs.
"""
