-- A source's own choices about how its deliveries verify and decode (the
-- label that names an Alertmanager alert's component, severity words,
-- Grafana's timestamp header), as the JSON of alert.Settings. '{}' is every
-- kind's default.
ALTER TABLE sources ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
