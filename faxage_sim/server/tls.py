"""HTTPS for clients that insist on it: a throw-away local certificate authority.

`trustme` (the optional `tls` extra) makes a CA and a server certificate for 127.0.0.1,
localhost and ::1. The CA certificate is written to a file that clients verify against; the
server's key and chain go to a private temporary directory that is removed on `cleanup()`.
A new CA is made at every start, so nothing stays trusted after the emulator is gone. A
server killed before its cleanup (`kill -9`) leaves its folder behind; the folder records its
owner's process id, and the next start removes every such folder whose owner is dead.
"""

from __future__ import annotations

import os
import shutil
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

SERVER_NAMES = ("127.0.0.1", "localhost", "::1")
CA_NAME = "faxage-sim local CA"
INSTALL_HINT = "pip install 'faxage-sim[tls]'"
FOLDER_PREFIX = "faxage-sim-tls-"
OWNER_FILE = "owner.pid"


class TlsUnavailable(RuntimeError):
    """`trustme` is not installed."""


@dataclass(frozen=True)
class TlsFiles:
    ca_bundle: Path  # the CA certificate (PEM) that clients verify the emulator against
    server_pem: Path  # the server's private key and certificate chain (PEM)
    private_dir: Path  # holds server_pem; removed by cleanup()

    def uvicorn_options(self) -> dict[str, object]:
        """uvicorn reads the key from the certificate file when no key file is given."""
        return {"ssl_certfile": str(self.server_pem)}

    def client_context(self) -> ssl.SSLContext:
        """An SSL context that trusts this CA (and nothing else): for httpx's `verify=`."""
        return ssl.create_default_context(cafile=str(self.ca_bundle))

    def cleanup(self) -> None:
        shutil.rmtree(self.private_dir, ignore_errors=True)


def make_tls(ca_bundle: str | os.PathLike[str] | None = None) -> TlsFiles:
    """Make a CA and a server certificate; write the CA to `ca_bundle` (default: temp dir)."""
    try:
        import trustme
    except ImportError as exc:
        raise TlsUnavailable(f"TLS needs the trustme package: {INSTALL_HINT}") from exc
    remove_stale_folders()
    private_dir = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX))  # mode 0700
    (private_dir / OWNER_FILE).write_text(f"{os.getpid()}\n")
    ca = trustme.CA(organization_name=CA_NAME)
    server = ca.issue_cert(*SERVER_NAMES)
    server_pem = private_dir / "server.pem"
    server.private_key_and_cert_chain_pem.write_to_path(str(server_pem))
    bundle = Path(ca_bundle) if ca_bundle is not None else private_dir / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    return TlsFiles(ca_bundle=bundle.resolve(), server_pem=server_pem, private_dir=private_dir)


def remove_stale_folders(root: str | os.PathLike[str] | None = None) -> list[Path]:
    """Remove the private folders of emulators that died without cleaning up: this user's
    folders whose recorded owner process no longer exists. Folders of running emulators, of
    other users, or without an owner record are left alone. POSIX only (elsewhere there is
    no harmless way to ask whether a process exists)."""
    if os.name != "posix":
        return []
    removed: list[Path] = []
    for folder in Path(root if root is not None else tempfile.gettempdir()).glob(
            FOLDER_PREFIX + "*"):
        try:
            if folder.is_symlink() or not folder.is_dir() or folder.stat().st_uid != os.getuid():
                continue
            owner = int((folder / OWNER_FILE).read_text().strip())
        except (OSError, ValueError):
            continue
        if owner != os.getpid() and not _process_exists(owner):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _process_exists(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)  # signal 0: only asks
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # someone else's process (or a pid we cannot judge): keep the folder
    return True
