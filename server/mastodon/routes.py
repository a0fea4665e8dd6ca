"""Every route of the Mastodon client API, gathered in one place."""

from __future__ import annotations

from starlette.routing import BaseRoute

from server.mastodon import (
    accounts,
    admin_accounts,
    admin_analytics,
    admin_departments,
    admin_engagement,
    admin_federation,
    admin_important,
    admin_policies,
    admin_publication,
    admin_reports,
    announcements,
    conversations,
    featured_tags,
    filters,
    filters_v1,
    instance,
    instance_extras,
    lists,
    markers,
    media,
    notifications,
    oauth,
    placeholders,
    polls,
    push,
    remote_media,
    reports,
    scheduled,
    search,
    statuses,
    streaming,
    tags,
    timelines,
    trends,
)


def routes() -> list[BaseRoute]:
    return [*statuses.routes(), *timelines.routes(), *oauth.routes(), *instance.routes(), *placeholders.routes(),
            *accounts.routes(), *notifications.routes(), *markers.routes(),
            *push.routes(), *streaming.routes(), *media.routes(), *remote_media.routes(), *polls.routes(), *scheduled.routes(),
            *lists.routes(), *filters.routes(), *filters_v1.routes(), *tags.routes(), *search.routes(),
            *trends.routes(), *featured_tags.routes(),
            *reports.routes(), *conversations.routes(), *instance_extras.routes(),
            *admin_publication.routes(), *admin_departments.routes(), *admin_policies.routes(),
            *admin_accounts.routes(), *admin_federation.routes(), *admin_reports.routes(), *admin_engagement.routes(),
            *admin_analytics.routes(), *announcements.routes(), *admin_important.routes()]
