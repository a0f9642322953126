package lab

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/vpnlab/vpnlab/bgp"
	"github.com/vpnlab/vpnlab/fakes/azure"
	"github.com/vpnlab/vpnlab/node"
	"github.com/vpnlab/vpnlab/profile"
	"github.com/vpnlab/vpnlab/swan"
)

// DefaultImage is the node image `make images` builds.
const DefaultImage = "vpnlab/node:latest"

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
	onprem, azure node.GatewaySpec
	conns         map[string]swan.Conn
	p2s           node.GatewaySpec
	pki           *p2sPKI
	active        string // the Azure instance holding the public IP
	apiCA         string // PEM of the CA of the fake gateway API's certificate
	apiOnce       sync.Once
	apiTransport  *http.Transport // shared by the lab's API clients (keep-alive)
	failovers     []FailoverReport
	closed        bool
}

// Node is one container of the lab.
type Node struct {
	Name        string
	ContainerID string
	ports       map[int]int // container port -> host port on 127.0.0.1
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
	log       *slog.Logger
	progress  func(step string, took time.Duration)
	scenario  string
	onpremKey string
	azureKey  string
	// activeActive runs the gateway active-active, the device with a
	// tunnel and a BGP session to each instance.
	activeActive bool
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

// WithLogger logs bring-up and teardown.
func WithLogger(l *slog.Logger) Option { return func(c *config) error { c.log = l; return nil } }

// WithProgress reports each bring-up step as it completes.
func WithProgress(fn func(step string, took time.Duration)) Option {
	return func(c *config) error { c.progress = fn; return nil }
}

// WithScenario labels the lab's objects with the scenario it runs.
func WithScenario(name string) Option { return func(c *config) error { c.scenario = name; return nil } }

// WithActiveActive runs the Azure gateway active-active: each instance has
// its own public IP and BGP address, and the on-prem device keeps a tunnel
// and a BGP session to each ([HA]).
func WithActiveActive() Option { return func(c *config) error { c.activeActive = true; return nil } }

// Start builds the lab and returns once every node runs its role; see Wait
// for the tunnel and BGP. On error it returns the partial lab, which the
// caller must Close (Close accepts a nil Lab).
func Start(ctx context.Context, opts ...Option) (*Lab, error) {
	c := config{image: DefaultImage, profile: profile.Default(), log: slog.New(slog.DiscardHandler),
		progress: func(string, time.Duration) {}}
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
	routes, err := hostRoutes()
	if err != nil {
		cli.Close()
		return nil, fmt.Errorf("read host routes: %w", err)
	}
	if err := checkOverlap(Networks, routes); err != nil {
		cli.Close()
		return nil, err
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
		api *node.APICert
		err error
	}
	certsc := make(chan certs, 1)
	go func() {
		var c certs
		now := time.Now()
		if c.p2s, c.err = newP2SPKI(now); c.err == nil {
			c.api, c.err = newAPICert(now)
		}
		certsc <- c
	}()
	l := &Lab{id: newID(), cli: cli, nodes: map[string]*Node{}, Profile: c.profile, conns: map[string]swan.Conn{}}
	labels := map[string]string{LabelLab: l.id}
	if c.scenario != "" {
		labels[LabelScenario] = c.scenario
	}
	c.log.Info("lab starting", "lab", l.id, "image", c.image, "profile", c.profile.Name)

	netIDs, err := l.createNetworks(ctx, labels)
	cs := <-certsc
	if err != nil {
		return l, err
	}
	if cs.err != nil {
		return l, fmt.Errorf("lab certificates: %w", cs.err)
	}
	done("networks")

	model.Gateway.VpnClient = cs.p2s.vpnClient()
	l.pki, l.p2s = cs.p2s, cs.p2s.clientSpec()
	l.onprem = onpremSpec(c.profile, key)
	if c.activeActive {
		onpremActiveActive(&l.onprem, model)
	}
	az := azureSpec(model, "IN_0")
	az.P2S = &node.P2SCert{ID: GatewayP2SID, CertPEM: cs.p2s.gw.CertPEM(), KeyPEM: cs.p2s.gw.KeyPEM()}
	az.API = cs.api
	if err := l.setAzure(az); err != nil {
		return l, err
	}

	l.active = AzureGW
	az.Active, az.Primary, az.VNetVIP, az.Peer = true, true, AzureGWAddr.String(), AzureGW1VNet.String()
	az1 := az
	az1.Instance, az1.Active, az1.Primary, az1.Peer = "IN_1", c.activeActive, false, AzureGWVNet.String()
	plans := l.plans(l.onprem, az, az1, l.p2s)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, p := range plans {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := l.startNode(ctx, c.image, p, labels, netIDs)
			mu.Lock()
			defer mu.Unlock()
			if n != nil {
				l.nodes[p.name] = n
			}
			if err != nil {
				errs = append(errs, err)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		if ctx.Err() != nil {
			return l, ctx.Err()
		}
		return l, err
	}
	done("containers")
	return l, nil
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

func (l *Lab) createNetworks(ctx context.Context, labels map[string]string) (map[string]string, error) {
	ids := map[string]string{}
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		errs []error
	)
	for _, n := range Networks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			//nolint:staticcheck // GenericNetwork is the way to name a network.
			nw, err := testcontainers.GenericNetwork(ctx, testcontainers.GenericNetworkRequest{
				NetworkRequest: testcontainers.NetworkRequest{
					Name: l.objectName(n.Name), Driver: "bridge", Labels: maps.Clone(labels), // testcontainers adds to it
					IPAM: &network.IPAM{Config: []network.IPAMConfig{{Subnet: n.Subnet, Gateway: n.Gateway}}},
				},
			})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("create network %s: %w", n.Name, err))
				return
			}
			ids[n.Name] = nw.(*testcontainers.DockerNetwork).ID
		}()
	}
	wg.Wait()
	return ids, errors.Join(errs...)
}

// plans describes every node of the topology.
func (l *Lab) plans(onprem node.GatewaySpec, az, az1 node.AzureSpec, p2s node.GatewaySpec) []nodePlan {
	return []nodePlan{
		{name: Internet, cmd: []string{"router", "to-azure=203.0.113.0/24", "to-onprem=198.51.100.0/24"},
			attach: []attachment{{"onprem-wan", RouterOnprem}, {"azure-wan", RouterAzure}}},
		// Both instances are on the VNet first (their published ports stay
		// reachable through it) and on the internet with addresses of their
		// own; the public IP and the VNet's next hop follow the active one.
		{name: AzureGW, cmd: []string{"azure"}, spec: mustJSON(az),
			ports:  []int{swan.ViciPort, bgp.GRPCPort, node.APIPort},
			attach: []attachment{{"azure-vnet", AzureGWVNet}, {"azure-wan", AzureGWWAN}}},
		{name: AzureGW1, cmd: []string{"azure"}, spec: mustJSON(az1),
			ports:  []int{swan.ViciPort, bgp.GRPCPort, node.APIPort},
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

// startNode creates the container on its first network, connects the
// others with fixed addresses, then starts it and waits for its role.
func (l *Lab) startNode(ctx context.Context, image string, p nodePlan, labels map[string]string, netIDs map[string]string) (*Node, error) {
	nl := map[string]string{LabelNode: p.name}
	for k, v := range labels {
		nl[k] = v
	}
	first := p.attach[0]
	var exposed []string
	for _, port := range p.ports {
		exposed = append(exposed, portString(port))
	}
	opts := []testcontainers.ContainerCustomizer{
		testcontainers.WithName(l.objectName(p.name)),
		testcontainers.WithLabels(nl),
		testcontainers.WithCmd(p.cmd...),
		testcontainers.WithExposedPorts(exposed...),
		testcontainers.WithNoStart(),
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
			hc.NetworkMode = container.NetworkMode(l.objectName(first.network))
			hc.PortBindings = network.PortMap{}
			for _, port := range p.ports {
				hc.PortBindings[network.MustParsePort(portString(port))] = []network.PortBinding{
					{HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: ""}}
			}
		}),
		testcontainers.WithEndpointSettingsModifier(func(es map[string]*network.EndpointSettings) {
			for k := range es {
				delete(es, k)
			}
			es[l.objectName(first.network)] = &network.EndpointSettings{
				NetworkID:  netIDs[first.network],
				IPAMConfig: &network.EndpointIPAMConfig{IPv4Address: first.addr},
			}
		}),
		testcontainers.WithWaitStrategy(wait.ForLog(` ready"`).WithStartupTimeout(30 * time.Second).WithPollInterval(20 * time.Millisecond)),
	}
	if p.spec != nil {
		opts = append(opts, testcontainers.WithFiles(testcontainers.ContainerFile{
			Reader: bytes.NewReader(p.spec), ContainerFilePath: node.SpecFile, FileMode: 0o600}))
	}
	ctr, err := testcontainers.Run(ctx, image, opts...)
	var n *Node
	if ctr != nil {
		n = &Node{Name: p.name, ContainerID: ctr.GetContainerID(), ports: map[int]int{}}
	}
	if err != nil {
		return n, fmt.Errorf("create %s: %w", p.name, err)
	}
	for _, a := range p.attach[1:] {
		_, err := l.cli.NetworkConnect(ctx, netIDs[a.network], client.NetworkConnectOptions{
			Container: n.ContainerID, EndpointConfig: &network.EndpointSettings{
				IPAMConfig: &network.EndpointIPAMConfig{IPv4Address: a.addr}},
		})
		if err != nil {
			return n, fmt.Errorf("connect %s to %s: %w", p.name, a.network, err)
		}
	}
	if err := ctr.Start(ctx); err != nil {
		return n, fmt.Errorf("start %s: %w%s", p.name, err, l.tail(n))
	}
	if err := l.readPorts(ctx, n); err != nil {
		return n, err
	}
	return n, nil
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
	err := removeByLabel(ctx, l.cli, l.id)
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
		ids, err := listLabs(ctx, cli)
		if err != nil {
			cli.Close()
			return nil, err
		}
		switch len(ids) {
		case 0:
			cli.Close()
			return nil, errors.New("no lab is running: start one with 'vpnlab lab up'")
		case 1:
			id = ids[0]
		default:
			cli.Close()
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
	l := &Lab{id: id, cli: cli, nodes: map[string]*Node{}, Profile: profile.Default(), conns: map[string]swan.Conn{}}
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
	return execIn(ctx, l.cli, n.ContainerID, cmd)
}
