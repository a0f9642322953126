// Package cli implements the vpnlab command: one file per subcommand, all
// reached through Run, so tests call Run directly.
package cli
