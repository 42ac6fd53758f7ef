"""The portal (issue 6): the website where an LEA's people submit and read their data, and the state
administers who may see what. Kept import-light: `utrex` commands other than `serve` never load FastAPI.

- models.py: users, LEA authorisations, audit log, API tokens, password resets (migration 0008)
- accounts.py: users, passwords, log-in with lock-out, authorisation per LEA
- audit.py: the audit log (write, read, CSV)
- leas.py: the LEAs the portal knows (reference data and submissions)
- security.py: the session key, CSRF tokens
- web.py: request helpers (who is logged in, LEA access that 404s)
- app.py: `create_app(store, settings)`; views_*.py: the pages
- serve.py: `utrex serve`, the first state administrator
"""
