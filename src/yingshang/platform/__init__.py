"""Platform plumbing shared by every domain app (the lowest layer: imports no domain app).

Holds the state-machine kit, the append-only event-log base, the scheduler, worker/serve, API
helpers, audit, uploads, masking and exports. See docs/architecture.md.
"""
