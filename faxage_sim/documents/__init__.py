"""Fax documents: what was sent (formats, page counts) and the fax images made from it."""
