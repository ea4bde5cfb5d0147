// Package queries holds the SQL: forward-only migrations, applied in order by
// the store, and the queries sqlc turns into store/db.
package queries

import "embed"

// Migrations are the schema files, named NNNN_verb_noun.sql; NNNN is the
// schema version (PRAGMA user_version) the file brings the database to.
//
//go:embed migrations/*.sql
var Migrations embed.FS
