package stack

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/workgate/workgate/infra"
	"github.com/workgate/workgate/infra/image"
	"github.com/workgate/workgate/shared/auth"
	"github.com/workgate/workgate/shared/config"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/logging"
	"github.com/workgate/workgate/shared/openapi/contract"
	"github.com/workgate/workgate/shared/server"
	"github.com/workgate/workgate/shared/web"
)

// split runs each function of the topology as its own process, as its
// container runs in Cloud Run: the workgate binary with FUNCTION_TARGET,
// PORT, and its own environment, holding only the secrets its topology
// entry lists. A process starts on the first request that needs it (as
// an instance starts from zero) and answers once it is ready.
//
// The stack's router is the load balancer's URL map: each route goes to
// its function's process. Pub/Sub pushes (and the relay's schedule) go
// through a gateway standing in for Google's side of a push: it adds the
// OIDC token of the invoker service account, signed by a local issuer
// whose keys the functions fetch instead of Google's (in dev mode only),
// so every push function checks its caller exactly as in production.
type split struct {
	bin     string
	cfg     *config.Config
	keyDir  string // the stack's dev keys, the source of the secrets
	procDir string // a key folder per process: empty, so a key a function does not list is not the stack's
	output  io.Writer
	issuer  *issuer
	// gateway is the push gateway's base URL.
	gateway string
	env     map[string]string
	client  *http.Client
	log     *slog.Logger // the stack's

	mu    sync.Mutex
	procs map[string]*process
	// stopped is set by stop: no process starts after it (a push the
	// emulator still delivers, say, until the gateway has shut down).
	stopped bool
	// pushing counts the pushes and scheduled calls the gateway is
	// passing on (a job's process starting included).
	pushing atomic.Int64
}

// process is one function's process.
type process struct {
	fn    infra.Function
	ready chan struct{} // closed once started or failed
	url   string
	err   error
	cmd   *exec.Cmd
	exit  chan struct{} // closed when the process has exited
	tail  *tailBuffer
}

// PushInvoker is the service account whose tokens a split stack's push
// gateway sends.
const PushInvoker = "pubsub-invoker@workgate-local.iam.gserviceaccount.com"

// PushAudience is what those tokens are minted for, per function.
func PushAudience(fn string) string { return "https://" + fn + ".workgate.local" }

func newSplit(cfg *config.Config, bin, keyDir string, output io.Writer, key *rsa.PrivateKey, kid string) (*split, error) {
	procDir, err := os.MkdirTemp("", "workgate-split-")
	if err != nil {
		return nil, err
	}
	iss := &issuer{kid: kid, key: key}
	if key == nil {
		if iss, err = localIssuer(); err != nil {
			return nil, err
		}
	}
	env := config.Environ(cfg)
	for name := range server.Secrets(cfg) {
		delete(env, name)
	}
	delete(env, "PORT")
	for _, name := range []string{"FIRESTORE_EMULATOR_HOST", "PUBSUB_EMULATOR_HOST"} {
		env[name] = os.Getenv(name)
	}
	return &split{
		bin: bin, cfg: cfg, keyDir: keyDir, procDir: procDir, output: output, issuer: iss, env: env,
		client: &http.Client{Timeout: 30 * time.Second},
		procs:  map[string]*process{},
	}, nil
}

// secret returns a secret's value: as configured, or the stack's dev key.
func (s *split) secret(name string) (string, error) {
	if v := server.Secrets(s.cfg)[name]; v != "" {
		return v, nil
	}
	file := map[string]string{
		"WORKGATE_JWT_KEY": auth.DevSigningKeyFile, "WORKGATE_SEAL_KEY": auth.DevSealKeyFile,
		"WORKGATE_MAC_KEY": auth.DevMACKeyFile, "WORKGATE_ID_KEY": auth.DevIDKeyFile,
	}[name]
	if file == "" {
		return "", nil // an optional secret, not set
	}
	b, err := os.ReadFile(filepath.Join(s.keyDir, file)) //nolint:gosec // the stack's own key folder
	return strings.TrimSpace(string(b)), err
}

// environ is a function's process's environment.
func (s *split) environ(fn infra.Function, port string) ([]string, error) {
	env := map[string]string{}
	for k, v := range s.env {
		env[k] = v
	}
	for _, name := range fn.Secrets {
		v, err := s.secret(name)
		if err != nil {
			return nil, err
		}
		if v != "" {
			env[name] = v
		}
	}
	env["FUNCTION_TARGET"] = fn.Name
	env["PORT"] = port
	env["WORKGATE_KEY_DIR"] = filepath.Join(s.procDir, fn.Name)
	if server.InvokedOnly(fn) {
		env["WORKGATE_PUSH_AUDIENCE"] = PushAudience(fn.Name)
		env["WORKGATE_PUSH_SERVICE_ACCOUNT"] = PushInvoker
		env["WORKGATE_DEV_PUSH_CERTS_URL"] = s.gateway + "/certs"
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out, nil
}

// get returns the function's process, starting it if it is not running.
func (s *split) get(ctx context.Context, fn infra.Function) (*process, error) {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return nil, errStopped
	}
	p, ok := s.procs[fn.Name]
	if !ok || p.exited() {
		p = &process{fn: fn, ready: make(chan struct{}), exit: make(chan struct{}), tail: &tailBuffer{}}
		s.procs[fn.Name] = p
		go s.start(p)
	}
	s.mu.Unlock()
	select {
	case <-p.ready:
		return p, p.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (p *process) exited() bool {
	select {
	case <-p.exit:
		return true
	default:
		return false
	}
}

// start runs the process and waits until its startup probe answers. The
// process listens on a port the kernel picks (PORT=0) and the stack learns
// it from its "function started" log line: a port picked here and handed
// over could be taken in between by another listener (another test's
// router, which would answer the probe for the function behind it).
func (s *split) start(p *process) {
	defer close(p.ready)
	fail := func(err error) {
		p.err = fmt.Errorf("stack: function %s did not start: %w\n%s", p.fn.Name, err, p.tail.String())
	}
	env, err := s.environ(p.fn, "0")
	if err != nil {
		close(p.exit)
		fail(err)
		return
	}
	started := make(chan string, 1)
	p.cmd = exec.Command(s.bin) //nolint:gosec // the workgate binary the stack built
	p.cmd.Env = env
	// Whole lines only, so that the processes' log lines, all written to
	// one output, never interleave mid-line.
	p.cmd.Stdout = io.MultiWriter(&lineWriter{to: s.output}, p.tail, &lineWriter{to: announced(started)})
	p.cmd.Stderr = p.cmd.Stdout
	if err := p.cmd.Start(); err != nil {
		close(p.exit)
		fail(err)
		return
	}
	go func() { _ = p.cmd.Wait(); close(p.exit) }()
	deadline := time.Now().Add(60 * time.Second)
	select {
	case addr := <-started:
		p.url = "http://" + addr
	case <-p.exit:
		fail(errors.New("it exited"))
		return
	case <-time.After(time.Until(deadline)):
		_ = p.cmd.Process.Kill()
		fail(errors.New("it did not start listening in 60s"))
		return
	}
	for {
		res, err := s.client.Get(p.url + server.ReadyPath)
		if err == nil {
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-p.exit:
			fail(errors.New("it exited"))
			return
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = p.cmd.Process.Kill()
			fail(errors.New("no answer from its startup probe in 60s"))
			return
		}
	}
}

// running returns the processes that are up.
func (s *split) running() []*process {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*process
	for _, p := range s.procs {
		select {
		case <-p.ready:
			if p.err == nil && !p.exited() {
				out = append(out, p)
			}
		default:
		}
	}
	return out
}

// errStopped is what a request gets once the stack has stopped.
var errStopped = errors.New("stack: stopped")

// stop sends every process SIGTERM, as Cloud Run does, and waits for it
// to end (killing it after 10 seconds); a process still starting is
// stopped once it has started, and none starts after. (Processes started
// by late pushes, or still starting, outlived the stack before: under
// the parallel end-to-end suite a few each run, for good.)
func (s *split) stop() {
	s.mu.Lock()
	s.stopped = true
	procs := make([]*process, 0, len(s.procs))
	for _, p := range s.procs {
		procs = append(procs, p)
	}
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-p.ready
			if p.cmd == nil || p.cmd.Process == nil || p.exited() {
				return
			}
			_ = p.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-p.exit:
			case <-time.After(10 * time.Second):
				_ = p.cmd.Process.Kill()
				<-p.exit
			}
		}()
	}
	wg.Wait()
	_ = os.RemoveAll(s.procDir)
}

// router is the URL map: each of the topology's routes goes to its
// function's process. In dev mode it checks each exchange against the
// OpenAPI document, as the one-process router does, and logs a break to
// log.
func (s *split) router(top *infra.Topology, log *slog.Logger, check bool) http.Handler {
	mux := http.NewServeMux()
	for _, fn := range top.Functions {
		if fn.Dev && !s.cfg.Dev {
			continue
		}
		proxy := s.proxy(fn, false)
		for _, route := range fn.HTTP {
			mux.Handle(route, proxy)
		}
	}
	checked := contract.DevCheck(s.cfg.Dev && check, mux)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		checked.ServeHTTP(w, r.WithContext(logging.With(r.Context(), log.With("function", "router"))))
	})
}

// gatewayHandler is Google's side of pushes and schedules: it calls a
// push or scheduled function with the invoker's token, and serves the
// issuer's keys.
func (s *split) gatewayHandler(top *infra.Topology) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /certs", s.issuer.serveKeys)
	for _, fn := range top.Functions {
		if !server.InvokedOnly(fn) {
			continue
		}
		proxy := s.proxy(fn, true)
		mux.Handle(server.PushPath(fn.Name), proxy)
		mux.Handle(server.SchedulePath(fn.Name), proxy)
	}
	return mux
}

// proxy forwards a request to the function's process, starting it first
// if needed; signed, a push or scheduled call, goes to the function's root
// with the invoker's token. A process that cannot start, or that ends
// before it answers (it crashed, or was killed), is a 503 with
// Retry-After, as Cloud Run answers when no instance can serve.
func (s *split) proxy(fn infra.Function, signed bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if signed {
			s.pushing.Add(1)
			defer s.pushing.Add(-1)
		}
		p, err := s.get(r.Context(), fn)
		if r.Context().Err() != nil {
			return // the caller went
		}
		if err != nil {
			s.unavailable(w, r, err)
			return
		}
		target, _ := url.Parse(p.url)
		rp := &httputil.ReverseProxy{
			// As in one process: the original Host and X-Forwarded-For
			// (which Rewrite drops), nothing added.
			Rewrite: func(pr *httputil.ProxyRequest) {
				pr.SetURL(target)
				pr.Out.Host = pr.In.Host
				if xff, ok := pr.In.Header["X-Forwarded-For"]; ok {
					pr.Out.Header["X-Forwarded-For"] = xff
				}
				if signed {
					pr.Out.URL.Path = "/"
					pr.Out.Header.Set("Authorization", "Bearer "+s.issuer.token(PushAudience(fn.Name)))
				}
			},
			FlushInterval: -1, // live streams
			ErrorLog:      slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
			ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
				if r.Context().Err() != nil {
					return // the caller went
				}
				s.unavailable(w, r, fmt.Errorf("stack: function %s: %w", fn.Name, err))
			},
		}
		if fn.Name == "devclock" && r.Method == http.MethodPost {
			rec := &statusRecorder{ResponseWriter: w}
			rp.ServeHTTP(rec, r)
			if rec.status == http.StatusOK {
				s.awaitClock(r.Context(), p)
			}
			return
		}
		rp.ServeHTTP(w, r)
	})
}

// unavailable answers 503 with Retry-After, as Cloud Run's front end
// does when no instance can serve a request, in the API's problem shape;
// the cause is logged, not shown.
func (s *split) unavailable(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Warn("function unavailable", "method", r.Method, "path", r.URL.Path, "error", err.Error())
	web.Problem(w, r, &errs.Error{Kind: errs.Unavailable, Message: "the service is briefly unavailable; please try again", RetryAfter: time.Second})
}

// awaitClock waits until every running process has seen the dev clock
// where the devclock process has just moved it: in one process a move is
// seen at once, across processes it travels by a Firestore listener.
func (s *split) awaitClock(ctx context.Context, devclock *process) {
	target, err := s.state(ctx, devclock)
	if err != nil {
		return
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, p := range s.running() {
		for time.Now().Before(deadline) {
			st, err := s.state(ctx, p)
			if err != nil || st.ClockOffset >= target.ClockOffset {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// state asks a process for its ProcessState.
func (s *split) state(ctx context.Context, p *process) (server.ProcessState, error) {
	return s.stateOf(ctx, p, false)
}

func (s *split) stateOf(ctx context.Context, p *process, gc bool) (server.ProcessState, error) {
	var st server.ProcessState
	path := server.ProcessPath
	if gc {
		path += "?gc=1"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url+path, nil)
	if err != nil {
		return st, err
	}
	res, err := s.client.Do(req)
	if err != nil {
		return st, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return st, fmt.Errorf("%s: %s", server.ProcessPath, res.Status)
	}
	return st, json.NewDecoder(res.Body).Decode(&st)
}

// kill kills a function's process at once (SIGKILL, as a crash or an
// out-of-memory kill would end it) and waits for it to exit; the next
// request that needs the function starts it again. It reports whether a
// process was running.
func (s *split) kill(function string) bool {
	s.mu.Lock()
	p, ok := s.procs[function]
	s.mu.Unlock()
	if !ok {
		return false
	}
	select {
	case <-p.ready:
	default:
		return false // starting: not to be killed half-way
	}
	if p.err != nil || p.exited() {
		return false
	}
	_ = p.cmd.Process.Kill()
	<-p.exit
	return true
}

// ProcessInfo is one running function process of a split stack.
type ProcessInfo struct {
	Function string
	PID      int
	State    server.ProcessState
}

// processes asks every running process for its state (gc: after a
// garbage collection, see server.ProcessState).
func (s *split) processes(ctx context.Context, gc bool) []ProcessInfo {
	var out []ProcessInfo
	for _, p := range s.running() {
		st, err := s.stateOf(ctx, p, gc)
		if err != nil {
			continue // it has just exited
		}
		out = append(out, ProcessInfo{Function: p.fn.Name, PID: p.cmd.Process.Pid, State: st})
	}
	return out
}

// hashes sums the password hashes of the running processes.
func (s *split) hashes() int64 {
	var n int64
	for _, p := range s.running() {
		if st, err := s.state(context.Background(), p); err == nil {
			n += st.Hashes
		}
	}
	return n
}

// relay calls the relay function as Cloud Scheduler does.
func (s *split) relay(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.gateway+server.SchedulePath("relay"), nil)
	if err != nil {
		return err
	}
	res, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 512))
		return fmt.Errorf("relay: %s: %s", res.Status, b)
	}
	return nil
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// lineWriter passes on whole lines only: a process's output comes in
// chunks that may end mid-line, and several processes write to one
// output. A line is written with one Write. Each process has its own.
type lineWriter struct {
	to      io.Writer
	partial []byte
}

func (l *lineWriter) Write(b []byte) (int, error) {
	l.partial = append(l.partial, b...)
	if i := bytes.LastIndexByte(l.partial, '\n'); i >= 0 {
		_, _ = l.to.Write(l.partial[:i+1]) // the output is best effort
		l.partial = append(l.partial[:0], l.partial[i+1:]...)
	}
	if len(l.partial) > 64<<10 { // a line that long is written as it is
		_, _ = l.to.Write(l.partial)
		l.partial = l.partial[:0]
	}
	return len(b), nil
}

// announced is a writer of a process's whole log lines that sends, once,
// the address of its "function started" line (server.Serve's) on to.
func announced(to chan<- string) io.Writer {
	return writerFunc(func(b []byte) (int, error) {
		for _, line := range bytes.Split(b, []byte("\n")) {
			if addr, ok := server.StartedAddr(line); ok {
				select {
				case to <- addr:
				default: // sent already
				}
			}
		}
		return len(b), nil
	})
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// tailBuffer keeps the end of a process's output, for its failure.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tailBuffer) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if len(t.buf) > 8<<10 {
		t.buf = t.buf[len(t.buf)-8<<10:]
	}
	return len(b), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(bytes.TrimSpace(t.buf))
}

// issuer stands in for Google's token service: it signs the invoker's ID
// tokens (RS256, Google's issuer) and serves their keys as a JWKS.
type issuer struct {
	kid string
	key *rsa.PrivateKey
}

var (
	issuerOnce sync.Once
	theIssuer  *issuer
	issuerErr  error
)

// localIssuer returns the process's issuer (one RSA key for every stack).
func localIssuer() (*issuer, error) {
	issuerOnce.Do(func() {
		var key *rsa.PrivateKey
		key, issuerErr = rsa.GenerateKey(rand.Reader, 2048)
		theIssuer = &issuer{kid: "workgate-local", key: key}
	})
	return theIssuer, issuerErr
}

func (i *issuer) token(aud string) string {
	now := time.Now()
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"iss": "https://accounts.google.com", "aud": aud, "sub": "workgate-local-invoker",
		"email": PushInvoker, "email_verified": true,
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	})
	t.Header["kid"] = i.kid
	s, _ := t.SignedString(i.key)
	return s
}

func (i *issuer) serveKeys(w http.ResponseWriter, _ *http.Request) {
	b64 := base64.RawURLEncoding.EncodeToString
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "alg": "RS256", "use": "sig", "kid": i.kid,
		"n": b64(i.key.N.Bytes()), "e": b64(big.NewInt(int64(i.key.E)).Bytes()),
	}}})
}

// Binary builds the workgate binary (as the image holds it: with
// .ko.yaml's flags, see image.GoBuild) into a temporary folder, once per
// process, and returns its path. RemoveBinary removes it.
func Binary() (string, error) {
	binary.once.Do(func() {
		out, err := exec.Command("go", "env", "GOMOD").Output()
		if err != nil {
			binary.err = fmt.Errorf("stack.Binary: go env GOMOD: %w", err)
			return
		}
		mod := strings.TrimSpace(string(out))
		if mod == "" || mod == os.DevNull {
			binary.err = errors.New("stack.Binary: not inside the workgate module")
			return
		}
		if binary.dir, binary.err = os.MkdirTemp("", "workgate-bin-"); binary.err != nil {
			return
		}
		binary.path = filepath.Join(binary.dir, "workgate")
		root := filepath.Dir(mod)
		ko, err := image.LoadKoConfig(filepath.Join(root, ".ko.yaml"))
		if err != nil {
			binary.err = err
			return
		}
		if os.Getenv("WORKGATE_STACK_RACE") == "1" {
			// make test: the functions' processes with the race detector
			// (cgo), as the one-process tests run them.
			cmd := exec.Command("go", "build", "-race", "-trimpath", "-o", binary.path, image.Main)
			cmd.Dir, cmd.Env = root, append(os.Environ(), "CGO_ENABLED=1")
			if msg, err := cmd.CombinedOutput(); err != nil {
				binary.err = fmt.Errorf("stack.Binary: go build -race: %w\n%s", err, msg)
			}
			return
		}
		binary.err = ko.GoBuild(context.Background(), root, image.Main, binary.path)
	})
	return binary.path, binary.err
}

// RemoveBinary removes what Binary built (a TestMain calls it at the end).
func RemoveBinary() {
	if binary.dir != "" {
		_ = os.RemoveAll(binary.dir)
	}
}

var binary struct {
	once      sync.Once
	dir, path string
	err       error
}
