package config

import (
	"strings"
	"testing"
	"time"
)

func TestReplicaSettings(t *testing.T) {
	c, err := FromEnv(env(map[string]string{"DATABASE_URL": "postgres://u@127.0.0.1/x"}))
	if err != nil || c.Replica.URL != "" || c.Replica.MaxLag != 2*time.Second {
		t.Fatalf("defaults: %+v %v", c.Replica, err)
	}
	c, err = FromEnv(env(map[string]string{"DATABASE_URL": "postgres://u@127.0.0.1/x",
		"DATABASE_REPLICA_URL": "postgres://u@10.0.0.2/x", "GENITORI_REPLICA_MAX_LAG": "500ms"}))
	if err != nil || c.Replica.URL != "postgres://u@10.0.0.2/x" || c.Replica.MaxLag != 500*time.Millisecond {
		t.Fatalf("set: %+v %v", c.Replica, err)
	}
	for in, want := range map[[2]string]string{
		{"mysql://x", ""}:                       "DATABASE_REPLICA_URL must start with postgres://",
		{"postgres://u@127.0.0.1/x", ""}:        "same as DATABASE_URL",
		{"postgres://u@10.0.0.2/x", "-1s"}:      "GENITORI_REPLICA_MAX_LAG",
		{"postgres://u@10.0.0.2/x", "two secs"}: "GENITORI_REPLICA_MAX_LAG",
	} {
		_, err := FromEnv(env(map[string]string{"DATABASE_URL": "postgres://u@127.0.0.1/x",
			"DATABASE_REPLICA_URL": in[0], "GENITORI_REPLICA_MAX_LAG": in[1]}))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: %v, want %q", in, err, want)
		}
	}
}
