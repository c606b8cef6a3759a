"""Moved to faxage_sim.harness.embedded (the old name keeps working at run time too)."""

from .harness.embedded import *  # noqa: F403
