package ipsmrm

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/messages/routing"
)

// propPlatformType names the platform type in a Platform_register payload.
const propPlatformType = "http://inter-iot.eu/INTERMW#platformType"

// errNoReceiver: a message bound for platforms names none.
var errNoReceiver = errors.New("message bound for platforms has no ReceiverPlatformId")

// handleDown routes one message from PRM to the bridges of its receivers.
func (r *IPSMRM) handleDown(ctx context.Context, bm *broker.Message) error {
	e, err := r.reader.Open(ctx, bm)
	if e == nil {
		return err
	}
	md := e.Meta
	log := r.msgLog(md)
	if len(md.ReceiverPlatformIDs) == 0 {
		m, err := r.reader.Load(ctx, e)
		if m == nil {
			return err
		}
		return r.replyError(ctx, log, m, errNoReceiver)
	}
	register := md.Is(messages.PlatformRegister) && !md.Is(messages.Response)
	lc, hasLifecycle := r.cfg.Translator.(Lifecycle)
	changed := hasLifecycle && (register || md.Is(messages.PlatformUpdate)) && !md.Is(messages.Response)
	data := false
	if isData(md) {
		for _, pid := range md.ReceiverPlatformIDs {
			data = data || r.translates(Downstream, pid)
		}
	}
	var m *messages.Message
	if register || changed || data {
		// The registration's payload describes the platform; translation
		// works on the whole message.
		if m, err = r.reader.Load(ctx, e); m == nil {
			return err
		}
		md = &m.Metadata
	}
	if register || changed {
		infos := make([]PlatformInfo, len(md.ReceiverPlatformIDs))
		for i, pid := range md.ReceiverPlatformIDs {
			infos[i] = platformInfo(pid, m)
			if infos[i].Type == "" { // an update need not repeat the type
				infos[i].Type = r.info(pid).Type
			}
		}
		if changed {
			var errs []error
			for _, info := range infos {
				if err := lc.PlatformChanged(ctx, info); err != nil {
					errs = append(errs, err)
				}
			}
			if err := errors.Join(errs...); err != nil {
				return r.replyError(ctx, log, m, fmt.Errorf("translation channels: %w", err))
			}
		}
		for _, info := range infos {
			r.learn(info)
		}
	}
	headers := r.reader.PassHeaders(e)
	for _, pid := range md.ReceiverPlatformIDs {
		plog := log
		if r.debug {
			plog = log.WithField("platformId", pid)
		}
		// Consume the bridge's answers before asking it anything.
		topic, err := r.ensureSubscribed(ctx, pid)
		if err != nil {
			return err
		}
		out := broker.Message{Key: bm.Key, Headers: headers, Body: bm.Body}
		if data && r.translates(Downstream, pid) {
			tm, err := r.cfg.Translator.Translate(ctx, m.Clone(), Downstream, r.info(pid))
			if err != nil {
				if err := r.replyError(ctx, plog, m, fmt.Errorf("translating for %s: %w", pid, err)); err != nil {
					return err
				}
				continue
			}
			if out.Body, err = r.cfg.Codec.Encode(tm); err != nil {
				return fmt.Errorf("ipsmrm: encode: %w", err)
			}
			out.Headers = routing.Headers(nil, &tm.Metadata, out.Body)
		}
		if register {
			r.sendRegister(plog, pid, m, topic, out)
			continue
		}
		if r.hold(pid, out) {
			plog.Debug("held until the bridge answers its Platform_register")
			continue
		}
		plog.Debug("to the bridge")
		if err := r.cfg.Broker.Publish(ctx, topic, out); err != nil {
			return err
		}
	}
	return nil
}

// sendRegister sends a Platform_register to a bridge and repeats it until
// the bridge answers: the bridges host starts consuming a new platform's
// topic when it sees the request on prm_ipsmrm, concurrently with us, and
// a message published on a topic nobody consumes yet is lost. The host
// ignores the repeats (same conversation) of a registration it has made.
func (r *IPSMRM) sendRegister(log logrus.FieldLogger, pid string, req *messages.Message, topic string, out broker.Message) {
	key := req.Metadata.ConversationID + " " + pid
	acked := make(chan struct{})
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.pending[key] = acked
	r.platforms[pid].registering++
	r.retries.Add(1)
	r.mu.Unlock()
	go func() {
		defer r.retries.Done()
		defer func() {
			r.mu.Lock()
			delete(r.pending, key)
			p := r.platforms[pid]
			p.registering--
			var held []broker.Message
			if p.registering == 0 {
				held, p.held = p.held, nil
			}
			r.mu.Unlock()
			for _, m := range held {
				if err := r.cfg.Broker.Publish(r.ctx, topic, m); err != nil && r.ctx.Err() == nil {
					log.WithError(err).Warn("publishing a held request failed")
				}
			}
		}()
		ctx := r.ctx
		deadline := time.NewTimer(r.cfg.RegisterTimeout)
		defer deadline.Stop()
		pause := r.cfg.RegisterRetry
		for attempt := 1; ; attempt++ {
			log.WithField("attempt", attempt).Debug("Platform_register to the bridge")
			if err := r.cfg.Broker.Publish(ctx, topic, out); err != nil && ctx.Err() == nil {
				log.WithError(err).Warn("publishing Platform_register failed")
			}
			wait := time.NewTimer(pause)
			select {
			case <-acked:
				wait.Stop()
				return
			case <-ctx.Done():
				wait.Stop()
				return
			case <-deadline.C:
				wait.Stop()
				if req.Metadata.Is(messages.SysInit) {
					log.Warn("the bridge did not answer a replayed Platform_register")
					return
				}
				if err := r.replyError(ctx, log, req, fmt.Errorf("the bridge of platform %s did not answer Platform_register within %v", pid, r.cfg.RegisterTimeout)); err != nil && ctx.Err() == nil {
					log.WithError(err).Warn("answering a lost Platform_register failed")
				}
				return
			case <-wait.C:
			}
			pause = min(2*pause, r.cfg.RegisterRetryMax)
		}
	}()
}

// hold keeps m for later when a Platform_register of pid is unanswered.
func (r *IPSMRM) hold(pid string, m broker.Message) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.platforms[pid]
	if p == nil || p.registering == 0 {
		return false
	}
	p.held = append(p.held, m)
	return true
}

// handleUp routes one message from the bridge of pid to PRM.
func (r *IPSMRM) handleUp(ctx context.Context, pid string, bm *broker.Message) error {
	e, err := r.reader.Open(ctx, bm)
	if e == nil {
		return err
	}
	md := e.Meta
	log := r.msgLog(md)
	if r.debug {
		log = log.WithField("platformId", pid)
	}
	if md.Is(messages.Response) && md.Is(messages.PlatformRegister) {
		r.mu.Lock()
		if ch, ok := r.pending[md.ConversationID+" "+pid]; ok {
			close(ch)
			delete(r.pending, md.ConversationID+" "+pid)
		}
		r.mu.Unlock()
	}
	if md.Is(messages.Response) && md.Is(messages.SysInit) {
		log.Debug("dropping the answer to a Sys_init replay")
		return nil
	}
	if md.Is(messages.Response) && md.Is(messages.PlatformUnregister) && !md.Is(messages.Error) {
		if lc, ok := r.cfg.Translator.(Lifecycle); ok {
			lc.PlatformRemoved(ctx, pid)
		}
	}
	out := broker.Message{Key: bm.Key, Headers: r.reader.PassHeaders(e), Body: bm.Body}
	if isData(md) && r.translates(Upstream, pid) {
		m, err := r.reader.Load(ctx, e)
		if m == nil {
			return err
		}
		tm, err := r.cfg.Translator.Translate(ctx, m.Clone(), Upstream, r.info(pid))
		if err != nil {
			return r.replyError(ctx, log, m, fmt.Errorf("translating from %s: %w", pid, err))
		}
		if out.Body, err = r.cfg.Codec.Encode(tm); err != nil {
			return fmt.Errorf("ipsmrm: encode: %w", err)
		}
		out.Headers = routing.Headers(nil, &tm.Metadata, out.Body)
	}
	log.Debug("to PRM")
	return r.cfg.Broker.Publish(ctx, broker.IPSMRMToPRM, out)
}

// platformInfo reads what a Platform_register says about platform pid.
func platformInfo(pid string, m *messages.Message) PlatformInfo {
	info := PlatformInfo{ID: pid, Description: m.Payload}
	for _, t := range m.Payload {
		if t.S.Value == pid && t.P.Value == propPlatformType {
			info.Type = t.O.Value
		}
	}
	if info.Type == "" {
		for _, t := range m.Payload {
			if t.P.Value == propPlatformType {
				info.Type = t.O.Value
				break
			}
		}
	}
	return info
}

// translates reports whether data messages of platform pid in direction dir
// go through the Translator.
func (r *IPSMRM) translates(dir Direction, pid string) bool {
	if r.cfg.Translator == nil {
		return false
	}
	if sel, ok := r.cfg.Translator.(Selective); ok {
		return sel.Needs(dir, r.info(pid))
	}
	return true
}
