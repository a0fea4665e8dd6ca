"""The staff web app: every employee reads, posts and decides in the browser, with nothing to install.

Server-rendered pages over the same services as the Mastodon API, with
the API's own entities (``server.present``), so no rule exists twice. They
work without JavaScript; ``static/app.js`` adds live updates and comforts
under a CSP that allows only our own script. Every page is behind the
session gate (``gate.gated``) but the sign-in page, ``/`` (which is the
sign-in page when signed out) and the static files.

``/@username`` and ``/@username/ID`` are shared with the public pages: the
ActivityPub views ask ``staff_profile`` and ``staff_post`` first, which
answer only a signed-in employee's browser (None otherwise, and the
outsider's page or 404 follows unchanged).
"""

from __future__ import annotations

from typing import Final

from starlette.routing import BaseRoute, Route

from server.web.staff import (
    announcements,
    compose,
    directory,
    exports,
    feeds,
    notifications,
    people,
    profile_settings,
    search,
    settings,
    settings_access,
    settings_email,
    settings_filters,
    settings_notifications,
    signin,
    statuses,
    suggest,
)
from server.web.staff.gate import Get, Post, gated
from server.web.staff.people import staff_post, staff_profile
from server.web.staff.static import static_file

PAGES: Final[tuple[Get | Post, ...]] = (
    Get("/home", feeds.home),
    Post("/announcements/{id}/dismiss", announcements.dismiss),
    Post("/announcements/{id}/react", announcements.react),
    Get("/public/local", feeds.everyone),
    Get("/tags/{name}", feeds.hashtag),
    Get("/departments/{slug}", feeds.department),
    Get("/bookmarks", feeds.bookmarks),
    Get("/favourites", feeds.favourites),
    Get("/lists", feeds.lists),
    Get("/lists/{id}", feeds.one_list),
    Get("/compose", compose.show_compose),
    Get("/compose/suggestions", suggest.suggestions),
    Post("/compose", compose.post, compose.refill),
    Get("/statuses/{id}", statuses.by_id),
    Post("/statuses/{id}/favourite", statuses.favourite),
    Post("/statuses/{id}/important", statuses.mark_important),
    Post("/statuses/{id}/unimportant", statuses.unmark_important),
    Post("/statuses/{id}/unfavourite", statuses.unfavourite),
    Post("/statuses/{id}/reblog", statuses.reblog),
    Post("/statuses/{id}/unreblog", statuses.unreblog),
    Post("/statuses/{id}/bookmark", statuses.bookmark),
    Post("/statuses/{id}/unbookmark", statuses.unbookmark),
    Get("/statuses/{id}/edit", statuses.show_edit),
    Post("/statuses/{id}/edit", statuses.edit, statuses.refill_edit),
    Get("/statuses/{id}/history", statuses.history),
    Get("/statuses/{id}/delete", statuses.show_delete),
    Post("/statuses/{id}/delete", statuses.delete),
    Post("/polls/{id}/vote", statuses.vote),
    Get("/notifications", notifications.show),
    Post("/notifications/read", notifications.mark_read),
    *(Post(f"/@{{acct}}/{name}", people.relation(name)) for name in people.RELATIONS),
    Get("/settings/profile", profile_settings.show_profile),
    Post("/settings/profile", profile_settings.save_profile, profile_settings.refill_profile),
    Get("/people/{acct}/public_bio", profile_settings.show_public_bio),
    Post("/people/{acct}/public_bio", profile_settings.save_public_bio, profile_settings.refill_public_bio),
    Get("/people", directory.people),
    Get("/departments", directory.departments),
    Get("/departments/{slug}/members", directory.members),
    Post("/departments/{slug}/join", directory.join),
    Post("/departments/{slug}/leave", directory.leave),
    Get("/search", search.search),
    Get("/settings", settings.index),
    Get("/settings/password", settings.show_password),
    Post("/settings/password", settings.change_password, settings.refill_password),
    Get("/settings/preferences", settings.show_preferences),
    Post("/settings/preferences", settings.save_preferences, settings.refill_preferences),
    Get("/settings/apps", settings_access.apps),
    Post("/settings/apps/{id}/revoke", settings_access.revoke_app),
    Get("/settings/sessions", settings_access.sessions),
    Post("/settings/sessions/{id}/sign_out", settings_access.end_session),
    Get("/settings/notifications", settings_notifications.index),
    Post("/settings/notifications/{id}", settings_notifications.save, settings_notifications.refill),
    Get("/settings/email", settings_email.index),
    Post("/settings/email", settings_email.save),
    Get("/settings/filters", settings_filters.index),
    Post("/settings/filters", settings_filters.create, settings_filters.refill),
    Get("/settings/filters/new", settings_filters.show_new),
    Get("/settings/filters/{id}", settings_filters.show_edit),
    Post("/settings/filters/{id}", settings_filters.update, settings_filters.refill),
    Post("/settings/filters/{id}/delete", settings_filters.delete),
    Get("/settings/export", exports.index),
    Get("/settings/export/posts.json", exports.posts),
    Get("/settings/export/following_accounts.csv", exports.following),
    Get("/settings/export/bookmarks.csv", exports.bookmarks),
    Get("/settings/export/media.zip", exports.media),
)


def open_routes() -> list[BaseRoute]:
    """Outside the gate: the way in, and the files every page links."""
    return [
        Route("/", signin.root, methods=["GET"]),
        Route("/auth/sign_in", signin.show, methods=["GET"]),
        Route("/auth/sign_in", signin.submit, methods=["POST"]),
        Route("/auth/sign_out", signin.sign_out, methods=["POST"]),
        Route("/static/{name}", static_file, methods=["GET", "HEAD"]),
    ]


def routes() -> list[BaseRoute]:
    return [*open_routes(), *gated(PAGES)]


__all__ = ["routes", "staff_post", "staff_profile"]
