/*  wfa_redis.c - a hiredis context with reconnects and the Lua library.

    hiredis 0.14 marks a context unusable after an I/O error; we then drop
    it and make a new one on the next call. Which Lua libraries are loaded
    is known per connection, so two threads never share that state. Every
    new connection signs in (AUTH) as the process's Redis user when a
    password file is configured (deploy/redis-acl.sh makes the users). */
#include "wfa.h"

//  Who every connection of this process signs in as: set once at start,
//  before any thread runs, like the config values. No password, no AUTH.
static char s_user [128];
static char s_password [512];

//  The last command this thread sent came back refused because Redis is
//  full (maxmemory with noeviction), not because it is out of reach
static _Thread_local bool s_refused_full;

struct _wfa_redis_t {
    char host [256];            //  Redis host
    int port;                   //  Redis port
    int timeout_ms;             //  Connect and command timeout
    redisContext *context;      //  NULL while disconnected
    zhash_t *libraries;         //  Library name -> when (zclock_mono) its code was checked
    uint64_t connects;          //  Successful connects
    int64_t next_try_ms;        //  No reconnect attempt before this (zclock_mono)
    bool sign_in_refused;       //  The last AUTH was refused (logged once)
    int64_t refusal_logged_ms;  //  When a full or locked Redis was last logged (zclock_mono)
};

//  Read who this process signs in as (see wfa_redis.h).
int
wfa_redis_credentials (const char *service)
{
    const char *user = wfa_config_get (WFA_CFG_REDIS_USER);
    const char *path = wfa_config_get (WFA_CFG_REDIS_PASSWORD_FILE);
    snprintf (s_user, sizeof s_user, "%s", *user? user: service);
    *s_password = 0;
    if (!*path)
        return 0;
    FILE *file = fopen (path, "r");
    if (!file) {
        wfa_log ("E", "cannot read the Redis password file %s: %s", path, strerror (errno));
        return -1;
    }
    if (!fgets (s_password, sizeof s_password, file))
        *s_password = 0;
    fclose (file);
    s_password [strcspn (s_password, "\r\n")] = 0;
    if (!*s_password) {
        wfa_log ("E", "the Redis password file %s is empty", path);
        return -1;
    }
    wfa_log ("I", "redis: signing in as user %s (password from %s)", s_user, path);
    return 0;
}

//  Create a connection object.
wfa_redis_t *
wfa_redis_new (const char *address, int timeout_ms)
{
    wfa_redis_t *self = (wfa_redis_t *) zmalloc (sizeof (wfa_redis_t));
    assert (self);
    const char *colon = strrchr (address, ':');
    if (colon) {
        snprintf (self->host, sizeof self->host, "%.*s", (int) (colon - address), address);
        self->port = atoi (colon + 1);
    }
    else {
        snprintf (self->host, sizeof self->host, "%s", address);
        self->port = 6379;
    }
    self->timeout_ms = timeout_ms;
    self->libraries = zhash_new ();
    zhash_autofree (self->libraries);
    return self;
}

void
wfa_redis_destroy (wfa_redis_t **self_p)
{
    assert (self_p);
    wfa_redis_t *self = *self_p;
    if (self) {
        if (self->context)
            redisFree (self->context);
        zhash_destroy (&self->libraries);
        free (self);
        *self_p = NULL;
    }
}

//  Forget which libraries are loaded (a new or flushed server may have none).
static void
s_forget_libraries (wfa_redis_t *self)
{
    zhash_destroy (&self->libraries);
    self->libraries = zhash_new ();
    zhash_autofree (self->libraries);
}

static void
s_drop (wfa_redis_t *self)
{
    if (self->context) {
        redisFree (self->context);
        self->context = NULL;
        s_forget_libraries (self);
        wfa_log ("W", "redis %s:%d connection lost", self->host, self->port);
    }
}

//  Sign a new connection in; 0 when Redis accepts. A refusal is logged
//  once, not at every retry, and retried once a second.
static int
s_sign_in (wfa_redis_t *self, redisContext *context)
{
    redisReply *reply = (redisReply *) redisCommand (context, "AUTH %s %s", s_user, s_password);
    int rc = reply && reply->type == REDIS_REPLY_STATUS? 0: -1;
    if (reply && rc) {
        if (!self->sign_in_refused)
            wfa_log ("E", "redis %s:%d refuses user %s: %s (check WFA_REDIS_PASSWORD_FILE "
                     "and Redis's ACL file); calls answer REDIS_UNAVAILABLE", self->host,
                     self->port, s_user, reply->type == REDIS_REPLY_ERROR? reply->str: "?");
        self->sign_in_refused = true;
        self->next_try_ms = zclock_mono () + 1000;
    }
    else
    if (reply && self->sign_in_refused) {
        wfa_log ("I", "redis %s:%d accepts user %s again", self->host, self->port, s_user);
        self->sign_in_refused = false;
    }
    if (reply)
        freeReplyObject (reply);
    return rc;
}

//  Connect if not connected; at most one attempt per 100 ms. The backoff
//  runs on the monotonic clock: wfa_now_ms () moves with WFA_CLOCK_FILE and
//  wall-clock steps, and a step back would hold off every retry that long.
int
wfa_redis_connect (wfa_redis_t *self)
{
    if (self->context)
        return 0;
    int64_t now = zclock_mono ();
    if (now < self->next_try_ms)
        return -1;
    self->next_try_ms = now + 100;
    struct timeval timeout = { self->timeout_ms / 1000, (self->timeout_ms % 1000) * 1000 };
    redisContext *context = redisConnectWithTimeout (self->host, self->port, timeout);
    if (!context || context->err) {
        if (context)
            redisFree (context);
        return -1;
    }
    redisSetTimeout (context, timeout);
    if (*s_password && s_sign_in (self, context)) {
        redisFree (context);
        return -1;
    }
    self->context = context;
    self->connects++;
    if (self->connects > 1)
        wfa_log ("I", "redis %s:%d reconnected", self->host, self->port);
    return 0;
}

bool
wfa_redis_connected (wfa_redis_t *self)
{
    return self->context != NULL;
}

uint64_t
wfa_redis_reconnects (wfa_redis_t *self)
{
    return self->connects > 0? self->connects - 1: 0;
}

//  A number field of an INFO answer ("name:value" lines), or -1.
static double
s_info_field (const char *info, const char *name)
{
    size_t len = strlen (name);
    const char *line = info;
    while (line) {
        if (strncmp (line, name, len) == 0 && line [len] == ':')
            return strtod (line + len + 1, NULL);
        line = strchr (line, '\n');
        if (line)
            line++;
    }
    return -1;
}

//  Sample Redis's memory (INFO memory) into the two memory gauges; left
//  as they were while Redis cannot tell.
static void
s_export_memory (wfa_redis_t *self, wfa_prom_t *prom)
{
    wfa_prom_declare (prom, "wfa_redis_used_memory_bytes", WFA_PROM_GAUGE,
                      "Memory Redis holds for data (INFO used_memory); writes are refused "
                      "with STORAGE_FULL once it passes wfa_redis_maxmemory_bytes.", "", NULL, 0);
    wfa_prom_declare (prom, "wfa_redis_maxmemory_bytes", WFA_PROM_GAUGE,
                      "Redis's maxmemory (INFO maxmemory); 0 means no limit.", "", NULL, 0);
    if (!self->context)
        return;
    redisReply *reply = wfa_redis_command (self, "INFO memory");
    if (reply && reply->type == REDIS_REPLY_STRING) {
        double used = s_info_field (reply->str, "used_memory");
        double max = s_info_field (reply->str, "maxmemory");
        if (used >= 0 && max >= 0) {
            wfa_prom_set (prom, "wfa_redis_used_memory_bytes", used, NULL);
            wfa_prom_set (prom, "wfa_redis_maxmemory_bytes", max, NULL);
        }
    }
    if (reply)
        freeReplyObject (reply);
}

void
wfa_redis_export (wfa_redis_t *self, const char *connection)
{
    wfa_prom_t *prom = wfa_prom ();
    s_export_memory (self, prom);
    wfa_prom_declare (prom, "wfa_redis_reconnects_total", WFA_PROM_COUNTER,
                      "Times a Redis connection was re-established after it broke, by "
                      "connection (worker: calls; consumer: events).", "connection", NULL, 0);
    wfa_prom_declare (prom, "wfa_redis_connected", WFA_PROM_GAUGE,
                      "1 while a Redis connection is up, 0 while it is down, by connection.",
                      "connection", NULL, 0);
    wfa_prom_set (prom, "wfa_redis_reconnects_total", (double) wfa_redis_reconnects (self),
                  connection, NULL);
    wfa_prom_set (prom, "wfa_redis_connected", wfa_redis_connected (self)? 1: 0, connection, NULL);
}

//  A reply as callers take it: Redis refusing a write because it is full,
//  or a command because this connection has not signed in, comes back as
//  NULL, like Redis out of reach, so every caller already answers it; the
//  cause is logged at most once a minute.
static redisReply *
s_checked (wfa_redis_t *self, redisReply *reply)
{
    s_refused_full = wfa_redis_is_error (reply, "OOM");
    bool locked = wfa_redis_is_error (reply, "NOAUTH");
    if (!s_refused_full && !locked)
        return reply;
    int64_t now = zclock_mono ();
    if (self->refusal_logged_ms == 0 || now - self->refusal_logged_ms >= 60000) {
        self->refusal_logged_ms = now;
        if (locked)
            wfa_log ("E", "redis %s:%d wants a sign-in: set WFA_REDIS_PASSWORD_FILE; calls "
                     "answer REDIS_UNAVAILABLE", self->host, self->port);
        else
            wfa_log ("E", "redis %s:%d is full (maxmemory): it refuses writes, which answer "
                     "STORAGE_FULL until it has room", self->host, self->port);
    }
    freeReplyObject (reply);
    return NULL;
}

bool
wfa_redis_refused_full (void)
{
    return s_refused_full;
}

//  Run a command from an argument vector.
redisReply *
wfa_redis_argv (wfa_redis_t *self, int argc, const char **argv, const size_t *lens)
{
    s_refused_full = false;
    if (wfa_redis_connect (self))
        return NULL;
    redisReply *reply = (redisReply *) redisCommandArgv (self->context, argc, argv, lens);
    if (!reply) {
        s_drop (self);
        //  One immediate retry on a fresh connection: a restarted Redis
        //  should cost the caller nothing. Reads are safe to repeat and
        //  every write we send is an idempotent script or command.
        self->next_try_ms = 0;
        if (wfa_redis_connect (self))
            return NULL;
        reply = (redisReply *) redisCommandArgv (self->context, argc, argv, lens);
        if (!reply)
            s_drop (self);
    }
    return s_checked (self, reply);
}

//  Run a printf-style command.
redisReply *
wfa_redis_command (wfa_redis_t *self, const char *format, ...)
{
    s_refused_full = false;
    if (wfa_redis_connect (self))
        return NULL;
    va_list args;
    va_start (args, format);
    redisReply *reply = (redisReply *) redisvCommand (self->context, format, args);
    va_end (args);
    if (!reply)
        s_drop (self);
    return s_checked (self, reply);
}

bool
wfa_redis_is_error (const redisReply *reply, const char *prefix)
{
    return reply && reply->type == REDIS_REPLY_ERROR
        && strncmp (reply->str, prefix, strlen (prefix)) == 0;
}

//  The code of library name as Redis holds it (FUNCTION LIST ... WITHCODE):
//  0 and *code (within reply, which the caller frees) when loaded, 1 when
//  not loaded, -1 when Redis cannot be reached or answers otherwise.
static int
s_library_code (wfa_redis_t *self, const char *name, redisReply **reply, const redisReply **code)
{
    const char *list [] = { "FUNCTION", "LIST", "LIBRARYNAME", name, "WITHCODE" };
    *reply = wfa_redis_argv (self, 5, list, NULL);
    *code = NULL;
    if (!*reply || (*reply)->type != REDIS_REPLY_ARRAY)
        return -1;
    //  LIBRARYNAME is a pattern: take the library of exactly this name
    for (size_t lib_nbr = 0; lib_nbr < (*reply)->elements; lib_nbr++) {
        const redisReply *fields = (*reply)->element [lib_nbr];
        if (fields->type != REDIS_REPLY_ARRAY)
            continue;
        const redisReply *lib_name = NULL, *lib_code = NULL;
        for (size_t field_nbr = 0; field_nbr + 1 < fields->elements; field_nbr += 2) {
            const redisReply *key = fields->element [field_nbr];
            if (key->type != REDIS_REPLY_STRING)
                continue;
            if (streq (key->str, "library_name"))
                lib_name = fields->element [field_nbr + 1];
            else
            if (streq (key->str, "library_code"))
                lib_code = fields->element [field_nbr + 1];
        }
        if (lib_name && lib_name->type == REDIS_REPLY_STRING && streq (lib_name->str, name)
        &&  lib_code && lib_code->type == REDIS_REPLY_STRING) {
            *code = lib_code;
            return 0;
        }
    }
    return 1;
}

//  Make sure a library is loaded, word for word this build's, on this
//  connection: its code is compared with ours at the first call and again
//  every WFA_LIBRARY_CHECK_MS; missing, it is loaded; different (another
//  version, or code someone else put there: every service may load it), it
//  is loaded again, logged and counted (wfa_redis_library_replaced_total).
//  The check compares the code, not what the library says of itself, so a
//  replacement cannot pass by answering our version. Returns 0 when it is
//  there; -1 when Redis cannot be reached or refuses it.
static int
s_library_ready (wfa_redis_t *self, const wfa_lua_library_t *library)
{
    const char *checked = (const char *) zhash_lookup (self->libraries, library->name);
    int64_t now = zclock_mono ();
    if (checked && now - atoll (checked) < wfa_config_int (WFA_CFG_LIBRARY_CHECK_MS))
        return 0;
    redisReply *reply = NULL;
    const redisReply *code = NULL;
    int found = s_library_code (self, library->name, &reply, &code);
    if (found < 0) {
        if (reply)
            freeReplyObject (reply);
        return -1;
    }
    size_t size = strlen (library->source);
    bool current = found == 0 && code->len == size && memcmp (code->str, library->source, size) == 0;
    if (found == 0 && !current) {
        wfa_log ("E", "Lua library %s in Redis is not this build's code (another version, or "
                 "replaced by someone else): loading ours, version %s", library->name, library->version);
        wfa_prom_t *prom = wfa_prom ();
        wfa_prom_declare (prom, "wfa_redis_library_replaced_total", WFA_PROM_COUNTER,
                          "Times this process found the Lua library in Redis not word for word "
                          "its own and loaded its own again.", "library", NULL, 0);
        wfa_prom_add (prom, "wfa_redis_library_replaced_total", 1, library->name, NULL);
    }
    freeReplyObject (reply);
    if (!current) {
        const char *load [] = { "FUNCTION", "LOAD", "REPLACE", library->source };
        reply = wfa_redis_argv (self, 4, load, NULL);
        if (!reply)
            return -1;
        current = reply->type == REDIS_REPLY_STRING && streq (reply->str, library->name);
        if (!current)
            wfa_log ("E", "Lua library %s does not load: %s", library->name,
                     reply->type == REDIS_REPLY_ERROR? reply->str: "?");
        freeReplyObject (reply);
        if (!current)
            return -1;
    }
    char when [24];
    snprintf (when, sizeof when, "%" PRId64, now);
    zhash_update (self->libraries, library->name, when);
    return 0;
}

//  Run a Lua step; load its library again once on "Function not found"
//  (a Redis restarted without persistence, a FUNCTION FLUSH).
redisReply *
wfa_redis_fcall (wfa_redis_t *self, const wfa_script_t *script,
                 int nkeys, int argc, const char **argv, const size_t *lens)
{
    const char *full_argv [argc + 3];
    size_t full_lens [argc + 3];
    char nkeys_text [16];
    snprintf (nkeys_text, sizeof nkeys_text, "%d", nkeys);
    full_argv [0] = script->read_only? "FCALL_RO": "FCALL";
    full_argv [1] = script->name;
    full_argv [2] = nkeys_text;
    for (int arg_nbr = 0; arg_nbr < 3; arg_nbr++)
        full_lens [arg_nbr] = strlen (full_argv [arg_nbr]);
    for (int arg_nbr = 0; arg_nbr < argc; arg_nbr++) {
        full_argv [arg_nbr + 3] = argv [arg_nbr];
        full_lens [arg_nbr + 3] = lens? lens [arg_nbr]: strlen (argv [arg_nbr]);
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        if (s_library_ready (self, script->library))
            return NULL;
        redisReply *reply = wfa_redis_argv (self, argc + 3, full_argv, full_lens);
        if (!wfa_redis_is_error (reply, "ERR Function not found"))
            return reply;
        freeReplyObject (reply);
        s_forget_libraries (self);
    }
    return NULL;
}

//  Start a throwaway redis-server for a selftest; returns its pid.
//  Locked: the default user is off and user "tester" signs in with
//  password "secret" to the wfa:* keys.
pid_t
wfa_redis_test_server (int port, const char *dir, bool locked)
{
    pid_t pid = fork ();
    assert (pid >= 0);
    if (pid == 0) {
        char port_text [16];
        snprintf (port_text, sizeof port_text, "%d", port);
        int null_fd = open ("/dev/null", O_WRONLY);
        dup2 (null_fd, 1);
        if (locked)
            execlp ("redis-server", "redis-server", "--port", port_text, "--dir", dir,
                    "--save", "", "--appendonly", "no", "--bind", "127.0.0.1",
                    "--user", "default", "off", "--user", "tester", "on", ">secret",
                    "~wfa:*", "+@all", (char *) NULL);
        else
            execlp ("redis-server", "redis-server", "--port", port_text, "--dir", dir,
                    "--save", "", "--appendonly", "no", "--bind", "127.0.0.1", (char *) NULL);
        _exit (127);
    }
    return pid;
}

int
wfa_spare_port (void)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return 0;
    struct sockaddr_in address;
    memset (&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    address.sin_port = 0;               //  The kernel picks a free one
    socklen_t size = sizeof address;
    int port = 0;
    if (bind (fd, (struct sockaddr *) &address, sizeof address) == 0
    &&  getsockname (fd, (struct sockaddr *) &address, &size) == 0)
        port = ntohs (address.sin_port);
    close (fd);
    return port;
}

void
wfa_redis_test (bool verbose)
{
    char dir [] = "/tmp/wfa-redis-test-XXXXXX";
    assert (mkdtemp (dir));
    int port = wfa_spare_port ();
    assert (port > 0);
    char address [64];
    snprintf (address, sizeof address, "127.0.0.1:%d", port);
    wfa_redis_t *redis = wfa_redis_new (address, 500);

    //  Nothing listens yet: a clean NULL, not a crash
    assert (wfa_redis_command (redis, "PING") == NULL);
    assert (!wfa_redis_connected (redis));

    pid_t pid = wfa_redis_test_server (port, dir, false);
    redisReply *reply = NULL;
    for (int try_nbr = 0; try_nbr < 100 && !reply; try_nbr++) {
        zclock_sleep (50);
        reply = wfa_redis_command (redis, "PING");
    }
    assert (reply && reply->type == REDIS_REPLY_STATUS);
    freeReplyObject (reply);

    //  A library of two steps: it loads at the first call
    wfa_lua_library_t library = { "wfatest", "v1",
        "#!lua name=wfatest\n"
        "redis.register_function{function_name = 'add', callback = function(KEYS, ARGV)\n"
        "    return redis.call('INCRBY', KEYS[1], ARGV[1]) end}\n"
        "redis.register_function{function_name = 'wfatest_version', flags = {'no-writes'},\n"
        "    callback = function() return 'v1' end}\n" };
    wfa_script_t script = { &library, "add", false };
    const char *argv [] = { "wfa:test:n", "5" };
    reply = wfa_redis_fcall (redis, &script, 1, 2, argv, NULL);
    assert (reply && reply->type == REDIS_REPLY_INTEGER && reply->integer == 5);
    freeReplyObject (reply);
    //  Flushed functions come back by themselves
    reply = wfa_redis_command (redis, "FUNCTION FLUSH");
    freeReplyObject (reply);
    reply = wfa_redis_fcall (redis, &script, 1, 2, argv, NULL);
    assert (reply && reply->integer == 10);
    freeReplyObject (reply);
    //  Another version in Redis: a new connection replaces it with its own
    wfa_lua_library_t newer = library;
    newer.version = "v2";
    newer.source = "#!lua name=wfatest\n"
        "redis.register_function{function_name = 'add', callback = function(KEYS, ARGV)\n"
        "    return redis.call('INCRBY', KEYS[1], ARGV[1] * 2) end}\n"
        "redis.register_function{function_name = 'wfatest_version', flags = {'no-writes'},\n"
        "    callback = function() return 'v2' end}\n";
    wfa_script_t doubled = { &newer, "add", false };
    wfa_redis_t *other = wfa_redis_new (address, 500);
    reply = wfa_redis_fcall (other, &doubled, 1, 2, argv, NULL);
    assert (reply && reply->integer == 20);
    freeReplyObject (reply);
    wfa_redis_destroy (&other);
    reply = wfa_redis_fcall (redis, &doubled, 1, 2, argv, NULL);    //  the loaded one runs
    assert (reply && reply->integer == 30);
    freeReplyObject (reply);
    reply = wfa_redis_command (redis, "FCALL_RO wfatest_version 0");
    assert (reply && reply->type == REDIS_REPLY_STRING && streq (reply->str, "v2"));
    freeReplyObject (reply);
    //  Code put there by someone else that answers our version: found at the
    //  next check (here: every call), loaded over, counted
    wfa_config_set (WFA_CFG_LIBRARY_CHECK_MS, "0");
    const char *forged [] = { "FUNCTION", "LOAD", "REPLACE", "#!lua name=wfatest\n"
        "redis.register_function{function_name = 'add', callback = function(KEYS, ARGV)\n"
        "    return redis.call('INCRBY', KEYS[1], ARGV[1] * 100) end}\n"
        "redis.register_function{function_name = 'wfatest_version', flags = {'no-writes'},\n"
        "    callback = function() return 'v2' end}\n" };
    reply = wfa_redis_argv (redis, 4, forged, NULL);
    assert (reply && reply->type == REDIS_REPLY_STRING);
    freeReplyObject (reply);
    double replaced = wfa_prom_value (wfa_prom (), "wfa_redis_library_replaced_total", "wfatest", NULL);
    reply = wfa_redis_fcall (redis, &doubled, 1, 2, argv, NULL);
    assert (reply && reply->integer == 40);                         //  30 + 5 * 2, not + 500
    freeReplyObject (reply);
    assert (wfa_prom_value (wfa_prom (), "wfa_redis_library_replaced_total", "wfatest", NULL)
            == (replaced > 0? replaced: 0) + 1);
    wfa_config_set (WFA_CFG_LIBRARY_CHECK_MS, "10000");
    reply = wfa_redis_command (redis, "DECRBY wfa:test:n 10");
    freeReplyObject (reply);
    reply = wfa_redis_command (redis, "DECRBY wfa:test:n 20");
    freeReplyObject (reply);
    reply = wfa_redis_command (redis, "NOSUCHCOMMAND");
    assert (wfa_redis_is_error (reply, "ERR"));
    freeReplyObject (reply);

    //  Full (maxmemory, noeviction): writes come back NULL, told apart from
    //  Redis out of reach; reads go on; the connection stays up
    reply = wfa_redis_command (redis, "CONFIG SET maxmemory 1");
    freeReplyObject (reply);
    assert (wfa_redis_command (redis, "SET wfa:test:full x") == NULL);
    assert (wfa_redis_refused_full () && wfa_redis_connected (redis));
    assert (wfa_redis_fcall (redis, &doubled, 1, 2, argv, NULL) == NULL);
    assert (wfa_redis_refused_full ());
    reply = wfa_redis_command (redis, "GET wfa:test:n");
    assert (reply && reply->type == REDIS_REPLY_STRING && streq (reply->str, "10"));
    assert (!wfa_redis_refused_full ());
    freeReplyObject (reply);
    wfa_redis_export (redis, "test");
    assert (wfa_prom_value (wfa_prom (), "wfa_redis_maxmemory_bytes", NULL) == 1);
    assert (wfa_prom_value (wfa_prom (), "wfa_redis_used_memory_bytes", NULL) > 1);
    reply = wfa_redis_command (redis, "CONFIG SET maxmemory 0");
    freeReplyObject (reply);
    reply = wfa_redis_fcall (redis, &doubled, 1, 2, argv, NULL);
    assert (reply && reply->integer == 20);
    freeReplyObject (reply);

    //  Redis restarts: one failed call at most, then it works again
    kill (pid, SIGKILL);
    waitpid (pid, NULL, 0);
    reply = wfa_redis_command (redis, "PING");
    assert (reply == NULL);
    pid = wfa_redis_test_server (port, dir, false);
    for (int try_nbr = 0; try_nbr < 100 && !reply; try_nbr++) {
        zclock_sleep (50);
        reply = wfa_redis_fcall (redis, &script, 1, 2, argv, NULL);
    }
    assert (reply && reply->integer == 5);
    freeReplyObject (reply);
    assert (wfa_redis_reconnects (redis) >= 1);
    wfa_redis_export (redis, "test");
    assert (wfa_prom_value (wfa_prom (), "wfa_redis_reconnects_total", "test", NULL)
            == (double) wfa_redis_reconnects (redis));
    assert (wfa_prom_value (wfa_prom (), "wfa_redis_connected", "test", NULL) == 1);

    wfa_redis_destroy (&redis);
    assert (redis == NULL);
    kill (pid, SIGKILL);
    waitpid (pid, NULL, 0);

    //  A locked Redis: without a sign-in every call is NULL (not an error
    //  reply); with the right password it works, keys outside wfa:* are
    //  refused; a wrong password is NULL again, never a crash
    pid = wfa_redis_test_server (port, dir, true);
    redis = wfa_redis_new (address, 500);
    for (int try_nbr = 0; try_nbr < 100 && !wfa_redis_connected (redis); try_nbr++) {
        zclock_sleep (50);
        wfa_redis_connect (redis);
    }
    assert (wfa_redis_command (redis, "PING") == NULL);
    wfa_redis_destroy (&redis);
    char password_file [128];
    snprintf (password_file, sizeof password_file, "%s/tester.password", dir);
    FILE *file = fopen (password_file, "w");
    assert (file);
    fprintf (file, "secret\n");
    fclose (file);
    wfa_config_set (WFA_CFG_REDIS_PASSWORD_FILE, password_file);
    assert (wfa_redis_credentials ("tester") == 0);
    redis = wfa_redis_new (address, 500);
    reply = wfa_redis_command (redis, "SET wfa:test:x 1");
    assert (reply && reply->type == REDIS_REPLY_STATUS);
    freeReplyObject (reply);
    reply = wfa_redis_command (redis, "GET other:x");
    assert (wfa_redis_is_error (reply, "NOPERM"));
    freeReplyObject (reply);
    wfa_redis_destroy (&redis);
    wfa_config_set (WFA_CFG_REDIS_USER, "intruder");
    assert (wfa_redis_credentials ("tester") == 0);
    redis = wfa_redis_new (address, 500);
    assert (wfa_redis_command (redis, "GET wfa:test:x") == NULL);
    assert (!wfa_redis_connected (redis) && !wfa_redis_refused_full ());
    wfa_redis_destroy (&redis);
    wfa_config_set (WFA_CFG_REDIS_PASSWORD_FILE, "/nonexistent/tester.password");
    assert (wfa_redis_credentials ("tester") == -1);
    //  Back to no sign-in for the other tests
    wfa_config_set (WFA_CFG_REDIS_USER, "");
    wfa_config_set (WFA_CFG_REDIS_PASSWORD_FILE, "");
    assert (wfa_redis_credentials ("tester") == 0);
    kill (pid, SIGKILL);
    waitpid (pid, NULL, 0);
    char command [128];
    snprintf (command, sizeof command, "rm -rf %s", dir);
    if (system (command)) {}
    if (verbose)
        printf ("wfa_redis: ok\n");
}
