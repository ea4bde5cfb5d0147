package handlers

import (
	"bytes"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

func TestPanicIsA500NotACrash(t *testing.T) {
	var logs bytes.Buffer
	h := &Handler{log: slog.New(slog.NewTextHandler(&logs, nil))}
	app := fiber.New(fiber.Config{ErrorHandler: h.handleError})
	app.Use(h.recoverPanics())
	app.Post("/hooks/boom", func(c *fiber.Ctx) error {
		var m []int
		return c.SendString(string(rune(m[3]))) // index out of range
	})
	app.Get("/ok", func(c *fiber.Ctx) error { return c.SendString("ok") })

	resp, err := app.Test(httptest.NewRequest("POST", "/hooks/boom", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != fiber.StatusInternalServerError {
		t.Fatalf("panicking handler answered %d, want 500", resp.StatusCode)
	}
	if !strings.Contains(logs.String(), "panic while handling a request") || !strings.Contains(logs.String(), "index out of range") {
		t.Fatalf("panic not logged with its cause:\n%s", logs.String())
	}
	if resp, err := app.Test(httptest.NewRequest("GET", "/ok", nil), -1); err != nil || resp.StatusCode != 200 {
		t.Fatalf("after the panic: %v %v", resp, err)
	}
}
