// Package auth signs bulkunfollow in to X: OAuth 2.0 Authorization Code
// with PKCE, rotation-safe refresh, OAuth 1.0a user context and a ready
// bearer token, with a credential store whose files are 0600 and written
// atomically. Secrets never appear in errors or logs.
//
// The rest of the program calls one function, HTTPClient, which picks the
// credential by a fixed precedence (BULKUNFOLLOW_ACCESS_TOKEN, then the
// four BULKUNFOLLOW_OAUTH1_* variables, then the store) and returns an
// authenticated *http.Client with an Identity that describes it.
//
// Guarantees:
//
//   - Login uses PKCE S256 and a random state that the answer must carry;
//     its listener binds only the loopback host of the redirect URI and is
//     closed before Login returns. A pasted address or code (stdin) and
//     the listener race; the first answer wins. An answer with another
//     state (any local process can reach the listener) gets an error page
//     and is ignored: it cannot end the login, which waits for the real
//     answer until its timeout.
//   - The token endpoint is called with HTTP Basic when the client has a
//     secret and with client_id in the body otherwise, never by guessing.
//   - The store directory is 0700 and the file 0600. An existing directory
//     is tightened only when it is the user's own, not a link, not sticky,
//     and holds only the store's files; a shared one is refused
//     (*DirError), never chmod'ed. Every change replaces the file through
//     internal/atomicfile (temporary file in the same directory, fsync,
//     rename, fsync of the directory): a crash or a failed write leaves the
//     previous file or the new one, never a mix.
//   - A stored OAuth 2.0 token is refreshed RefreshMargin (30 s) before it
//     expires and once when the server answers 401 (the request is retried
//     once when its body can be replayed). Refreshes are serialised across
//     processes by a lock file: a waiting process re-reads the store and
//     uses the token another one saved instead of spending the refresh
//     token again. The new pair is saved before it is used; if it cannot
//     be saved, or the server refuses the refresh token, the error matches
//     ErrLoginRequired (a person must run "bulkunfollow auth login"); the
//     store keeps its previous, intact file, and a refused refresh token is
//     recorded there so later runs stop at once.
//   - Errors from golang.org/x/oauth2 are replaced by *TokenError, which
//     keeps the status and OAuth error code but never the response body;
//     Credential and apiclient.OAuth1Credentials print without their secrets.
//   - Every authenticated transport (API, token, revoke) replaces each
//     credential it holds, and the Authorization header it sent, with
//     [REDACTED] in the answer's body, headers and trailers and in
//     transport errors, before anything upstream parses, logs or shows
//     them. (A successful token answer keeps its body: it carries the new
//     tokens.)
//   - A credential holding a control or non-ASCII character, from the
//     environment, a file, the store or the token endpoint, is refused
//     when it is loaded (*ConfigError or ErrLoginRequired), never sent.
package auth
