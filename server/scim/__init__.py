"""The SCIM 2.0 endpoints (RFC 7644) under ``/scim/v2``: an identity provider provisions people and departments.

Only a SCIM token (``insideout scim token create NAME``) opens them, and it
opens nothing else. Views parse with scim2-models and answer
``application/scim+json``, errors in SCIM's shape; the work is
``server.services.provisioning``'s.
"""

from server.scim.routes import routes

__all__ = ["routes"]
