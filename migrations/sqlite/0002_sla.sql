-- Service levels: each case's clocks, the policies and the funds' calendars.

-- The clocks as one JSON document (relais_core::sla::CaseSla), in a table of
-- their own so that raising a threshold rewrites no more than them.
CREATE TABLE case_clocks (
    case_id BLOB PRIMARY KEY NOT NULL REFERENCES cases (id),
    sla     TEXT NOT NULL
) STRICT;

-- The instants the sweeper, the queues and the reports query, copied out of
-- the clocks onto the case's row.
-- The next instant the sweeper has something to raise on this case.
ALTER TABLE cases ADD COLUMN sla_next_check_at INTEGER;
-- The pending promise (first response, then resolution): its due and
-- warning instants (NULL while paused or once none is pending), whether it is
-- paused, and the highest escalation level raised on it.
ALTER TABLE cases ADD COLUMN sla_due_at INTEGER;
ALTER TABLE cases ADD COLUMN sla_warn_at INTEGER;
ALTER TABLE cases ADD COLUMN sla_paused INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN sla_escalation INTEGER NOT NULL DEFAULT 0;
-- Each promise's due instant, when it was met and the working time it took
-- (in seconds): reports read these and never recompute history.
ALTER TABLE cases ADD COLUMN first_response_due_at INTEGER;
ALTER TABLE cases ADD COLUMN first_response_met_at INTEGER;
ALTER TABLE cases ADD COLUMN first_response_secs INTEGER;
ALTER TABLE cases ADD COLUMN resolution_due_at INTEGER;
ALTER TABLE cases ADD COLUMN resolution_met_at INTEGER;
ALTER TABLE cases ADD COLUMN resolution_secs INTEGER;
ALTER TABLE cases ADD COLUMN taken_at INTEGER;
ALTER TABLE cases ADD COLUMN take_secs INTEGER;
-- When the clocks stopped (the case was withdrawn).
ALTER TABLE cases ADD COLUMN sla_stopped_at INTEGER;

CREATE INDEX cases_sla_sweep ON cases (sla_next_check_at) WHERE sla_next_check_at IS NOT NULL;
CREATE INDEX cases_by_handler_due ON cases (handler_org_id, sla_due_at) WHERE sla_due_at IS NOT NULL;

-- SLA events have no actor; they name the promise and the escalation level.
ALTER TABLE case_events ADD COLUMN sla_target TEXT;
ALTER TABLE case_events ADD COLUMN escalation_level INTEGER;

-- Policies per category: the default ones (scope '*') and a fund's
-- overrides (scope = the fund's id, as text).
CREATE TABLE sla_policies (
    scope      TEXT NOT NULL,
    category   TEXT NOT NULL,
    policy     TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (scope, category)
) STRICT;

-- How a fund counts working time, when it differs from whole working days
-- in its département's calendar.
CREATE TABLE organisation_calendars (
    organisation_id BLOB PRIMARY KEY NOT NULL REFERENCES organisations (id),
    config          TEXT NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;
