"""`faxage-sim verify`: replay the golden transcripts against any FAXAGE URL and compare,
naming each difference; `--replay` checks a saved report with no network."""

DEFAULT_TIMEOUT = 20.0  # seconds per request, in all
MAX_ANSWER_BYTES = 1 << 20  # read of one answer; FAXAGE's longest (lists) are kilobytes
