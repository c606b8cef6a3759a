"""Installing a scenario into a running emulator: everything checked first, then applied.

Two ways:

* for the whole simulator (`faxage-sim serve --scenario`, `POST /_sim/scenario` without a
  company): a fresh start — accounts, jobs, faults, rules and journal are replaced by the
  scenario's;
* into one existing account (`POST /_sim/scenario` with `company`, the pytest plugin's
  per-test accounts): the scenario's single account (if any) is mapped onto it — settings,
  extra users, disabled DIDs — and its rules, faults and timeline apply to that account only;
  the account keeps its own clock, and the rest of the simulator is untouched.

Nothing changes unless every check passes (a bad scenario never half-loads).
"""

from __future__ import annotations

import copy
import dataclasses
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from ..core.accounts import Account, AccountSettings, SettingsError, User, apply_fields
from ..core.clock import ClockMode
from ..core.simulator import (
    DEFAULT_COMPANY,
    DEFAULT_DIDS,
    DEFAULT_EMAIL,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
)
from .errors import Issue, Location, ScenarioError
from .model import ACCOUNT_PARTS, AccountSpec, InventorySpec, Scenario, StepSpec
from .rules import ScenarioRules
from .timeline import Load, StepRunner, resolve_did

if TYPE_CHECKING:
    from ..core.simulator import Simulator
    from ..server.state import AppState


@dataclass
class Applied:
    scenario: Scenario
    seed: int
    start: float  # the simulated time offsets count from
    company: str | None  # loaded into this account only
    accounts: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {**self.scenario.summary(), "seed": self.seed, "start": self.start,
                "company": self.company, "accounts": self.accounts, "notes": self.notes}


def rules_layer(sim: Simulator) -> ScenarioRules:
    """The simulator's scenario rule layer (installed over the magic numbers once)."""
    for layer in sim.scenario_rules:
        if isinstance(layer, ScenarioRules):
            return layer
    layer = ScenarioRules()
    sim.set_scenario_rules([layer, *sim.scenario_rules])
    return layer


# --- the whole simulator -------------------------------------------------------------------

def apply_global(state: AppState, scenario: Scenario, *, seed: int | None = None) -> Applied:
    _check_global(scenario)
    sim, config = state.sim, state.config
    options = sim.options
    chosen_seed = seed if seed is not None else (
        scenario.seed if scenario.seed is not None else config.seed)
    clock = scenario.clock
    options.seed = chosen_seed
    options.clock_mode = clock.mode or config.clock
    options.speed = clock.speed if clock.speed is not None else config.speed
    if clock.speed is not None and clock.mode is None:
        options.clock_mode = ClockMode.SCALED
    options.start = clock.start if clock.start is not None else config.start
    options.default_account = scenario.accounts is None

    state.faults.clear()
    sim.inbound.seed = chosen_seed
    sim.reset()
    state.journal.clear()
    if scenario.inventory is not None:
        _apply_inventory(sim, scenario.inventory)
    specs = scenario.accounts or []
    for spec, company in zip(specs, effective_companies(specs), strict=True):
        _create_account(sim, spec, default=spec.company is None and company == DEFAULT_COMPANY)
    start = _start_time(sim)
    applied = Applied(scenario, chosen_seed, start, None, sorted(sim.accounts))
    layer = rules_layer(sim)
    layer.install(scenario.rules, chosen_seed)
    for i, entry in enumerate(scenario.faults):
        state.faults.add(entry.spec, seed=chosen_seed, start=start, ordinal=i,
                         source=f"scenario {scenario.name}")
    _schedule(state, scenario.timeline, start, chosen_seed, company=None)
    state.scenario = scenario
    sim.emit("scenario.loaded", start, None, _loaded_line(scenario, applied))
    sim.run_due()
    return applied


def _start_time(sim: Simulator) -> float:
    first = next(iter(sim.accounts.values()), None)
    return first.now() if first is not None else sim.new_clock().now()


def effective_companies(accounts: list[AccountSpec]) -> list[str | None]:
    """The company each account gets: its own; the first without one is the default
    account (1000) unless another account is 1000; any further one gets a fresh number."""
    taken = {a.company for a in accounts}
    out: list[str | None] = []
    for account in accounts:
        if account.company is None and DEFAULT_COMPANY not in taken:
            taken.add(DEFAULT_COMPANY)
            out.append(DEFAULT_COMPANY)
        else:
            out.append(account.company)
    return out


def _check_global(scenario: Scenario) -> None:
    issues: list[Issue] = []
    accounts = scenario.accounts
    companies: list[str | None] = (effective_companies(accounts) if accounts is not None
                                   else [DEFAULT_COMPANY])
    numbers = _numbers_of(accounts, companies)
    known = set(companies)
    anonymous = None in known
    for spec in accounts or []:
        _check_settings(spec.settings, spec.where, issues)
        _check_disabled(spec, issues)
    for rule in scenario.rules:
        if rule.company is not None and rule.company not in known and not anonymous:
            issues.append(rule.where.issue(f"company {rule.company} is not an account of "
                                           "this scenario", "company"))
    only = next(iter(known)) if len(known) == 1 and not anonymous else None
    for step in scenario.timeline:
        if step.company is None and only is None and not _owner_from_dids(step, accounts):
            issues.append(step.where.issue(
                'this scenario has several accounts: say which with "company"'))
        elif step.company is not None and step.company not in known:
            issues.append(step.where.issue(f"company {step.company} is not an account of "
                                           "this scenario", "company"))
        else:
            target = step.company or only or next(
                (c for c, (dids, _) in numbers.items()
                 if dids and set(_step_dids(step)) - _positions(step) <= set(dids)), None)
            if target in numbers:
                _check_step_dids(step, *numbers[target], issues)
        if step.settings is not None:
            _check_settings(step.settings, step.where, issues)
    if scenario.inventory is not None:
        _check_inventory(scenario.inventory, issues)
    if issues:
        raise ScenarioError(issues)


def _numbers_of(accounts: list[AccountSpec] | None,
                companies: list[str | None]) -> dict[str | None, tuple[list[str] | None, int]]:
    """Each account's DIDs when the file fixes them (else None), and how many it gets."""
    if accounts is None:
        return {DEFAULT_COMPANY: (list(DEFAULT_DIDS), len(DEFAULT_DIDS))}
    numbers: dict[str | None, tuple[list[str] | None, int]] = {}
    for spec, company in zip(accounts, companies, strict=True):
        dids = spec.dids
        if dids is None and spec.did_count is None and spec.company is None \
                and company == DEFAULT_COMPANY:
            dids = list(DEFAULT_DIDS)
        count = len(dids) if dids is not None else (
            spec.did_count if spec.did_count is not None else 2)
        numbers[company] = (dids, count)
    return numbers


def _positions(step: StepSpec) -> set[str]:
    return {r for r in _step_dids(step) if r.startswith("#")}


def _check_step_dids(step: StepSpec, dids: list[str] | None, count: int,
                     issues: list[Issue]) -> None:
    for ref in _step_dids(step):
        if ref.startswith("#"):
            if int(ref[1:]) > count:
                issues.append(step.where.issue(f"{ref}: the account has {count} DID(s)"))
        elif dids is None or ref not in dids:
            issues.append(step.where.issue(
                f"{ref} is not one of the account's DIDs (\"#1\", \"#2\"... name them by "
                "position)"))


def _owner_from_dids(step: StepSpec, accounts: list[AccountSpec] | None) -> bool:
    numbers = [r for r in _step_dids(step) if not r.startswith("#")]
    return bool(numbers) and any(set(numbers) <= set(a.dids or []) for a in accounts or [])


def _step_dids(step: StepSpec) -> list[str]:
    refs = [*step.disable_dids, *step.enable_dids]
    if step.inbound is not None and step.inbound.to is not None:
        refs.append(step.inbound.to)
    return refs


def _check_settings(settings: dict[str, Any], where: Location, issues: list[Issue]) -> None:
    try:
        apply_fields(AccountSettings(), copy.deepcopy(settings))
    except SettingsError as exc:
        issues.append(where.issue(str(exc), "settings"))


def _check_disabled(spec: AccountSpec, issues: list[Issue]) -> None:
    for ref in spec.disabled_dids or []:
        if ref.startswith("#"):
            count = len(spec.dids) if spec.dids is not None else (spec.did_count or 2)
            if int(ref[1:]) > count:
                issues.append(spec.where.issue(f"{ref}: the account has {count} DIDs",
                                               "disabled_dids"))
        elif spec.dids is not None and ref not in spec.dids:
            issues.append(spec.where.issue(f"{ref} is not one of the account's dids",
                                           "disabled_dids"))


def _check_inventory(spec: InventorySpec, issues: list[Issue]) -> None:
    if spec.replace and not any(c.state != "Toll-Free" for c in spec.rate_centers):
        issues.append(spec.where.issue("replace empties the table: give at least one "
                                       "(non toll-free) rate center, or new accounts "
                                       "would have no numbers to get", "replace"))


def _apply_inventory(sim: Simulator, spec: InventorySpec) -> None:
    inventory = sim.inventory
    if spec.replace:
        inventory.clear()
    for center in spec.rate_centers:
        inventory.add_rate_center(center.npanxx, center.name, center.state, center.numbers)
    if spec.shortage:
        prefixes = None if spec.shortage is True else list(spec.shortage)
        # A shortage: rate centers stay served (portable), their spare numbers are gone.
        short = [c.npanxx for c in inventory.npanxxs()
                 if prefixes is None or any(c.npanxx.startswith(p) for p in prefixes)]
        for npanxx in short:
            for number in inventory.available_numbers(npanxx=npanxx):
                inventory.take(number)


def _create_account(sim: Simulator, spec: AccountSpec, *, default: bool) -> Account:
    """`default`: an account without a company is the default account (demo/1000/demo and
    its numbers) where the scenario leaves those open."""
    company, dids = spec.company, spec.dids
    # The spec's users are added by `apply_account_spec`; None: the usual first user.
    users: list[User] | None = [] if spec.users is not None else None
    if default:
        company = DEFAULT_COMPANY
        users = users if users is not None else [
            User(DEFAULT_USERNAME, DEFAULT_PASSWORD, DEFAULT_EMAIL)]
        if dids is None and spec.did_count is None:
            dids = list(DEFAULT_DIDS)
    account = sim.create_account(company, users, dids,
                                 did_count=spec.did_count if spec.did_count is not None else 2)
    apply_account_spec(sim, account, spec, [])
    return account


# The fields of a file's account that `apply_account_spec` puts in itself (and
# `create_account` before it); any other field must be a declared part (`ACCOUNT_PARTS`):
# tests/test_scenario_parts.py fails for a field that is neither.
ACCOUNT_FIELDS: Final = ("company", "users", "dids", "did_count", "disabled_dids", "settings")


def apply_account_spec(sim: Simulator, account: Account, spec: AccountSpec,
                       notes: list[str]) -> None:
    """The one step that puts an account part of a scenario into an account, a new one
    (whole-emulator load) or an existing one (load into one account): its users (an
    account's own user of the same name is kept), numbers, disabled DIDs and settings
    (`ACCOUNT_FIELDS`), then each of its declared parts (`ACCOUNT_PARTS`)."""
    for user in spec.users or []:
        if user.username in account.users:
            notes.append(f"user {user.username}: the account's own user is kept")
            continue
        account.users[user.username] = User(
            user.username, user.password, user.email or "",
            user.manager if user.manager is not None else True, list(user.dids or []))
    new = [d for d in spec.dids or [] if d not in account.dids]
    if new:
        sim.inventory.mark_owned(new)
        account.dids.extend(new)
    if spec.did_count is not None and len(account.dids) < spec.did_count:
        account.dids.extend(sim.allocate_dids(spec.did_count - len(account.dids)))
    at = account.now()
    for ref in spec.disabled_dids or []:
        did = resolve_did(account, ref)
        if did is not None:
            sim.set_did_enabled(account, did, False, at, by="the scenario")
    sim.change_settings(account, spec.settings, at, by="the scenario")
    for part in ACCOUNT_PARTS:  # each through its core call (scenario.parts)
        items = getattr(spec, part.key)
        if items is not None:
            part.replace(sim, account, items, account.now())


def _schedule(state: AppState, steps: list[StepSpec], start: float, seed: int,
              company: str | None) -> None:
    sim, load = state.sim, Load()
    previous = state.scenario_loads.get(company)
    if previous is not None:
        previous.active = False
    state.scenario_loads = {c: run for c, run in state.scenario_loads.items()
                            if c is None or c in sim.accounts}
    state.scenario_loads[company] = load
    for index, step in enumerate(sorted(steps, key=lambda s: s.at.resolve(start))):
        account = _step_account(sim, step, company)
        if account is None:
            continue
        rng = random.Random(f"faxage-sim timeline {seed} {index}")
        StepRunner(sim, account, step, rng, load).schedule(start)


def _step_account(sim: Simulator, step: StepSpec, company: str | None) -> Account | None:
    if company is not None:
        return sim.accounts.get(company)
    if step.company is not None:
        return sim.accounts.get(step.company)
    numbers = [r for r in _step_dids(step) if not r.startswith("#")]
    for account in sim.accounts.values():
        if numbers and all(account.owns_did(n) for n in numbers):
            return account
    return next(iter(sim.accounts.values()), None)


def _loaded_line(scenario: Scenario, applied: Applied) -> str:
    where = f"into account {applied.company}" if applied.company else "for the simulator"
    return (f'scenario "{scenario.name}" loaded {where}: {len(scenario.rules)} rule(s), '
            f"{len(scenario.faults)} fault(s), {len(scenario.timeline)} timeline step(s), "
            f"seed {applied.seed}")


# --- one account ---------------------------------------------------------------------------

def apply_to_account(state: AppState, scenario: Scenario, company: str, *,
                     seed: int | None = None) -> Applied:
    sim = state.sim
    account = sim.accounts[company]
    spec = _check_scoped(scenario, account, sim)
    chosen_seed = seed if seed is not None else (
        scenario.seed if scenario.seed is not None else sim.options.seed)
    start = account.now()
    applied = Applied(scenario, chosen_seed, start, company, [company])
    if scenario.clock.mode is not None or scenario.clock.start is not None:
        applied.notes.append("clock: the account keeps its own clock")
    if spec is not None:
        apply_account_spec(sim, account, spec, applied.notes)
    live = set(sim.accounts)
    layer = rules_layer(sim)
    layer.prune(live)
    layer.install(scenario.rules, chosen_seed, owner=company)
    state.faults.prune(live)
    state.faults.clear(company, everything=False)
    for i, entry in enumerate(scenario.faults):
        # The owner is the account; the companies the scenario named are all this one.
        fault = dataclasses.replace(entry.spec, companies=())
        state.faults.add(fault, seed=chosen_seed, start=start, ordinal=i, owner=company,
                         source=f"scenario {scenario.name}")
    _schedule(state, scenario.timeline, start, chosen_seed, company=company)
    sim.emit("scenario.loaded", start, company, _loaded_line(scenario, applied))
    sim.run_due(company)
    return applied


def _check_scoped(scenario: Scenario, account: Account, sim: Simulator) -> AccountSpec | None:
    issues: list[Issue] = []
    accounts = scenario.accounts or []
    where = Location(scenario.source, None, ())
    if len(accounts) > 1:
        issues.append(where.issue(f"this scenario has {len(accounts)} accounts; load it for "
                                  "the whole simulator (without company), not into one",
                                  "accounts"))
    if scenario.inventory is not None:
        issues.append(scenario.inventory.where.issue(
            "inventory changes the rate-center table every account shares; load this "
            "scenario for the whole simulator (without company)"))
    spec = accounts[0] if len(accounts) == 1 else None
    named = {c for c in [spec.company if spec else None,
                         *(r.company for r in scenario.rules),
                         *(s.company for s in scenario.timeline),
                         *(c for f in scenario.faults for c in f.spec.companies)]
             if c is not None}
    if len(named) > 1:
        issues.append(where.issue(f"this scenario names companies {', '.join(sorted(named))}; "
                                  "one account cannot play them all"))
    if spec is not None:
        _check_settings(spec.settings, spec.where, issues)
        for did in spec.dids or []:
            owner = next((a for a in sim.accounts.values() if a.owns_did(did)), None)
            if owner is not None and owner is not account:
                issues.append(spec.where.issue(f"{did} belongs to another account", "dids"))
    dids = [*account.dids, *(d for d in (spec.dids or []) if d not in account.dids)] \
        if spec is not None else list(account.dids)
    count = max(len(dids), spec.did_count or 0) if spec is not None else len(dids)
    for step in scenario.timeline:
        _check_step_dids(step, dids, count, issues)
        if step.settings is not None:
            _check_settings(step.settings, step.where, issues)
    if issues:
        raise ScenarioError(issues)
    return spec


# --- back to the start-up state ------------------------------------------------------------

def reset_to_startup(state: AppState) -> None:
    """`POST /_sim/reset`: the state right after start-up, start-up scenario included."""
    options, config = state.sim.options, state.config
    options.seed, options.clock_mode = config.seed, config.clock
    options.speed, options.start = config.speed, config.start
    options.default_account = True
    state.faults.clear()
    state.scenario = None
    state.sim.inbound.seed = config.seed
    state.sim.reset()
    state.journal.clear()
    if state.startup_scenario is not None:
        apply_global(state, state.startup_scenario)
