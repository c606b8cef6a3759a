"""`faxage-sim verify`: replay the golden transcripts against any FAXAGE URL and compare."""
