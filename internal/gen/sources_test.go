package gen_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/edgeconform/edgeconform/internal/gen"
	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/spec"
)

// The disagreements the sources give and the ones the committed document records are the same
// list (TestDrift holds the bytes; this says which entry drifted).
func TestDisagreementsInStep(t *testing.T) {
	got, err := gen.Disagreements(gen.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	want := specfacts.Disagreements(spec.Default())
	if len(got) != len(want) {
		t.Fatalf("the sources give %d disagreements, spec/openapi.yaml records %d; run: go generate ./spec", len(got), len(want))
	}
	for i := range got {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("disagreement %d: the sources give %+v, the document records %+v; run: go generate ./spec", i, got[i], want[i])
		}
	}
}

// The four the issue names are found, each with what every source says.
func TestKnownDisagreements(t *testing.T) {
	ds, err := gen.Disagreements(gen.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	says := func(field string) map[string]string {
		for _, d := range ds {
			if d.Field == field {
				m := map[string]string{}
				for _, c := range d.Claims {
					m[c.Source+" "+c.Of] = c.Says
				}
				return m
			}
		}
		t.Errorf("no disagreement on %s", field)
		return nil
	}
	for field, want := range map[string]map[string]string{
		"errors/UserQuotaExceed/status":  {"page ": "403", "metadata 2024-06-24": "400"},
		"errors/UserQuotaExceed/message": {"page ": "Quota exceeded: %s.", "metadata 2024-06-24": "%s"},
		"errors/JobNotFound/message":     {"page ": "%s, please check and try again later.", "metadata 2024-06-24": "%s"},
		"parameters/OwnerId": {"page ": "", "metadata 2024-06-24": "", "metadata 2025-12-03": "",
			"sdk alibaba-cloud-sdk-go": "integer, optional", "sdk alibabacloud-go-sdk live-20161101": "integer, optional"},
		"parameters/RegionId": {"page ": "string, optional", "metadata 2024-06-24": "", "metadata 2025-12-03": "string, optional",
			"sdk alibaba-cloud-sdk-go": "string, optional", "sdk alibabacloud-go-sdk live-20161101": "string, optional"},
	} {
		if got := says(field); got != nil && !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %v, want %v", field, got, want)
		}
	}
}

// A newer snapshot dropped in, in the metadata's own published form, is what the list follows: one
// that gives UserQuotaExceed 403 ends that disagreement; one without errorCodes is silent on codes.
func TestNewerSnapshotIsFollowed(t *testing.T) {
	in := gen.Embedded()
	var doc map[string]any
	if err := json.Unmarshal(in.Metadata, &doc); err != nil {
		t.Fatal(err)
	}
	in.Metadata = bytes.Replace(in.Metadata, []byte(`"400": [`), []byte(`"400": [ {"errorCode": "Extra", "errorMessage": "%s"},`), 1)
	in.Metadata = bytes.Replace(in.Metadata, []byte(`"errorCode": "UserQuotaExceed",
      "errorMessage": "%s"
     }
    ],`), []byte(`"errorCode": "Placeholder", "errorMessage": "%s"}], "403x": [{"errorCode": "UserQuotaExceed", "errorMessage": "Quota exceeded: %s."}],`), 1)
	in.MetadataFile = "api-docs.2026-01-01.StartEdgeTranscodeJob.json"
	_, err := gen.Disagreements(in)
	if err == nil || !strings.Contains(err.Error(), "403x") {
		t.Fatalf("a status that is not a number: %v, want an error naming it", err)
	}
	in.Metadata = bytes.Replace(in.Metadata, []byte(`"403x"`), []byte(`"403"`), 1)
	ds, err := gen.Disagreements(in)
	if err != nil {
		t.Fatal(err)
	}
	fields := map[string]specfacts.Disagreement{}
	for _, d := range ds {
		fields[d.Field] = d
	}
	if _, ok := fields["errors/UserQuotaExceed/status"]; ok {
		t.Error("the snapshot agrees with the page on 403, yet the status disagreement stays")
	}
	if _, ok := fields["errors/UserQuotaExceed/message"]; ok {
		t.Error("the snapshot gives the page's template, yet the message disagreement stays")
	}
	if d, ok := fields["errors/Extra"]; !ok || d.Claims[1].Of != "2026-01-01" {
		t.Errorf("the snapshot's own code: %+v, %v; want a disagreement of the 2026-01-01 metadata", d, ok)
	}
	// Without errorCodes (as the 2025 snapshot): silent on every code.
	var m map[string]map[string]map[string]any
	json.Unmarshal(in.Metadata, &m)
	delete(m["apis"]["StartEdgeTranscodeJob"], "errorCodes")
	in.Metadata, _ = json.Marshal(map[string]any{"info": doc["info"], "apis": m["apis"]})
	if ds, err = gen.Disagreements(in); err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if strings.HasPrefix(d.Field, "errors/") && d.Claims[1].Source == specfacts.SourceMetadata {
			t.Errorf("a snapshot without errorCodes disagrees on %s", d.Field)
		}
	}
	// A name without its date is refused, saying why.
	in.MetadataFile = "api-docs.json"
	if _, err := gen.Disagreements(in); err == nil || !strings.Contains(err.Error(), "date") {
		t.Errorf("a snapshot without a date in its name: %v", err)
	}
}
