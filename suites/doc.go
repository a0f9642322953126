// Package suites holds vpnlab's end-to-end Ginkgo suites: each spec runs
// against real containers (charon, GoBGP, the router, the fake Azure
// gateway). Nothing of vpnlab's own is mocked here.
package suites
