-- The event editor: an event is a draft (seen only in the back-office),
-- published, or cancelled by its organiser (every registrant told). Rows
-- written before were all public.
ALTER TABLE events ADD COLUMN status TEXT NOT NULL DEFAULT 'published'
    CHECK (status IN ('draft', 'published', 'cancelled'));
ALTER TABLE events ADD COLUMN updated_at TEXT;
