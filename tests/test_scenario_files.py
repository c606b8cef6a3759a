"""Reading scenario files: every problem with its file, line, field path and a suggestion;
`extends:`; the shipped JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from faxage_sim.core.accounts import AccountSettings
from faxage_sim.core.outcomes import TryKind
from faxage_sim.core.timeref import TimeRef
from faxage_sim.faults.spec import ProtocolError
from faxage_sim.scenario import loader, shipped
from faxage_sim.scenario.errors import ScenarioError
from faxage_sim.scenario.schema import render, settings_schema


def problems(text: str, tmp_path: Path, name: str = "s.yaml") -> list[str]:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ScenarioError) as caught:
        loader.load(str(path))
    return [str(i) for i in caught.value.issues]


def test_a_misspelt_key_is_named_with_its_line_and_a_suggestion(tmp_path: Path) -> None:
    text = ("description: x\n"
            "accounts:\n"
            "  - company: 2000\n"
            "    users:\n"
            "      - username: bob\n"
            "        pasword: x\n"
            "faults:\n"
            "  - status: 502\n"
            "    probabilty: 0.1\n")
    path = tmp_path / "s.yaml"
    assert problems(text, tmp_path) == [
        f'{path}:5: accounts[0].users[0]: "password" is required here (the user\'s password)',
        f'{path}:6: accounts[0].users[0].pasword: "pasword" is not a field here; '
        'did you mean "password"?',
        f'{path}:9: faults[0].probabilty: "probabilty" is not a field here; '
        'did you mean "probability"?',
    ]


def test_wrong_types_say_what_was_expected(tmp_path: Path) -> None:
    text = ("seed: many\n"
            "accounts:\n"
            "  - settings:\n"
            "      outbound_lines: -1\n"
            "      retry_delay_seconds: soon\n"
            "      timezone: Mars/Olympus\n"
            "rules:\n"
            "  - number: 12345\n"
            "    outcome: busyish\n")
    path = tmp_path / "s.yaml"
    assert problems(text, tmp_path) == [
        f'{path}:1: seed: expected a whole number, got "many"',
        f"{path}:4: accounts[0].settings.outbound_lines: expected a whole number from 0 "
        "to 1000, got -1",
        f'{path}:5: accounts[0].settings.retry_delay_seconds: expected a duration (seconds, '
        'or like "90s", "10m", "1h30m"), got "soon"',
        f'{path}:6: accounts[0].settings.timezone: unknown time zone "Mars/Olympus"; '
        'expected a time zone name like "America/Denver"',
        f"{path}:8: rules[0].number: expected a 10-digit number, got 12345",
        f'{path}:9: rules[0].outcome: expected one of "success", "busy", "no-answer", '
        '"drop-after", "conversion-failure", got "busyish"',
    ]


def test_meaning_is_checked_after_the_structure(tmp_path: Path) -> None:
    text = ("accounts:\n"
            "  - {company: 2000, dids: [3032975200]}\n"
            "  - {company: 2000, dids: [3032975200]}\n"
            "rules:\n"
            "  - {prefix: '212', pattern: '^212', outcome: busy}\n"
            "  - {tries: [busy, conversion-failure]}\n"
            "faults:\n"
            "  - {status: 502, reset: true}\n"
            "  - {error: ERR15, operation: status}\n"
            "  - {name: nothing}\n"
            "timeline:\n"
            "  - {at: +1m, disable_did: '#1', settings: {tries: 1}}\n")
    path = tmp_path / "s.yaml"
    assert problems(text, tmp_path) == [
        f"{path}:3: accounts[1].company: company 2000 is already an account above",
        f"{path}:3: accounts[1].dids[0]: 3032975200 already belongs to 2000",
        f"{path}:5: rules[0]: a rule matches by one of number, prefix or pattern; this one "
        "has prefix, pattern",
        f"{path}:6: rules[1].tries[1]: conversion happens once, before the first try: "
        "conversion-failure can only be the first",
        f"{path}:8: faults[0]: a fault has one effect; this one has status, reset (only "
        "latency combines with another)",
        f"{path}:9: faults[1].operation: ERR15 is an answer of sendfax only",
        f"{path}:10: faults[2]: give the fault an effect: error, status, latency, hang, "
        "reset, truncate or drip",
        f"{path}:12: timeline[0]: a step does one thing; this one has disable_did, settings "
        "(make one step each)",
    ]


def test_yaml_syntax_errors_and_duplicate_keys_have_lines(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    assert problems("seed: 1\nseed: 2\n", tmp_path) == [f"{path}:2: seed: 'seed' is given twice"]
    [syntax] = problems("rules:\n  - prefix: '212\n", tmp_path)
    assert syntax.startswith(f"{path}:3: (top level): not valid YAML: ")
    assert problems("- 1\n- 2\n", tmp_path) == [
        f"{path}:1: (top level): a scenario is a mapping of fields (description, seed, "
        "accounts, rules...)"]


def test_a_good_file_becomes_a_model(tmp_path: Path) -> None:
    path = tmp_path / "good.yaml"
    path.write_text(
        "description: good\nseed: 9\n"
        "clock: {start: '2026-02-02T09:00:00-07:00'}\n"
        "accounts:\n  - settings: {retry_delay_seconds: 2m, timings: {page_seconds: {0: 20s}}}\n"
        "rules:\n"
        "  - number: 2129911234\n"
        "    tries: [busy, {drop-after: 1, remote_csid: REMOTE}, {outcome: success, "
        "transmit_seconds: 1m30s}]\n"
        "faults:\n"
        "  - {error: ERR21, from: +1h, for: 10m, nth: 2}\n"
        "  - {latency: {distribution: uniform, min: 0.1, max: 0.2}, path: /getcdr.php}\n"
        "timeline:\n  - {at: 2026-02-02T17:00:00Z, inbound: {count: 3, over: 1m}}\n")
    scenario = loader.load(str(path))
    assert (scenario.name, scenario.description, scenario.seed) == ("good", "good", 9)
    assert scenario.clock.start == 1770048000.0
    assert scenario.accounts is not None
    assert scenario.accounts[0].settings == {"retry_delay_seconds": 120.0,
                                             "timings": {"page_seconds": {0: 20.0}}}
    tries = [t.outcome for t in scenario.rules[0].tries]
    assert [t.kind for t in tries if t] == [TryKind.BUSY, TryKind.DROP, TryKind.SUCCESS]
    assert tries[1] is not None and (tries[1].drop_after_pages, tries[1].remote_csid) == (
        1, "REMOTE")
    assert tries[2] is not None and tries[2].transmit_seconds == 90.0
    stop = scenario.faults[0].spec
    assert (stop.error, stop.operations, stop.start, stop.duration, stop.nth) == (
        ProtocolError.ERR21, ("stopfax",), TimeRef(offset=3600.0), 600.0, 2)
    latency = scenario.faults[1].spec.latency
    assert latency is not None and (latency.low, latency.high) == (0.1, 0.2)
    assert scenario.timeline[0].at == TimeRef(absolute=1770051600.0)


def test_extends_a_shipped_scenario_or_a_file(tmp_path: Path) -> None:
    base = tmp_path / "base.yaml"
    base.write_text("description: base\nseed: 1\n"
                    "accounts:\n  - {company: 2000, settings: {tries: 5, outbound_lines: 2}}\n"
                    "rules:\n  - {prefix: '212', outcome: busy}\n")
    child = tmp_path / "sub" / "child.yaml"
    child.parent.mkdir()
    child.write_text("extends: ../base.yaml\nseed: 2\n"
                     "accounts:\n  - {company: 2000, settings: {tries: 1}}\n"
                     "rules:\n  - {number: 2125550100, outcome: success}\n")
    merged = loader.load(str(child))
    assert (merged.description, merged.seed) == ("base", 2)
    assert merged.accounts is not None and merged.accounts[0].settings == {
        "tries": 1, "outbound_lines": 2}
    assert [r.match.describe() for r in merged.rules] == ["2125550100", "212…"]
    assert merged.files == [str(child), str(base)]
    on_shipped = tmp_path / "mine.yaml"
    on_shipped.write_text("extends: database-outage\ndescription: mine\n")
    mine = loader.load(str(on_shipped))
    assert (mine.description, len(mine.faults)) == ("mine", 1)


def test_extends_in_a_circle_or_to_nowhere_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n")
    [issue] = problems("extends: b.yaml\n", tmp_path, "a.yaml")
    assert issue.endswith('extends: "a.yaml" is already being extended: extends goes round '
                          "in a circle")
    [missing] = problems("extends: nowhere\n", tmp_path, "c.yaml")
    assert 'no scenario "nowhere": not a shipped name (business-day, ' in missing


def test_every_shipped_scenario_loads_and_has_a_one_line_description() -> None:
    found = shipped.shipped()
    assert len(found) >= 14
    for item in found:
        scenario = loader.load(item.name)
        assert scenario.description == item.description() != ""


def test_the_shipped_schema_is_the_generated_one() -> None:
    assert shipped.schema_text() == render()
    schema = json.loads(shipped.schema_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_the_settings_schema_follows_account_settings() -> None:
    properties = settings_schema()["properties"]
    assert set(properties) == set(AccountSettings.__dataclass_fields__)
    assert set(properties["callback_policy"]["properties"]) == {
        "attempts", "backoff_seconds", "backoff_factor", "timeout_seconds"}
