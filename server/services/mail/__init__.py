"""Email to staff: what is queued for whom, how it is written, sent and unsubscribed from.

* ``kinds``: the four kinds a person may switch, and their defaults.
* ``presence``: "away", the last time any app of a person's was used.
* ``notices``: queues mail where things happen (a mention, a decision on a proposed post, an important post).
* ``digest``: the weekly digest, one stored run per week.
* ``worker``: drains the outbox over one SMTP connection per batch.
* ``smtp`` and ``message``: the connection (stdlib ``smtplib`` in a thread) and the MIME message.
* ``unsubscribe``: the one-click links (RFC 8058) and the preferences behind them.
"""
