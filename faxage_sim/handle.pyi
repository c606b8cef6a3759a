"""Moved to faxage_sim.harness.handle (the old name keeps working at run time too)."""

from .harness.handle import *  # noqa: F403
