package broker

import (
	"context"
	"fmt"
)

// PanicError is what CallHandler returns when a handler panics.
type PanicError struct {
	Value any // what the handler panicked with
}

func (e *PanicError) Error() string { return fmt.Sprintf("handler panicked: %v", e.Value) }

// CallHandler calls h and turns a panic into a *PanicError, so that a
// handler bug is a failed delivery (redelivered, then dead-lettered) rather
// than a crashed process. Every backend calls handlers through it.
func CallHandler(ctx context.Context, h Handler, m *Message) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v}
		}
	}()
	return h(ctx, m)
}
