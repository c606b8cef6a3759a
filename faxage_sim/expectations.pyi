"""Moved to faxage_sim.harness.expectations (the old name keeps working at run time too)."""

from .harness.expectations import *  # noqa: F403
