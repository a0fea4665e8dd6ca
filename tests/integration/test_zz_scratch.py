from pathlib import Path
import pytest
from tests.integration.federation_pair import federation_pair
from tests.integration.containment_world import build_world
from tests.integration.crawl import Crawler, Mode, AP, HTML, probes
from tests.integration.test_containment import usernames, status_targets
import server.activitypub.actors as views
import server.activitypub.objects as objects
from storage.errors import NotFound
pytestmark = pytest.mark.anyio

async def test_mutants(tmp_path: Path, monkeypatch) -> None:
    original = views.actor_document
    def leaky(account, **kw):
        d = original(account, **kw); d["x"] = account.note; return d
    async def published(request):
        if request.path_params["ref"].endswith("-1"):
            raise NotFound("Nope")
        raise NotFound()
    async with federation_pair(tmp_path) as (a, b, router):
        world = await build_world(a, b, router)
        monkeypatch.setattr(views, "actor_document", leaky)
        monkeypatch.setattr(objects, "_published", published)
        crawler = Crawler(a.client, world.base, world.leaks)
        seeds = probes(a.app, usernames(), status_targets(world), a.host)
        r = await crawler.crawl(seeds, Mode(AP))
        print(len(r.leaks), r.leaks[:3])
        print(len(r.differences), r.differences[:2])
