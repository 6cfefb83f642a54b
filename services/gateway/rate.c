/*  rate.c - the gateway's rate limits, per credential and per pemda, kept in
    Redis (services/gateway/lua/gateway_rate.lua) so that every instance of
    the gateway counts the same requests. */
#include "gateway.h"

//  ms between two requests at a rate per second (a decimal, "0.5"; 0: no limit)
static int64_t
s_interval_ms (wfa_cfg_t option)
{
    double rate = strtod (wfa_config_get (option), NULL);
    return rate > 0? (int64_t) ceil (1000 / rate): 0;
}

int
gw_rate_config_check (char *why, size_t size)
{
    const wfa_cfg_t limits [][2] = { { WFA_CFG_RATE_TOKEN, WFA_CFG_RATE_TOKEN_BURST },
                                     { WFA_CFG_RATE_PEMDA, WFA_CFG_RATE_PEMDA_BURST } };
    for (size_t limit_nbr = 0; limit_nbr < sizeof limits / sizeof *limits; limit_nbr++) {
        wfa_cfg_t rate = limits [limit_nbr][0], burst = limits [limit_nbr][1];
        //  With a burst under 1 not even the first request would go through
        if (s_interval_ms (rate) && wfa_config_int (burst) < 1) {
            snprintf (why, size, "%s must be at least 1 while %s is set",
                      wfa_options [burst].env, wfa_options [rate].env);
            return -1;
        }
    }
    return 0;
}

void
gw_rate_test (bool verbose)
{
    (void) verbose;
    char why [128];
    assert (gw_rate_config_check (why, sizeof why) == 0);
    wfa_config_set (WFA_CFG_RATE_TOKEN_BURST, "0");
    assert (gw_rate_config_check (why, sizeof why) == -1);
    assert (strstr (why, "WFA_RATE_TOKEN_BURST"));
    wfa_config_set (WFA_CFG_RATE_TOKEN, "0");           //  No limit: no burst needed
    assert (gw_rate_config_check (why, sizeof why) == 0);
    wfa_config_set (WFA_CFG_RATE_PEMDA_BURST, "-3");
    assert (gw_rate_config_check (why, sizeof why) == -1 && strstr (why, "WFA_RATE_PEMDA_BURST"));
    for (int option_nbr = WFA_CFG_RATE_TOKEN; option_nbr <= WFA_CFG_RATE_PEMDA_BURST; option_nbr++)
        wfa_config_set ((wfa_cfg_t) option_nbr, wfa_options [option_nbr].dflt);
}

int
gw_rate_take (wfa_redis_t *redis, const char *subject, const char *pemda, int *retry_after)
{
    *retry_after = 0;
    int64_t cred_ms = s_interval_ms (WFA_CFG_RATE_TOKEN);
    int64_t pemda_ms = s_interval_ms (WFA_CFG_RATE_PEMDA);
    if (!cred_ms && !pemda_ms)
        return 0;
    //  Only the two rate keys: FCALL checks every declared key as read and
    //  written, and the gateway's Redis user writes no other key
    char cred_key [WFA_KEY_MAX], pemda_key [WFA_KEY_MAX];
    wfa_store_key (cred_key, sizeof cred_key, pemda, "rate:cred:%s", subject);
    wfa_store_key (pemda_key, sizeof pemda_key, pemda, "rate:pemda");
    const char *keys [] = { cred_key, pemda_key };
    char cred [24], cred_burst [24], pemda_rate [24], pemda_burst [24];
    snprintf (cred, sizeof cred, "%" PRId64, cred_ms);
    snprintf (cred_burst, sizeof cred_burst, "%" PRId64, wfa_config_int (WFA_CFG_RATE_TOKEN_BURST));
    snprintf (pemda_rate, sizeof pemda_rate, "%" PRId64, pemda_ms);
    snprintf (pemda_burst, sizeof pemda_burst, "%" PRId64, wfa_config_int (WFA_CFG_RATE_PEMDA_BURST));
    const char *pairs [] = { "cred_ms", cred, "cred_burst", cred_burst,
                             "pemda_ms", pemda_rate, "pemda_burst", pemda_burst };
    redisReply *reply = wfa_store_step (redis, &wfa_script_gateway_rate, 2, keys, 4, pairs, NULL);
    int rc = -1;
    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 2
    &&  reply->element [0]->type == REDIS_REPLY_STRING && streq (reply->element [0]->str, "ok")
    &&  reply->element [1]->type == REDIS_REPLY_INTEGER) {
        long long wait_ms = reply->element [1]->integer;
        rc = wait_ms > 0;
        *retry_after = wait_ms > 0? (int) ((wait_ms + 999) / 1000): 0;
    }
    else
    if (reply)
        wfa_log ("E", "gateway_rate: unexpected reply (type %d)", reply->type);
    if (reply)
        freeReplyObject (reply);
    return rc;
}
