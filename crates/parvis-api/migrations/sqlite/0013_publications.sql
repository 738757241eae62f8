-- The study reports library (issue 11): publications of an organisation,
-- their themes (for the catalogue's exact filter and its counts), the
-- events they are linked to, their files, and their downloads counted per
-- month without any personal data.
--
-- The table of 0001 held each publication as one JSON document without an
-- organisation; it is replaced (its only row was the demo report, which the
-- demo content now seeds with its organisation and file).
DROP TABLE publications;

CREATE TABLE publications (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id  INTEGER NOT NULL REFERENCES organisations (id),
    slug             TEXT NOT NULL UNIQUE,
    title            TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN
                         ('rapport_etude', 'actes', 'programme', 'synthese', 'fiche_experience')),
    authors          TEXT NOT NULL,
    published_on     TEXT NOT NULL, -- YYYY-MM-DD: sorts as text
    period           TEXT,
    summary_json     TEXT NOT NULL, -- paragraphs
    themes_json      TEXT NOT NULL,
    territories_json TEXT NOT NULL,
    accessible_url   TEXT,
    access           TEXT NOT NULL CHECK (access IN ('public', 'inscrits')),
    published        INTEGER NOT NULL DEFAULT 0 CHECK (published IN (0, 1)),
    search_text      TEXT NOT NULL, -- parvis_core::search::normalise of title, summary, authors, themes
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
-- The catalogue: published ones, newest first (ties by id).
CREATE INDEX publications_catalogue ON publications (published, published_on DESC, id DESC);
CREATE INDEX publications_organisation ON publications (organisation_id, published_on DESC);
CREATE INDEX publications_kind ON publications (kind, published, published_on DESC);

CREATE TABLE publication_themes (
    publication_id INTEGER NOT NULL REFERENCES publications (id) ON DELETE CASCADE,
    theme          TEXT NOT NULL,
    PRIMARY KEY (theme, publication_id)
);
CREATE INDEX publication_themes_publication ON publication_themes (publication_id);

CREATE TABLE publication_events (
    publication_id INTEGER NOT NULL REFERENCES publications (id) ON DELETE CASCADE,
    event_id       INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    PRIMARY KEY (publication_id, event_id)
);
CREATE INDEX publication_events_event ON publication_events (event_id);

CREATE TABLE publication_files (
    id             TEXT PRIMARY KEY, -- random, URL-safe
    publication_id INTEGER NOT NULL REFERENCES publications (id) ON DELETE CASCADE,
    label          TEXT NOT NULL,
    name           TEXT NOT NULL,
    size           INTEGER NOT NULL,
    sha256         TEXT NOT NULL,
    accessible     INTEGER NOT NULL DEFAULT 0 CHECK (accessible IN (0, 1)),
    position       INTEGER NOT NULL,
    storage_key    TEXT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE INDEX publication_files_publication ON publication_files (publication_id, position);

-- Downloads per publication and month: a count, nothing about who.
CREATE TABLE publication_downloads (
    publication_id INTEGER NOT NULL REFERENCES publications (id) ON DELETE CASCADE,
    month          TEXT NOT NULL, -- YYYY-MM
    count          INTEGER NOT NULL,
    PRIMARY KEY (publication_id, month)
);

-- One row: the key signing reserved files' links (32 random bytes in hex,
-- made on first need), and the catalogue's version with its facets
-- computed for that version (NULL until a catalogue read computes them).
CREATE TABLE publication_settings (
    id                 INTEGER PRIMARY KEY CHECK (id = 1),
    download_key       TEXT,
    catalogue_version  INTEGER NOT NULL,
    facets_json        TEXT,
    facets_version     INTEGER
);
INSERT INTO publication_settings (id, catalogue_version) VALUES (1, 0);
