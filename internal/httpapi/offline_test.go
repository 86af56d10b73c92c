package httpapi_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"certa.example/certa/internal/testutil"
)

// TestOfflineVerifierPage checks seals in Debian's headless Chromium with
// the static offline page: a genuine seal is authentic and shows its
// facts, a changed one is not, and a check makes no network request.
func TestOfflineVerifierPage(t *testing.T) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		testutil.Unavailable(t, "chromium is not installed (apt-get install chromium)")
	}
	e := newEnvOn(t, 10<<20, "", withLists)
	code, path := e.issueQR(t, 0)
	scanned := strings.ToUpper(e.url) + path
	p := e.people[0]

	resp, body := e.do("GET", "/verifica/offline", nil)
	if csp := resp.Header.Get("Content-Security-Policy"); resp.StatusCode != 200 || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-eval") {
		t.Fatalf("offline page: %d %q %s", resp.StatusCode, csp, body)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.WindowSize(390, 844))
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	defer cancelTimeout()
	var (
		mu       sync.Mutex
		requests []string
	)
	if err := chromedp.Do(ctx, chromedp.Navigate(e.url+"/verifica/offline"), chromedp.WaitVisible(chromedp.CSS(`body[data-ready="1"]`))); err != nil {
		t.Fatalf("loading the page: %v", err)
	}
	// axe-core, as for the other public pages.
	axeJS, err := os.ReadFile(filepath.Join("testdata", "axe", "axe.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](string(axeJS))); err != nil {
		t.Fatal(err)
	}
	res, err := chromedp.Run(ctx, chromedp.Evaluate[axeResult](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range res.Violations {
		t.Errorf("axe: %s (%s): %s", v.ID, v.Impact, v.Help)
	}
	if res.Passes == 0 {
		t.Error("axe ran no rule")
	}
	// From here on, the page is offline as far as the checks go.
	if err := chromedp.Listen(ctx, func(ev any) {
		if ev, ok := ev.(*network.EventRequestWillBeSent); ok {
			mu.Lock()
			requests = append(requests, ev.Request.URL)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	check := func(text string) string {
		t.Helper()
		err := chromedp.Do(ctx,
			chromedp.Evaluate[chromedp.Void](`document.getElementById('result').replaceChildren()`),
			chromedp.SetValue(chromedp.ID("qr"), text),
			chromedp.Click(chromedp.CSS(`button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`#result h2`)),
		)
		if err != nil {
			t.Fatalf("checking %q: %v", text, err)
		}
		out, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("result")))
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	out := check(scanned)
	for _, want := range []string{"Authentic seal", code, p.Surname + " " + p.Name, p.BirthDate.Format("02/01/2006"), "address"} {
		if !strings.Contains(out, want) {
			t.Errorf("genuine seal: result lacks %q:\n%s", want, out)
		}
	}
	tampered := []byte(scanned)
	for i := len(tampered) - 10; i > 0; i-- {
		if c := tampered[i]; c >= 'A' && c < 'Z' && tampered[i-1] != '%' && tampered[i-2] != '%' {
			tampered[i]++
			break
		}
	}
	if out := check(string(tampered)); !strings.Contains(out, "NOT authentic") && !strings.Contains(out, "Not a certa seal") {
		t.Errorf("changed seal: %s", out)
	}
	if out := check("hello"); !strings.Contains(out, "Not a certa seal") {
		t.Errorf("not a seal: %s", out)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(requests) != 0 {
		t.Errorf("checks made requests: %v", requests)
	}
}
