//go:build !linux

package store

import "errors"

// raiseWriterPriority is Linux-only (per-thread nice values).
func raiseWriterPriority() error { return errors.ErrUnsupported }

func lowerWriterPriority() {}
