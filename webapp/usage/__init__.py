"""Usage pages: a unit's calls as grantee and provider, a grant's months, and the upload for units without the API."""

from webapp.usage import views  # noqa: F401  (registers the routes)
from webapp.usage.blueprint import bp

__all__ = ["bp"]
