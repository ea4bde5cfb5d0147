package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
)

func TestMarkRemediated(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	src, _ := s.CreateSource(ctx, Actor{}, NewSource{Slug: "a", Kind: "generic", Secret: "0123456789abcdef"})
	id := ingestEvent(t, s, src.ID, "k", alert.Open).Changes[0].NotificationID
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	if err := s.MarkRemediated(ctx, id, at); err != nil {
		t.Fatal(err)
	}
	var got time.Time
	if err := s.reader.QueryRow("SELECT remediated_at FROM notifications WHERE id = ?", id).Scan(&got); err != nil || !got.Equal(at) {
		t.Fatalf("remediated_at = %v, %v; want %v", got, err, at)
	}
	if err := s.MarkRemediated(ctx, "no-such-id", at); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown id: %v, want ErrNotFound", err)
	}
}
