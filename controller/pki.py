"""`titip pki`: the demo certificate authority and office seal certificate for `make demo` and tests."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

pki_app = typer.Typer(help="Certificates for the electronic seal on issued documents.", no_args_is_help=True)

DEMO_PASSPHRASE = "titip-demo-seal"


@pki_app.command("init-demo")
def init_demo(
    dir: Annotated[str, typer.Option("--dir", help="where the files go")] = "var/pki",
    passphrase: Annotated[str, typer.Option(help="the PKCS#12 file's passphrase")] = DEMO_PASSPHRASE,
    office: Annotated[str, typer.Option(help="the office named in the certificate")] = "",
) -> None:
    """A demo CA and an office seal certificate signed by it (never for production: use BSrE's)."""
    from .documents.seal import init_demo as make
    from .settings import Settings

    paths = make(Path(dir), office or Settings().office_name, passphrase)
    typer.echo(f"CA (trust root for checking): {paths['ca']}")
    typer.echo(f"office seal: {paths['p12']}")
    typer.echo(f"export TITIP_SEAL_P12={paths['p12']} TITIP_SEAL_PASSPHRASE={passphrase}")
