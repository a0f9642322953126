package lab

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"

	"github.com/vpnlab/vpnlab/bgp"
	"github.com/vpnlab/vpnlab/contract"
	"github.com/vpnlab/vpnlab/fakes/azure"
	"github.com/vpnlab/vpnlab/profile"
	"github.com/vpnlab/vpnlab/swan"
)

// DefaultImage is the node image `make images` builds.
const DefaultImage = "vpnlab/node:latest"

// ImageEnv names another node image to use by default (`make` sets it to
// the image it built from this checkout, so that worktrees sharing one
// Docker engine do not run each other's nodes).
const ImageEnv = "VPNLAB_IMAGE"

// Image returns the node image used when none is given: $VPNLAB_IMAGE, else
// DefaultImage.
func Image() string {
	if v := os.Getenv(ImageEnv); v != "" {
		return v
	}
	return DefaultImage
}

// Lab is a running (or half-built) lab.
type Lab struct {
	id    string
	cli   *client.Client
	nodes map[string]*Node
	// Profile and Model are what the lab was configured with (the shared
	// key is not kept in Model).
	Profile profile.Profile
	Model   azure.Model

	// The gateways' specs as configured (keys included: never printed),
	// and connections changed since.
	onprem, azure contract.GatewaySpec
	conns         map[contract.Side]swan.Conn
	bgpOverride   map[contract.Side]bgp.Config // BGP settings a fault changed, by side
	p2s           contract.GatewaySpec
	pki           *p2sPKI
	radius        *radiusSetup // P2S with RADIUS authentication; nil without
	active        string       // the Azure instance holding the public IP
	apiCA         string       // PEM of the CA of the fake gateway API's certificate
	apiOnce       sync.Once
	apiTransport  *http.Transport // shared by the lab's API clients (keep-alive)
	identity      *azure.Identity // the lab's sign-in (tenant, service principal)
	tokens        tokenCache      // the lab's own access tokens
	failovers     []FailoverReport
	closed        bool
	// healthyTimeout bounds StartHealthy's wait.
	healthyTimeout time.Duration
}

// Node is one container of the lab.
type Node struct {
	Name        string
	ContainerID string
	ports       map[int]int // container port -> host port on 127.0.0.1
	proc        nodeProc    // the container's init process, for Exec
}

// Addr returns the 127.0.0.1 address a container port is published on.
func (n *Node) Addr(port int) (string, error) {
	hp, ok := n.ports[port]
	if !ok {
		return "", fmt.Errorf("node %s publishes no port %d", n.Name, port)
	}
	return "127.0.0.1:" + strconv.Itoa(hp), nil
}

type config struct {
	image     string
	profile   profile.Profile
	progress  func(step string, took time.Duration)
	scenario  string
	onpremKey string
	azureKey  string
	// activeActive runs the gateway active-active, the device with a
	// tunnel and a BGP session to each instance.
	activeActive bool
	// radius runs point-to-site with RADIUS authentication (WithRadius).
	radius bool
	// radiusTLS has the RADIUS users authenticate with EAP-TLS and their
	// client certificate (WithRadiusEAPTLS).
	radiusTLS bool
	// healthyTimeout bounds StartHealthy's wait.
	healthyTimeout time.Duration
}

// Option changes how Start builds the lab.
type Option func(*config) error

// WithImage runs the nodes from another image.
func WithImage(image string) Option {
	return func(c *config) error {
		if image == "" {
			return errors.New("empty image name")
		}
		c.image = image
		return nil
	}
}

// WithProfile configures the on-prem device from a device profile.
func WithProfile(p profile.Profile) Option {
	return func(c *config) error {
		if err := p.Validate(); err != nil {
			return fmt.Errorf("profile %s: %w", p.Name, err)
		}
		c.profile = p
		return nil
	}
}

// WithProgress reports each bring-up step as it completes.
func WithProgress(fn func(step string, took time.Duration)) Option {
	return func(c *config) error { c.progress = fn; return nil }
}

// WithScenario labels the lab's objects with the scenario it runs.
func WithScenario(name string) Option { return func(c *config) error { c.scenario = name; return nil } }

// WithHealthyTimeout bounds how long StartHealthy waits for a healthy lab
// (default 60 s).
func WithHealthyTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return errors.New("healthy timeout must be positive")
		}
		c.healthyTimeout = d
		return nil
	}
}

// WithActiveActive runs the Azure gateway active-active: each instance has
// its own public IP and BGP address, and the on-prem device keeps a tunnel
// and a BGP session to each ([HA]).
func WithActiveActive() Option { return func(c *config) error { c.activeActive = true; return nil } }

// Start builds the lab and returns once every node runs its role; see Wait
// for the tunnel and BGP. On error it returns the partial lab, which the
// caller must Close (Close accepts a nil Lab).
func Start(ctx context.Context, opts ...Option) (*Lab, error) {
	c := config{image: Image(), profile: profile.Default(),
		progress: func(string, time.Duration) {}, healthyTimeout: 60 * time.Second}
	for _, o := range opts {
		if err := o(&c); err != nil {
			return nil, err
		}
	}
	step := time.Now()
	done := func(name string) { c.progress(name, time.Since(step)); step = time.Now() }

	cli, err := dockerClient(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkDocker(ctx, cli); err != nil {
		cli.Close()
		return nil, err
	}
	if err := checkImage(ctx, cli, c.image); err != nil {
		cli.Close()
		return nil, err
	}
	if os.Geteuid() != 0 {
		cli.Close()
		return nil, errNotRoot
	}
	done("preflight")

	key := c.onpremKey
	if key == "" {
		key = newSharedKey()
	}
	model := azureModel(c.profile, key)
	if c.activeActive {
		activeActive(&model)
	}
	if c.azureKey != "" {
		model.Connection.SharedKey = c.azureKey
	}
	// Keys take a while to generate: do it while the networks are created.
	type certs struct {
		p2s *p2sPKI
		api *contract.APICert
		id  azure.Identity
		err error
	}
	certsc := make(chan certs, 1)
	go func() {
		var c certs
		now := time.Now()
		if c.p2s, c.err = newP2SPKI(now); c.err == nil {
			c.api, c.err = newAPICert(now)
		}
		if c.err == nil {
			c.id, c.err = azure.NewIdentity()
		}
		certsc <- c
	}()
	l := &Lab{id: newID(), healthyTimeout: c.healthyTimeout, cli: cli, nodes: map[string]*Node{}, Profile: c.profile, conns: map[contract.Side]swan.Conn{}}
	labels := map[string]string{LabelLab: l.id}
	if c.scenario != "" {
		labels[LabelScenario] = c.scenario
	}
	if s := scope(); s != "" {
		labels[LabelScope] = s
	}

	if c.radius {
		l.radius = newRadiusSetup()
		if c.radiusTLS {
			// The RADIUS server verifies clients against the P2S root: its
			// spec waits for the certificates (and puts them back).
			cs := <-certsc
			certsc <- cs
			if cs.err == nil {
				if err := l.radius.useTLS(cs.p2s); err != nil {
					return l, err
				}
			}
		}
	}
	// The nodes that publish no ports need neither the management network
	// nor the certificates: they start while both are made. The wiring
	// depends on the nodes' attachments only, not on their specs.
	var extra []nodePlan
	if l.radius != nil {
		extra = append(extra, l.radius.plan())
	}
	skeleton := append(l.plans(contract.GatewaySpec{}, contract.AzureSpec{}, contract.AzureSpec{}, contract.GatewaySpec{}), extra...)
	w, err := planWiring(skeleton)
	if err != nil {
		<-certsc
		return l, err
	}
	ctrs := map[string]testcontainers.Container{}
	var mu sync.Mutex
	start := func(plans []nodePlan, mgmt string) error {
		return parallel(plans, func(p nodePlan) error {
			n, ctr, err := l.startNode(ctx, c.image, p, labels, mgmt, w.linksOf(p.name))
			mu.Lock()
			defer mu.Unlock()
			if n != nil {
				l.nodes[p.name], ctrs[p.name] = n, ctr
			}
			return err
		})
	}
	portless := func(p nodePlan) bool { return len(p.ports) == 0 }
	early := make(chan error, 1)
	go func() { early <- start(filterPlans(skeleton, portless), "") }()

	mgmt, err := l.createManagement(ctx, labels)
	cs := <-certsc
	if err == nil && cs.err != nil {
		err = fmt.Errorf("lab certificates: %w", cs.err)
	}
	if err != nil || ctx.Err() != nil {
		<-early // every create has returned before the lab is handed back
		return l, errors.Join(err, ctx.Err())
	}
	done("network")

	model.Gateway.VpnClient = cs.p2s.vpnClient()
	l.pki, l.p2s = cs.p2s, cs.p2s.clientSpec()
	if l.radius != nil {
		l.radius.useRadius(model.Gateway.VpnClient, &l.p2s)
	}
	l.onprem = onpremSpec(c.profile, key)
	if c.activeActive {
		onpremActiveActive(&l.onprem, model)
	}
	az := azureSpec(model, "IN_0")
	az.P2S = &contract.P2SCert{ID: GatewayP2SID, CertPEM: cs.p2s.gw.CertPEM(), KeyPEM: cs.p2s.gw.KeyPEM(),
		ClientCerts: []string{cs.p2s.client.CertPEM()}}
	az.API = cs.api
	az.Identity = &cs.id
	if l.radius != nil {
		az.RadiusSecret = l.radius.secret
	}
	if err := l.setAzure(az); err != nil {
		<-early
		return l, err
	}

	l.active = AzureGW
	az.Active, az.Primary, az.VNetVIP, az.Peer = true, true, AzureGWAddr.String(), AzureGW1VNet.String()
	az1 := az
	az1.Instance, az1.Active, az1.Primary, az1.Peer = "IN_1", c.activeActive, false, AzureGWVNet.String()
	plans := append(l.plans(l.onprem, az, az1, l.p2s), extra...)
	err = errors.Join(start(filterPlans(plans, func(p nodePlan) bool { return !portless(p) }), mgmt), <-early)
	if ctx.Err() != nil {
		return l, ctx.Err() // what failed, failed for it
	}
	if err != nil {
		return l, err
	}
	done("containers")
	pids := map[string]int{}
	for name, ctr := range ctrs {
		st, err := ctr.State(ctx)
		if err != nil {
			return l, fmt.Errorf("inspect %s: %w", name, err)
		}
		pids[name] = st.Pid
	}
	if err := wire(w, pids); err != nil {
		return l, err
	}
	done("links")
	err = parallel(plans, func(p nodePlan) error {
		err := l.awaitLog(ctx, l.nodes[p.name], ` ready"`, 30*time.Second)
		if err != nil {
			return fmt.Errorf("start %s: %w%s", p.name, err, l.tail(l.nodes[p.name]))
		}
		return nil
	})
	if ctx.Err() != nil {
		return l, ctx.Err()
	}
	if err != nil {
		return l, err
	}
	done("roles")
	// The P2S client's files (its certificate, key, swanctl.conf and the
	// administrator's root), so that the client can be repaired with its
	// own tools from the start (a RADIUS client holds no certificate).
	if l.pki != nil && l.radius == nil && l.nodes[P2SClient] != nil {
		if err := l.writeP2SClientFiles(ctx); err != nil {
			return l, err
		}
	}
	return l, nil
}

// filterPlans returns the plans keep keeps.
func filterPlans(plans []nodePlan, keep func(nodePlan) bool) []nodePlan {
	var out []nodePlan
	for _, p := range plans {
		if keep(p) {
			out = append(out, p)
		}
	}
	return out
}

// parallel runs fn for every plan at once and joins the errors.
func parallel(plans []nodePlan, fn func(nodePlan) error) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, p := range plans {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(p); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func newID() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// ID returns the lab's id (the value of its vpnlab.lab labels).
func (l *Lab) ID() string { return l.id }

// Node returns a node by name, or nil.
func (l *Lab) Node(name string) *Node { return l.nodes[name] }

func (l *Lab) objectName(name string) string { return "vpnlab-" + l.id + "-" + name }

// createManagement creates the lab's management network: the nodes that
// publish ports (vici, GoBGP's gRPC, the Azure-like API) on the host's
// 127.0.0.1 join it. Docker picks its subnet, which is no lab subnet; the
// nodes replace its default route with an unreachable one, so lab traffic
// never takes it.
//
// The create runs to its end even when ctx is cancelled meanwhile (Ctrl-C):
// a request given up half-way can still create the network in the daemon
// after Close has looked for it, and leave it behind.
func (l *Lab) createManagement(ctx context.Context, labels map[string]string) (string, error) {
	ctx, cancel := uncancelled(ctx)
	defer cancel()
	//nolint:staticcheck // GenericNetwork is the way to name a network.
	nw, err := testcontainers.GenericNetwork(ctx, testcontainers.GenericNetworkRequest{
		NetworkRequest: testcontainers.NetworkRequest{
			Name: l.objectName("mgmt"), Driver: "bridge", Labels: maps.Clone(labels), // testcontainers adds to it
		},
	})
	if err != nil {
		return "", fmt.Errorf("create the management network (Docker picks its subnet from its address pools): %w", err)
	}
	return nw.(*testcontainers.DockerNetwork).ID, nil
}

// createTimeout bounds a Docker create that runs on after a cancel.
const createTimeout = 2 * time.Minute

// uncancelled returns a context for creating a lab object: not cancelled
// with ctx, so that the create completes and the object is known to exist
// before Start returns and Close removes the lab, but bounded.
func uncancelled(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), createTimeout)
}

// plans describes every node of the topology.
func (l *Lab) plans(onprem contract.GatewaySpec, az, az1 contract.AzureSpec, p2s contract.GatewaySpec) []nodePlan {
	return []nodePlan{
		{name: Switch, cmd: []string{"switch"}},
		{name: Internet, cmd: []string{"router", string(contract.ToAzure) + "=" + AzureWAN.String(),
			string(contract.ToOnprem) + "=" + OnpremWAN.String()},
			attach: []attachment{{"onprem-wan", RouterOnprem}, {"azure-wan", RouterAzure}}},
		// Both instances are on the VNet and on the internet with addresses
		// of their own; the public IP and the VNet's next hop follow the
		// active one.
		{name: AzureGW, cmd: []string{"azure"}, spec: mustJSON(az),
			ports:  []int{swan.ViciPort, bgp.GRPCPort, contract.APIPort},
			attach: []attachment{{"azure-vnet", AzureGWVNet}, {"azure-wan", AzureGWWAN}}},
		{name: AzureGW1, cmd: []string{"azure"}, spec: mustJSON(az1),
			ports:  []int{swan.ViciPort, bgp.GRPCPort, contract.APIPort},
			attach: []attachment{{"azure-vnet", AzureGW1VNet}, {"azure-wan", AzureGW1WAN}}},
		{name: AzureVM, cmd: []string{"host", "-gw", AzureGWAddr.String(), "-listen", ":" + strconv.Itoa(VMPort)},
			attach: []attachment{{"azure-vnet", AzureVMIP}}},
		{name: OnpremGW, cmd: []string{"gateway"}, spec: mustJSON(onprem),
			ports:  []int{swan.ViciPort, bgp.GRPCPort},
			attach: []attachment{{"onprem-wan", OnpremPublic}, {"onprem-lan", OnpremLANGW}}},
		{name: OnpremHost, cmd: []string{"host", "-gw", OnpremLANGW.String()},
			attach: []attachment{{"onprem-lan", OnpremHostIP}}},
		{name: P2SClient, cmd: []string{"gateway"}, spec: mustJSON(p2s), ports: []int{swan.ViciPort},
			attach: []attachment{{"onprem-wan", P2SClientIP}}},
	}
}

// startNode creates and starts a node's container: on the management
// network when it publishes ports, else with no network; its role waits
// for links, which the lab wires once every container runs.
func (l *Lab) startNode(ctx context.Context, image string, p nodePlan, labels map[string]string, mgmt string, links []string) (*Node, testcontainers.Container, error) {
	nl := map[string]string{LabelNode: p.name}
	for k, v := range labels {
		nl[k] = v
	}
	var exposed []string
	for _, port := range p.ports {
		exposed = append(exposed, portString(port))
	}
	env := map[string]string{}
	if len(links) > 0 {
		env[contract.LinksEnv] = strings.Join(links, ",")
	}
	opts := []testcontainers.ContainerCustomizer{
		testcontainers.WithName(l.objectName(p.name)),
		testcontainers.WithLabels(nl),
		testcontainers.WithCmd(p.cmd...),
		testcontainers.WithEnv(env),
		testcontainers.WithExposedPorts(exposed...),
		testcontainers.WithConfigModifier(func(cfg *container.Config) { cfg.Hostname = p.name }),
		testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
			hc.CapAdd = []string{"NET_ADMIN"}
			hc.Devices = []container.DeviceMapping{{PathOnHost: "/dev/net/tun", PathInContainer: "/dev/net/tun", CgroupPermissions: "rwm"}}
			hc.Sysctls = map[string]string{
				"net.ipv4.ip_forward":                "1",
				"net.ipv4.conf.all.rp_filter":        "0",
				"net.ipv4.conf.default.rp_filter":    "0",
				"net.ipv4.conf.all.accept_redirects": "0",
				// Answer ARP only for addresses of the asking interface: a
				// standby instance must not answer for the gateway's addresses.
				"net.ipv4.conf.all.arp_ignore": "1",
			}
			hc.NetworkMode = "none"
			hc.PortBindings = network.PortMap{}
			if len(p.ports) > 0 {
				hc.NetworkMode = container.NetworkMode(l.objectName("mgmt"))
			}
			for _, port := range p.ports {
				hc.PortBindings[network.MustParsePort(portString(port))] = []network.PortBinding{
					{HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: ""}}
			}
		}),
		testcontainers.WithEndpointSettingsModifier(func(es map[string]*network.EndpointSettings) {
			for k := range es {
				delete(es, k)
			}
			if len(p.ports) > 0 {
				es[l.objectName("mgmt")] = &network.EndpointSettings{NetworkID: mgmt}
			}
		}),
	}
	if p.spec != nil {
		opts = append(opts, testcontainers.WithFiles(testcontainers.ContainerFile{
			Reader: bytes.NewReader(p.spec), ContainerFilePath: contract.SpecFile, FileMode: 0o600}))
	}
	// Created and started to the end even when ctx is cancelled meanwhile
	// (see createManagement); Start then returns ctx's error.
	cctx, cancel := uncancelled(ctx)
	ctr, err := testcontainers.Run(cctx, image, opts...)
	cancel()
	var n *Node
	if ctr != nil {
		n = &Node{Name: p.name, ContainerID: ctr.GetContainerID(), ports: map[int]int{}}
	}
	if err != nil {
		return n, ctr, fmt.Errorf("start %s: %w", p.name, err)
	}
	if err := l.readPorts(ctx, n); err != nil {
		return n, ctr, err
	}
	return n, ctr, nil
}

// tail returns the end of a node's log, for error messages.
func (l *Lab) tail(n *Node) string {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	rc, err := l.cli.ContainerLogs(ctx, n.ContainerID, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Tail: "15"})
	if err != nil {
		return ""
	}
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	return "\n--- last lines of " + n.Name + " ---\n" + redactLog(string(b))
}

// redactLog drops the docker stream headers' binary bytes.
func redactLog(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\n' && r != '\t' {
			return -1
		}
		return r
	}, s)
}

func (l *Lab) readPorts(ctx context.Context, n *Node) error {
	ins, err := l.cli.ContainerInspect(ctx, n.ContainerID, client.ContainerInspectOptions{})
	if err != nil {
		return fmt.Errorf("inspect %s: %w", n.Name, err)
	}
	if st := ins.Container.State; st != nil && st.Pid > 0 && ins.Container.Config != nil {
		n.proc = newNodeProc(st.Pid, ins.Container.Config.Env)
	}
	for p, bs := range ins.Container.NetworkSettings.Ports {
		for _, b := range bs {
			hp, err := strconv.Atoi(b.HostPort)
			if err == nil && b.HostIP.String() == "127.0.0.1" {
				n.ports[int(p.Num())] = hp
			}
		}
	}
	return nil
}

// Close removes the lab's containers and networks. It accepts a nil,
// half-built or already closed lab and runs to completion even when ctx is
// already done.
func (l *Lab) Close(ctx context.Context) error {
	if l == nil || l.closed {
		return nil
	}
	l.closed = true
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 60*time.Second)
	defer cancel()
	err := removeByLabel(ctx, l.cli, l.id, false)
	l.removeCAFile()
	l.cli.Close()
	return err
}

// Attach finds a running lab by id ("" = the only one running).
func Attach(ctx context.Context, id string) (*Lab, error) {
	cli, err := dockerClient(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkDocker(ctx, cli); err != nil {
		cli.Close()
		return nil, err
	}
	if id == "" {
		labs, err := listLabs(ctx, cli)
		if err != nil {
			cli.Close()
			return nil, err
		}
		switch len(labs) {
		case 0:
			cli.Close()
			return nil, errors.New("no lab is running: start one with 'vpnlab lab up'")
		case 1:
			id = labs[0].ID
		default:
			cli.Close()
			var ids []string
			for _, l := range labs {
				ids = append(ids, l.ID)
			}
			return nil, fmt.Errorf("%d labs are running (%s): name one with --lab", len(ids), strings.Join(ids, ", "))
		}
	}
	cs, err := cli.ContainerList(ctx, client.ContainerListOptions{Filters: labFilter(id)})
	if err != nil {
		cli.Close()
		return nil, fmt.Errorf("list containers: %w", err)
	}
	if len(cs.Items) == 0 {
		cli.Close()
		return nil, fmt.Errorf("lab %s has no running containers", id)
	}
	l := &Lab{id: id, cli: cli, nodes: map[string]*Node{}, Profile: profile.Default(), conns: map[contract.Side]swan.Conn{}}
	for _, c := range cs.Items {
		n := &Node{Name: c.Labels[LabelNode], ContainerID: c.ID, ports: map[int]int{}}
		if err := l.readPorts(ctx, n); err != nil {
			cli.Close()
			return nil, err
		}
		l.nodes[n.Name] = n
	}
	if err := l.readSpecs(ctx); err != nil {
		cli.Close()
		return nil, fmt.Errorf("lab %s: %w", id, err)
	}
	if err := l.findActive(ctx); err != nil {
		cli.Close()
		return nil, err
	}
	return l, nil
}

// Release frees the Docker client of an attached lab without removing it.
func (l *Lab) Release() { l.cli.Close() }

// Exec runs cmd in a node.
func (l *Lab) Exec(ctx context.Context, nodeName string, cmd ...string) (ExecResult, error) {
	n := l.nodes[nodeName]
	if n == nil {
		return ExecResult{}, fmt.Errorf("unknown node %q (nodes: %s)", nodeName, strings.Join(Nodes, ", "))
	}
	if r, ok, err := n.proc.exec(ctx, cmd); ok {
		return r, err
	}
	return execIn(ctx, l.cli, n.ContainerID, cmd)
}
