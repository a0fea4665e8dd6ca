-- A streamed status is rendered once for every viewer it looks the same to; finding the few it
-- does not (TimelineStore.individual_viewers) looks these tables up by status, thread or target.
CREATE INDEX mutes_target ON mutes (target_account_id);
CREATE INDEX bookmarks_status ON bookmarks (status_id);
CREATE INDEX status_pins_status ON status_pins (status_id);
CREATE INDEX thread_mutes_thread ON thread_mutes (thread_id);
