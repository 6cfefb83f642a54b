/*  wfa_redis.h - one blocking Redis connection that survives Redis restarts.

    Every command has a timeout. When the connection breaks, calls return
    NULL and the caller answers REDIS_UNAVAILABLE; the next call (or the
    housekeeping timer) reconnects. The Lua steps are the functions of a
    Redis Function library (tools/build/lua-library.sh builds its text):
    each connection checks the loaded library's version at its first call,
    loads the library (FUNCTION LOAD REPLACE) when it is missing or another
    version, and again after "Function not found" (a Redis restarted without
    persistence, a FUNCTION FLUSH). */
#ifndef WFA_REDIS_H_INCLUDED
#define WFA_REDIS_H_INCLUDED

typedef struct _wfa_redis_t wfa_redis_t;

//  A Redis Function library: the Lua steps of some folders, in one text
typedef struct {
    const char *name;           //  Library name ("wfa"), also of its NAME_version function
    const char *version;        //  SHA-1 of the text, which NAME_version answers
    const char *source;         //  The text, "#!lua name=NAME" first
} wfa_lua_library_t;

//  One Lua step: a function of a library
typedef struct {
    const wfa_lua_library_t *library;   //  The library that registers it
    const char *name;           //  Function name, also for logs
    bool read_only;             //  Registered no-writes: called with FCALL_RO
} wfa_script_t;

//  Read who every connection of this process signs in to Redis as: the
//  user WFA_REDIS_USER (empty: service, the service's own name) with the
//  password in the file WFA_REDIS_PASSWORD_FILE (empty: no AUTH). Call
//  once at start, before any connection. Returns -1, logged, when the file
//  cannot be read or is empty.
int wfa_redis_credentials (const char *service);

//  Create a connection to "host:port" with a command timeout in ms.
//  Connects lazily: never fails.
wfa_redis_t *wfa_redis_new (const char *address, int timeout_ms);

void wfa_redis_destroy (wfa_redis_t **self_p);

//  Connect if not connected. Returns 0 when connected.
int wfa_redis_connect (wfa_redis_t *self);

//  True while the last command went through.
bool wfa_redis_connected (wfa_redis_t *self);

//  Times the connection was re-established.
uint64_t wfa_redis_reconnects (wfa_redis_t *self);

//  Copy the reconnect count and the connected state into the process's
//  metrics, labelled connection="<connection>" (e.g. worker, consumer),
//  and sample Redis's used and maximum memory (INFO memory) while
//  connected. Call from the thread that owns the connection.
void wfa_redis_export (wfa_redis_t *self, const char *connection);

//  Run a command from an argument vector (lens may be NULL for C strings).
//  Returns the reply (caller frees with freeReplyObject) or NULL when
//  Redis cannot be reached, wants a sign-in this process cannot give, or
//  refuses a write because it is full (see wfa_redis_refused_full). Any
//  other error reply is returned as a reply.
redisReply *wfa_redis_argv (wfa_redis_t *self, int argc, const char **argv, const size_t *lens);

//  Run a printf-style command (see redisCommand).
redisReply *wfa_redis_command (wfa_redis_t *self, const char *format, ...);

//  Run a Lua step (FCALL, or FCALL_RO for a read-only one) with nkeys keys
//  then args, all in argv (lens may be NULL for C strings), loading its
//  library first when this connection has not seen it loaded.
redisReply *wfa_redis_fcall (wfa_redis_t *self, const wfa_script_t *script,
                             int nkeys, int argc, const char **argv, const size_t *lens);

//  True if the last command this thread sent got NULL because Redis is
//  full (OOM: maxmemory reached, noeviction), not out of reach: the call
//  answers STORAGE_FULL rather than REDIS_UNAVAILABLE.
bool wfa_redis_refused_full (void);

//  True if reply is an error reply starting with prefix.
bool wfa_redis_is_error (const redisReply *reply, const char *prefix);

//  A TCP port on 127.0.0.1 free right now (for selftests that start a
//  redis-server); 0 if none could be found.
int wfa_spare_port (void);

//  Start a throwaway redis-server on port, in dir, for a selftest (locked:
//  default user off, user "tester" with password "secret"); its pid, which
//  the caller kills and waits for. Ping it before use: it starts async.
pid_t wfa_redis_test_server (int port, const char *dir, bool locked);

void wfa_redis_test (bool verbose);

#endif
