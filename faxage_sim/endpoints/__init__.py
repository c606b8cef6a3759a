"""The FAXAGE URLs: one module per URL, thin: parse, call the core, format."""
