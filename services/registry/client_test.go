package registry

import (
	"context"
	"reflect"
	"testing"
)

func TestClientLifecycle(t *testing.T) {
	ctx := context.Background()
	r, _ := newRegistry(t)
	push := Client{ClientID: "pusher", CallbackURL: "https://example.org/hook", ReceivingCapacity: 10, ResponseFormat: FormatJSON, ResponseDelivery: DeliveryServerPush}
	steps := []struct {
		name string
		do   func() error
		want error
	}{
		{"registering a client succeeds", func() error { return r.RegisterClient(ctx, Client{ClientID: "puller"}) }, nil},
		{"registering it again conflicts", func() error { return r.RegisterClient(ctx, Client{ClientID: "puller"}) }, ErrConflict},
		{"registering a push client succeeds", func() error { return r.RegisterClient(ctx, push) }, nil},
		{"a push client without a callback is invalid", func() error {
			return r.RegisterClient(ctx, Client{ClientID: "x", ResponseDelivery: DeliveryServerPush})
		}, ErrInvalid},
		{"a wrong response format is invalid", func() error { return r.RegisterClient(ctx, Client{ClientID: "x", ResponseFormat: "XML"}) }, ErrInvalid},
		{"a wrong delivery mode is invalid", func() error { return r.RegisterClient(ctx, Client{ClientID: "x", ResponseDelivery: "EMAIL"}) }, ErrInvalid},
		{"a callback that is not http is invalid", func() error {
			return r.RegisterClient(ctx, Client{ClientID: "x", CallbackURL: "file:///etc/passwd"})
		}, ErrInvalid},
		{"a negative capacity is invalid", func() error { return r.RegisterClient(ctx, Client{ClientID: "x", ReceivingCapacity: -1}) }, ErrInvalid},
		{"an empty clientId is invalid", func() error { return r.RegisterClient(ctx, Client{}) }, ErrInvalid},
		{"updating a missing client is not found", func() error { return r.UpdateClient(ctx, Client{ClientID: "ghost"}) }, ErrNotFound},
		{"updating the puller succeeds", func() error {
			return r.UpdateClient(ctx, Client{ClientID: "puller", ReceivingCapacity: 5, ResponseFormat: FormatJSON})
		}, nil},
		{"deleting a missing client is not found", func() error { return r.DeleteClient(ctx, "ghost") }, ErrNotFound},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) { wantErr(t, s.do(), s.want) })
	}

	t.Run("get returns what was stored, defaults filled", func(t *testing.T) {
		got, err := r.GetClient(ctx, "puller")
		must(t, err)
		want := Client{ClientID: "puller", ReceivingCapacity: 5, ResponseFormat: FormatJSON, ResponseDelivery: DeliveryClientPull}
		if got != want {
			t.Fatalf("GetClient = %+v, want %+v", got, want)
		}
	})
	t.Run("list returns both clients in order", func(t *testing.T) {
		got, err := r.ListClients(ctx)
		must(t, err)
		if len(got) != 2 || got[0].ClientID != "puller" || !reflect.DeepEqual(got[1], push) {
			t.Fatalf("ListClients = %+v", got)
		}
	})
	t.Run("delete removes the client", func(t *testing.T) {
		must(t, r.DeleteClient(ctx, "puller"))
		_, err := r.GetClient(ctx, "puller")
		wantErr(t, err, ErrNotFound)
		got, err := r.ListClients(ctx)
		must(t, err)
		if len(got) != 1 {
			t.Fatalf("after delete ListClients = %+v", got)
		}
	})
}
