package bus

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"google.golang.org/api/idtoken"
	"google.golang.org/api/option"
)

// googleIssuers are the issuers of Google-signed ID tokens.
var googleIssuers = []string{"https://accounts.google.com", "accounts.google.com"}

// Verifier authenticates the caller of a push endpoint. Pub/Sub push (and
// Cloud Scheduler) send each request with a Google-signed OIDC ID token of
// the invoker service account, for the audience their subscription (or
// job) names. Cloud Run's IAM checks the token too, but an endpoint that
// relied on it alone would do whatever any caller asked the day a service
// is made public by mistake; so the function checks it itself: Google's
// signature, issuer, expiry, audience, and that it was minted for the
// invoker account.
type Verifier struct {
	audience  string
	account   string
	validator *idtoken.Validator
}

// NewVerifier returns a Verifier of tokens for audience minted for the
// service account whose e-mail is account. Google's public keys are
// fetched (and cached as long as Google says) through certs; nil means
// http.DefaultClient. Tests pass a client that serves their own keys.
func NewVerifier(ctx context.Context, audience, account string, certs *http.Client) (*Verifier, error) {
	if audience == "" || account == "" {
		return nil, errors.New("bus.NewVerifier: an audience and a service account are required")
	}
	if certs == nil {
		certs = http.DefaultClient
	}
	v, err := idtoken.NewValidator(ctx, option.WithHTTPClient(certs))
	if err != nil {
		return nil, fmt.Errorf("bus.NewVerifier: %w", err)
	}
	return &Verifier{audience: audience, account: account, validator: v}, nil
}

// GoogleCertsURL is where Google publishes the keys of its ID tokens.
const GoogleCertsURL = "https://www.googleapis.com/oauth2/v3/certs"

// CertsAt returns a client that fetches Google's ID token keys from url
// instead (a local issuer standing in for Google); nil if url is empty,
// which is Google's own.
func CertsAt(url string) *http.Client {
	if url == "" {
		return nil
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: certsAt{url}}
}

type certsAt struct{ url string }

func (c certsAt) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.String() != GoogleCertsURL {
		return nil, fmt.Errorf("bus.CertsAt: %s is not Google's keys", r.URL.Redacted())
	}
	local, err := http.NewRequestWithContext(r.Context(), r.Method, c.url, nil)
	if err != nil {
		return nil, err
	}
	return http.DefaultTransport.RoundTrip(local)
}

// Verify checks the bearer token of r. Its error says why a token was
// refused (for the log); it never contains the token.
func (v *Verifier) Verify(r *http.Request) error {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return errors.New("no bearer token")
	}
	// Pub/Sub and Scheduler sign with RS256; refusing anything else
	// first also keeps other algorithms out of the validator.
	if alg, err := algorithm(token); err != nil || alg != "RS256" {
		return errors.New("not an RS256 JWT")
	}
	// The validator's decoder skips line breaks in a part and ignores the
	// unused bits of its last character: only Google's own spelling of a
	// token is taken.
	if !canonical(token) {
		return errors.New("not a JWT in compact form")
	}
	p, err := v.validator.Validate(r.Context(), token, v.audience)
	if err != nil {
		return fmt.Errorf("token refused: %w", err)
	}
	if !slices.Contains(googleIssuers, p.Issuer) {
		return errors.New("token not issued by Google")
	}
	if email, _ := p.Claims["email"].(string); email != v.account {
		return errors.New("token of another service account")
	}
	if verified, _ := p.Claims["email_verified"].(bool); !verified {
		return errors.New("token with an unverified e-mail")
	}
	return nil
}

// algorithm returns the alg of a JWT's header.
func algorithm(token string) (string, error) {
	header, _, _ := strings.Cut(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(header)
	if err != nil {
		return "", err
	}
	var h struct {
		Alg string `json:"alg"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		return "", err
	}
	return h.Alg, nil
}

// canonical reports whether token is three parts of unpadded base64url,
// each exactly as the encoder spells what it decodes to.
func canonical(token string) bool {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return false
	}
	for _, p := range parts {
		b, err := base64.RawURLEncoding.DecodeString(p)
		if err != nil || base64.RawURLEncoding.EncodeToString(b) != p {
			return false
		}
	}
	return true
}
