"""What every HTTP edge shares (the Mastodon API, the ActivityPub endpoints, the admin and web pages).

Reading parameters and path ids, keyset paging and its Link headers, dates,
the JSON error shape, the version strings, and the few request readers the
admin API and the admin pages both use. Nothing here imports an edge.
"""
