"""Signing in: the identity provider's code flow, shared by every page that signs a person in."""
