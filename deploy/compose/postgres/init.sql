-- Run once by the postgres image on an empty data directory (compose.yaml).
-- The demo service's role and database, and the monitoring role the gateways' pgstats
-- receiver uses (pg_monitor only; its password is secrets/pg-password).
CREATE ROLE fraiseql LOGIN PASSWORD 'fraiseql-demo';
CREATE DATABASE fraiseql OWNER fraiseql;
CREATE ROLE otel_monitor LOGIN PASSWORD 'change-me-pg-monitor';
GRANT pg_monitor TO otel_monitor;
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
\connect fraiseql
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
