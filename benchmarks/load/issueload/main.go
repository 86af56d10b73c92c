// Command issueload drives POST /api/v1/certificates for issue-load.sh:
// closed loop (-conns N: N requests always in flight, for the maximum
// rate) or open loop (-rate R: R requests a second on schedule, whatever
// the answers, for latency at a given load; latency is measured from each
// request's scheduled time, so a slow server cannot hide its queue).
// Subjects rotate over the file given; every request has its own stamp
// duty mark. It prints one line:
//
//	RESULT <label> <answered/s> <201/s> <p50 ms> <p99 ms> <max ms> <requests> <201> <503> <other> <errors>
//
// where p50, p99 and max are over the 201 answers.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "server base URL")
	keyFile := flag.String("key-file", "", "file holding the API key")
	subjectsFile := flag.String("subjects", "", "file of codici fiscali, one per line")
	accept := flag.String("accept", "application/pdf", "Accept header: application/pdf or application/json")
	duration := flag.Duration("duration", 10*time.Second, "how long to run")
	conns := flag.Int("conns", 0, "closed loop: requests in flight")
	rate := flag.Float64("rate", 0, "open loop: requests per second")
	label := flag.String("label", "run", "label of the RESULT line")
	markBase := flag.Int64("mark-base", 1, "first stamp duty mark number (runs must not reuse marks)")
	flag.Parse()
	if (*conns > 0) == (*rate > 0) {
		log.Fatal("issueload: give -conns or -rate")
	}
	key, err := os.ReadFile(*keyFile)
	if err != nil {
		log.Fatal(err)
	}
	subjects, err := readLines(*subjectsFile)
	if err != nil || len(subjects) == 0 {
		log.Fatalf("issueload: no subjects: %v", err)
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 1024, MaxConnsPerHost: 0, DisableCompression: true}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	auth := "Bearer " + strings.TrimSpace(string(key))

	var (
		n                              atomic.Int64
		created, shed, other, failures atomic.Int64
		mu                             sync.Mutex
		lat                            []time.Duration
	)
	one := func(scheduled time.Time) {
		i := n.Add(1) - 1
		cf := subjects[int(i)%len(subjects)]
		body := fmt.Sprintf(`{"type":"residenza","subject":%q,"bollo":{"paid":{"marca":"%014d"}},"channel":"online","requester":%q}`,
			cf, *markBase+i, cf)
		req, _ := http.NewRequest("POST", *base+"/api/v1/certificates", bytes.NewReader([]byte(body)))
		req.Header.Set("Authorization", auth)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", *accept)
		resp, err := client.Do(req)
		if err != nil {
			failures.Add(1)
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusCreated:
			created.Add(1)
			d := time.Since(scheduled)
			mu.Lock()
			lat = append(lat, d)
			mu.Unlock()
		case http.StatusServiceUnavailable:
			shed.Add(1)
		default:
			other.Add(1)
		}
	}

	start := time.Now()
	end := start.Add(*duration)
	var wg sync.WaitGroup
	if *conns > 0 {
		for range *conns {
			wg.Go(func() {
				for time.Now().Before(end) {
					one(time.Now())
				}
			})
		}
	} else {
		interval := time.Duration(float64(time.Second) / *rate)
		for k := 0; ; k++ {
			at := start.Add(time.Duration(k) * interval)
			if !at.Before(end) {
				break
			}
			if d := time.Until(at); d > 0 {
				time.Sleep(d)
			}
			wg.Go(func() { one(at) })
		}
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	slices.Sort(lat)
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	total := n.Load()
	fmt.Printf("RESULT %s %.0f %.0f %.1f %.1f %.1f %d %d %d %d %d\n", *label,
		float64(total-failures.Load())/elapsed, float64(created.Load())/elapsed,
		pct(0.5), pct(0.99), pct(1), total, created.Load(), shed.Load(), other.Load(), failures.Load())
}

func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if s := strings.TrimSpace(sc.Text()); s != "" {
			out = append(out, s)
		}
	}
	return out, sc.Err()
}
