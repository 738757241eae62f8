-- The newsletter (« lettre d'information »), one per organisation.
--
-- A subscriber is an address of one organisation's list: the consent it
-- gave (the sentence shown and its date), when it confirmed its address by
-- the emailed link (double opt-in) and when it unsubscribed. An address
-- signs up once per organisation (lower-cased `email_key`).
CREATE TABLE newsletter_subscribers (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    email           TEXT NOT NULL,
    email_key       TEXT NOT NULL,
    consent_text    TEXT NOT NULL,
    consented_at    TEXT NOT NULL,
    confirmed_at    TEXT,
    unsubscribed_at TEXT,
    created_at      TEXT NOT NULL,
    UNIQUE (organisation_id, email_key)
);
CREATE INDEX newsletter_subscribers_email ON newsletter_subscribers (email_key);

-- Every confirmation email sent: the SHA-256 of its link's token, and the
-- consent the sign-up that asked for it gave (copied onto the subscriber
-- when the link is used). The rows count the emails against their bounds.
CREATE TABLE newsletter_confirmations (
    token_hash    TEXT PRIMARY KEY,
    subscriber_id INTEGER NOT NULL REFERENCES newsletter_subscribers (id) ON DELETE CASCADE,
    consent_text  TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX newsletter_confirmations_subscriber ON newsletter_confirmations (subscriber_id, created_at);
CREATE INDEX newsletter_confirmations_created ON newsletter_confirmations (created_at);

-- An issue an organiser wrote: `sent_at` once every confirmed subscriber's
-- email is queued (`started_at` when the sending began, so an interrupted
-- sending can resume).
CREATE TABLE newsletter_issues (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    account_id      INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    subject         TEXT NOT NULL,
    body_markdown   TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    started_at      TEXT,
    sent_at         TEXT
);
CREATE INDEX newsletter_issues_organisation ON newsletter_issues (organisation_id, id);

-- One row per issue and subscriber whose email was queued: sending again
-- skips them. `token_hash` is the SHA-256 of that email's unsubscribe
-- link; `message_id` joins the outbox (its dead letters are the bounces).
CREATE TABLE newsletter_deliveries (
    issue_id      INTEGER NOT NULL REFERENCES newsletter_issues (id) ON DELETE CASCADE,
    subscriber_id INTEGER NOT NULL REFERENCES newsletter_subscribers (id) ON DELETE CASCADE,
    token_hash    TEXT NOT NULL UNIQUE,
    message_id    TEXT NOT NULL UNIQUE,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (issue_id, subscriber_id)
);
CREATE INDEX newsletter_deliveries_subscriber ON newsletter_deliveries (subscriber_id);

-- The `List-Unsubscribe` header of a newsletter email (RFC 2369, with
-- RFC 8058's one-click POST): it carries the unsubscribe link, so it is
-- cleared once the email is delivered, as the body is.
ALTER TABLE outbox ADD COLUMN list_unsubscribe TEXT;
