"""Notifications that leave the emulator: url_notify callbacks, inbound pushes, email."""
