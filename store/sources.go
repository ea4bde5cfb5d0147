package store

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/store/db"
)

// DefaultResolveAfter is how long an autoheal source waits without a new
// failure before it closes the container's notification: autoheal never
// reports a recovery.
const DefaultResolveAfter = 15 * time.Minute

// RotationGrace is how long a rotated-out secret still verifies, so senders
// can be updated without losing deliveries.
const RotationGrace = 24 * time.Hour

var slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// NewSource is what an admin (or the provisioning file) gives for a source.
type NewSource struct {
	Slug, Name, Kind, Secret string
	RatePerMinute            int64
	ResolveAfter             time.Duration
	// Settings are the kind-specific choices (see alert.Settings).
	Settings alert.Settings
}

func (n *NewSource) validate() error {
	if !slugPattern.MatchString(n.Slug) {
		return invalid("slug", "a slug is 1 to 63 lowercase letters, digits or '-', starting with a letter or digit; it becomes /hooks/SLUG")
	}
	if n.Name == "" {
		n.Name = n.Slug
	}
	if _, ok := alert.Lookup(n.Kind); !ok {
		return invalid("kind", fmt.Sprintf("kind %q is not one of %v", n.Kind, alert.KindNames()))
	}
	if len(n.Secret) < 16 {
		return invalid("secret", "a secret needs at least 16 characters")
	}
	if n.RatePerMinute < 0 {
		return invalid("rate_per_minute", "the rate cap cannot be negative (0 means no cap)")
	}
	if n.ResolveAfter == 0 {
		n.ResolveAfter = DefaultResolveAfter
	}
	if n.ResolveAfter < time.Minute {
		return invalid("resolve_after", "resolve_after must be at least 1m")
	}
	if err := n.Settings.Check(); err != nil {
		return invalid("settings", err.Error())
	}
	return nil
}

// CheckSource validates a source and fills in defaults, without storing it.
func CheckSource(n *NewSource) error { return n.validate() }

// CreateSource adds a source; a taken slug is ErrConflict.
func (s *Store) CreateSource(ctx context.Context, a Actor, n NewSource) (db.Source, error) {
	if err := n.validate(); err != nil {
		return db.Source{}, err
	}
	var src db.Source
	err := s.sourceTx(ctx, func(q *db.Queries) error {
		now := time.Now().UTC()
		var err error
		src, err = q.CreateSource(ctx, db.CreateSourceParams{
			Slug: n.Slug, Name: n.Name, Kind: n.Kind, Secret: n.Secret, RatePerMinute: n.RatePerMinute,
			ResolveAfterSeconds: int64(n.ResolveAfter.Seconds()), Settings: n.Settings.Text(), CreatedAt: now, UpdatedAt: now,
		})
		if isUnique(err) {
			return fmt.Errorf("store: a source with slug %q already exists: %w", n.Slug, ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("store: create source %s: %w", n.Slug, err)
		}
		return addAudit(ctx, q, a, "source_created", n.Slug, "kind "+n.Kind)
	})
	return src, err
}

// Source reads one source by id.
func (s *Store) Source(ctx context.Context, id int64) (db.Source, error) {
	src, err := s.read.GetSource(ctx, id)
	if err != nil {
		return db.Source{}, notFound(err, fmt.Sprintf("source %d", id))
	}
	return src, nil
}

// SourceBySlug finds the source behind /hooks/{slug}, from memory.
func (s *Store) SourceBySlug(ctx context.Context, slug string) (db.Source, error) {
	bySlug, err := s.sources.get(ctx, s.loadSources)
	if err != nil {
		return db.Source{}, fmt.Errorf("store: load sources: %w", err)
	}
	src, ok := bySlug[slug]
	if !ok {
		return db.Source{}, fmt.Errorf("store: source %s: %w", slug, ErrNotFound)
	}
	return src, nil
}

func (s *Store) loadSources(ctx context.Context) (map[string]db.Source, error) {
	rows, err := s.read.AllSources(ctx)
	m := make(map[string]db.Source, len(rows))
	for _, r := range rows {
		m[r.Slug] = r
	}
	return m, err
}

// sourceTx is Tx for a change to sources: the in-memory copy is dropped
// once the change is committed (and also if it failed, which costs one
// reload and can never leave a stale copy).
func (s *Store) sourceTx(ctx context.Context, fn func(q *db.Queries) error) error {
	defer s.sources.invalidate()
	return s.Tx(ctx, fn)
}

// Sources lists every source with its open and rejected counts.
func (s *Store) Sources(ctx context.Context) ([]db.ListSourcesRow, error) {
	rows, err := s.read.ListSources(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: list sources: %w", err)
	}
	return rows, nil
}

// editable loads a source an admin may change: provisioned ones belong to
// the provisioning file.
func editable(ctx context.Context, q *db.Queries, id int64) (db.Source, error) {
	src, err := q.GetSource(ctx, id)
	if err != nil {
		return db.Source{}, notFound(err, fmt.Sprintf("source %d", id))
	}
	if src.Provisioned {
		return db.Source{}, fmt.Errorf("store: source %s comes from the provisioning file; change it there: %w", src.Slug, ErrConflict)
	}
	return src, nil
}

// RotateSecret gives a source a new secret; the old one keeps verifying
// until now + grace.
func (s *Store) RotateSecret(ctx context.Context, a Actor, id int64, secret string, grace time.Duration) error {
	if len(secret) < 16 {
		return invalid("secret", "a secret needs at least 16 characters")
	}
	return s.sourceTx(ctx, func(q *db.Queries) error {
		src, err := editable(ctx, q, id)
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		err = q.RotateSourceSecret(ctx, db.RotateSourceSecretParams{
			Secret: secret, OldSecretUntil: sql.NullTime{Time: now.Add(grace), Valid: true}, UpdatedAt: now, ID: id,
		})
		if err != nil {
			return fmt.Errorf("store: rotate secret of %s: %w", src.Slug, err)
		}
		return addAudit(ctx, q, a, "source_secret_rotated", src.Slug, "old secret valid for "+grace.String())
	})
}

// SetSourceDisabled stops (or resumes) accepting deliveries at a source.
func (s *Store) SetSourceDisabled(ctx context.Context, a Actor, id int64, disabled bool) error {
	return s.sourceTx(ctx, func(q *db.Queries) error {
		src, err := editable(ctx, q, id)
		if err != nil {
			return err
		}
		if err := q.SetSourceDisabled(ctx, db.SetSourceDisabledParams{Disabled: disabled, UpdatedAt: time.Now().UTC(), ID: id}); err != nil {
			return fmt.Errorf("store: disable source %s: %w", src.Slug, err)
		}
		action := "source_enabled"
		if disabled {
			action = "source_disabled"
		}
		return addAudit(ctx, q, a, action, src.Slug, "")
	})
}

// SetSourceLimits changes a source's delivery cap per minute (0: none) and
// how long autoheal failures stay open without a new one.
func (s *Store) SetSourceLimits(ctx context.Context, a Actor, id, ratePerMinute int64, resolveAfter time.Duration) error {
	return s.sourceTx(ctx, func(q *db.Queries) error {
		src, err := editable(ctx, q, id)
		if err != nil {
			return err
		}
		n := NewSource{Slug: src.Slug, Name: src.Name, Kind: src.Kind, Secret: src.Secret, RatePerMinute: ratePerMinute, ResolveAfter: resolveAfter}
		if err := n.validate(); err != nil {
			return err
		}
		err = q.SetSourceLimits(ctx, db.SetSourceLimitsParams{
			RatePerMinute: n.RatePerMinute, ResolveAfterSeconds: int64(n.ResolveAfter.Seconds()), UpdatedAt: time.Now().UTC(), ID: id,
		})
		if err != nil {
			return fmt.Errorf("store: set limits of %s: %w", src.Slug, err)
		}
		detail := fmt.Sprintf("rate_per_minute %d, resolve_after %s", n.RatePerMinute, n.ResolveAfter)
		return addAudit(ctx, q, a, "source_limits_changed", src.Slug, detail)
	})
}

// SetSourceSettings changes a source's kind-specific settings.
func (s *Store) SetSourceSettings(ctx context.Context, a Actor, id int64, settings alert.Settings) error {
	if err := settings.Check(); err != nil {
		return invalid("settings", err.Error())
	}
	return s.sourceTx(ctx, func(q *db.Queries) error {
		src, err := editable(ctx, q, id)
		if err != nil {
			return err
		}
		text := settings.Text()
		if err := q.SetSourceSettings(ctx, db.SetSourceSettingsParams{Settings: text, UpdatedAt: time.Now().UTC(), ID: id}); err != nil {
			return fmt.Errorf("store: set settings of %s: %w", src.Slug, err)
		}
		return addAudit(ctx, q, a, "source_settings_changed", src.Slug, text)
	})
}

// DeleteSource removes a source with its deliveries and notifications.
func (s *Store) DeleteSource(ctx context.Context, a Actor, id int64) error {
	return s.sourceTx(ctx, func(q *db.Queries) error {
		src, err := editable(ctx, q, id)
		if err != nil {
			return err
		}
		if err := q.DeleteSource(ctx, id); err != nil {
			return fmt.Errorf("store: delete source %s: %w", src.Slug, err)
		}
		return addAudit(ctx, q, a, "source_deleted", src.Slug, "")
	})
}

// ProvisionSources makes the provisioned sources exactly those given:
// created or updated by slug; ones dropped from the file are disabled (not
// deleted, so their history stays) and become editable. What changed is
// audited, so a restart with the same file adds nothing to the log.
func (s *Store) ProvisionSources(ctx context.Context, sources []NewSource) error {
	for i := range sources {
		if err := sources[i].validate(); err != nil {
			return fmt.Errorf("source %q: %w", sources[i].Slug, err)
		}
	}
	return s.sourceTx(ctx, func(q *db.Queries) error {
		before, err := q.AllSources(ctx)
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		var slugs []string
		for _, n := range sources {
			err := q.UpsertProvisionedSource(ctx, db.UpsertProvisionedSourceParams{
				Slug: n.Slug, Name: n.Name, Kind: n.Kind, Secret: n.Secret, RatePerMinute: n.RatePerMinute,
				ResolveAfterSeconds: int64(n.ResolveAfter.Seconds()), Settings: n.Settings.Text(), CreatedAt: now, UpdatedAt: now,
			})
			if err != nil {
				return fmt.Errorf("store: provision source %s: %w", n.Slug, err)
			}
			slugs = append(slugs, n.Slug)
		}
		if len(slugs) == 0 {
			err = q.UnprovisionAllSources(ctx, now)
		} else {
			err = q.UnprovisionSourcesExcept(ctx, db.UnprovisionSourcesExceptParams{UpdatedAt: now, Slugs: slugs})
		}
		if err != nil {
			return err
		}
		return auditProvisioning(ctx, q, before, sources)
	})
}

// auditProvisioning records what applying the file changed.
func auditProvisioning(ctx context.Context, q *db.Queries, before []db.Source, sources []NewSource) error {
	a := Actor{Name: "provisioning"}
	old := map[string]db.Source{}
	for _, src := range before {
		old[src.Slug] = src
	}
	kept := map[string]bool{}
	for _, n := range sources {
		kept[n.Slug] = true
		o, found := old[n.Slug]
		action := ""
		switch {
		case !found:
			action = "source_created"
		case !o.Provisioned || o.Disabled || o.Name != n.Name || o.Kind != n.Kind || o.Secret != n.Secret ||
			o.RatePerMinute != n.RatePerMinute || o.ResolveAfterSeconds != int64(n.ResolveAfter.Seconds()) || o.Settings != n.Settings.Text():
			action = "source_updated"
		}
		if action != "" {
			if err := addAudit(ctx, q, a, action, n.Slug, "from the provisioning file"); err != nil {
				return err
			}
		}
	}
	for _, o := range before {
		if o.Provisioned && !kept[o.Slug] {
			if err := addAudit(ctx, q, a, "source_disabled", o.Slug, "dropped from the provisioning file"); err != nil {
				return err
			}
		}
	}
	return nil
}

// Rejection is a refused request at a source's endpoint, already redacted.
type Rejection struct {
	IP          string
	Status      int
	Reason      string
	Headers     string
	BodyExcerpt string
}

// keepRejected is how many rejections are kept per source.
const keepRejected = 200

// Reject records a refused request, keeping the newest 200 per source. It
// goes through the group commit like deliveries, so a flood of bad requests
// shares transactions instead of queueing one each in front of good ones.
func (s *Store) Reject(ctx context.Context, sourceID int64, r Rejection) error {
	return s.Batch(ctx, func(ctx context.Context, q *db.Queries) error {
		err := q.AddRejected(ctx, db.AddRejectedParams{
			SourceID: sourceID, At: time.Now().UTC(), Ip: r.IP, Status: int64(r.Status),
			Reason: r.Reason, Headers: r.Headers, BodyExcerpt: r.BodyExcerpt,
		})
		if err != nil {
			return fmt.Errorf("store: record rejection: %w", err)
		}
		return q.TrimRejected(ctx, db.TrimRejectedParams{SourceID: sourceID, Keep: keepRejected})
	})
}

// Rejected lists a source's newest rejections.
func (s *Store) Rejected(ctx context.Context, sourceID int64, limit int) ([]db.Rejected, error) {
	rows, err := s.read.ListRejected(ctx, db.ListRejectedParams{SourceID: sourceID, Limit: int64(limit)})
	if err != nil {
		return nil, fmt.Errorf("store: list rejections: %w", err)
	}
	return rows, nil
}

// Deliveries lists a source's newest accepted deliveries.
func (s *Store) Deliveries(ctx context.Context, sourceID int64, limit int) ([]db.ListDeliveriesRow, error) {
	rows, err := s.read.ListDeliveries(ctx, db.ListDeliveriesParams{SourceID: sourceID, Limit: int64(limit)})
	if err != nil {
		return nil, fmt.Errorf("store: list deliveries: %w", err)
	}
	return rows, nil
}
