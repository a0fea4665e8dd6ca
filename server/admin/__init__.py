"""The admin web pages, server-rendered under ``/admin``: plain forms, no script, CSRF on every POST.

Every page and action calls the same services as the JSON admin API, so
the rules, the scoping of department publishers and the audit entries
are the same whichever way a decision is made.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server.admin import audit, federation, mine, people, posts, published, queue, reports
from server.admin.gate import SignInNeeded, action, redirect, signed_in_person, view
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


def routes() -> list[BaseRoute]:
    sign_in = SignInPages()
    return [
        Route("/admin", home, methods=["GET"]),
        Route("/admin/admin.css", stylesheet, methods=["GET"]),
        Route("/admin/sign_in", sign_in.show, methods=["GET"]),
        Route("/admin/sign_in", sign_in.submit, methods=["POST"]),
        Route("/admin/sign_out", sign_out, methods=["POST"]),
        Route("/admin/mine", view(mine.show_mine, signed_in_person), methods=["GET"]),
        Route("/admin/mine/{id}/nominate", action(mine.nominate, signed_in_person), methods=["POST"]),
        Route("/admin/queue", view(queue.show_queue), methods=["GET"]),
        Route("/admin/queue/{id}/approve", action(queue.approve), methods=["POST"]),
        Route("/admin/queue/{id}/decline", action(queue.decline), methods=["POST"]),
        Route("/admin/statuses", view(posts.show_statuses), methods=["GET"]),
        Route("/admin/statuses/{id}/publish", action(posts.publish), methods=["POST"]),
        Route("/admin/statuses/{id}/unpublish", action(posts.unpublish), methods=["POST"]),
        Route("/admin/published", view(published.show_published), methods=["GET"]),
        Route("/admin/published.csv", view(published.export_csv), methods=["GET"]),
        Route("/admin/audit", view(audit.show_audit), methods=["GET"]),
        Route("/admin/accounts", view(people.show_accounts), methods=["GET"]),
        Route("/admin/accounts/{id}/role", action(people.set_role), methods=["POST"]),
        Route("/admin/accounts/{id}/disable", action(people.disable), methods=["POST"]),
        Route("/admin/accounts/{id}/enable", action(people.enable), methods=["POST"]),
        Route("/admin/accounts/{id}/expose", action(people.expose), methods=["POST"]),
        Route("/admin/accounts/{id}/hide", action(people.hide), methods=["POST"]),
        Route("/admin/exposure", view(people.show_exposure), methods=["GET"]),
        Route("/admin/departments", view(people.show_departments), methods=["GET"]),
        Route("/admin/departments/{id}/members", action(people.add_member), methods=["POST"]),
        Route("/admin/departments/{id}/members/{account_id}/role", action(people.change_member), methods=["POST"]),
        Route("/admin/departments/{id}/members/{account_id}/remove", action(people.remove_member),
              methods=["POST"]),
        Route("/admin/federation", view(federation.show_federation), methods=["GET"]),
        Route("/admin/federation/mode", action(federation.set_mode), methods=["POST"]),
        Route("/admin/federation/{kind}", action(federation.add_rule), methods=["POST"]),
        Route("/admin/federation/{kind}/{id}/remove", action(federation.remove_rule), methods=["POST"]),
        Route("/admin/reports", view(reports.show_reports), methods=["GET"]),
        Route("/admin/reports/{id}/action", action(reports.act), methods=["POST"]),
        Route("/admin/reports/{id}/forward", action(reports.forward), methods=["POST"]),
    ]


__all__ = ["routes"]
