"""faxage-sim: a local, protocol-faithful emulator of the FAXAGE Internet fax API."""

__version__ = "0.1.0"
