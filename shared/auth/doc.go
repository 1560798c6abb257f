// Package auth holds workgate's credential primitives: password hashing
// (argon2id) and the password rule, random link tokens and 6-digit codes
// with the hashes and MACs they are stored as, EdDSA JWTs with their JWKS,
// the sealing of secrets that travel inside events, and the loading of the
// keys all of these need.
//
// Nothing here logs, and no error returned here contains a secret.
package auth
