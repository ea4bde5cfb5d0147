package store

import (
	"runtime"
	"syscall"
)

// writerNice is the nice value the commit thread asks for in a flood.
// Every delivery waits on that one thread, so it must not queue for a CPU
// behind the HTTP goroutines feeding it: measured on 2 cores, ingest
// throughput rose by a sixth to a quarter with it, and by a few percent
// once the writer yielded after each commit (README, "Deploy on a VPS").
const writerNice = -10

// raiseWriterPriority moves the calling goroutine onto a thread of its own
// and gives that thread writerNice. Raising priority needs CAP_SYS_NICE or
// an RLIMIT_NICE that allows it (systemd LimitNICE=-10, docker --ulimit
// nice=30); without, the thread is released and runs as before.
func raiseWriterPriority() error {
	runtime.LockOSThread()
	if err := setThreadNice(writerNice); err != nil {
		runtime.UnlockOSThread()
		return err
	}
	return nil
}

// lowerWriterPriority undoes raiseWriterPriority (lowering is always
// allowed).
func lowerWriterPriority() {
	setThreadNice(0)
	runtime.UnlockOSThread()
}

func setThreadNice(nice int) error {
	return syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), nice)
}
