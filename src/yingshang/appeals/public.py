"""What other apps may call of appeals (keep it small: re-export, do not re-implement).

- ``public_commitments``: the 政企面对面 commitments a public page may show (read-only).
"""

from .selectors import public_commitments

__all__ = ["public_commitments"]
