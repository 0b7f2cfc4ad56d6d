package load_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/internal/arrange"
	"github.com/edgeconform/edgeconform/internal/mock"
	"github.com/edgeconform/edgeconform/load"
	"github.com/edgeconform/edgeconform/spec/states"
)

// reference starts the reference implementation on loopback ports for the test.
func reference(t testing.TB) *mock.Running {
	ref, err := mock.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ref.Close() })
	return ref
}

// A load test of the reference implementation from Go: a mix of paths, judged by thresholds.
func ExampleRun() {
	ref, err := mock.Start(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ref.Close()
	rep, err := load.Run(context.Background(), load.Options{
		Target: ref.APIURL, States: states.NewEndpoint(ref.AdminURL),
		Mix: "start=80,denied=20", Rate: 100, Duration: 300 * time.Millisecond,
		Thresholds: []string{"errors<1%", "unexpected<1%"}, KeepIdentifiers: true,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("verdict:", rep.Verdict)
	for _, th := range rep.Thresholds {
		fmt.Println(th.Threshold, th.Pass)
	}
	// Output:
	// verdict: pass
	// errors<1% true
	// unexpected<1% true
}

// A crossed threshold is the report's verdict, not an error; the text and JSON reports say it.
func TestRunCrossedThresholdIsTheVerdict(t *testing.T) {
	ref := reference(t)
	rep, err := load.Run(context.Background(), load.Options{
		Target: ref.APIURL, States: states.NewEndpoint(ref.AdminURL), Rate: 50, Duration: 200 * time.Millisecond,
		Thresholds: []string{"rps>=100000"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != "fail" || len(rep.Thresholds) != 1 || rep.Thresholds[0].Pass {
		t.Fatalf("verdict %q, thresholds %+v: want fail, rps>=100000 crossed", rep.Verdict, rep.Thresholds)
	}
	if rep.Requests == 0 || rep.OK != rep.Requests || rep.Target != ref.APIURL {
		t.Errorf("%d calls, %d ok, target %q: want every start a success against %s", rep.Requests, rep.OK, rep.Target, ref.APIURL)
	}
	var txt, js strings.Builder
	if err := load.WriteText(&txt, rep); err != nil || !strings.Contains(txt.String(), "Verdict: fail") {
		t.Errorf("text report (err %v):\n%s", err, txt.String())
	}
	if err := load.WriteJSON(&js, rep); err != nil || !strings.Contains(js.String(), `"verdict": "fail"`) {
		t.Errorf("JSON report (err %v):\n%s", err, js.String())
	}
}

// A target that answers nothing gives an inconclusive report and an error saying why.
func TestRunSilentTargetIsInconclusive(t *testing.T) {
	ref := reference(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	rep, err := load.Run(context.Background(), load.Options{
		Target: closed, States: states.NewEndpoint(ref.AdminURL), Rate: 50, Duration: 300 * time.Millisecond,
		Timeout: 200 * time.Millisecond, KeepIdentifiers: true,
	})
	if err == nil || rep == nil || rep.Verdict != "inconclusive" || rep.Reason == "" {
		t.Fatalf("report %+v, err %v: want an inconclusive report and an error", rep, err)
	}
	if strings.HasPrefix(rep.Reason, "load: ") {
		t.Errorf("reason %q: want a sentence, not an error chain", rep.Reason)
	}
}

// A run stopped before its duration is inconclusive: its figures cover only the calls made.
func TestRunStoppedEarlyIsInconclusive(t *testing.T) {
	ref := reference(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	rep, err := load.Run(ctx, load.Options{
		Target: ref.APIURL, States: states.NewEndpoint(ref.AdminURL), Rate: 50, Duration: time.Hour, KeepIdentifiers: true,
	})
	if !errors.Is(err, context.DeadlineExceeded) || rep == nil || rep.Verdict != "inconclusive" || !rep.Interrupted || rep.Requests == 0 {
		t.Fatalf("report %+v, err %v: want an interrupted, inconclusive report with its calls and the context's error", rep, err)
	}
}

func TestRunRejectsBadOptions(t *testing.T) {
	arr := arrange.Map{}
	for name, tc := range map[string]struct {
		o    load.Options
		want string
	}{
		"no states":       {load.Options{Target: "http://127.0.0.1:1", Rate: 1, Duration: time.Second}, "States"},
		"bad threshold":   {load.Options{Target: "http://127.0.0.1:1", States: arr, Rate: 1, Duration: time.Second, Thresholds: []string{"p99<"}}, "p99<"},
		"bad mix":         {load.Options{Target: "http://127.0.0.1:1", States: arr, Rate: 1, Duration: time.Second, Mix: "start=x"}, "mix"},
		"path not in mix": {load.Options{Target: "http://127.0.0.1:1", States: arr, Rate: 1, Duration: time.Second, Thresholds: []string{"p99{path=denied}<1s"}}, "denied"},
		"no duration":     {load.Options{Target: "http://127.0.0.1:1", States: arr, Rate: 1}, "duration"},
		"negative rate":   {load.Options{Target: "http://127.0.0.1:1", States: arr, Rate: -1, Duration: time.Second}, "rate"},
		"bad target":      {load.Options{Target: "127.0.0.1:1", States: arr, Rate: 1, Duration: time.Second}, "http"},
		"bad method":      {load.Options{Target: "http://127.0.0.1:1", States: arr, Rate: 1, Duration: time.Second, Method: "PUT"}, "PUT"},
	} {
		t.Run(name, func(t *testing.T) {
			rep, err := load.Run(context.Background(), tc.o)
			if err == nil || rep != nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("report %v, err %v: want no report and an error mentioning %q", rep, err, tc.want)
			}
		})
	}
}
