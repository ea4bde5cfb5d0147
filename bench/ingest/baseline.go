package main

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gofiber/fiber/v2"
)

// baselineApp serves POST /hooks/:slug with the least a receiver can do:
// verify the HMAC signature and answer 200 with the JSON Alertgate answers.
// It runs on Fiber with Alertgate's own timeouts, so the difference between
// the two measurements is what Alertgate does beyond that: find the
// source, decode, store durably.
func baselineApp(secret string) *fiber.App {
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
	return app
}

// startBaseline runs the baseline inside this process, beside the load
// generator: one Go runtime serves both ends, which spares the context
// switches between two processes. It returns the hook URL and a stop
// function.
func startBaseline(secret string) (url string, stop func() error, err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	app := baselineApp(secret)
	go app.Listener(ln)
	return hookURL(ln.Addr().String()), app.Shutdown, nil
}

// startBaselineProcess runs the baseline as a process of its own (this
// program again, with -serve-baseline), as Alertgate runs: the comparison
// the targets are judged by.
func startBaselineProcess(ctx context.Context, secret string) (url string, stop func() error, err error) {
	self, err := os.Executable()
	if err != nil {
		return "", nil, err
	}
	cmd := exec.CommandContext(ctx, self, "-serve-baseline")
	cmd.Env = append(os.Environ(), baselineSecretEnv+"="+secret)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return "", nil, fmt.Errorf("baseline process did not start: %w", err)
	}
	stop = func() error {
		cmd.Process.Signal(syscall.SIGTERM)
		return cmd.Wait()
	}
	return hookURL(strings.TrimSpace(addr)), stop, nil
}

// baselineSecretEnv hands the secret to the baseline process.
const baselineSecretEnv = "BENCH_BASELINE_SECRET"

// serveBaseline is the baseline process: it prints its address, then
// serves until SIGTERM.
func serveBaseline(ctx context.Context) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	app := baselineApp(os.Getenv(baselineSecretEnv))
	fmt.Println(ln.Addr().String())
	go func() {
		<-ctx.Done()
		app.Shutdown()
	}()
	return app.Listener(ln)
}

func hookURL(addr string) string { return "http://" + addr + "/hooks/bench" }

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
