"""`faxage-sim verify`: replay the golden transcripts against any FAXAGE URL and compare,
naming each difference; `--replay` checks a saved report with no network."""

DEFAULT_TIMEOUT = 20.0  # seconds per request, in all
