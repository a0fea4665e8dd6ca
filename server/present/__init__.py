"""The one converter from stored records to the Mastodon client shapes (statuses, accounts, media, polls).

Shared by the edges that speak those shapes: the Mastodon API answers
them as JSON, the staff web app renders them as HTML, Web Push and the
streaming API send them. It reads through storage and the services and
imports no edge.
"""
