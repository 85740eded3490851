/* wsclient.h - a minimal blocking WebSocket client (RFC 6455) for integration tests.
 *
 * Plain TCP, no TLS, no extensions. Text and binary messages (fragmented ones are reassembled);
 * pings are answered with pongs while receiving; a close from the server is answered and ends
 * the connection. Not thread-safe: one thread per connection. No Criterion dependency.
 *
 *     int http_status;
 *     wsc_t *ws = wsc_connect("127.0.0.1", 18080, "/ws",
 *                             (const char *[]){"Cookie: sid=abc", NULL}, &http_status);
 *     if (!ws) fail("upgrade refused with %d", http_status);    // e.g. 401 without a session
 *     wsc_send_text(ws, "{\"type\":\"subscribe\"}");
 *     char *msg;
 *     if (wsc_recv_text(ws, 2000, &msg) == ST_OK) { ...; free(msg); }
 *     wsc_close(ws);
 */
#ifndef TESTS_SUPPORT_WSCLIENT_H
#define TESTS_SUPPORT_WSCLIENT_H

#include <stddef.h>

#include "shared/status.h"

typedef struct wsc wsc_t;

#define WSC_MAX_MESSAGE (16u << 20) /* bigger messages from the server fail with ST_TOO_LARGE */

/* Connects to host:port, upgrades path, sending extra_headers (NULL-terminated "Name: value"
 * lines, or NULL) with the handshake, and checks Sec-WebSocket-Accept. Returns the connection,
 * or NULL. out_http_status (may be NULL) receives 101 on success, the status of a refused
 * upgrade (401, 403, 404, ...), or 0 if no valid handshake answer came within 5 s. */
wsc_t *wsc_connect(const char *host, int port, const char *path, const char *const *extra_headers,
                   int *out_http_status /* OUT */);

/* Sends text as one masked text frame. ST_UNAVAILABLE if the connection is gone. */
status_t wsc_send_text(wsc_t *ws, const char *text);
/* Sends a masked ping with payload (at most 125 bytes). */
status_t wsc_send_ping(wsc_t *ws, const char *payload);

/* Waits up to timeout_ms for the next text or binary message. *out is heap-allocated and
 * NUL-terminated (free it). ST_TIMEOUT when nothing complete arrived in time (a partly received
 * message is kept for the next call); ST_UNAVAILABLE when the connection was closed;
 * ST_INVALID on a protocol violation; ST_TOO_LARGE over WSC_MAX_MESSAGE. */
status_t wsc_recv_text(wsc_t *ws, int timeout_ms, char **out /* OUT */);

/* The status code of the server's close frame (1000, 4401, ...), 1005 if it had none, 0 if the
 * server has not closed. */
int wsc_close_code(const wsc_t *ws);

/* Sends a close frame (1000), waits up to 1 s for the server's, closes the socket and frees
 * ws. NULL-safe. */
void wsc_close(wsc_t *ws);

/* Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(SHA-1(key + RFC 6455 GUID)). Exposed
 * for test servers. */
void wsc_accept_key(const char *key, char out[29]);

#endif
