package api

import "sync"

// broker fans order events out to subscriptions; a slow subscriber misses events rather than
// blocking the mutation.
type broker struct {
	mu   sync.Mutex
	subs map[chan *orderEvent]struct{}
}

func newBroker() *broker { return &broker{subs: map[chan *orderEvent]struct{}{}} }

func (b *broker) subscribe() (<-chan *orderEvent, func()) {
	ch := make(chan *orderEvent, 16)
	b.mu.Lock()
	b.subs[ch] = struct{}{}
	b.mu.Unlock()
	return ch, func() {
		b.mu.Lock()
		delete(b.subs, ch)
		b.mu.Unlock()
	}
}

func (b *broker) publish(ev *orderEvent) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs {
		select {
		case ch <- ev:
		default:
		}
	}
}
