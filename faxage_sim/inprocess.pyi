"""Moved to faxage_sim.harness.inprocess (the old name keeps working at run time too)."""

from .harness.inprocess import *  # noqa: F403
