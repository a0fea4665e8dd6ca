import time, collections
from pathlib import Path
import pytest
from tests.integration.federation_pair import federation_pair
from tests.integration.containment_world import build_world
from tests.integration.crawl import Crawler, Mode, AP, HTML, probes
from tests.integration.test_containment import usernames, status_targets, walk_api, peer_signer
pytestmark = pytest.mark.anyio

async def test_world(tmp_path: Path) -> None:
    async with federation_pair(tmp_path) as (a, b, router):
        t = time.perf_counter()
        world = await build_world(a, b, router)
        print("build", time.perf_counter() - t)
        crawler = Crawler(a.client, world.base, world.leaks, bound=2000)
        seeds = probes(a.app, usernames(), status_targets(world), a.host)
        print("seeds", len(seeds), collections.Counter(p.kind for p in seeds))
        for mode in (Mode(AP), Mode(HTML), await peer_signer(b)):
            t = time.perf_counter()
            r = await crawler.crawl(seeds, mode)
            print(mode, "fetched", r.fetched, time.perf_counter() - t, collections.Counter(x.status for x in r.answers.values()))
        for path, ans in r.answers.items():
            if ans.status == 200 and path not in {p.path for p in seeds}:
                print("followed", path, ans.body[:300])
        t = time.perf_counter()
        print(await walk_api(world), time.perf_counter() - t)
