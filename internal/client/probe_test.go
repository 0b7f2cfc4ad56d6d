package client

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestProbe(t *testing.T) {
	var followed atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { followed.Add(1) }))
	defer elsewhere.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL, http.StatusFound)
	}))
	defer srv.Close()
	if err := Probe(context.Background(), srv.URL, time.Second); err != nil {
		t.Errorf("a redirect is an answer: %v", err)
	}
	if followed.Load() != 0 {
		t.Error("the probe followed the redirect")
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	if err := Probe(context.Background(), closed.URL, time.Second); err == nil {
		t.Error("nothing listening: want an error")
	}
}
