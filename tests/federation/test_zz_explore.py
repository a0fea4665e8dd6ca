from pathlib import Path
import pytest
from activitypub.parse import parse_activity
from activitypub.errors import MalformedActivity
from federation.inbox import dedupe_key
from server.background import default_workers
from tests.federation.inbound_helpers import inbox_app
from tests.federation.interop_corpus import CorpusServer, as_delivery, corpus, signed_post, ref
pytestmark = pytest.mark.anyio

async def test_explore(tmp_path: Path) -> None:
    server = CorpusServer()
    async with inbox_app(tmp_path, server, INSIDEOUT_SERVER_WORKERS_ENABLED="false") as h:  # type: ignore[arg-type]
        rows = {}
        for name, doc in corpus():
            act = as_delivery(name, doc)
            if act is None:
                print(f"{name:45} skipped (collection)"); continue
            actor_uri = ref(act.get("actor"))
            actor = server.actor(actor_uri) if actor_uri else None
            key_id = actor["publicKey"]["id"] if actor else "https://nowhere.example/key"
            s = signed_post(act, key_id)
            r = await h.client.post("/inbox", content=s.body, headers=s.headers)
            print(f"{name:45} {r.status_code} {r.text[:150]}")
            if r.status_code == 202:
                rows[name] = (act, s.body)
        worker = next(w for w in default_workers(h.app) if w.name == "inbox")
        for _ in range(5):
            n = await worker.run_once()
            if not n: break
        for name, (act, body) in rows.items():
            try:
                item = await h.storage.inbox.get_by_dedupe_key(dedupe_key(parse_activity(act), body))
            except MalformedActivity as e:
                item = e
            print(f"{name:45} {getattr(item,'state',item)} {getattr(item,'note',None)} {getattr(item,'last_error',None)}")
        print(server.fetched)
