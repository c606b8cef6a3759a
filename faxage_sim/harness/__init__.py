"""The user-facing harness: what a test suite or script holds to drive faxage-sim.

`embedded` (EmbeddedSimulator: the emulator in a thread, or in-process), `handle`
(SimHandle: one account through the control plane), `inprocess` (httpx transports straight
into the ASGI app) and `expectations` (how `assert_called` compares and explains). The
pytest plugin that builds fixtures from them is `faxage_sim.pytest_plugin` (the entry point
pytest loads in every run, kept at its own name so it loads nothing else).

The old module names (`faxage_sim.handle`, `faxage_sim.embedded`, `faxage_sim.inprocess`,
`faxage_sim.expectations`) keep working: `faxage_sim/__init__.py` maps them here.
"""
