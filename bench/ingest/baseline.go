package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
)

// startBaseline serves POST /hooks/:slug with the least a receiver can do:
// verify the HMAC signature and answer 200 with the JSON Alertgate answers.
// It runs on Fiber with Alertgate's own timeouts, so the difference between
// the two measurements is what Alertgate does beyond that: find the
// source, decode, store durably. It returns the hook URL and a stop function.
func startBaseline(secret string) (url string, stop func() error, err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	app := fiber.New(fiber.Config{
		DisableStartupMessage: true,
		BodyLimit:             2<<20 + 64<<10,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           120 * time.Second,
	})
	var ids atomic.Int64
	app.Post("/hooks/:slug", func(c *fiber.Ctx) error {
		if !validSignature(secret, c.Body(), c.Get("X-Signature")) {
			return c.Status(fiber.StatusUnauthorized).JSON(fiber.Map{"error": "unauthorized"})
		}
		return c.JSON(fiber.Map{"status": "accepted", "id": ids.Add(1)})
	})
	go app.Listener(ln)
	return "http://" + ln.Addr().String() + "/hooks/bench", app.Shutdown, nil
}

// validSignature checks "sha256=<hex HMAC-SHA256(secret, body)>" in constant
// time, as Alertgate's generic kind does.
func validSignature(secret string, body []byte, header string) bool {
	got, err := hex.DecodeString(strings.TrimPrefix(header, "sha256="))
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}
