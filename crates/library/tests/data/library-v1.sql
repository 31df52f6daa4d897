-- A library database as written by genrekit with migration list version 1 (user_version 1),
-- frozen as a dump. Never edit it: tests/upgrade.rs checks that today's genrekit opens and
-- upgrades it with its data intact. Add a new dump when a migration is added.
BEGIN TRANSACTION;
CREATE TABLE feature_sets (
    id             INTEGER PRIMARY KEY,
    schema_version INTEGER NOT NULL UNIQUE,
    names          TEXT    NOT NULL -- JSON array of feature names, in vector order
);

CREATE TABLE tracks (
    id            INTEGER PRIMARY KEY,
    path          TEXT    NOT NULL UNIQUE,
    size          INTEGER NOT NULL,
    mtime_ns      INTEGER NOT NULL, -- modification time, ns since the Unix epoch
    content_hash  INTEGER,          -- xxh3-64 of the whole file, bit-cast to i64
    duration_s    REAL,
    sample_rate   INTEGER,
    channels      INTEGER,
    codec         TEXT,
    title         TEXT,
    artist        TEXT,
    album         TEXT,
    tag_genre     TEXT,
    schema_version INTEGER NOT NULL, -- feature schema the analysis ran with
    analyzed_at   INTEGER NOT NULL, -- Unix seconds
    error_kind    TEXT,             -- NULL when the analysis succeeded
    error_message TEXT
);
CREATE INDEX tracks_error_kind ON tracks(error_kind) WHERE error_kind IS NOT NULL;

CREATE TABLE snippets (
    id             INTEGER PRIMARY KEY,
    track_id       INTEGER NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
    idx            INTEGER NOT NULL,
    start_s        REAL    NOT NULL,
    end_s          REAL    NOT NULL,
    n_samples      INTEGER NOT NULL,
    schema_version INTEGER NOT NULL,
    feature_set_id INTEGER NOT NULL REFERENCES feature_sets(id),
    features       BLOB    NOT NULL, -- little-endian f32, one per feature name
    UNIQUE (track_id, idx)
);
CREATE INDEX snippets_schema ON snippets(schema_version);

CREATE TABLE predictions (
    id            INTEGER PRIMARY KEY,
    track_id      INTEGER NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
    model_id      TEXT    NOT NULL,
    genre         TEXT    NOT NULL,
    confidence    REAL    NOT NULL,
    margin        REAL    NOT NULL,
    probabilities TEXT    NOT NULL, -- JSON object genre -> probability
    snippet_probabilities TEXT NOT NULL, -- JSON array of such objects, in snippet order
    predicted_at  INTEGER NOT NULL,
    UNIQUE (track_id, model_id)
);
CREATE INDEX predictions_genre ON predictions(genre);

CREATE TABLE labels (
    id         INTEGER PRIMARY KEY,
    track_id   INTEGER NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
    genre      TEXT    NOT NULL,
    source     TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX labels_track ON labels(track_id);
CREATE INDEX labels_genre ON labels(genre);

CREATE TABLE likes (
    track_id   INTEGER PRIMARY KEY REFERENCES tracks(id) ON DELETE CASCADE,
    value      INTEGER NOT NULL CHECK (value IN (-1, 1)),
    created_at INTEGER NOT NULL
);
CREATE INDEX likes_value ON likes(value);

INSERT INTO feature_sets VALUES (1, 1, '["rms_mean","tempo","mfcc1_mean"]');
INSERT INTO tracks VALUES (1, '/music/blues/blues.00000.wav', 1323632, 1700000000000000000, 1234567890123, 30.013, 22050, 1, 'pcm_s16le', 'Blues Song', 'Somebody', NULL, 'Blues', 1, 1700000100, NULL, NULL);
INSERT INTO tracks VALUES (2, '/music/bad/broken.mp3', 17, 1700000000000000000, -42, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 1, 1700000100, 'decode', 'broken.mp3: no MP3 frame found');
INSERT INTO snippets VALUES (1, 1, 0, 0.0, 30.013, 661794, 1, 1, X'0000003E0018F6420000E3C2');
INSERT INTO predictions VALUES (1, 1, 'knn-v1', 'blues', 0.8, 0.6, '{"blues":0.8,"jazz":0.2}', '[{"blues":0.8,"jazz":0.2}]', 1700000100);
INSERT INTO labels VALUES (1, 1, 'blues', 'user', 1700000200);
INSERT INTO likes VALUES (1, 1, 1700000300);
PRAGMA user_version = 1;
COMMIT;
