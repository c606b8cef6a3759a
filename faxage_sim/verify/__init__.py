"""`faxage-sim verify`: replay the golden transcripts against any FAXAGE URL and compare."""

DEFAULT_TIMEOUT = 20.0  # seconds per request
