// Package swan drives strongSwan's charon: it writes charon's configuration,
// runs the daemon, and talks to it over vici (github.com/strongswan/govici).
//
// The same types serve inside a lab node (which starts charon and loads its
// connection) and on the host (which reads SA state for status and evidence).
// Pre-shared keys pass through LoadSharedKey and are never formatted into
// errors or logs.
package swan
