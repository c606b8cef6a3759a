"""Every action a timeline step can carry runs: a new StepSpec field without an action fails
here instead of being checked at load and then silently doing nothing."""

from __future__ import annotations

import dataclasses

from faxage_sim.core.simulator import SubmitProblem
from faxage_sim.endpoints.outbound import SUBMIT_ERRORS
from faxage_sim.scenario.model import StepSpec
from faxage_sim.scenario.timeline import ACTION_RUNNERS, STEP_TARGETING


def test_every_step_field_is_an_action_or_says_which_step() -> None:
    fields = [f.name for f in dataclasses.fields(StepSpec)]
    assert set(fields) == set(ACTION_RUNNERS) | set(STEP_TARGETING)
    assert not set(ACTION_RUNNERS) & set(STEP_TARGETING)


def test_every_refusal_of_the_submission_gate_has_its_wire_answer() -> None:
    assert set(SUBMIT_ERRORS) == set(SubmitProblem)
