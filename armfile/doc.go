// Package armfile reads the Azure side of a site-to-site connection from
// the JSON Azure gives its users: one resource per file in the ARM REST
// shape ({"name","type","properties":{...}}, as the ARM API and the lab's
// fake gateway return it), the flattened shape `az network vnet-gateway
// show` / `vnet show` / `local-gateway show` / `vpn-connection show` print,
// lists of either, or an ARM template whose "resources" hold them.
//
// The kind of each resource comes from its "type" or, failing that, from
// its fields. [Read] merges the files into a [compat.Azure]: the fake
// gateway's model plus which parts were given. Template expressions
// ("[parameters('x')]") are not evaluated; they are reported as notes.
package armfile
