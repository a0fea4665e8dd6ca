-- Mastodon 4.3's grouped notifications: favourites and boosts of one status, and follows, that
-- arrive within a window share a group_key (NotificationStore.add sets it; NULL for the types
-- Mastodon does not group, which answer as "ungrouped-<id>"). Older rows stay ungrouped, as
-- they do on a Mastodon server upgraded to 4.3.
ALTER TABLE notifications ADD COLUMN group_key TEXT;
CREATE INDEX notifications_group ON notifications (account_id, group_key, id) WHERE group_key IS NOT NULL;
