"""Injected faults, one concept in two parts: which requests a fault hits and when, and the
fault book (matching), and what each effect does on the wire (effects)."""
