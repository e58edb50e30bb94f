package cache

import (
	"fmt"
	"testing"
	"time"
)

func TestTTLAndBound(t *testing.T) {
	now := time.Unix(1000, 0)
	c := New(10*time.Second, 3)
	c.Now = func() time.Time { return now }
	c.Set("a", []byte("1"))
	if v, ok := c.Get("a"); !ok || string(v) != "1" {
		t.Fatalf("Get a = %q %v", v, ok)
	}
	now = now.Add(10 * time.Second)
	if _, ok := c.Get("a"); ok {
		t.Fatal("expired entry returned")
	}
	for i := 0; i < 10; i++ {
		c.Set(fmt.Sprint(i), []byte{byte(i)})
	}
	if c.Len() > 3 {
		t.Fatalf("%d entries, max 3", c.Len())
	}
	if v, ok := c.Get("9"); !ok || v[0] != 9 {
		t.Fatal("the newest entry was evicted")
	}
	c.Flush()
	if c.Len() != 0 {
		t.Fatal("Flush left entries")
	}
}
