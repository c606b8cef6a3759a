"""The version this emulator reports (`--version`, `/_sim/health`, the dashboard, snapshots).

Its own module, importing nothing, so that the parts that report it need not import the
package root, which (for type checkers) names the harness built on top of them."""

VERSION = "0.1.0"
