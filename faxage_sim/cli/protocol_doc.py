"""Generate docs/protocol.md, the wire reference, from the code.

Texts come from `wire/catalog.py` (called with placeholders), record examples from a
reference emulator answering through `wire/records.py`, the rest from the hand-kept
`wire/contract.py`; which `faxage-sim verify` case observes each decision from
`verify/cases.py`. A test keeps the committed file equal to this output.

    python -m faxage_sim.protocol_doc            # print it
    python -m faxage_sim.protocol_doc --write    # rewrite docs/protocol.md
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

from ..wire import catalog
from ..wire.contract import (
    CALLBACK_FIELDS,
    CREDENTIALS,
    DECISIONS,
    INBOUND_PUSH_FIELDS,
    LAYOUTS,
    TRANSPORT,
    URLS,
    Evidence,
    Operation,
    T,
    Text,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"
EVIDENCE_WORDS: dict[Evidence, str] = {
    "vendor": "vendor document", "client": "public client code", "decision": "decision"}
EXAMPLE_START = "2026-01-05T16:00:00+00:00"  # 09:00 in the reference account's zone

# Every text the catalog holds, with its evidence: a new text must be placed here (a test
# says so), so none reaches the wire unaccounted for.
TEXT_EVIDENCE: dict[str, Evidence] = {
    **{name: "vendor" for name in (
        "ERR01_DATABASE", "ERR02_LOGIN", "ERR03_NO_FILES", "ERR04_BAD_FAXNO", "ERR06_NO_JOBS",
        "ERR08_UNKNOWN_OPERATION", "ERR11_NO_FAXES", "ERR12_FAX_NOT_FOUND",
        "ERR13_FILE_NOT_OPENED", "ERR14_FAX_NOT_FOUND", "ERR15_INVALID_JOB",
        "ERR16_INVALID_DID", "ERR17_DID_NOT_FOUND", "ERR18_NO_JOBID", "ERR19_JOB_NOT_FOUND",
        "ERR24_NOT_CONVERTED", "ERR25_NO_FILE", "DELETED", "DISABLED", "ENABLED",
        "PORTABLE_YES", "PORTABLE_NO", "LC_ERR01_DATABASE", "LC_ERR02_LOGIN",
        "LC_ERR03_UNKNOWN_OPERATION", "err07_cannot_clear", "provision_err04_invalid",
        "provision_err05_unavailable", "provision_err05_not_yours", "deprovisioned",
        "LONG_WAITING_FOR_CONVERSION", "LONG_IN_QUEUE", "SHORT_PENDING", "SHORT_SUCCESS",
        "SHORT_FAILURE", "TEXT_CONTENT_TYPE", "BINARY_CONTENT_TYPE", "ZERO_TIME",
        "attachment_disposition", "LONG_BUSY", "LONG_NO_ANSWER", "LONG_SUCCESS",
        "LONG_TRANSMITTING", "LONG_FAILED_CONVERSION", "LONG_FAILED_CONVERSION_404",
        "failed_conversion_code", "LONG_NO_CARRIER", "LONG_STOPPED", "ZERO_DURATION")},
    **{name: "client" for name in (
        "jobid_answer", "provisioned", "CID_UNAVAILABLE", "received_fax_filename",
        "count_pair")},
    **{name: "decision" for name in (
        "ERR05_BLOCKED", "HANDLED", "UNHANDLED", "ERR_HANDLED_NOT_FOUND", "cleared",
        "stopped", "err20_not_in_queue", "err21_not_on_fax_server", "err22_in_transmission",
        "err23_failed_to_stop", "err08_with_dump", "sent_fax_filename",
        "transmittal_filename", "email_subject", "extqueue_suffix", "QUEUE_CONVERTING",
        "QUEUE_WAITING_FOR_LINE", "QUEUE_WAITING_FOR_RETRY", "QUEUE_DIALING",
        "QUEUE_SENDING", "NOT_FOUND_BODY", "PORT_COMPLETE", "PORT_OPEN",
        "NGINX_CONTENT_TYPE", "NGINX_REASONS", "PHP_FATAL_ERROR_BODY", "nginx_error_page",
        "INTERNAL_ERROR", "PROTOCOL_SAFETY_HEADERS")},
}


def catalog_names() -> list[str]:
    """Every public text or text function of the catalog, in the order it defines them."""
    names = []
    for name, value in vars(catalog).items():
        if name.startswith("_") or name in ("annotations", "Final"):
            continue
        if isinstance(value, str | dict) or (
                inspect.isfunction(value) and value.__module__ == catalog.__name__):
            names.append(name)
    return names


def text_of(ref: T) -> str:
    value = getattr(catalog, ref.name)
    if callable(value):
        return str(value(*ref.args))
    return str(value)


def placeholder_call(name: str) -> T:
    """The catalog function `name` with `<parameter>` for each argument."""
    params = inspect.signature(getattr(catalog, name)).parameters
    args: list[object] = [f"<{p}>" for p in params]
    if name == "nginx_error_page":
        args = [502]
    if name in ("sent_fax_filename", "received_fax_filename"):
        args = [f"<{next(iter(params))}>", "pdf"]
    return T(name, *args)


def shown(text: str) -> str:
    """A text as inline code, its tabs and line ends visible."""
    if text == "":
        return "(empty)"
    visible = text.replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n")
    visible = visible.replace("|", "\\|")
    tick = "``" if "`" in visible else "`"
    pad = " " if tick == "``" else ""
    return f"{tick}{pad}{visible}{pad}{tick}"


def answer_cell(answer: Text) -> str:
    return shown(text_of(answer)) if isinstance(answer, T) else answer


def _operation_rows(op: Operation) -> list[str]:
    lines = [f"#### `{op.name}`" if op.name != "(none)" else "#### the request",
             "", f"{op.does[0].upper()}{op.does[1:]}. Evidence: "
                 f"{EVIDENCE_WORDS[op.evidence]}.", ""]
    if op.required:
        lines += ["Required: " + ", ".join(f"`{f}`" for f in op.required) + ".", ""]
    if op.optional:
        lines += ["Optional: " + "; ".join(f"`{f}` ({m})" for f, m in op.optional) + ".", ""]
    lines += ["| when | answer | evidence |", "|---|---|---|"]
    for outcome in op.outcomes:
        lines.append(f"| {outcome.when} | {answer_cell(outcome.answer)} | "
                     f"{EVIDENCE_WORDS[outcome.evidence]} |")
    if op.layout:
        lines.append(f"\nRecord layout: [{op.layout}](#layout-{op.layout}).")
    return [*lines, ""]


def examples() -> dict[str, str]:
    """A real answer of each list operation, from a reference emulator holding a sent job, a
    job on a line, two received faxes, a busy call and a port request."""
    from datetime import datetime

    from ..verify.runner import Options, reference

    start = datetime.fromisoformat(EXAMPLE_START).timestamp()
    options = Options("http://127.0.0.1", "demo", "1000", "demo", did="3032974100")
    login = (("username", "demo"), ("company", "1000"), ("password", "demo"))
    requests: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
        "status": ("/httpsfax.php", (("operation", "status"), ("pagecount", "1"),
                                     ("csid", "1"), ("showlogin", "1"), ("xmitpages", "1"),
                                     ("showtries", "1"))),
        "listfax": ("/httpsfax.php", (("operation", "listfax"), ("idasc", "1"),
                                      ("starttime", "1"), ("filename", "1"),
                                      ("pagecount", "1"), ("showtsid", "1"))),
        "qstatus": ("/httpsfax.php", (("operation", "qstatus"),)),
        "busycalls": ("/httpsfax.php", (("operation", "busycalls"),)),
        "auditlog": ("/httpsfax.php", (("operation", "auditlog"),)),
        "portstatus": ("/httpsfax.php", (("operation", "portstatus"),)),
        "getcdr": ("/getcdr.php", (("nuidgt", "0"), ("nuidshow", "1"))),
        "listnpanxx": ("/provision.php", (("operation", "listnpanxx"), ("ac", "303"))),
    }
    found = {}
    with reference(options, True, start) as side:
        for key, (path, form) in requests.items():
            body = side.post(path, [*login, *form]).body
            found[key] = "".join(body.splitlines(keepends=True)[:3])
    return found


def render() -> str:
    out: list[str] = [
        "# The FAXAGE wire protocol, as faxage-sim answers it",
        "",
        "<!-- Generated by `python -m faxage_sim.protocol_doc --write` from "
        "faxage_sim/wire/catalog.py, faxage_sim/wire/records.py and "
        "faxage_sim/wire/contract.py. Do not edit by hand: tests/test_protocol_doc.py "
        "fails when this file and the code disagree. -->",
        "",
        "This is the contract faxage-sim keeps: every URL, operation, field, answer text and "
        "record layout it serves, each marked with the evidence behind it:",
        "",
        "* **vendor document**: FAXAGE's own API document (revision of 2014-03-28);",
        "* **public client code**: open-source FAXAGE clients send or parse it this way;",
        "* **decision**: nothing public settles it, so the project chose one form. Every "
        "decision is in [one table](#decisions) with what would settle it; "
        "`faxage-sim verify` ([verify.md](verify.md)) checks the ones a safe request can "
        "observe against the live service.",
        "",
        "Texts are shown as code, with tabs as `\\t` and line ends as `\\n`; `<jobid>` and "
        "the like stand for the value.",
        "",
        "## Transport",
        "",
        "| topic | rule | evidence |",
        "|---|---|---|",
    ]
    for rule in TRANSPORT:
        text = rule.rule.format(**{k: getattr(catalog, k) for k in (
            "TEXT_CONTENT_TYPE", "BINARY_CONTENT_TYPE", "ZERO_TIME")}, SAFETY_HEADERS=", ".join(
                f"`{name}: {value}`" for name, value in catalog.PROTOCOL_SAFETY_HEADERS.items()))
        out.append(f"| {rule.topic} | {text} | {EVIDENCE_WORDS[rule.evidence]} |")
    out += [
        "",
        "Form values are read as PHP reads them, its limits included: PHP's "
        "`max_input_vars` (a cap on how many fields a POST may carry) and `intval` "
        "saturation (an over-long number becomes the largest integer) are reproduced, "
        "within bounds; [limits.md](limits.md) has the details.",
        "",
        "## URLs",
        "",
        "| path | what | login error | evidence |",
        "|---|---|---|---|",
    ]
    for url in URLS:
        login = shown(text_of(url.credentials_error)) if url.credentials_error else "-"
        out.append(f"| `{url.path}` | {url.purpose} | {login} | "
                   f"{EVIDENCE_WORDS[url.evidence]} |")
    out += [
        f"| anything else | HTTP 404, body {shown(catalog.NOT_FOUND_BODY)} | - | decision |",
        "",
        "Every request carries " + ", ".join(f"`{f}`" for f in CREDENTIALS[:3]) + " (and "
        "`operation`, except getcdr.php). Before the login, a simulated outage answers "
        f"{shown(catalog.ERR01_DATABASE)} (getcdr.php and provision.php: "
        f"{shown(catalog.LC_ERR01_DATABASE)}). On httpsfax.php an unknown or missing "
        f"operation answers {shown(text_of(T('err08_with_dump', '<print_r dump>')))} "
        "(decision: the dump is PHP's `print_r` of the POST, password shown as `********`); "
        f"on provision.php {shown(catalog.LC_ERR03_UNKNOWN_OPERATION)}.",
        "",
    ]
    for url in URLS:
        if not url.operations:
            continue
        out += [f"### `{url.path}` operations", ""]
        for op in url.operations:
            out += _operation_rows(op)
    out += [
        "### Notifications",
        "",
        "When a job ends (success, failure, stopped) and `url_notify` was given, the "
        "emulator POSTs these form fields to it (vendor document): "
        + ", ".join(f"`{f}`" for f in CALLBACK_FIELDS) + ". With `em_notify=1` an email "
        "goes to the user: subject "
        f"{shown(text_of(T('email_subject', '<jobid>')))} (decision), body the job's status "
        "record. The newer inbound push POSTs "
        + ", ".join(f"`{f}`" for f in INBOUND_PUSH_FIELDS) + " (public client code; "
        "values in listfax's forms: decision).",
        "",
        "## Record layouts",
        "",
        "Each list answer ends every record with `\\n`; an example below is a real answer "
        "(up to three records) of a reference emulator, produced by "
        "`faxage_sim/wire/records.py`.",
        "",
    ]
    found = examples()
    for key, layout in LAYOUTS.items():
        sep = "\\t" if layout.separator == "\t" else layout.separator
        out += [f"### {layout.operation} <a id=\"layout-{key}\"></a>", "",
                f"`{f' {sep} '.join(layout.fields)}` ({EVIDENCE_WORDS[layout.evidence]}). "
                f"{layout.note}", "", "```text"]
        out += [line.replace("\t", " \\t ") for line in found[key].splitlines()]
        out += ["```", ""]
    out += [
        "## Job statuses",
        "",
        "shortstatus is " + ", ".join(shown(getattr(catalog, n)) for n in (
            "SHORT_PENDING", "SHORT_SUCCESS", "SHORT_FAILURE")) + " (vendor document). "
        "longstatus while pending: " + " → ".join(shown(getattr(catalog, n)) for n in (
            "LONG_WAITING_FOR_CONVERSION", "LONG_IN_QUEUE", "LONG_TRANSMITTING")) + "; at "
        "the end " + ", ".join(shown(getattr(catalog, n)) for n in (
            "LONG_SUCCESS", "LONG_BUSY", "LONG_NO_ANSWER", "LONG_NO_CARRIER",
            "LONG_FAILED_CONVERSION", "LONG_STOPPED")) + ", or a URL that could not be "
        f"fetched: {shown(text_of(T('failed_conversion_code', '<http status>')))}. Queue "
        "states after the extqueue suffix (decision): " + ", ".join(
            shown(getattr(catalog, n)) for n in catalog_names() if n.startswith("QUEUE_"))
        + ".",
        "",
        "## Every text",
        "",
        "Every string the emulator can put on the wire, from `faxage_sim/wire/catalog.py`.",
        "",
        "| name | text | evidence |",
        "|---|---|---|",
    ]
    for name in catalog_names():
        value = getattr(catalog, name)
        if isinstance(value, dict):
            text = ", ".join(f"{k} {shown(v)}" for k, v in value.items())
        elif callable(value):
            text = shown(text_of(placeholder_call(name)))
        else:
            text = shown(value)
        out.append(f"| `{name}` | {text} | {EVIDENCE_WORDS[TEXT_EVIDENCE[name]]} |")
    out += _decisions()
    return "\n".join(out).rstrip("\n") + "\n"


def _decisions() -> list[str]:
    from ..verify.cases import CASES

    out = ["", "## Decisions", "",
           "Every point the public record leaves open, the form faxage-sim answers with, "
           "and what would settle it. \"verify case\" names the `faxage-sim verify` case "
           "that observes it (a run against the live service settles those; `--allow-send` "
           "marks the ones that need a fax to your own number).", "",
           "| decision | faxage-sim answers | what would settle it | verify case |",
           "|---|---|---|---|"]
    for decision in DECISIONS:
        cases = [c for c in CASES if decision.key in c.decisions]
        seen = "; ".join(c.name + (" (--allow-send)" if c.kind == "send" else "")
                         for c in cases) or "none: no safe request observes it"
        texts = ", ".join(shown(text_of(t)) for t in decision.texts
                          if shown(text_of(t)) not in decision.decided)
        answer = decision.decided + (f": {texts}" if texts else "")
        out.append(f"| {decision.topic} <a id=\"decision-{decision.key}\"></a> | {answer} | "
                   f"{decision.settles} | {seen} |")
    return out


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = render()
    if args == ["--write"]:
        DOC.write_text(text, encoding="utf-8")
        print(f"wrote {DOC}")
        return 0
    if args:
        print("usage: python -m faxage_sim.protocol_doc [--write]", file=sys.stderr)
        return 2
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
