"""The admin web pages, server-rendered under ``/admin``: plain forms, no script, CSRF on every POST.

Every page and action calls the same services as the JSON admin API, so
the rules, the scoping of department publishers and the audit entries
are the same whichever way a decision is made.

The gate (server/admin/gate.py) is applied once, to the whole ``PAGES``
table; only ``open_routes`` (signing in and out, the stylesheet,
``/admin``, which only redirects, and ``/auth/reset/{token}``, the page of
a one-time password link) are reachable without a session.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Final

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server.admin import (
    analytics,
    announcements,
    audit,
    departments,
    federation,
    mine,
    organization,
    password_reset,
    people,
    posts,
    published,
    queue,
    reports,
)
from server.admin.gate import Get, Post, SignInNeeded, gated, redirect, signed_in_person
from server.admin.signin import SignInPages, sign_out


@cache
def _css() -> bytes:
    return files("server.admin").joinpath("static/admin.css").read_bytes()


async def stylesheet(request: Request) -> Response:
    return Response(_css(), media_type="text/css; charset=utf-8",
                    headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"})


async def home(request: Request) -> Response:
    try:
        return redirect((await signed_in_person(request)).landing)
    except SignInNeeded:
        return redirect("/admin/queue")


# Every page but the open ones below; order matters where paths overlap (``mode`` before ``{kind}``).
PAGES: Final[tuple[Get | Post, ...]] = (
    Get("/admin/mine", mine.show_mine, signed_in_person),
    Post("/admin/mine/{id}/nominate", mine.nominate, signed_in_person),
    Get("/admin/queue", queue.show_queue),
    Post("/admin/queue/{id}/approve", queue.approve),
    Post("/admin/queue/{id}/decline", queue.decline),
    Get("/admin/statuses", posts.show_statuses),
    Get("/admin/statuses/{id}/publish", posts.confirm_publish),
    Post("/admin/statuses/{id}/publish", posts.publish),
    Post("/admin/statuses/{id}/unpublish", posts.unpublish),
    Post("/admin/statuses/{id}/important", posts.mark_important),
    Post("/admin/statuses/{id}/unimportant", posts.unmark_important),
    Get("/admin/published", published.show_published),
    Get("/admin/published.csv", published.export_csv),
    Get("/admin/audit", audit.show_audit),
    Get("/admin/analytics", analytics.show_overview),
    Get("/admin/analytics.csv", analytics.show_overview),
    Get("/admin/analytics/campaigns", analytics.find_campaign),
    Get("/admin/analytics/posts/{id}", analytics.show_post),
    Get("/admin/analytics/authors/{id}", analytics.show_author),
    Get("/admin/analytics/departments/{slug}", analytics.show_department),
    Get("/admin/analytics/campaigns/{tag}", analytics.show_campaign),
    Get("/admin/accounts", people.show_accounts),
    Post("/admin/accounts", people.create_person),
    Post("/admin/accounts/{id}/role", people.set_role),
    Post("/admin/accounts/{id}/password_link", people.password_link),
    Post("/admin/accounts/{id}/invite", people.invite),
    Post("/admin/accounts/{id}/disable", people.disable),
    Post("/admin/accounts/{id}/enable", people.enable),
    Post("/admin/accounts/{id}/expose", people.expose),
    Post("/admin/accounts/{id}/hide", people.hide),
    Get("/admin/exposure", people.show_exposure),
    Get("/admin/departments", departments.show_departments),
    Post("/admin/departments", departments.create),
    Post("/admin/departments/{id}/profile", departments.edit),
    Post("/admin/departments/{id}/members", departments.add_member),
    Post("/admin/departments/{id}/members/{account_id}/role", departments.change_member),
    Post("/admin/departments/{id}/members/{account_id}/remove", departments.remove_member),
    Get("/admin/organization", organization.show_organization),
    Post("/admin/organization", organization.save),
    Get("/admin/announcements", announcements.show_announcements),
    Post("/admin/announcements", announcements.create),
    Post("/admin/announcements/{id}", announcements.edit),
    Post("/admin/announcements/{id}/end", announcements.end),
    Post("/admin/announcements/{id}/delete", announcements.delete),
    Get("/admin/federation", federation.show_federation),
    Post("/admin/federation/mode", federation.set_mode),
    Post("/admin/federation/{kind}", federation.add_rule),
    Post("/admin/federation/{kind}/{id}/remove", federation.remove_rule),
    Get("/admin/reports", reports.show_reports),
    Post("/admin/reports/{id}/action", reports.act),
    Post("/admin/reports/{id}/forward", reports.forward),
)


def open_routes() -> list[BaseRoute]:
    """The only routes outside the gate: signing in and out, the stylesheet they link, ``/admin``, password links."""
    sign_in = SignInPages()
    return [
        Route("/admin", home, methods=["GET"]),
        Route("/admin/admin.css", stylesheet, methods=["GET"]),
        Route("/admin/sign_in", sign_in.show, methods=["GET"]),
        Route("/admin/sign_in", sign_in.submit, methods=["POST"]),
        Route("/admin/sign_out", sign_out, methods=["POST"]),
        # A one-time link's page: the token in the path is the proof, so no session is needed.
        Route("/auth/reset/{token}", password_reset.show, methods=["GET"]),
        Route("/auth/reset/{token}", password_reset.submit, methods=["POST"]),
    ]


def routes() -> list[BaseRoute]:
    return [*open_routes(), *gated(PAGES)]


__all__ = ["routes"]
