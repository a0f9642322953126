package cli

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/vpnlab/vpnlab/lab"
	"github.com/vpnlab/vpnlab/webui"
)

// ui serves the web view of a running lab on 127.0.0.1 until Ctrl-C.
func ui(ctx context.Context, args []string, out, errw io.Writer) error {
	fs := flag.NewFlagSet("ui", flag.ContinueOnError)
	fs.SetOutput(errw)
	id := attachFlag(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "where to serve the page (a loopback address; port 0 picks one)")
	if err := fs.Parse(args); err != nil {
		return usagef("%v", err)
	}
	l, err := lab.Attach(ctx, *id)
	if err != nil {
		return err
	}
	defer l.Release()
	return serveUI(ctx, l, *addr, out)
}

func serveUI(ctx context.Context, l *lab.Lab, addr string, out io.Writer) error {
	s, err := webui.New(l, progName, nil)
	if err != nil {
		return err
	}
	err = webui.Serve(ctx, s, addr, func(url string) {
		fmt.Fprintf(out, "vpnlab: the web view of lab %s is at %s (Ctrl-C stops the view; the lab keeps running)\n", l.ID(), url)
	})
	if ctx.Err() != nil {
		return nil
	}
	return err
}
