package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// receiver is the in-process webhook receiver every channel points at:
// channel i posts to /ch/i. It records, per notification, when each
// channel's forwarded message first arrived, and answers 200 at once.
type receiver struct {
	channels int
	srv      *http.Server
	base     string

	mu         sync.Mutex
	arrivals   map[string][]time.Time // notificationId → first arrival per channel (zero: not yet)
	messages   int                    // first arrivals, all channels
	duplicates int                    // a channel's second message for a notification
	unknown    int                    // requests without a readable envelope
	last       time.Time              // the newest first arrival
}

func startReceiver(channels int) (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &receiver{channels: channels, arrivals: map[string][]time.Time{}, base: "http://" + ln.Addr().String()}
	r.srv = &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go r.srv.Serve(ln)
	return r, nil
}

// urls are the channels' URLs, one per channel.
func (r *receiver) urls() []string {
	out := make([]string, r.channels)
	for i := range out {
		out[i] = fmt.Sprintf("%s/ch/%d", r.base, i)
	}
	return out
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	at := time.Now()
	body, _ := io.ReadAll(req.Body)
	var env struct {
		NotificationID string `json:"notificationId"`
	}
	ch, err := strconv.Atoi(strings.TrimPrefix(req.URL.Path, "/ch/"))
	if json.Unmarshal(body, &env) != nil || env.NotificationID == "" || err != nil || ch < 0 || ch >= r.channels {
		r.mu.Lock()
		r.unknown++
		r.mu.Unlock()
		w.WriteHeader(http.StatusOK)
		return
	}
	r.mu.Lock()
	a := r.arrivals[env.NotificationID]
	if a == nil {
		a = make([]time.Time, r.channels)
		r.arrivals[env.NotificationID] = a
	}
	if a[ch].IsZero() {
		a[ch] = at
		r.messages++
		r.last = at
	} else {
		r.duplicates++
	}
	r.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// count is how many first arrivals there are so far.
func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.messages
}

// firstAndAll returns when the first and when the last of the channels got
// the notification's message; all is zero until every channel has.
func (r *receiver) firstAndAll(id string) (first, all time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	missing := len(r.arrivals[id]) == 0
	for _, t := range r.arrivals[id] {
		if t.IsZero() {
			missing = true
			continue
		}
		if first.IsZero() || t.Before(first) {
			first = t
		}
		if t.After(all) {
			all = t
		}
	}
	if missing {
		all = time.Time{}
	}
	return first, all
}

func (r *receiver) stop() { r.srv.Close() }
