/*  wfa_selftest.c - runs the selftest of every shared module.

    wfa-selftest            run all
    wfa-selftest -l         list test names
    wfa-selftest -t NAME    run one
    wfa-selftest -v         verbose
    Each module's test asserts; a failing one aborts, so the runner forks
    one child per test and counts. */
#include "wfa.h"

typedef struct {
    const char *name;
    void (*test) (bool verbose);
} s_test_t;

static const s_test_t s_tests [] = {
    { "wfa_error", wfa_error_test },
    { "wfa_mp", wfa_mp_test },
    { "wfa_date", wfa_date_test },
    { "wfa_pemda", wfa_pemda_test },
    { "wfa_employee", wfa_employee_test },
    { "wfa_policy", wfa_policy_test },
    { "wfa_eligibility", wfa_eligibility_test },
    { "wfa_calendar", wfa_calendar_test },
    { "wfa_hours", wfa_hours_test },
    { "wfa_judge", wfa_judge_test },
    { "wfa_keys", wfa_keys_test },
    { "wfa_call", wfa_call_test },
    { "wfa_config", wfa_config_test },
    { "wfa_prom", wfa_prom_test },
    { "wfa_json", wfa_json_test },
    { "wfa_csv", wfa_csv_test },
    { "wfa_store", wfa_store_test },
    { "wfa_redis", wfa_redis_test },
    { "wfa_client", wfa_client_test },
    { "wfa_service", wfa_service_test },
    { "wfa_consumer", wfa_consumer_test },
    { "wfa_authz", wfa_authz_test },
    { "wfa_stats", wfa_stats_test },
    { "wfa_audit", wfa_audit_test },
    { "wfa_jwt", wfa_jwt_test },
    { "wfa_auth", wfa_auth_test },
    { "wfa_report", wfa_report_test },
    { NULL, NULL }
};

//  Run one test in a child process; true if it passed.
static bool
s_run (const s_test_t *test, bool verbose, bool fork_it)
{
    if (!fork_it) {
        test->test (verbose);
        return true;
    }
    fflush (stdout);
    pid_t pid = fork ();
    if (pid == 0) {
        test->test (verbose);
        zsys_shutdown ();
        _exit (0);
    }
    int status = 0;
    waitpid (pid, &status, 0);
    return WIFEXITED (status) && WEXITSTATUS (status) == 0;
}

int
main (int argc, char *argv [])
{
    bool verbose = false;
    const char *only = NULL;
    for (int arg_nbr = 1; arg_nbr < argc; arg_nbr++) {
        if (streq (argv [arg_nbr], "-v"))
            verbose = true;
        else
        if (streq (argv [arg_nbr], "-l")) {
            for (const s_test_t *test = s_tests; test->name; test++)
                printf ("%s\n", test->name);
            return 0;
        }
        else
        if (streq (argv [arg_nbr], "-t") && arg_nbr + 1 < argc)
            only = argv [++arg_nbr];
        else {
            fprintf (stderr, "usage: wfa-selftest [-v] [-l] [-t NAME]\n");
            return 2;
        }
    }
    zsys_init ();
    zsys_set_logstream (NULL);
    int passed = 0, failed = 0;
    for (const s_test_t *test = s_tests; test->name; test++) {
        if (only && !streq (only, test->name))
            continue;
        //  A single named test runs in-process, so valgrind sees it all
        bool ok = s_run (test, verbose, only == NULL);
        printf ("%s %s\n", ok? "PASS": "FAIL", test->name);
        if (ok)
            passed++;
        else
            failed++;
    }
    if (only && passed + failed == 0) {
        fprintf (stderr, "no test named %s\n", only);
        return 2;
    }
    printf ("%d passed, %d failed\n", passed, failed);
    zsys_shutdown ();
    return failed? 1: 0;
}
