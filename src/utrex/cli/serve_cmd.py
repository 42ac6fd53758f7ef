"""`utrex serve`: the portal (issue 6) on the store, on embedded defaults."""

from __future__ import annotations

from typing import Annotated

import typer

from .main import app, fail


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on (loopback by default)")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port")] = 8000,
    store_url: Annotated[str | None, typer.Option("--store", help="Database URL (default: UTREX_DATABASE_URL, "
                                                  "else the SQLite file of the data home)")] = None,
    workers: Annotated[int | None, typer.Option("--workers", min=1, max=64,
                                                help="Server processes (default: the machine's cores, at most "
                                                     "4); each also runs the uploads it receives")] = None,
) -> None:
    """Run the web portal. On first start a state administrator is created from UTREX_ADMIN_EMAIL and
    UTREX_ADMIN_PASSWORD, or with a generated password printed once."""
    from ..portal.accounts import AccountError
    from ..portal.serve import default_workers, ensure_admin
    from ..portal.serve import serve as run
    from ..store import Store, StoreError
    from ..store.settings import SettingsError

    try:
        store = Store.open(url=store_url)
    except (StoreError, SettingsError) as e:
        raise fail(str(e)) from None
    try:
        try:
            first = ensure_admin(store)
        except AccountError as e:
            raise fail(f"cannot create the first state administrator (UTREX_ADMIN_EMAIL / "
                       f"UTREX_ADMIN_PASSWORD): {e}") from None
        if first is not None:
            typer.echo(f"utrex serve: created the state administrator {first.email}")
            if first.password is not None:
                typer.echo(f"utrex serve: its password (shown this once; change it): {first.password}")
        typer.echo(f"utrex serve: the portal is at http://{host}:{port}/ (store {store.settings.masked_url})")
        run(store, host, port, workers or default_workers())
    finally:
        store.close()
