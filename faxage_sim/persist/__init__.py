"""State that survives: the `--state FILE` database, whole-state snapshots, account snapshots.

`api` is what the rest of faxage-sim calls; `cli` holds the flags and the `snapshot` command.
This file imports nothing, so building the command line (and the in-memory emulator) pays
nothing for persistence.
"""
