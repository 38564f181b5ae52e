/* Credentials: API tokens (Authorization: Bearer), session cookies, CSRF,
 * and the sign-in rate limiter. */
#pragma once

#include "http/request.h"

#define SESSION_COOKIE "vigil_session"
#define CSRF_HEADER "X-CSRF-Token"
#define TOKEN_PREFIX_API "vgt_"
#define TOKEN_PREFIX_SESSION "vgs_"

/* Resolve the request's credentials into req->who. Returns 0 with kind
 * AUTH_NONE when none were presented, -VG_EAUTH (detail set) when they were
 * presented but are not valid: unknown, revoked, expired, account disabled. */
int auth_authenticate(struct request *req);
/* Does the request carry monitoring's credentials: the configured
 * intake.token as a bearer token, or a source address in intake.allow?
 * On success req->who becomes the "intake" actor. */
bool auth_intake(struct request *req);

/* Session-authenticated requests that change state must carry the session's
 * CSRF token in X-CSRF-Token. Returns 0 or -VG_EFORBIDDEN. */
int auth_check_csrf(const struct request *req);
/* The CSRF token bound to a session token: keyed BLAKE2b, hex. */
void auth_csrf_token(const char *session_token, char out[2 * STORE_HASH_BYTES + 1]);

