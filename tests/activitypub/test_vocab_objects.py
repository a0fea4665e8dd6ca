"""Posts and activities from the test fixtures: the values handlers rely on."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from activitypub.context import PUBLIC
from activitypub.errors import MalformedActivity
from activitypub.parse import parse_activity, parse_actor, parse_object


@pytest.fixture
def load(fixtures_dir: Path) -> Any:
    def read(name: str) -> Any:
        return json.loads((fixtures_dir / "remote" / name).read_text(encoding="utf-8"))

    return read


# -- objects ---------------------------------------------------------------


def test_mastodon_create_with_attachment(load: Any) -> None:
    activity = parse_activity(load("mastodon/create-note-attachment.json"))
    note = parse_object(activity.object)
    assert note.is_public
    assert note.cc == ("http://mastodon.example.org/users/admin/followers",)
    assert note.attachments[0].media_type == "image/jpeg"
    assert note.attachments[0].description is None
    assert note.url == "http://mastodon.example.org/@admin/99541822081679796"
    assert note.in_reply_to is None


def test_mastodon_cw_and_hashtag(load: Any) -> None:
    note = parse_object(parse_activity(load("mastodon/create-note-hashtag.json")).object)
    assert note.sensitive and note.summary == "cw"
    assert [m.href for m in note.mentions] == ["http://localtesting.pleroma.lol/users/lain"]
    assert [h.name for h in note.hashtags] == ["moo"]


def test_mastodon_nsfw_hashtag_without_sensitive_key(load: Any) -> None:
    note = parse_object(parse_activity(load("mastodon/create-note-nsfw-hashtag.json")).object)
    assert note.sensitive is False  # literal: no #nsfw heuristics at this layer
    assert [h.name for h in note.hashtags] == ["NSFW"]


def test_mastodon_question(load: Any) -> None:
    note = parse_object(parse_activity(load("mastodon/create-question.json")).object)
    assert note.is_poll and not note.poll_multiple
    assert [(o.name, o.votes) for o in note.poll_options][:2] == [("Dunno", 0), ("Everyone knows that!", 1)]
    assert note.end_time == datetime(2019, 5, 11, 9, 3, 36, tzinfo=UTC)
    assert note.language == "en"


def test_mastodon_vote_is_a_named_reply(load: Any) -> None:
    note = parse_object(parse_activity(load("mastodon/create-vote.json")).object)
    assert note.name == "suya.."
    assert note.in_reply_to == "https://testing.uguu.ltd/objects/9d300947-2dcb-445d-8978-9a3b4b84fa14"
    assert note.to == ("https://testing.uguu.ltd/users/rin",) and not note.is_public


def test_mastodon_language_from_content_map(load: Any) -> None:
    note = parse_object(load("mastodon/note-language.json"))
    assert note.language == "ja"
    assert note.context is not None and note.context.startswith("tag:mastodon.social")


def test_mastodon_reply_to_group(load: Any) -> None:
    note = parse_object(load("mastodon/note-reply-to-group.json"))
    assert note.in_reply_to == "https://floss.social/users/kde/statuses/113306824627995724"
    assert "https://lemmy.kde.social/c/kde" in note.cc


def test_akkoma_question_duplicate_keys_last_wins(load: Any) -> None:
    note = parse_object(load("akkoma/question-with-attachment.json"))
    assert note.content_html == "can you vote on this poll?"
    assert note.closed and note.closed_at == datetime(2019, 9, 19, 0, 32, 36, 785333, tzinfo=UTC)
    assert len(note.poll_options) == 6 and not note.poll_multiple
    assert note.poll_options[-1].votes == 3
    assert note.attachments[0].description == "screenshot_mpv:Totoro@01:18:44.345.jpg"


def test_akkoma_emoji_in_summary(load: Any) -> None:
    note = parse_object(load("akkoma/note-emoji-in-summary.json"))
    assert {e.shortcode for e in note.emojis} == {"joker_disapprove", "joker_smile"}
    assert note.summary == ":joker_smile: "
    assert note.sensitive is False  # Akkoma sends "sensitive": null


def test_akkoma_reply_mention_and_context(load: Any) -> None:
    note = parse_object(parse_activity(load("akkoma/create-note-reply.json")).object)
    assert note.in_reply_to == "https://mk.absturztau.be/notes/93e7nm8wqg"
    assert note.context == "https://p.helene.moe/contexts/cc324643-5583-4c3f-91d2-c6ed37db159d"
    assert note.mentions[0].href == "https://mk.absturztau.be/users/8ozbzjs3o8"
    assert note.is_public
    assert note.summary is None  # Akkoma's "" means no content warning


def test_akkoma_chat_message_is_not_public(load: Any) -> None:
    note = parse_object(parse_activity(load("akkoma/create-chatmessage.json")).object)
    assert note.type == "ChatMessage" and not note.is_public
    assert "<script>" in note.content_html  # sanitising is the renderer's job, not the parser's


def test_gotosocial_note_single_values(load: Any) -> None:
    note = parse_object(load("gotosocial/note-hashtag-emoji.json"))
    assert note.cc == ("http://localhost:8080/users/admin/followers",)  # a bare string upstream
    assert note.is_public and note.language == "en"
    assert [h.name for h in note.hashtags] == ["welcome"]
    assert [e.shortcode for e in note.emojis] == ["rainbow"]
    attachment = note.attachments[0]
    assert attachment.blurhash == "LIIE|gRj00WB-;j[t7j[4nWBj[Rj"
    assert attachment.focal_point == (-0.5, 0.5)
    assert attachment.description is not None and attachment.description.startswith("Black and white")


def test_gotosocial_reply_and_offset_date(load: Any) -> None:
    note = parse_object(load("gotosocial/note-interaction-policy-approved.json"))
    assert note.in_reply_to == "http://localhost:8080/users/1happyturtle/statuses/01F8MHC8VWDRBQR0N1BATDDEM5"
    assert note.published == datetime(2024, 2, 20, 10, 41, 37, tzinfo=UTC)
    reply = parse_object(load("gotosocial/note-mention-reply.json"))
    assert [m.href for m in reply.mentions] == ["http://localhost:8080/users/the_mighty_zork"]


def test_misskey_quote_and_compact(load: Any) -> None:
    assert parse_object(load("misskey/note-quote.json")).quote_url == "https://misskey.io/notes/8vs6wxufd0"
    activity = parse_activity(load("misskey/create-note-compact.json"))
    note = parse_object(activity.object)
    assert note.content_html == "<p><span>meow</span></p>" and note.is_public


def test_misskey_question_without_end_time(load: Any) -> None:
    note = parse_object(load("misskey/question-no-endtime.json"))
    assert note.end_time is None and not note.closed
    assert [o.name for o in note.poll_options] == ["Working", "Broken af"]


def test_lemmy_page(load: Any) -> None:
    note = parse_object(load("lemmy/page.json"))
    assert note.type == "Page" and note.name == "Post title"
    assert note.language == "fr"
    assert note.audience == "https://enterprise.lemmy.ml/c/tenforward"
    assert note.attachments[0].url == "https://enterprise.lemmy.ml/pictrs/image/eOtYb9iEiB.png"
    assert note.image_url == "https://enterprise.lemmy.ml/pictrs/image/eOtYb9iEiB.png"
    assert [m.href for m in note.mentions] == ["https://enterprise.lemmy.ml/c/tenforward"]


def test_lemmy_private_message(load: Any) -> None:
    note = parse_object(load("lemmy/note-private-message.json"))
    assert not note.is_public and note.to == ("https://queer.hacktivis.me/users/lanodan",)


def test_friendica_prefers_content_over_content_map(load: Any) -> None:
    doc = load("friendica/note.json")
    note = parse_object(doc)
    assert note.content_html == doc["content"] != doc["contentMap"]["en"]
    assert note.language == "en"
    assert [h.name for h in note.hashtags] == ["Friendica", "Lemmy"]


def test_funkwhale_audio(load: Any) -> None:
    note = parse_object(load("funkwhale/audio.json"))
    assert note.url == "https://channels.tests.funkwhale.audio/library/tracks/74"
    assert note.to == (PUBLIC,)
    assert [h.name for h in note.hashtags] == ["funkwhale", "test", "tests"]


def test_peertube_video(load: Any) -> None:
    note = parse_object(load("peertube/video.json"))
    assert note.attributed_to == "https://tilvids.com/accounts/thelinuxexperiment"
    assert note.url == "https://tilvids.com/videos/watch/e7946124-7b72-4ad7-9d22-844a84bb2de1"
    assert note.content_media_type == "text/markdown"
    assert note.language == "en"
    assert note.image_url is not None and "/previews/" in note.image_url


def test_mobilizon_event_and_nodebb_article(load: Any) -> None:
    event = parse_object(load("mobilizon/event.json"))
    assert event.type == "Event" and event.language == "en"
    assert event.attributed_to == "https://rendezvous.nomagic.uk/@devon_caledonian_society"
    article = parse_object(load("nodebb/article-topic.json"))
    assert article.name == "Welcome to your NodeBB!" and article.context == "https://bb.devnull.land/topic/1"


def test_bookwyrm_skips_unknown_tags(load: Any) -> None:
    note = parse_object(load("bookwyrm/article-review.json"))
    assert note.hashtags == () and note.mentions == ()
    assert note.published == datetime(2022, 1, 7, 16, 7, 43, 665392, tzinfo=UTC)


# -- activities ------------------------------------------------------------


def test_akkoma_emoji_react(load: Any) -> None:
    activity = parse_activity(load("akkoma/emojireact.json"))
    assert activity.type == "EmojiReact" and activity.content == "👌"
    assert activity.object_id == "http://localtesting.pleroma.lol/objects/eb92579d-3417-42a8-8652-2492c2d4f454"


def test_misskey_reactions(load: Any) -> None:
    custom = parse_activity(load("misskey/like-emoji-reaction-custom.json"))
    assert custom.type == "Like" and custom.content == ":hanapog:"
    assert [e.shortcode for e in custom.emojis] == ["hanapog"]
    doc = load("misskey/like-emoji-reaction.json")
    del doc["content"]  # older Misskey sent only the private property
    doc["id"] = "http://mastodon.example.org/likes/1"  # the fixture's actor domain was rewritten, its id's not
    assert parse_activity(doc).content == ":pudding:"


def test_lemmy_announce_create_page(load: Any) -> None:
    announce = parse_activity(load("lemmy/announce-create-page.json"))
    assert announce.type == "Announce" and announce.actor == "http://enterprise.lemmy.ml/c/main"
    assert announce.is_public
    create = parse_activity(announce.embedded_object)
    assert create.type == "Create" and create.actor == "http://enterprise.lemmy.ml/u/lemmy_beta"
    page = parse_object(create.embedded_object)
    assert page.type == "Page" and page.id == "http://enterprise.lemmy.ml/post/7" and page.name == "post 4"


def test_flag_with_several_objects(load: Any) -> None:
    flag = parse_activity(load("mastodon/flag.json"))
    assert flag.object_ids == (
        "https://example.com/users/1",
        "https://example.com/posts/380590",
        "https://example.com/posts/380591",
    )
    assert flag.content == "Please take a look at this user and their posts"
    assert parse_activity(load("lemmy/flag.json")).summary == "report this post"


def test_gotosocial_delete_without_id(load: Any) -> None:
    delete = parse_activity(load("gotosocial/delete-note.json"))
    assert delete.id is None and delete.is_public
    assert delete.object_id == "http://localhost:8080/users/admin/statuses/01F8MH75CBF9JFX4ZAD54N0W0R"


def test_move_and_add_targets(load: Any) -> None:
    move = parse_activity(load("gotosocial/move.json"))
    assert move.target == "https://another-server.com/users/my_new_account_hurray"
    assert move.to == ("https://example.org/users/1happyturtle/followers",)
    assert parse_activity(load("lemmy/add-mod.json")).target == "http://enterprise.lemmy.ml/c/main/moderators"


def test_undo_and_accept_embed_follow(load: Any) -> None:
    undo = parse_activity(load("mastodon/undo-follow.json"))
    follow = parse_activity(undo.embedded_object)
    assert follow.type == "Follow" and follow.object_id == "http://localtesting.pleroma.lol/users/lain"
    accept = parse_activity(load("lemmy/accept-follow.json"))
    assert accept.object_id == "http://ds9.lemmy.ml/activities/follow/6abcd50b-b8ca-4952-86b0-a6dd8cc12866"


def test_update_person_embeds_actor(load: Any) -> None:
    update = parse_activity(load("mastodon/update-person.json"))
    actor = parse_actor(update.embedded_object)
    assert actor.id == "http://mastodon.example.org/users/gargron"
    assert [f.value for f in actor.fields] == ["updated", "updated"]


def test_delete_tombstone_and_actor(load: Any) -> None:
    tombstone = parse_activity(load("mastodon/delete-tombstone.json"))
    assert tombstone.object_id == "https://mastodon.madrid/users/felix/statuses/107773559874184870"
    with pytest.raises(MalformedActivity):
        parse_object(tombstone.embedded_object)
    delete_actor = parse_activity(load("mastodon/delete-actor.json"))
    assert delete_actor.object_id == delete_actor.actor


def test_mitra_create_with_proof(load: Any) -> None:
    create = parse_activity(load("mitra/create-note.json"))
    note = parse_object(create.embedded_object)
    assert note.language == "da"
    assert note.published == datetime(2026, 7, 12, 19, 30, 38, 521875, tzinfo=UTC)
    assert note.audience == "https://voyager.lemmy.ml/c/pubtest0906"


def test_gotosocial_accept_with_string_to(load: Any) -> None:
    accept = parse_activity(load("gotosocial/accept-like-polite.json"))
    assert accept.to == ("http://fossbros-anonymous.io/users/foss_satan",)
    assert parse_activity(accept.embedded_object).type == "LikeRequest"


def test_announce_by_uri(load: Any) -> None:
    announce = parse_activity(load("mastodon/announce.json"))
    assert announce.object == "http://mastodon.example.org/@admin/99541947525187367"
    assert announce.published == datetime(2018, 2, 17, 19, 39, 15, tzinfo=UTC)
    assert parse_activity(load("peertube/announce-video.json")).is_public
