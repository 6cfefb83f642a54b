/*  digest.c - the daily email digest: once a day, in each pemda's local
    morning (after WFA_DIGEST_HOUR, the zone of its policy), every approver
    with requests waiting in their index (idx:approver:NIP) is mailed what
    they hold (the count, the oldest, a short list), and every BKD officer
    (role:bkd) is mailed the employees monev keeps suspended (mv:suspended).

    Once. The pemda's day is claimed in Redis (digest:claim:DATE, SET NX):
    "running" for 10 minutes while one instance sends, then "done" for two
    days. Each person's digest is recorded (digest:DATE:NIP) before the next
    is sent, so a run cut short (a crash: the running claim runs out) is
    taken up again without mailing anyone twice. A person with nothing to
    hear of, without an address, with a bounced address or who turned the
    digest kind off (PREFS.SET) gets none.

    Driven by the service's housekeeping timer (the wall clock of
    wfa_now_ms, so the test clock moves it). */
#include "digest.h"
#include "email.h"
#include <curl/curl.h>

#define S_CLAIM_RUNNING_MS (10LL * 60 * 1000)
#define S_KEEP_MS (2LL * 24 * 3600 * 1000)
#define S_LIST_MAX 10

static zhashx_t *s_done;            //  pemda -> the local day it is done (this instance)
static zhashx_t *s_policies;        //  wfa_store_policy_cache_new
static int64_t s_next_mono;

//  A str element of a reply ("" when nil).
static const char *
s_str (const redisReply *reply, size_t index)
{
    return reply && reply->type == REDIS_REPLY_ARRAY && index < reply->elements
        && reply->element [index]->str? reply->element [index]->str: "";
}

//  One line of a digest in both parts.
static void
s_line (zchunk_t *text, zchunk_t *html, const char *line, bool item)
{
    if (item)
        zchunk_extend (text, "- ", 2);
    zchunk_extend (text, line, strlen (line));
    zchunk_extend (text, item? "\n": "\n\n", item? 1: 2);
    zchunk_extend (html, item? "<li>": "<p>", item? 4: 3);
    email_html_escape (html, line);
    zchunk_extend (html, item? "</li>\n": "</p>\n", item? 6: 5);
}

//  Mail nip their digest of date, if they are to get one. Returns 0 when
//  done with them (sent now or before, nobody to mail), -1 to try again.
static int
s_person (wfa_redis_t *redis, const char *pemda, const char *date, const char *nip,
          bool officer, const redisReply *suspended)
{
    char person [WFA_KEY_MAX], record [WFA_KEY_MAX], prefs [WFA_KEY_MAX], index [WFA_KEY_MAX];
    wfa_store_key (person, sizeof person, pemda, "emp:%s", nip);
    wfa_store_key (record, sizeof record, pemda, "digest:%s:%s", date, nip);
    wfa_store_key (prefs, sizeof prefs, pemda, "prefs:%s", nip);
    wfa_store_key (index, sizeof index, pemda, "idx:approver:%s", nip);
    redisReply *facts = wfa_redis_command (redis, "HMGET %s email lang email_bounced name", person);
    redisReply *done = wfa_redis_command (redis, "GET %s", record);
    redisReply *wanted = wfa_redis_command (redis, "HMGET %s digest", prefs);
    redisReply *count = wfa_redis_command (redis, "ZCARD %s", index);
    redisReply *oldest = wfa_redis_command (redis, "ZRANGE %s 0 %d WITHSCORES", index, S_LIST_MAX - 1);
    int rc = 0;
    if (!facts || !done || !wanted || !count || !oldest || facts->type != REDIS_REPLY_ARRAY
    ||  count->type != REDIS_REPLY_INTEGER || oldest->type != REDIS_REPLY_ARRAY)
        rc = -1;
    const char *to = s_str (facts, 0);
    //  Decided between the ZCARD and the ZRANGE: nothing pending after all
    bool pending = rc == 0 && count->integer > 0 && oldest->elements >= 2
                && oldest->element [0]->type == REDIS_REPLY_STRING
                && oldest->element [1]->type == REDIS_REPLY_STRING;
    bool flagged = officer && suspended && suspended->elements > 0;
    if (rc || done->type == REDIS_REPLY_STRING || (!pending && !flagged)
    ||  !*to || !wfa_email_valid (to) || streq (to, s_str (facts, 2)) || streq (s_str (wanted, 0), "off"))
    {
        wfa_log ("D", "digest %s %s: none for %s (rc %d, pending %d, flagged %d, to '%s')", pemda, date, nip, rc, pending, flagged, to);
        goto out;
    }
    //  This person's digest is claimed before it is sent, so another instance
    //  whose run overlaps this one (a day's claim outlived by a long run)
    //  mails nobody twice; a crash mid-send frees the claim after a minute
    redisReply *claim = wfa_redis_command (redis, "SET %s sending NX PX 60000", record);
    bool claimed = claim && claim->type == REDIS_REPLY_STATUS;
    if (claim)
        freeReplyObject (claim);
    if (!claimed) {
        rc = claim? 0: -1;
        goto out;
    }

    wfa_lang_t lang = streq (s_str (facts, 1), "en")? WFA_LANG_EN: WFA_LANG_ID;
    const char *name = s_str (facts, 3);
    int64_t now = wfa_now_ms ();
    char line [1024], subject [256];
    zchunk_t *text = zchunk_new (NULL, 2048), *html = zchunk_new (NULL, 4096);
    const char *head = lang == WFA_LANG_EN? "<!DOCTYPE html>\n<html lang=\"en\">": "<!DOCTYPE html>\n<html lang=\"id\">";
    zchunk_extend (html, head, strlen (head));
    const char *meta = "<head><meta charset=\"utf-8\"></head>\n<body>\n";
    zchunk_extend (html, meta, strlen (meta));
    wfa_text_format (WFA_T_EMAIL_GREETING, lang, line, sizeof line, *name? name: "Bapak/Ibu");
    s_line (text, html, line, false);
    if (pending) {
        //  The index is scored by when the step opened: the first has waited
        //  longest at its step (the days are days at this step)
        int64_t first_at = (int64_t) atof (oldest->element [1]->str);
        wfa_text_format (WFA_T_DIGEST_PENDING, lang, line, sizeof line, (int) count->integer,
                         oldest->element [0]->str, (int) ((now - first_at) / 86400000));
        s_line (text, html, line, false);
        zchunk_extend (html, "<ul>\n", 5);
        for (size_t item_nbr = 0; item_nbr + 1 < oldest->elements; item_nbr += 2) {
            const char *request_id = oldest->element [item_nbr]->str;
            int64_t at = (int64_t) atof (oldest->element [item_nbr + 1]->str);
            char request [WFA_KEY_MAX];
            wfa_store_key (request, sizeof request, pemda, "req:%s", request_id);
            redisReply *facts_of = wfa_redis_command (redis, "HMGET %s name step", request);
            wfa_text_format (WFA_T_DIGEST_ITEM, lang, line, sizeof line, request_id, s_str (facts_of, 0),
                             atoi (s_str (facts_of, 1)) + 1, (int) ((now - at) / 86400000));
            if (facts_of)
                freeReplyObject (facts_of);
            s_line (text, html, line, true);
        }
        zchunk_extend (html, "</ul>\n", 6);
        zchunk_extend (text, "\n", 1);
    }
    if (flagged) {
        wfa_text_format (WFA_T_DIGEST_FLAGGED, lang, line, sizeof line, (int) suspended->elements);
        s_line (text, html, line, false);
        zchunk_extend (html, "<ul>\n", 5);
        for (size_t item_nbr = 0; item_nbr < suspended->elements && item_nbr < S_LIST_MAX; item_nbr++) {
            char employee [WFA_KEY_MAX];
            const char *flagged_nip = suspended->element [item_nbr]->str;
            wfa_store_key (employee, sizeof employee, pemda, "emp:%s", flagged_nip);
            redisReply *facts_of = wfa_redis_command (redis, "HMGET %s name suspended_until", employee);
            wfa_text_format (WFA_T_DIGEST_FLAGGED_ITEM, lang, line, sizeof line, s_str (facts_of, 0),
                             flagged_nip, s_str (facts_of, 1));
            if (facts_of)
                freeReplyObject (facts_of);
            s_line (text, html, line, true);
        }
        zchunk_extend (html, "</ul>\n", 6);
        zchunk_extend (text, "\n", 1);
    }
    const char *footer = wfa_text (WFA_T_DIGEST_FOOTER, lang);
    zchunk_extend (text, footer, strlen (footer));
    zchunk_extend (text, "\n", 1);
    zchunk_extend (text, "", 1);
    const char *open = "<p style=\"color:#666;font-size:small\">";
    zchunk_extend (html, open, strlen (open));
    email_html_escape (html, footer);
    const char *end = "</p>\n</body>\n</html>\n";
    zchunk_extend (html, end, strlen (end) + 1);
    wfa_text_format (WFA_T_DIGEST_SUBJECT, lang, subject, sizeof subject, date);
    char message_id [512];
    snprintf (message_id, sizeof message_id, "%s.digest.%s.%s@%s", pemda, date, nip,
              strchr (email_from (), '@') + 1);
    email_message_t message = { to, message_id, subject, (char *) zchunk_data (text),
                                (char *) zchunk_data (html), now };
    char error [CURL_ERROR_SIZE + 32];
    email_outcome_t outcome = email_send (&message, error, sizeof error);
    const char *state = outcome == EMAIL_SENT? "sent": outcome == EMAIL_REFUSED? "bounced": "failed";
    if (outcome == EMAIL_TRANSIENT) {
        wfa_log ("W", "digest to %s %s: %s, to retry", nip, date, error);
        rc = -1;
        redisReply *reply = wfa_redis_command (redis, "DEL %s", record);
        if (reply)
            freeReplyObject (reply);
    }
    else {
        wfa_prom_add (wfa_prom (), "wfa_email_total", 1, outcome == EMAIL_SENT? "sent": state, NULL);
        if (outcome != EMAIL_SENT)
            wfa_log ("W", "digest to %s %s %s: %s", nip, date, state, error);
        redisReply *reply = wfa_redis_command (redis, "SET %s %s PX %lld", record, state, S_KEEP_MS);
        if (reply)
            freeReplyObject (reply);
        if (outcome == EMAIL_REFUSED) {
            char at [24];
            snprintf (at, sizeof at, "%" PRId64, now);
            const char *argv [] = { "HSET", person, "email_bounced", to, "email_bounced_at", at };
            reply = wfa_redis_argv (redis, 6, argv, NULL);
            if (reply)
                freeReplyObject (reply);
        }
    }
    zchunk_destroy (&text);
    zchunk_destroy (&html);
out:
    if (facts)
        freeReplyObject (facts);
    if (done)
        freeReplyObject (done);
    if (wanted)
        freeReplyObject (wanted);
    if (count)
        freeReplyObject (count);
    if (oldest)
        freeReplyObject (oldest);
    return rc;
}

//  Everyone of the pemda who may get a digest: the approvers with an
//  index, and the BKD officers. Then each person's digest. -1 if any is
//  to be tried again.
static int
s_run (wfa_redis_t *redis, const char *pemda, const char *prefix, const char *date)
{
    char match [WFA_KEY_MAX], bkd [WFA_KEY_MAX], suspended_key [WFA_KEY_MAX];
    snprintf (match, sizeof match, "%sidx:approver:*", prefix);
    wfa_store_key (bkd, sizeof bkd, pemda, "role:bkd");
    wfa_store_key (suspended_key, sizeof suspended_key, pemda, "mv:suspended");
    zhashx_t *people = zhashx_new ();           //  nip -> "o" (a BKD officer) or "a"
    char cursor [32] = "0";
    int rc = 0;
    do {
        redisReply *page = wfa_redis_command (redis, "SCAN %s MATCH %s COUNT 500", cursor, match);
        if (!page || page->type != REDIS_REPLY_ARRAY || page->elements != 2) {
            if (page)
                freeReplyObject (page);
            zhashx_destroy (&people);
            return -1;
        }
        snprintf (cursor, sizeof cursor, "%s", page->element [0]->str);
        for (size_t key_nbr = 0; key_nbr < page->element [1]->elements; key_nbr++) {
            const char *nip = page->element [1]->element [key_nbr]->str + strlen (match) - 1;
            if (wfa_nip_valid (nip))
                zhashx_insert (people, nip, "a");
        }
        freeReplyObject (page);
    } while (!streq (cursor, "0"));
    redisReply *officers = wfa_redis_command (redis, "SMEMBERS %s", bkd);
    redisReply *suspended = wfa_redis_command (redis, "SMEMBERS %s", suspended_key);
    if (!officers || !suspended || officers->type != REDIS_REPLY_ARRAY || suspended->type != REDIS_REPLY_ARRAY)
        rc = -1;
    for (size_t nip_nbr = 0; rc == 0 && nip_nbr < officers->elements; nip_nbr++)
        zhashx_update (people, officers->element [nip_nbr]->str, "o");
    wfa_log ("D", "digest %s %s: %zu people to look at", pemda, date, zhashx_size (people));
    for (const char *kind = rc? NULL: (const char *) zhashx_first (people); kind;
         kind = (const char *) zhashx_next (people)) {
        const char *nip = (const char *) zhashx_cursor (people);
        if (s_person (redis, pemda, date, nip, streq (kind, "o"), suspended))
            rc = -1;
    }
    if (officers)
        freeReplyObject (officers);
    if (suspended)
        freeReplyObject (suspended);
    zhashx_destroy (&people);
    return rc;
}

static void
s_tick_pemda (wfa_redis_t *redis, const char *pemda, const char *prefix, void *arg)
{
    (void) arg;
    int64_t version = 0;
    wfa_policy_t *policy = wfa_store_policy_current (s_policies, redis, pemda, &version);
    int tz = policy? wfa_policy_rules (policy, NULL).tz_minutes: wfa_pemda_tz (pemda);
    int64_t now = wfa_now_ms ();
    char date [11];
    wfa_date_format (wfa_date_of_ms (now, tz), date);
    const char *done = (const char *) zhashx_lookup (s_done, pemda);
    int64_t local_ms = now + (int64_t) tz * 60000;
    int hour = (int) ((local_ms / 3600000) % 24);
    if ((done && streq (done, date)) || hour < (int) wfa_config_int (WFA_CFG_DIGEST_HOUR))
        return;
    char claim [WFA_KEY_MAX];
    wfa_store_key (claim, sizeof claim, pemda, "digest:claim:%s", date);
    redisReply *reply = wfa_redis_command (redis, "SET %s running NX PX %lld", claim, S_CLAIM_RUNNING_MS);
    bool mine = reply && reply->type == REDIS_REPLY_STATUS;
    if (reply)
        freeReplyObject (reply);
    if (!mine) {
        //  Another instance runs it, or it is done
        reply = wfa_redis_command (redis, "GET %s", claim);
        if (reply && reply->type == REDIS_REPLY_STRING && streq (reply->str, "done"))
            zhashx_update (s_done, pemda, strdup (date));
        if (reply)
            freeReplyObject (reply);
        return;
    }
    if (s_run (redis, pemda, prefix, date) == 0) {
        reply = wfa_redis_command (redis, "SET %s done PX %lld", claim, S_KEEP_MS);
        if (reply)
            freeReplyObject (reply);
        zhashx_update (s_done, pemda, strdup (date));
        wfa_log ("I", "digest %s %s: sent", pemda, date);
    }
    //  Else the running claim runs out and the rest is sent then
}

void
digest_tick (wfa_redis_t *redis)
{
    //  An hour past 23 turns the digest off
    if (!email_enabled () || zclock_mono () < s_next_mono || wfa_config_int (WFA_CFG_DIGEST_HOUR) > 23)
        return;
    s_next_mono = zclock_mono () + 1000;
    if (!s_done) {
        s_done = zhashx_new ();
        zhashx_set_destructor (s_done, (zhashx_destructor_fn *) zstr_free);
        s_policies = wfa_store_policy_cache_new ();
    }
    wfa_store_each_pemda (redis, s_tick_pemda, NULL);
}

void
digest_stop (void)
{
    zhashx_destroy (&s_done);
    zhashx_destroy (&s_policies);
}
