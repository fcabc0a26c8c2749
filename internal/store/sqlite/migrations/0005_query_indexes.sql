-- Incidents spanning several days, by end: what bounds the start of a
-- listing since a day (see plan.Where), so that a page since a recent day
-- seeks the (start_date, id) index instead of walking it from the oldest
-- incident. Partial: most incidents last one day and are not in it.
CREATE INDEX incidents_spanning ON incidents (end_date, start_date) WHERE end_date > start_date;
