package azure

import (
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Status values of an asynchronous operation (Azure-AsyncOperation body).
const (
	operationInProgress = "InProgress"
	operationSucceeded  = "Succeeded"
	operationFailed     = "Failed"
)

// maxOperations bounds the operations the gateway remembers; the oldest
// finished ones are forgotten first.
const maxOperations = 1000

// operation is one ARM long-running operation.
type operation struct {
	id     string
	start  time.Time
	end    time.Time
	status string
	// result is the final body the Location URL serves with 200 once the
	// operation succeeded; nil means 204.
	result any
	// failure is the error of a failed operation, served with failStatus.
	failure    *armError
	failStatus int
	// files is the archive a troubleshoot run leaves behind.
	files []byte
}

// operations remembers the gateway's long-running operations by ID.
type operations struct {
	mu    sync.Mutex
	max   int
	byID  map[string]*operation
	order []string // oldest first
}

func newOperations(max int) *operations {
	return &operations{max: max, byID: map[string]*operation{}}
}

// start records a new operation, in progress since start, and returns its ID.
func (o *operations) start(start time.Time) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	id := requestID()
	o.byID[id] = &operation{id: id, start: start, status: operationInProgress}
	o.order = append(o.order, id)
	for len(o.order) > o.max {
		o.evictLocked()
	}
	return id
}

// evictLocked forgets the oldest finished operation, or the oldest of all
// if none has finished.
func (o *operations) evictLocked() {
	victim := 0
	for i, id := range o.order {
		if o.byID[id].status != operationInProgress {
			victim = i
			break
		}
	}
	delete(o.byID, o.order[victim])
	o.order = append(o.order[:victim], o.order[victim+1:]...)
}

// succeed finishes operation id with a final body.
func (o *operations) succeed(id string, end time.Time, result any, files []byte) {
	o.finish(id, func(op *operation) {
		op.status, op.end, op.result, op.files = operationSucceeded, end, result, files
	})
}

// fail finishes operation id with an error, served with HTTP status code.
func (o *operations) fail(id string, end time.Time, status int, code, message string) {
	o.finish(id, func(op *operation) {
		op.status, op.end, op.failStatus = operationFailed, end, status
		op.failure = &armError{Code: code, Message: message}
	})
}

func (o *operations) finish(id string, f func(*operation)) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if op := o.byID[id]; op != nil {
		f(op)
	}
}

// get returns a copy of operation id.
func (o *operations) get(id string) (operation, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	op := o.byID[id]
	if op == nil {
		return operation{}, false
	}
	return *op, true
}

// operationURLs returns the operation's Azure-AsyncOperation and Location
// URLs, absolute on the host and scheme the request came in on, with the
// request's api-version.
func operationURLs(r *http.Request, m Model, id string) (async, location string) {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	base := scheme + "://" + r.Host + "/subscriptions/" + m.SubscriptionID +
		"/providers/Microsoft.Network/locations/" + m.Location
	q := "?api-version=" + url.QueryEscape(r.URL.Query().Get("api-version"))
	return base + "/operations/" + id + q, base + "/operationResults/" + id + q
}

// accepted answers 202 for a long-running action, as ARM does: an empty
// body and the URLs to poll.
func accepted(w http.ResponseWriter, r *http.Request, m Model, id string) {
	async, location := operationURLs(r, m, id)
	w.Header().Set("Azure-AsyncOperation", async)
	w.Header().Set("Location", location)
	w.Header().Set("Retry-After", retryAfter)
	w.WriteHeader(http.StatusAccepted)
}

// retryAfter is the polling interval, in seconds, the gateway suggests.
const retryAfter = "1"

// operationStatus is the body of the Azure-AsyncOperation URL.
type operationStatus struct {
	Name      string    `json:"name"`
	Status    string    `json:"status"`
	StartTime string    `json:"startTime"`
	EndTime   string    `json:"endTime,omitempty"`
	Error     *armError `json:"error,omitempty"`
}

// serveOperation answers GET on an operation's URLs:
//
//	.../locations/{location}/operations/{id}        status: InProgress, Succeeded or Failed
//	.../locations/{location}/operationResults/{id}  202 while running, then the result
func (a *api) serveOperation(w http.ResponseWriter, r *http.Request, m Model, kind, id string) {
	if !allow(w, r, http.MethodGet) {
		return
	}
	op, ok := a.g.ops.get(id)
	if !ok {
		writeError(w, http.StatusNotFound, "NotFound", "Operation '"+id+"' was not found.")
		return
	}
	if kind == "operations" {
		st := operationStatus{Name: op.id, Status: op.status, StartTime: op.start.Format(time.RFC3339Nano), Error: op.failure}
		if op.status == operationInProgress {
			w.Header().Set("Retry-After", retryAfter)
		} else {
			st.EndTime = op.end.Format(time.RFC3339Nano)
		}
		writeJSON(w, http.StatusOK, st)
		return
	}
	switch op.status {
	case operationInProgress:
		_, location := operationURLs(r, m, id)
		w.Header().Set("Location", location)
		w.Header().Set("Retry-After", retryAfter)
		w.WriteHeader(http.StatusAccepted)
	case operationFailed:
		writeJSON(w, op.failStatus, armErrorBody{*op.failure})
	default:
		if op.result == nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		writeJSON(w, http.StatusOK, op.result)
	}
}
