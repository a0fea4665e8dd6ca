"""Pure helpers for the Mastodon client API: scopes, parameters, pagination, dates, errors."""
