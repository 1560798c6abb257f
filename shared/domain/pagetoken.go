package domain

import (
	"encoding/base64"
	"encoding/json"

	"github.com/workgate/workgate/shared/errs"
)

// maxPageToken bounds a page token's length: it carries a sort key (at
// most a name of 60 characters) and an ID.
const maxPageToken = 1024

// ErrPageToken refuses a page token that no list gave.
var ErrPageToken = errs.E(errs.Invalid, "pageToken is not one this list gave")

// PageToken is the opaque token of a position in a paged list: the sort
// key and the ID of the last item of a page. A list's query always names
// its caller, so a token only positions the query within what the caller
// may see, whoever made it.
func PageToken(key, id string) string {
	b, _ := json.Marshal([]string{key, id}) // strings always marshal
	return base64.RawURLEncoding.EncodeToString(b)
}

// ParsePageToken reads a token PageToken made: errs.Invalid unless it
// holds a key and an ID.
func ParsePageToken(token string) (key, id string, err error) {
	if len(token) > maxPageToken {
		return "", "", ErrPageToken
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return "", "", ErrPageToken
	}
	var parts []string
	if err := json.Unmarshal(b, &parts); err != nil || len(parts) != 2 || !IsID(parts[1]) {
		return "", "", ErrPageToken
	}
	return parts[0], parts[1], nil
}
