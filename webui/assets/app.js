"use strict";
// vpnlab web view: polls /api/snapshot, draws the topology, and drives the
// portal blades through /arm (the lab's Azure Resource Manager API).
(function () {
  var meta = null, snap = null;
  var $ = function (id) { return document.getElementById(id); };
  var esc = function (s) {
    return String(s === undefined || s === null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  };
  function table(el, cols, rows) {
    var h = "<tr>" + cols.map(function (c) { return "<th>" + esc(c[0]) + "</th>"; }).join("") + "</tr>";
    if (!rows || rows.length === 0) { h += '<tr><td colspan="' + cols.length + '">No results</td></tr>'; }
    (rows || []).forEach(function (r) {
      h += "<tr>" + cols.map(function (c) { return "<td>" + esc(c[1](r)) + "</td>"; }).join("") + "</tr>";
    });
    el.innerHTML = h;
  }
  function kv(el, pairs) {
    el.innerHTML = pairs.map(function (p) { return "<div><b>" + esc(p[0]) + "</b><span>" + esc(p[1]) + "</span></div>"; }).join("");
  }
  function show(el, text, ok) { el.textContent = text; el.className = "result " + (ok ? "ok" : "err"); }

  async function getJSON(url, opts) {
    var r = await fetch(url, opts);
    var body = await r.text();
    var v = null;
    try { v = body ? JSON.parse(body) : null; } catch (e) { v = { error: { code: "NotJSON", message: body } }; }
    return { status: r.status, headers: r.headers, body: v };
  }
  function armErr(res) {
    var e = res.body && res.body.error;
    if (!e) { return "HTTP " + res.status; }
    if (typeof e === "string") { return e; }
    var s = e.code + ": " + e.message;
    (e.details || []).forEach(function (d) { s += "\n  " + d.code + ": " + d.message; });
    return s;
  }
  // arm calls the lab's ARM API as a portal does, following a long-running
  // operation to its end.
  async function arm(method, id, action, body) {
    var url = "/arm" + id + (action ? "/" + action : "") + "?api-version=" + meta.apiVersion;
    var opts = { method: method, headers: {} };
    if (body !== undefined) { opts.body = JSON.stringify(body); opts.headers["Content-Type"] = "application/json"; }
    var res = await getJSON(url, opts);
    for (var i = 0; i < 300 && res.status === 202; i++) {
      var loc = res.headers.get("Location");
      if (!loc) { break; }
      await new Promise(function (ok) { setTimeout(ok, 500); });
      res = await getJSON(loc);
    }
    var op = res.headers.get("Azure-AsyncOperation");
    if (res.status < 300 && op && method !== "GET") {
      for (var j = 0; j < 300; j++) {
        var st = await getJSON(op);
        if (!st.body || st.body.status !== "InProgress") {
          if (st.body && st.body.status === "Failed") { return { status: 500, headers: st.headers, body: st.body }; }
          break;
        }
        await new Promise(function (ok) { setTimeout(ok, 500); });
      }
    }
    return res;
  }

  // ---- navigation
  var loaders = {};
  document.querySelectorAll("#nav a").forEach(function (a) {
    a.addEventListener("click", function () {
      document.querySelectorAll("#nav a").forEach(function (b) { b.classList.remove("on"); });
      document.querySelectorAll(".tab").forEach(function (t) { t.classList.remove("on"); });
      a.classList.add("on");
      $("tab-" + a.dataset.tab).classList.add("on");
      if (loaders[a.dataset.tab]) { loaders[a.dataset.tab](); }
    });
  });

  // ---- topology
  var pos = {
    "onprem-host": [80, 210], "onprem-gw": [240, 210], "internet": [500, 210],
    "azure-gw": [760, 150], "azure-gw-in1": [760, 290], "azure-vm": [930, 220], "p2s-client": [500, 340]
  };
  var titles = {
    "onprem-host": "onprem-host", "onprem-gw": "onprem-gw (device)", "internet": "internet (router)",
    "azure-gw": "azure-gw IN_0", "azure-gw-in1": "azure-gw IN_1", "azure-vm": "azure-vm", "p2s-client": "p2s-client"
  };
  (function drawNodes() {
    var g = $("nodes"), ns = "http://www.w3.org/2000/svg";
    Object.keys(pos).forEach(function (n) {
      var e = document.createElementNS(ns, "g");
      e.setAttribute("class", "node"); e.setAttribute("id", "node-" + n); e.setAttribute("data-state", "unknown");
      var r = document.createElementNS(ns, "rect");
      r.setAttribute("x", pos[n][0] - 62); r.setAttribute("y", pos[n][1] - 18); r.setAttribute("width", 124); r.setAttribute("height", 36);
      var t = document.createElementNS(ns, "text");
      t.setAttribute("x", pos[n][0]); t.setAttribute("y", pos[n][1] - 2); t.textContent = titles[n];
      var s = document.createElementNS(ns, "text");
      s.setAttribute("x", pos[n][0]); s.setAttribute("y", pos[n][1] + 12); s.setAttribute("class", "small"); s.setAttribute("id", "sub-" + n);
      e.appendChild(r); e.appendChild(t); e.appendChild(s); g.appendChild(e);
    });
  })();
  function arc(a, b, lift) {
    var p = pos[a], q = pos[b], mx = (p[0] + q[0]) / 2, my = Math.min(p[1], q[1]) - lift;
    return "M" + p[0] + "," + (p[1] - 18) + " Q" + mx + "," + my + " " + q[0] + "," + (q[1] - 18);
  }
  function setState(id, state) { var e = $(id); if (e) { e.setAttribute("data-state", state || "unknown"); } }
  function drawTopology(s) {
    var t = s.topology, active = s.status.azure && s.status.azure.node ? s.status.azure.node : "azure-gw";
    var aa = !!s.status.azure_in1;
    $("link-tunnel").setAttribute("d", arc("onprem-gw", aa ? "azure-gw" : active, 110));
    $("link-child").setAttribute("d", arc("onprem-gw", aa ? "azure-gw" : active, 90));
    $("link-bgp").setAttribute("d", arc("onprem-gw", aa ? "azure-gw" : active, 130));
    $("link-tunnel-in1").setAttribute("d", arc("onprem-gw", "azure-gw-in1", 40));
    $("link-p2s").setAttribute("d", "M500,322 Q650,260 " + pos[active][0] + "," + (pos[active][1] + 18));
    Object.keys(t.links).forEach(function (k) { setState("link-" + k, t.links[k]); });
    Object.keys(t.nodes).forEach(function (k) { setState("node-" + k, t.nodes[k]); });
    $("sub-internet").textContent = "ESP " + ((s.status.router_counters || {})["to-azure/esp-udp4500"] || { packets: 0 }).packets + " → / ← " +
      ((s.status.router_counters || {})["to-onprem/esp-udp4500"] || { packets: 0 }).packets;
    ["azure-gw", "azure-gw-in1"].forEach(function (n) {
      $("sub-" + n).textContent = aa ? "active-active" : (n === active ? "active" : "standby");
    });
    $("sub-onprem-gw").textContent = "AS " + ((s.status.onprem.bgp_peers || [])[0] || {}).local_asn;
    var cards = [
      ["Connection (portal)", s.status.azure_api.connectionStatus || "?"],
      ["Tunnel / CHILD SA", t.links.tunnel + " / " + t.links.child],
      ["BGP", t.links.bgp],
      ["Router (ESP-in-UDP packets)", t.labels["router-to-azure"] + "\n" + t.labels["router-to-onprem"]]
    ];
    $("topo-summary").innerHTML = cards.map(function (c) { return '<div class="card"><b>' + esc(c[0]) + "</b>\n" + esc(c[1]) + "</div>"; }).join("");
  }

  // ---- portal views fed by the snapshot
  function drawPortal(s) {
    var a = s.status.azure_api;
    var pill = $("conn-pill");
    pill.textContent = "Connection: " + (a.connectionStatus || "?");
    pill.className = "pill " + (a.connectionStatus === "Connected" ? "up" : "down");
    var cv = [["Status", a.connectionStatus], ["Data in", a.ingressBytesTransferred + " B"], ["Data out", a.egressBytesTransferred + " B"]];
    (a.tunnelConnectionStatus || []).forEach(function (t) {
      cv.push(["Tunnel " + t.tunnel, t.connectionStatus + ", in " + t.ingressBytesTransferred + " B, out " + t.egressBytesTransferred + " B" +
        (t.lastConnectionEstablishedUtcTime ? ", since " + t.lastConnectionEstablishedUtcTime : "")]);
    });
    var cvEl = $("connection-view");
    if (!cvEl.firstChild || cvEl.dataset.kind !== "status") { cvEl.innerHTML = '<div class="kv" id="connection-kv"></div><div class="kv" id="connection-props"></div>'; cvEl.dataset.kind = "status"; }
    kv($("connection-kv"), cv);
    table($("bgp-table"), [["Neighbor", function (p) { return p.neighbor; }], ["ASN", function (p) { return p.asn; }],
      ["Status", function (p) { return p.state; }], ["Connected duration", function (p) { return p.connectedDuration; }],
      ["Routes received", function (p) { return p.routesReceived; }], ["Messages sent", function (p) { return p.messagesSent; }],
      ["Messages received", function (p) { return p.messagesReceived; }], ["Local address", function (p) { return p.localAddress; }]], a.bgpPeers);
    table($("routes-table"), [["Network", function (r) { return r.network; }], ["Next hop", function (r) { return r.nextHop; }],
      ["Source peer", function (r) { return r.sourcePeer; }], ["Origin", function (r) { return r.origin; }],
      ["AS path", function (r) { return r.asPath; }], ["Weight", function (r) { return r.weight; }],
      ["Local address", function (r) { return r.localAddress; }]], s.learned_routes);
    drawDevice(s.status.onprem);
  }
  function drawDevice(g) {
    var h = "";
    (g.ike_sas || []).forEach(function (sa) {
      h += "<div class=\"card\">IKE SA " + esc(sa.conn) + " #" + esc(sa.uniqueid) + ": " + esc(sa.state) + "  " + esc(sa.local_host || "") + " ↔ " + esc(sa.remote_host || "");
      (sa.children || []).forEach(function (c) {
        h += "\n  CHILD SA " + esc(c.name) + ": " + esc(c.state) + "  in " + esc(c.bytes_in) + " B, out " + esc(c.bytes_out) + " B";
      });
      h += "</div>";
    });
    if (!g.ike_sas || g.ike_sas.length === 0) { h += '<div class="card">IKE SA: none</div>'; }
    (g.bgp_peers || []).forEach(function (p) {
      h += "<div class=\"card\">BGP neighbour " + esc(p.neighbor) + " AS" + esc(p.peer_asn) + ": " + esc(p.state) + ", received " + esc(p.routes_received) + "</div>";
    });
    $("device-view").innerHTML = "<div class=\"cards\">" + h + "</div>";
  }

  async function refresh() {
    try {
      var r = await getJSON("/api/snapshot");
      if (r.status !== 200) { throw new Error("snapshot: HTTP " + r.status); }
      snap = r.body;
      drawTopology(snap); drawPortal(snap);
      $("updated").textContent = "updated " + new Date(snap.at).toLocaleTimeString() + " (" + snap.took_s.toFixed(1) + " s)";
    } catch (e) {
      $("updated").textContent = "not updated: " + e.message;
    }
    setTimeout(refresh, 1500);
  }

  // ---- portal resources read on demand
  loaders.gateway = async function () {
    var r = await arm("GET", meta.gateway);
    if (r.status !== 200) { $("gateway-view").textContent = armErr(r); return; }
    var p = r.body.properties, b = p.bgpSettings || {};
    kv($("gateway-view"), [["Name", r.body.name], ["Location", r.body.location], ["Gateway type", p.gatewayType], ["VPN type", p.vpnType],
      ["SKU", (p.sku || {}).name], ["Active-active", p.activeActive], ["BGP", p.enableBgp ? "enabled" : "disabled"], ["ASN", b.asn],
      ["BGP peering address", b.bgpPeeringAddress], ["Provisioning state", p.provisioningState]]);
    $("gateway-json").textContent = JSON.stringify(r.body, null, 2);
  };
  loaders.connection = async function () {
    var r = await arm("GET", meta.connection);
    if (r.status !== 200) { $("connection-json").textContent = armErr(r); return; }
    var p = r.body.properties;
    kv($("connection-props"), [["Connection type", p.connectionType], ["IKE protocol", p.connectionProtocol], ["BGP", p.enableBgp ? "enabled" : "disabled"],
      ["DPD timeout", p.dpdTimeoutSeconds + " s"], ["Policy-based traffic selectors", p.usePolicyBasedTrafficSelectors],
      ["IPsec/IKE policy", (p.ipsecPolicies || []).length ? "Custom" : "Default"]]);
    $("connection-json").textContent = JSON.stringify(r.body, null, 2);
  };
  loaders.logs = async function () {
    var q = "/api/logs?category=" + encodeURIComponent($("log-category").value) + "&minutes=" + $("log-minutes").value;
    var r = await getJSON(q);
    if (r.status !== 200) { $("logs-table").textContent = armErr(r); return; }
    var rows = (r.body.value || []).slice().reverse();
    table($("logs-table"), [["TimeGenerated", function (x) { return x.TimeGenerated; }], ["Category", function (x) { return x.Category; }],
      ["OperationName", function (x) { return x.OperationName; }], ["Instance", function (x) { return x.instance_s; }],
      ["Remote IP", function (x) { return x.remoteIP_s; }], ["Message", function (x) { return x.Message || x.stateChangeReason_s || x.status_s; }]], rows);
  };
  $("log-run").addEventListener("click", loaders.logs);
  loaders.device = async function () {
    var r = await getJSON("/api/device");
    $("device-log").textContent = r.status === 200 ? (r.body.lines || []).join("\n") : armErr(r);
  };
  $("device-log-run").addEventListener("click", loaders.device);

  // ---- blades
  $("key-show").addEventListener("click", async function () {
    var r = await arm("GET", meta.connection, "sharedkey");
    $("key-value").textContent = r.status === 200 ? r.body.value : armErr(r);
  });
  $("key-form").addEventListener("submit", async function (ev) {
    ev.preventDefault();
    var r = await arm("PUT", meta.connection, "sharedkey", { value: $("key-input").value });
    if (r.status < 300) { $("key-input").value = ""; $("key-value").textContent = ""; }
    show($("key-result"), r.status < 300 ? "Saved: the connection's shared key was updated." : armErr(r), r.status < 300);
  });

  var policyChoices = {
    ikeEncryption: ["AES256", "AES192", "AES128", "DES3", "DES", "GCMAES256", "GCMAES128"],
    ikeIntegrity: ["SHA384", "SHA256", "SHA1", "MD5", "GCMAES256", "GCMAES128"],
    dhGroup: ["DHGroup14", "DHGroup24", "ECP256", "ECP384", "DHGroup2048", "DHGroup2", "DHGroup1", "None"],
    ipsecEncryption: ["GCMAES256", "GCMAES192", "GCMAES128", "AES256", "AES192", "AES128", "DES3", "DES", "None"],
    ipsecIntegrity: ["GCMAES256", "GCMAES192", "GCMAES128", "SHA256", "SHA1", "MD5"],
    pfsGroup: ["None", "PFS1", "PFS2", "PFS2048", "ECP256", "ECP384", "PFS24", "PFS14", "PFSMM"]
  };
  (function () {
    var h = "";
    Object.keys(policyChoices).forEach(function (k) {
      h += "<label>" + k + ' <select id="pol-' + k + '">' + policyChoices[k].map(function (o) { return "<option>" + o + "</option>"; }).join("") + "</select></label>";
    });
    h += '<label>saLifeTimeSeconds <input id="pol-saLifeTimeSeconds" value="27000"></label>';
    h += '<label>saDataSizeKilobytes <input id="pol-saDataSizeKilobytes" value="102400000"></label>';
    $("policy-fields").innerHTML = h;
  })();
  loaders.policy = async function () {
    var r = await arm("GET", meta.connection);
    if (r.status !== 200) { show($("policy-result"), armErr(r), false); return; }
    var pol = (r.body.properties.ipsecPolicies || [])[0];
    document.querySelector('input[name=pmode][value=' + (pol ? "custom" : "default") + "]").checked = true;
    if (pol) { Object.keys(pol).forEach(function (k) { var e = $("pol-" + k); if (e) { e.value = pol[k]; } }); }
  };
  $("policy-form").addEventListener("submit", async function (ev) {
    ev.preventDefault();
    var g = await arm("GET", meta.connection);
    if (g.status !== 200) { show($("policy-result"), armErr(g), false); return; }
    var custom = document.querySelector("input[name=pmode]:checked").value === "custom";
    var pol = {};
    Object.keys(policyChoices).forEach(function (k) { pol[k] = $("pol-" + k).value; });
    pol.saLifeTimeSeconds = parseInt($("pol-saLifeTimeSeconds").value, 10);
    pol.saDataSizeKilobytes = parseInt($("pol-saDataSizeKilobytes").value, 10);
    g.body.properties.ipsecPolicies = custom ? [pol] : [];
    var r = await arm("PUT", meta.connection, "", g.body);
    show($("policy-result"), r.status < 300 ? "Saved: IPsec/IKE policy " + (custom ? "custom" : "default") + "." : armErr(r), r.status < 300);
  });

  loaders.lng = async function () {
    var r = await arm("GET", meta.localGateway);
    if (r.status !== 200) { show($("lng-result"), armErr(r), false); return; }
    var p = r.body.properties;
    $("lng-ip").value = p.gatewayIpAddress || "";
    $("lng-prefixes").value = ((p.localNetworkAddressSpace || {}).addressPrefixes || []).join("\n");
    $("lng-asn").value = (p.bgpSettings || {}).asn || "";
    $("lng-bgpip").value = (p.bgpSettings || {}).bgpPeeringAddress || "";
  };
  $("lng-form").addEventListener("submit", async function (ev) {
    ev.preventDefault();
    var g = await arm("GET", meta.localGateway);
    if (g.status !== 200) { show($("lng-result"), armErr(g), false); return; }
    var p = g.body.properties;
    p.gatewayIpAddress = $("lng-ip").value.trim();
    p.localNetworkAddressSpace = { addressPrefixes: $("lng-prefixes").value.split(/\s+/).filter(Boolean) };
    if ($("lng-asn").value.trim() !== "") {
      p.bgpSettings = p.bgpSettings || {};
      p.bgpSettings.asn = Number($("lng-asn").value.trim());
      p.bgpSettings.bgpPeeringAddress = $("lng-bgpip").value.trim();
    }
    var r = await arm("PUT", meta.localGateway, "", g.body);
    show($("lng-result"), r.status < 300 ? "Saved: local network gateway updated." : armErr(r), r.status < 300);
  });

  loaders.bgpsettings = async function () {
    var g = await arm("GET", meta.gateway), c = await arm("GET", meta.connection);
    if (g.status !== 200 || c.status !== 200) { show($("bgpset-result"), armErr(g.status !== 200 ? g : c), false); return; }
    var b = g.body.properties.bgpSettings || {};
    $("gw-asn").value = b.asn || "";
    $("gw-apipa").value = ((b.bgpPeeringAddresses || [])[0] || { customBgpIpAddresses: [] }).customBgpIpAddresses.join(",");
    $("conn-bgp").checked = !!c.body.properties.enableBgp;
  };
  $("bgpset-form").addEventListener("submit", async function (ev) {
    ev.preventDefault();
    var g = await arm("GET", meta.gateway);
    if (g.status !== 200) { show($("bgpset-result"), armErr(g), false); return; }
    var b = g.body.properties.bgpSettings = g.body.properties.bgpSettings || {};
    b.asn = Number($("gw-asn").value.trim());
    var custom = $("gw-apipa").value.split(",").map(function (x) { return x.trim(); }).filter(Boolean);
    if (b.bgpPeeringAddresses && b.bgpPeeringAddresses.length) { b.bgpPeeringAddresses[0].customBgpIpAddresses = custom; }
    var r = await arm("PUT", meta.gateway, "", g.body);
    if (r.status >= 300) { show($("bgpset-result"), armErr(r), false); return; }
    var c = await arm("GET", meta.connection);
    if (c.status === 200 && c.body.properties.enableBgp !== $("conn-bgp").checked) {
      c.body.properties.enableBgp = $("conn-bgp").checked;
      var r2 = await arm("PUT", meta.connection, "", c.body);
      if (r2.status >= 300) { show($("bgpset-result"), armErr(r2), false); return; }
    }
    show($("bgpset-result"), "Saved: BGP settings updated.", true);
  });

  loaders.conncfg = async function () {
    var c = await arm("GET", meta.connection);
    if (c.status !== 200) { show($("conncfg-result"), armErr(c), false); return; }
    $("conn-dpd").value = c.body.properties.dpdTimeoutSeconds || "";
  };
  $("conncfg-form").addEventListener("submit", async function (ev) {
    ev.preventDefault();
    var c = await arm("GET", meta.connection);
    if (c.status !== 200) { show($("conncfg-result"), armErr(c), false); return; }
    c.body.properties.dpdTimeoutSeconds = Number($("conn-dpd").value.trim());
    var r = await arm("PUT", meta.connection, "", c.body);
    show($("conncfg-result"), r.status < 300 ? "Saved: connection configuration updated." : armErr(r), r.status < 300);
  });

  // The gateway's root certificates: the form replaces the root of that
  // name (or adds it); the others stay.
  loaders.p2scfg = async function () {
    var g = await arm("GET", meta.gateway);
    if (g.status !== 200) { show($("p2scfg-result"), armErr(g), false); return; }
    var roots = ((g.body.properties.vpnClientConfiguration || {}).vpnClientRootCertificates || []);
    $("p2scfg-roots").textContent = roots.length ? "Uploaded: " + roots.map(function (x) { return x.name; }).join(", ") : "No root certificate is uploaded.";
  };
  $("p2scfg-form").addEventListener("submit", async function (ev) {
    ev.preventDefault();
    var g = await arm("GET", meta.gateway);
    if (g.status !== 200) { show($("p2scfg-result"), armErr(g), false); return; }
    var vc = g.body.properties.vpnClientConfiguration = g.body.properties.vpnClientConfiguration || {};
    var name = $("p2s-root-name").value.trim();
    var data = $("p2s-root-data").value.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, "");
    var roots = (vc.vpnClientRootCertificates || []).filter(function (x) { return x.name !== name; });
    roots.push({ name: name, properties: { publicCertData: data } });
    vc.vpnClientRootCertificates = roots;
    var r = await arm("PUT", meta.gateway, "", g.body);
    show($("p2scfg-result"), r.status < 300 ? "Saved: root certificate " + name + " uploaded." : armErr(r), r.status < 300);
    if (r.status < 300) { loaders.p2scfg(); }
  });

  $("reset-run").addEventListener("click", async function () {
    var btn = $("reset-run");
    btn.disabled = true;
    show($("reset-result"), "Resetting…", true);
    var r = await arm("POST", meta.gateway, "reset");
    btn.disabled = false;
    show($("reset-result"), r.status < 300 ? "Reset finished." : armErr(r), r.status < 300);
  });

  // ---- training
  async function loadTraining() {
    var r = await getJSON("/api/training");
    if (r.status !== 200) { return; }
    var t = r.body;
    $("briefing").textContent = t.training ? (t.briefing || "(no briefing)") : "This lab was not started for training: checks and hints work, answers are graded by the engine's verdict.";
    if (t.score) { drawScore(t.score); }
  }
  function drawScore(s) {
    var sec = function (v) { return v === null || v === undefined ? "not yet" : v.toFixed(1) + " s"; };
    kv($("score"), [["Time to diagnose", sec(s.time_to_diagnose_s)], ["Time to fix", sec(s.time_to_fix_s)], ["Hints used", s.hints_used],
      ["Wrong answers", s.wrong_answers], ["Checks run", s.checks], ["Points", s.points + " / 100"]]);
  }
  loaders.training = loadTraining;
  $("check-run").addEventListener("click", async function () {
    var btn = $("check-run"); btn.disabled = true;
    $("check-result").textContent = "Checking…"; $("check-result").className = "result";
    var r = await getJSON("/api/check", { method: "POST" });
    btn.disabled = false;
    if (r.status !== 200) { show($("check-result"), armErr(r), false); return; }
    var el = $("check-result");
    el.className = "result";
    el.innerHTML = (r.body.healthy ? '<b class="ok" id="check-verdict" data-healthy="true">Healthy: every check passes.</b>' :
      '<b class="err" id="check-verdict" data-healthy="false">' + r.body.checks.filter(function (c) { return !c.ok; }).length + " symptom(s) remain.</b>") +
      "<table>" + r.body.checks.map(function (c) {
        return "<tr><td class=\"" + (c.ok ? "ok" : "err") + "\">" + (c.ok ? "ok" : "FAIL") + "</td><td>" + esc(c.name) + "</td><td>" + esc(c.detail) + "</td></tr>";
      }).join("") + "</table>";
    loadTraining();
  });
  $("hint-run").addEventListener("click", async function () {
    $("hint-result").textContent = "…";
    var r = await getJSON("/api/hint", { method: "POST" });
    $("hint-result").textContent = r.status === 200 ? "Hint " + r.body.level + " (" + r.body.title + "):\n" + r.body.lines.join("\n") : armErr(r);
    loadTraining();
  });
  $("answer-form").addEventListener("submit", async function (ev) {
    ev.preventDefault();
    var r = await getJSON("/api/answer", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ category: $("answer-category").value, fault: $("answer-fault").value.trim() }) });
    if (r.status !== 200) { show($("answer-result"), armErr(r), false); return; }
    show($("answer-result"), r.body.correct ? "Correct." : "Not quite: that is not what is wrong.", r.body.correct);
    drawScore(r.body.score);
  });

  (async function start() {
    var r = await getJSON("/api/meta");
    meta = r.body;
    $("lab-id").textContent = "lab " + meta.lab;
    $("device-cli").textContent = meta.prog + " lab exec onprem-gw -- swanctl --list-sas --uri tcp://127.0.0.1:4502";
    $("answer-category").innerHTML = meta.categories.map(function (c) { return "<option>" + c + "</option>"; }).join("");
    loadTraining();
    refresh();
  })();
})();
