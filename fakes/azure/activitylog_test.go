package azure_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vpnlab/vpnlab/fakes/azure"
)

// token is an unsigned JWT naming a user, as the Activity Log reads it.
func token(upn string) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"none"}`)) + "." + enc.EncodeToString([]byte(`{"upn":"`+upn+`"}`)) + "."
}

func TestActivityLogRecordsWrites(t *testing.T) {
	g := azure.New(azure.DefaultModel(), azure.WithReconfigurer(&recorder{}))
	s := serve(t, g)
	put := func(path string, body any) {
		t.Helper()
		r := s.do(http.MethodPut, base+path+version, body)
		if r.status != http.StatusOK {
			t.Fatalf("PUT %s: %d %s", path, r.status, r.body)
		}
		// As a client of Azure does, wait until the change is applied
		// before the next one (else 409 AnotherOperationInProgress).
		if st, _ := s.await(r); st != "Succeeded" {
			t.Fatalf("PUT %s: operation %s", path, st)
		}
	}
	before := time.Now().Add(-time.Second)
	put("connections/onprem-conn", props(map[string]any{"dpdTimeoutSeconds": 30}))
	put("localNetworkGateways/onprem-lng", props(map[string]any{"localNetworkAddressSpace": map[string]any{"addressPrefixes": []string{"198.18.20.0/24"}}}))
	put("connections/onprem-conn", props(map[string]any{"dpdTimeoutSeconds": 30})) // no change: no entry

	evs := g.Activity(before)
	if len(evs) != 2 {
		t.Fatalf("%d entries, want 2: %+v", len(evs), evs)
	}
	if evs[0].OperationName != "Microsoft.Network/connections/write" || !slices.Contains(evs[0].Changed, "dpdTimeoutSeconds") ||
		evs[0].Status != "Succeeded" || evs[0].Caller != "unknown" {
		t.Errorf("first entry %+v", evs[0])
	}
	if evs[1].OperationName != "Microsoft.Network/localNetworkGateways/write" {
		t.Errorf("second entry %+v", evs[1])
	}
	if n := len(g.Activity(time.Now().Add(time.Hour))); n != 0 {
		t.Errorf("%d entries after a later time", n)
	}
}

func TestActivityLogAPI(t *testing.T) {
	g := azure.New(azure.DefaultModel(), azure.WithReconfigurer(&recorder{}))
	s := serve(t, g)
	body := `{"properties":{"dpdTimeoutSeconds":30}}`
	req, _ := http.NewRequest(http.MethodPut, s.srv.URL+base+"connections/onprem-conn"+version, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token("netadmin@contoso.example"))
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.srv.Client().Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT: %v %v", err, resp)
	}
	resp.Body.Close()
	m := azure.DefaultModel()
	q := url.Values{"api-version": {"2015-04-01"}, "$filter": {"eventTimestamp ge '" + time.Now().Add(-time.Minute).UTC().Format(time.RFC3339) + "'"}}
	r := s.do(http.MethodGet, "/subscriptions/"+m.SubscriptionID+"/providers/microsoft.insights/eventtypes/management/values?"+q.Encode(), nil)
	if r.status != http.StatusOK {
		t.Fatalf("GET activity log: %d %s", r.status, r.body)
	}
	vals, _ := r.obj(t)["value"].([]any)
	if len(vals) != 1 {
		t.Fatalf("%d entries: %s", len(vals), r.body)
	}
	e := vals[0].(map[string]any)
	if e["caller"] != "netadmin@contoso.example" || get(t, e, "operationName", "value") != "Microsoft.Network/connections/write" ||
		get(t, e, "status", "value") != "Succeeded" || get(t, e, "properties", "changedProperties") != "dpdTimeoutSeconds" {
		t.Errorf("entry %v", e)
	}
	q.Set("$filter", "eventTimestamp ge '"+time.Now().Add(time.Hour).UTC().Format(time.RFC3339)+"'")
	r = s.do(http.MethodGet, "/subscriptions/"+m.SubscriptionID+"/providers/microsoft.insights/eventtypes/management/values?"+q.Encode(), nil)
	if vals, _ := r.obj(t)["value"].([]any); len(vals) != 0 {
		t.Errorf("the filter let %d later entries through", len(vals))
	}
}
