-- The incidents spanning several days, by start and by end: what a
-- listing since a day reads to bound the start of what it lists (see
-- plan.SinceFloor), so that a page since a recent day seeks the
-- (start_date, id) index instead of walking it from the oldest incident.
-- Partial: most incidents last one day and are in neither.
CREATE INDEX incidents_spanning_start ON incidents (start_date, end_date) WHERE end_date > start_date;
CREATE INDEX incidents_spanning ON incidents (end_date, start_date) WHERE end_date > start_date;
