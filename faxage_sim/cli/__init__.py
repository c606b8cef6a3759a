"""The `faxage-sim` command: its subcommands (commands), usage mistakes as one line (usage),
the CI helpers (ci: port file, `wait`, `journal`) and the protocol-doc generator
(protocol_doc). Nothing is imported here, so `faxage-sim --help` stays quick."""
