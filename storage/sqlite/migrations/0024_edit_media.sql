-- The media of each revision, as Mastodon's status_edits keep them (ordered_media_attachment_ids and
-- media_descriptions): a JSON array of [media id, description] in the post's order, so the history
-- shows each revision's alt text. NULL: a revision recorded before this column (shown without media).
ALTER TABLE status_edits ADD COLUMN media TEXT;
