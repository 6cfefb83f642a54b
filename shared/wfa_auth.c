/*  wfa_auth.c - STAND-IN: bearer credentials from a test file.

    Each line of the file WFA_AUTH_TEST_TOKENS is "TOKEN KIND PEMDA AS", KIND
    employee or integrator; the subject is "test:TOKEN-PREFIX". The file is
    read at each check, so a test may add credentials while the gateway runs.
    Without the variable no credential is valid. */
#include "wfa.h"

struct _wfa_auth_t {
    int unused;                 //  No state: everything is in the file
};

wfa_auth_t *
wfa_auth_new (void)
{
    wfa_auth_t *self = (wfa_auth_t *) zmalloc (sizeof (wfa_auth_t));
    assert (self);
    return self;
}

void
wfa_auth_destroy (wfa_auth_t **self_p)
{
    assert (self_p);
    free (*self_p);
    *self_p = NULL;
}

wfa_code_t
wfa_auth_check (wfa_auth_t *self, wfa_redis_t *redis, const char *bearer,
                wfa_auth_result_t *out, const char **detail)
{
    assert (self && out && detail);
    (void) redis;
    memset (out, 0, sizeof *out);
    *detail = "unknown credential";
    const char *path = getenv ("WFA_AUTH_TEST_TOKENS");
    if (!bearer || !*bearer || strlen (bearer) > 512 || !path || !*path)
        return WFA_E_UNAUTHENTICATED;
    FILE *file = fopen (path, "r");
    if (!file)
        return WFA_E_UNAUTHENTICATED;
    char line [512];
    wfa_code_t code = WFA_E_UNAUTHENTICATED;
    while (code != WFA_OK && fgets (line, sizeof line, file)) {
        char token [256], kind [16], pemda [16], as [128];
        if (sscanf (line, "%255s %15s %15s %127s", token, kind, pemda, as) != 4
        ||  !streq (token, bearer))
            continue;
        out->kind = streq (kind, "integrator")? WFA_PRINCIPAL_INTEGRATOR: WFA_PRINCIPAL_EMPLOYEE;
        snprintf (out->pemda, sizeof out->pemda, "%s", pemda);
        snprintf (out->as, sizeof out->as, "%s", as);
        snprintf (out->subject, sizeof out->subject, "test:%.16s", token);
        *detail = NULL;
        code = WFA_OK;
    }
    fclose (file);
    return code;
}

void
wfa_auth_test (bool verbose)
{
    char path [] = "/tmp/wfa-auth-test-XXXXXX";
    int fd = mkstemp (path);
    assert (fd >= 0);
    const char *text = "tok-a employee 35.08 198502022010012001\n"
                       "tok-b integrator 35.08 integrator:35.08:simpeg\n";
    assert (write (fd, text, strlen (text)) == (ssize_t) strlen (text));
    close (fd);
    setenv ("WFA_AUTH_TEST_TOKENS", path, 1);
    wfa_auth_t *auth = wfa_auth_new ();
    wfa_auth_result_t result;
    const char *detail = NULL;
    assert (wfa_auth_check (auth, NULL, "tok-b", &result, &detail) == WFA_OK);
    assert (result.kind == WFA_PRINCIPAL_INTEGRATOR && streq (result.as, "integrator:35.08:simpeg"));
    assert (wfa_auth_check (auth, NULL, "tok-a", &result, &detail) == WFA_OK);
    assert (streq (result.pemda, "35.08") && streq (result.as, "198502022010012001"));
    assert (wfa_auth_check (auth, NULL, "tok-c", &result, &detail) == WFA_E_UNAUTHENTICATED);
    assert (detail && *detail);
    assert (wfa_auth_check (auth, NULL, "", &result, &detail) == WFA_E_UNAUTHENTICATED);
    unsetenv ("WFA_AUTH_TEST_TOKENS");
    assert (wfa_auth_check (auth, NULL, "tok-a", &result, &detail) == WFA_E_UNAUTHENTICATED);
    wfa_auth_destroy (&auth);
    assert (!auth);
    unlink (path);
    if (verbose)
        printf ("wfa_auth: ok\n");
}
