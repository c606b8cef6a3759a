"""Scenario files: scripted, reproducible situations (accounts, destination rules, a timeline,
faults, inventory) for the emulator.

`loader` reads and checks them (`document` keeps line numbers, `validate` checks against the
JSON Schema of `schema`, `build` makes the `model`), `apply` installs one into a running
emulator (`rules`, `timeline`), `shipped` finds the ones in the package. Importing this
package is cheap: PyYAML is loaded only when a file is read.
"""
