-- Cases that may be about the same person (same NIR or AGDREF number) but
-- were filed by different partners, who may not learn of each other's
-- files. Each link is stored in both directions, so that the agents of the
-- fund handling either case see the other.
CREATE TABLE case_links (
    case_id       BLOB NOT NULL REFERENCES cases (id),
    other_case_id BLOB NOT NULL REFERENCES cases (id),
    -- What both cases give: 'nir' or 'agdref'.
    matched_on    TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (case_id, other_case_id)
) STRICT, WITHOUT ROWID;
