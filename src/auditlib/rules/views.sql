-- Shared derivations of the rule catalogue, each written once.
--
-- Installed by auditlib.rules.engine.set_parameters (via auditlib.rules.views) after the
-- DuckDB variables and the date macros: TEMP views live in the connection, so they work on a
-- read-only snapshot, and a view is re-bound at every query, so getvariable(...) and the
-- macros read the values of the run in progress.
--
-- Each view starts with a "-- view: <name>" line; auditlib.rules.views splits the file
-- there. A rule's `tables` key still lists the real tables (gate blocking works on tables):
-- the catalogue tests expand these views into the tables they read.

-- view: dsr_deadlines
-- One row per data subject request received on or before D (GDPR Art. 12(3)/(4)), as
-- DSR-01, DSR-02 and DSR-06 judge it (their decisions say why):
-- received/notified_on/completed_on/verified_on are Stockholm dates of the instants;
-- due_1m = roll(add_months(received, 1)), due_3m = roll(add_months(received, 3));
-- notified_by_d and answered keep only what was known at the end of D; an extension is
-- valid when notified by due_1m with a reason (NULL flag = no reason, fail closed); a
-- refusal is due by due_1m even with a valid extension. A NULL received_at, or a received
-- day outside the holiday calendar, makes every rule reading the view error (fail closed):
-- the guards in views_guards.toml check that before the rule runs, the same on every engine.
CREATE OR REPLACE TEMP VIEW dsr_deadlines AS
WITH r AS (
    SELECT request_id, outcome, extended_on, extension_reason_present,
           sthlm_date(received_at) AS received,
           sthlm_date(extension_notified_at) AS notified_on,
           sthlm_date(completed_at) AS completed_on,
           sthlm_date(identity_verified_at) AS verified_on
    FROM dsr_requests
),
d AS (
    -- roll(x) is the calendar's rolled day of x (auditlib.dates' _calendar, the table the
    -- roll() macro reads), joined once per deadline: a join is what every engine runs fast;
    -- a received day whose deadlines fall outside the calendar is refused by the view's guard.
    SELECT r.*,
           c1.rolled AS due_1m,
           c3.rolled AS due_3m,
           -- what was known at the end of D: a notice sent after D had not been sent yet
           CASE WHEN notified_on <= getvariable('as_of') THEN notified_on END AS notified_by_d,
           CASE WHEN completed_on <= getvariable('as_of') THEN completed_on END AS answered
    FROM r
    LEFT JOIN _calendar AS c1 ON c1.day = add_months(r.received, 1)
    LEFT JOIN _calendar AS c3 ON c3.day = add_months(r.received, 3)
    WHERE r.received <= getvariable('as_of')
),
e AS (
    SELECT d.*,
           coalesce(notified_by_d <= due_1m AND extension_reason_present, false) AS extension_valid
    FROM d
)
SELECT e.*,
       CASE WHEN outcome = 'refused' THEN due_1m
            WHEN extension_valid THEN due_3m
            ELSE due_1m END AS due,
       extension_valid AND outcome IS DISTINCT FROM 'refused' AS extension_used
FROM e;

-- view: customer_deletion_due
-- One row per customer that has ended at D (RET-01's decisions say why): it has at least
-- one contract and every contract has an ends_on before D (NULL = running); customers are
-- taken from contracts.customer_id. held: a legal hold is in force at D (placed_on <= D,
-- not lifted by D; placed_on NULL never exempts). deletion_due =
-- add_months(relationship_end, grace), moved later to add_months(last_lifted_on, grace)
-- when a hold was lifted on or before D; never rolled to a working day.
CREATE OR REPLACE TEMP VIEW customer_deletion_due AS
WITH ended AS (
    SELECT customer_id, max(ends_on) AS relationship_end
    FROM contracts
    WHERE customer_id IS NOT NULL
    GROUP BY customer_id
    HAVING bool_and(ends_on IS NOT NULL AND ends_on < getvariable('as_of'))
),
holds AS (
    SELECT customer_id,
           bool_or(coalesce(placed_on <= getvariable('as_of')
                   AND (lifted_on IS NULL OR lifted_on > getvariable('as_of')), false)) AS in_force,
           max(lifted_on) FILTER (WHERE lifted_on <= getvariable('as_of')) AS last_lifted_on
    FROM legal_holds
    WHERE customer_id IS NOT NULL
    GROUP BY customer_id
)
SELECT e.customer_id, e.relationship_end, h.last_lifted_on,
       coalesce(h.in_force, false) AS held,
       greatest(add_months(e.relationship_end, getvariable('offboarding_grace_months')),
                add_months(h.last_lifted_on, getvariable('offboarding_grace_months'))) AS deletion_due
FROM ended e LEFT JOIN holds h USING (customer_id);
