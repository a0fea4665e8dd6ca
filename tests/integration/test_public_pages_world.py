"""The public pages of a company full of internal canaries, with a partner who likes and replies.

The crawl in ``test_containment`` already reads every page for leaks; this
checks that the pages show what they should: published posts, the approved
revision, and replies from outside next to published local ones.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.containment_world import build_world
from tests.integration.crawl import HTML
from tests.integration.federation_pair import federation_pair

pytestmark = pytest.mark.anyio


async def test_pages_show_published_posts_and_outside_replies_and_nothing_internal(tmp_path: Path) -> None:
    async with federation_pair(tmp_path) as (a, b, router):
        # Given the containment world: published posts, internal replies, a partner's reply to the launch
        world = await build_world(a, b, router)
        launch = world.published["launch"]
        assert launch.uri is not None
        ref = launch.uri.rsplit("/", 1)[-1]

        # When a browser opens the profiles, the launch's page and the feeds
        pages = {path: await a.client.get(path, headers={"Accept": HTML}) for path in (
            "/@alice", "/@frank", "/@company", "/@eng", f"/@alice/{ref}", "/@alice.atom", "/@frank.atom")}

    # Then every page answers, and none shows a canary, a hidden account or an internal id
    for path, response in pages.items():
        assert response.status_code == 200, path
        assert not world.leaks(response.text), (path, world.leaks(response.text))
    # And the launch page shows its approved text, its public photo and bob's reply from outside
    launch_page = pages[f"/@alice/{ref}"].text
    assert "Hello partners" in launch_page and "/media/public/" in launch_page
    assert "Congratulations!" in launch_page and f"@bob@{b.host}" in launch_page
    # And alice's profile lists her published posts; frank's the approved revision, not his pending edit
    assert "Hello partners" in pages["/@alice"].text and "We announce the launch" in pages["/@alice"].text
    assert "approved words" in pages["/@frank"].text and "approved words" in pages["/@frank.atom"].text
    # And nothing counts followers or lists members
    for path in ("/@company", "/@eng"):
        assert "follower" not in pages[path].text.lower() and "member" not in pages[path].text.lower()
