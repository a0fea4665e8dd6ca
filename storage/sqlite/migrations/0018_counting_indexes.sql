-- Profile counters are counted on every page of statuses; this makes the statuses count and the
-- last-status lookup index-only scans (the follow counts already are).
CREATE INDEX statuses_account_live ON statuses (account_id, id) WHERE deleted_at IS NULL;
