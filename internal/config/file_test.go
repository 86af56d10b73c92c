package config

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "certa.toml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// parseServe registers serve's flags, as certa serve does, and parses args.
func parseServe(t *testing.T, args ...string) (Common, Serve, Ops, error) {
	t.Helper()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var c Common
	var s Serve
	var seal Seal
	var o Ops
	RegisterCommon(fs, &c)
	RegisterServe(fs, &s)
	RegisterSeal(fs, &seal)
	RegisterOps(fs, &o)
	err := Parse(fs, args, &c)
	return c, s, o, err
}

func TestConfigFilePrecedence(t *testing.T) {
	file := writeConfig(t, `# comments are allowed
addr = "127.0.0.1:9001"
rate-limit = 25
rate-burst = 7
log-format = "text"
shutdown-timeout = "45s"
public-url = "https://certificati.example.it"
`)
	for _, tc := range []struct {
		name     string
		env      map[string]string
		args     []string
		wantAddr string
	}{
		{"file over default", nil, nil, "127.0.0.1:9001"},
		{"env over file", map[string]string{"CERTA_ADDR": "127.0.0.1:9002"}, nil, "127.0.0.1:9002"},
		{"flag over env and file", map[string]string{"CERTA_ADDR": "127.0.0.1:9002"}, []string{"--addr", "127.0.0.1:9003"}, "127.0.0.1:9003"},
		{"config from env", map[string]string{"CERTA_CONFIG": file}, nil, "127.0.0.1:9001"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			args := tc.args
			if tc.env["CERTA_CONFIG"] == "" {
				args = append([]string{"--config", file}, args...)
			}
			_, s, o, err := parseServe(t, args...)
			if err != nil {
				t.Fatal(err)
			}
			if s.Addr != tc.wantAddr || s.RateLimit != "25" || s.RateBurst != 7 || o.LogFormat != "text" || o.ShutdownTimeout != 45*time.Second {
				t.Fatalf("addr %q rate %q burst %d log %q shutdown %v", s.Addr, s.RateLimit, s.RateBurst, o.LogFormat, o.ShutdownTimeout)
			}
			if err := s.Resolve(); err != nil || s.PublicURL != "https://certificati.example.it" {
				t.Fatalf("Resolve: %v %q", err, s.PublicURL)
			}
		})
	}
}

func TestConfigFileStrict(t *testing.T) {
	for _, tc := range []struct {
		name, text, want string
	}{
		{"unknown key", "addr = \"127.0.0.1:1\"\nadress = \"x\"\n", `unknown key(s) "adress"`},
		{"table", "[tls]\ncert = \"x\"\n", `unknown key(s) "tls"`},
		{"array", "trusted-proxies = [\"10.0.0.0/8\"]\n", "trusted-proxies: want a string, number or boolean"},
		{"bad value goes through the flag's parser", "max-upload = 12\n", "max-upload: size \"12\""},
		{"bad duration", "shutdown-timeout = \"forever\"\n", "shutdown-timeout"},
		{"syntax", "addr = \n", "line 1"},
		{"the config key itself", "config = \"other.toml\"\n", `unknown key(s) "config"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, _, err := parseServe(t, "--config", writeConfig(t, tc.text))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "certa.toml") {
				t.Fatalf("error %v; want one naming the file and %q", err, tc.want)
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		if _, _, _, err := parseServe(t, "--config", filepath.Join(t.TempDir(), "none.toml")); err == nil {
			t.Fatal("a missing config file was accepted")
		}
	})
	t.Run("keys of other commands are ignored", func(t *testing.T) {
		fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
		var c Common
		RegisterCommon(fs, &c)
		if err := Parse(fs, []string{"--config", writeConfig(t, "addr = \"127.0.0.1:1\"\ndata = \"/srv/certa\"\n")}, &c); err != nil || c.DataDir != "/srv/certa" {
			t.Fatalf("migrate with a serve key: %v, data %q", err, c.DataDir)
		}
	})
}

// Every key the file accepts is a registered flag with the environment
// variable fileKeys names, so the file covers the same settings.
func TestFileKeysMatchFlags(t *testing.T) {
	fs := flag.NewFlagSet("all", flag.ContinueOnError)
	RegisterCommon(fs, &Common{})
	RegisterServe(fs, &Serve{})
	RegisterSeal(fs, &Seal{})
	RegisterOps(fs, &Ops{})
	RegisterBatches(fs, &Batches{})
	fs.VisitAll(func(f *flag.Flag) {
		env, ok := fileKeys[f.Name]
		if f.Name == "config" {
			return
		}
		if !ok {
			t.Errorf("flag --%s cannot be set in the config file", f.Name)
			return
		}
		if env != "" {
			if _, known := Known[env]; !known || !strings.Contains(Known[env], "--"+f.Name) {
				t.Errorf("--%s: env %s is not registered for it", f.Name, env)
			}
		}
	})
	for k := range fileKeys {
		if fs.Lookup(k) == nil {
			t.Errorf("config key %q is no flag", k)
		}
	}
}

func TestOpsResolve(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    Ops
		want string
	}{
		{"ok", Ops{LogFormat: "json"}, ""},
		{"log format", Ops{LogFormat: "xml"}, "--log-format"},
		{"cert without key", Ops{LogFormat: "json", TLSCert: "c.pem"}, "go together"},
		{"client CA without TLS", Ops{LogFormat: "json", TLSClientCA: "ca.pem"}, "needs --tls-cert"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.o.Resolve()
			if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("Resolve = %v; want %q", err, tc.want)
			}
		})
	}
	t.Setenv("CERTA_SHUTDOWN_TIMEOUT", "2 minutes")
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var o Ops
	RegisterOps(fs, &o)
	o.LogFormat = "json"
	if err := o.Resolve(); err == nil || !strings.Contains(err.Error(), "CERTA_SHUTDOWN_TIMEOUT") {
		t.Fatalf("bad CERTA_SHUTDOWN_TIMEOUT: %v", err)
	}
}
