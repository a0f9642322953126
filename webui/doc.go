// Package webui serves a browser view of a running lab on 127.0.0.1: the
// topology drawn as SVG with each node and link coloured by live state, an
// Azure-portal-like page (gateway, connection, BGP peers, learned routes,
// diagnostic logs), the device's view, the trainee's loop (briefing, check,
// hint, answer, score) and the portal blades that change the Azure side.
//
// The blades go through the lab's Azure Resource Manager API: the server
// passes /arm/... on to it as a reverse proxy, so the page sees Azure's
// answers, validation errors included, as a script would. Assets are
// embedded (go:embed); nothing is fetched from outside.
package webui
