// Package devconf reads on-premises VPN device configurations in their
// vendors' own syntaxes into the vendor-neutral [compat.Device], every
// value keeping the file and line it came from.
//
// One registry, [Syntaxes], lists what can be read: each [Syntax] has a
// name, a description, a sniffer that recognises its files and an importer.
// [Import] detects the syntax (or takes the one named), imports, and
// returns a [Result]: the device, the lines it did not understand (never
// dropped silently) and the blocks it skipped on purpose because they do
// not bear on the VPN (interfaces, logging, NAT for other traffic).
//
// A file that is not a configuration at all, or a syntax error, is a
// [*SyntaxError] naming the file and line. Sample placeholders (40.76.X.X,
// <Azure-public-IP>, *****) are imported as they are and flagged by
// [compat.Check]. Pre-shared keys go into [compat.Secret] and appear in no
// output; vendor-encrypted keys ("$9$...", "ENC ...", type 6/8) are
// recorded as present but opaque.
//
// [ToProfile] turns an imported device into the lab's device profile, and
// lists what the lab's strongSwan stand-in cannot express.
package devconf
