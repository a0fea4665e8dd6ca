"""Every route of the Mastodon client API, gathered in one place."""

from __future__ import annotations

from starlette.routing import BaseRoute

from server.mastodon import statuses, timelines
from server.mastodon import admin_publication
from server.mastodon import admin_departments, admin_policies
from server.mastodon import admin_accounts, admin_engagement, admin_federation, admin_reports
from server.mastodon import instance, oauth, placeholders
from server.mastodon import accounts, markers, notifications
from server.mastodon import push, streaming
from server.mastodon import media, polls, remote_media, scheduled
from server.mastodon import conversations, filters, filters_v1, instance_extras, lists, reports, search, tags


def routes() -> list[BaseRoute]:
    return [*statuses.routes(), *timelines.routes(), *oauth.routes(), *instance.routes(), *placeholders.routes(),
            *accounts.routes(), *notifications.routes(), *markers.routes(),
            *push.routes(), *streaming.routes(), *media.routes(), *remote_media.routes(), *polls.routes(), *scheduled.routes(),
            *lists.routes(), *filters.routes(), *filters_v1.routes(), *tags.routes(), *search.routes(),
            *reports.routes(), *conversations.routes(), *instance_extras.routes(),
            *admin_publication.routes(), *admin_departments.routes(), *admin_policies.routes(),
            *admin_accounts.routes(), *admin_federation.routes(), *admin_reports.routes(), *admin_engagement.routes()]
