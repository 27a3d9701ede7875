package main

import (
	"os"
	"sync"
)

// signaller is a test's source of SIGINT/SIGTERM for env.notify: send
// delivers a signal to the command running and returns only once
// trapSignals has acted on it (the context cancelled, or abort called).
// trapSignals acts asynchronously, as on real signals; a test that asserts
// what happened after a signal must wait for that, or the command may go
// on past the point the test meant before the cancel lands.
type signaller struct {
	mu    sync.Mutex
	ch    chan<- os.Signal
	acted chan struct{}
}

// newSignaller returns a signaller not yet installed in an env.
func newSignaller() *signaller {
	// At most two signals are acted on per trapSignals: signalled never
	// blocks the trap, even for a signal no one waits for.
	return &signaller{acted: make(chan struct{}, 2)}
}

// install makes s the signals of e.
func (s *signaller) install(c *cli) {
	c.notify = s.notify
	c.signalled = s.signalled
}

func (s *signaller) notify(ch chan<- os.Signal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ch = ch
}

func (s *signaller) signalled() { s.acted <- struct{}{} }

// send delivers sig to the latest trapSignals and waits until it was
// acted on. It must be called while the command runs (after trapSignals).
func (s *signaller) send(sig os.Signal) {
	s.mu.Lock()
	ch := s.ch
	s.mu.Unlock()
	if ch == nil {
		panic("signaller: send before trapSignals")
	}
	ch <- sig
	<-s.acted
}

// pending makes e deliver sig as soon as the command traps signals, and
// go on only once it was acted on: the command's work starts with its
// context already cancelled.
func pending(c *cli, sig os.Signal) {
	s := newSignaller()
	s.install(c)
	c.notify = func(ch chan<- os.Signal) {
		s.notify(ch)
		s.send(sig)
	}
}
