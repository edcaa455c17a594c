package engine

import (
	"context"
	"fmt"
	"sync"

	"github.com/intermw/intermw/services/triplestore"
	"github.com/intermw/intermw/services/triplestore/engine/quadstore"
)

// rowBatch is the number of solutions handed from the producer to the
// reader at once.
const rowBatch = 128

// selectResult starts the evaluation of a SELECT in a goroutine that
// streams solutions to the returned Rows. The snapshot and the context
// are released when the rows are exhausted or closed.
func (e *Engine) selectResult(ctx context.Context, cancel context.CancelFunc, x *exec, sn *quadstore.Snapshot, c *compiled) (*triplestore.Result, error) {
	root, err := x.plan(c.root)
	if err != nil {
		cancel()
		sn.Release()
		return nil, err
	}
	ctx, cancel2 := context.WithCancel(ctx)
	x.ctx = ctx
	r := &rows{
		ch:     make(chan []triplestore.Binding, 2),
		done:   make(chan struct{}),
		cancel: func() { cancel2(); cancel() },
	}
	maxResults := e.cfg.MaxResults
	go func() {
		defer close(r.done)
		defer close(r.ch)
		defer sn.Release()
		defer func() {
			// A bug must not take the process down from this goroutine.
			if p := recover(); p != nil {
				r.mu.Lock()
				r.err = fmt.Errorf("engine: internal error evaluating the query: %v", p)
				r.mu.Unlock()
			}
		}()
		batch := make([]triplestore.Binding, 0, rowBatch)
		n := 0
		send := func() bool {
			select {
			case r.ch <- batch:
				batch = make([]triplestore.Binding, 0, rowBatch)
				return true
			case <-ctx.Done():
				x.fail(ctxError(ctx.Err()))
				return false
			}
		}
		root.run(x, x.newRow(), func(sol row) bool {
			n++
			if maxResults > 0 && n > maxResults {
				x.fail(fmt.Errorf("%w: more than %d solutions", triplestore.ErrResultTooBig, maxResults))
				return false
			}
			b := make(triplestore.Binding, len(c.outSlots))
			for i, s := range c.outSlots {
				if id := sol[s]; id != 0 {
					b[c.outNames[i]] = x.tt.term(id)
				}
			}
			batch = append(batch, b)
			if len(batch) == rowBatch {
				return send()
			}
			return true
		})
		if x.err == nil && len(batch) > 0 {
			send()
		}
		r.mu.Lock()
		r.err = x.err
		r.mu.Unlock()
	}()
	return &triplestore.Result{Form: triplestore.FormSelect, Vars: append([]string(nil), c.outNames...), Rows: r}, nil
}

// rows is the streamed solutions of a SELECT.
type rows struct {
	ch     chan []triplestore.Binding
	done   chan struct{}
	cancel func()

	cur   []triplestore.Binding
	i     int
	b     triplestore.Binding
	mu    sync.Mutex
	err   error
	once  sync.Once
	shut  bool
	early bool // closed before the producer finished
}

func (r *rows) Next() bool {
	if r.shut {
		return false
	}
	for r.i >= len(r.cur) {
		batch, ok := <-r.ch
		if !ok {
			<-r.done
			r.b = nil
			r.release()
			return false
		}
		r.cur, r.i = batch, 0
	}
	r.b = r.cur[r.i]
	r.i++
	return true
}

func (r *rows) Binding() triplestore.Binding { return r.b }

func (r *rows) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.early {
		return nil
	}
	return r.err
}

func (r *rows) release() { r.once.Do(r.cancel) }

// Close stops the evaluation and waits for it to end.
func (r *rows) Close() error {
	if r.shut {
		return nil
	}
	r.shut = true
	select {
	case <-r.done:
	default:
		r.early = true
	}
	r.release()
	for range r.ch {
	}
	<-r.done
	return nil
}
