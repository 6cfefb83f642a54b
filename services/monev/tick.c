/*  tick.c - the time-driven part of monev: report reminders two hours
    before the deadline, and each week's evaluation against the pemda's
    benchmarks (flags, suspensions, lifting them). Each is one Lua step
    (lua/monev_tick.lua) guarded in Redis, so it happens once however many
    instances tick; this instance's memory only spares Redis the asking. */
#include "monev.h"


//  The time-driven work of one pemda, as this instance last saw it.
typedef struct {
    char reminded [11];         //  Day whose report reminders were sent
    char evaluated [12];        //  Last week evaluated (YYYY-Www)
    int64_t next_policy;        //  When to ask the policy version again (zclock_mono)
    int64_t version;            //  The policy version in force
} s_tick_t;

static void
s_tick_pemda (wfa_redis_t *redis, const char *pemda, const char *prefix, void *arg)
{
    monev_t *self = (monev_t *) arg;
    int64_t now = wfa_now_ms ();
    s_tick_t *tick = (s_tick_t *) zhashx_lookup (self->ticks, pemda);
    if (!tick) {
        tick = (s_tick_t *) zmalloc (sizeof (s_tick_t));
        zhashx_insert (self->ticks, pemda, tick);
    }
    //  The version in force, asked every 10 s (by the monotonic clock: the
    //  wall clock may jump); the policy itself comes from the cache
    if (zclock_mono () >= tick->next_policy) {
        if (!wfa_store_policy_current (self->policies, redis, pemda, &tick->version))
            return;
        tick->next_policy = zclock_mono () + 10000;
    }
    wfa_policy_t *policy = wfa_store_policy (self->policies, redis, pemda, tick->version);
    if (!policy)
        return;
    const wfa_rules_t pemda_rules = wfa_policy_rules (policy, NULL);
    const wfa_rules_t *rules = &pemda_rules;
    //  Only an OPD with a section of its own in the policy may differ
    zlistx_t *codes = wfa_policy_opd_codes (policy);
    int64_t local = now + (int64_t) rules->tz_minutes * 60000;
    int today = wfa_date_of_ms (now, rules->tz_minutes);
    int minute = (int) (((local % 86400000) + 86400000) % 86400000 / 60000);
    char today_text [11], now_text [24];
    wfa_date_format (today, today_text);
    snprintf (now_text, sizeof now_text, "%" PRId64, now);
    //  Two hours before the report deadline (the pemda's, or an OPD's own),
    //  the reminders; done for the day once every deadline's time has come
    size_t opd_count = zlistx_size (codes);
    size_t opds_size = opd_count * (WFA_CODE_MAX + 4) + 1, opds_used = 0;
    char *opds = (char *) calloc (1, opds_size);      //  "OPD=0|1;..."
    assert (opds);
    bool all_due = minute >= (rules->report_deadline > 120? rules->report_deadline - 120: 0);
    const char *due_all_text = all_due? "1": "0";
    bool any_due = all_due;
    char overrides [4096] = "";
    size_t used = 0;
    for (const char *opd = (const char *) zlistx_first (codes); opd;
         opd = (const char *) zlistx_next (codes)) {
        wfa_rules_t own = wfa_policy_rules (policy, opd);
        if (own.report_deadline != rules->report_deadline) {
            bool due = minute >= (own.report_deadline > 120? own.report_deadline - 120: 0);
            opds_used += snprintf (opds + opds_used, opds_size - opds_used, "%s=%d;", opd, due);
            any_due = any_due || due;
            all_due = all_due && due;
        }
        if (own.min_checkin_compliance != rules->min_checkin_compliance
        ||  own.min_report_rate != rules->min_report_rate || own.flag_after_weeks != rules->flag_after_weeks
        ||  own.suspend_weeks != rules->suspend_weeks) {
            int monday = today - (wfa_date_weekday (today) + 6) % 7;
            char until [11] = "";
            if (own.suspend_weeks > 0)
                wfa_date_format (monday + 7 * own.suspend_weeks - 1, until);
            if (used + strlen (opd) + 48 < sizeof overrides)
                used += snprintf (overrides + used, sizeof overrides - used, "%s:%d:%d:%d:%s;", opd,
                                  own.min_checkin_compliance, own.min_report_rate, own.flag_after_weeks, until);
        }
    }
    if (any_due && !streq (tick->reminded, today_text)) {
        char flexset_key [WFA_KEY_MAX], reminded_key [WFA_KEY_MAX];
        const char *keys [] = { prefix,
                                wfa_store_key (flexset_key, sizeof flexset_key, pemda, "mv:flexset:%s", today_text),
                                wfa_store_key (reminded_key, sizeof reminded_key, pemda, "mv:reminded:%s",
                                               today_text) };
        const char *args [] = { "action", "remind", "now", now_text, "today", today_text,
                                "due", due_all_text, "opds", opds };
        redisReply *reply = wfa_store_step (redis, &wfa_script_monev_tick, 3, keys,
                                            sizeof args / sizeof *args / 2, args, NULL);
        if (wfa_store_step_ok (reply) && all_due)
            snprintf (tick->reminded, sizeof tick->reminded, "%s", today_text);
        else
        if (reply && !wfa_store_step_ok (reply))
            wfa_log ("E", "monev_tick: %s", reply->type == REDIS_REPLY_ERROR? reply->str: "bad reply");
        if (reply)
            freeReplyObject (reply);
    }
    free (opds);
    zlistx_destroy (&codes);
    //  The last whole ISO week, Monday to Sunday
    int monday = today - (wfa_date_weekday (today) + 6) % 7;
    char week [12];
    wfa_date_iso_week (monday - 7, week);
    if (streq (tick->evaluated, week))
        return;
    char dates [7 * 11] = "", suspend [11] = "", min_c [8], min_r [8], after [8], version [24];
    for (int day_nbr = 0; day_nbr < 7; day_nbr++) {
        char date [11];
        wfa_date_format (monday - 7 + day_nbr, date);
        snprintf (dates + strlen (dates), sizeof dates - strlen (dates), "%s%s", day_nbr? ",": "", date);
    }
    if (rules->suspend_weeks > 0)
        wfa_date_format (monday + 7 * rules->suspend_weeks - 1, suspend);
    snprintf (min_c, sizeof min_c, "%d", rules->min_checkin_compliance);
    snprintf (min_r, sizeof min_r, "%d", rules->min_report_rate);
    snprintf (after, sizeof after, "%d", rules->flag_after_weeks);
    snprintf (version, sizeof version, "%" PRId64, tick->version);
    char evaluated_key [WFA_KEY_MAX], suspended_key [WFA_KEY_MAX], streak_key [WFA_KEY_MAX];
    const char *keys [] = { prefix,
                            wfa_store_key (evaluated_key, sizeof evaluated_key, pemda, "mv:evaluated:%s", week),
                            wfa_store_key (suspended_key, sizeof suspended_key, pemda, "mv:suspended"),
                            wfa_store_key (streak_key, sizeof streak_key, pemda, "mv:streak") };
    const char *args [] = { "action", "evaluate", "now", now_text, "today", today_text, "week", week,
                            "min_compliance", min_c, "min_report", min_r, "flag_after", after,
                            "suspend_until", suspend, "policy_version", version, "own", overrides,
                            "dates", dates };
    redisReply *reply = wfa_store_step (redis, &wfa_script_monev_tick, 4, keys,
                                        sizeof args / sizeof *args / 2, args, NULL);
    if (wfa_store_step_ok (reply)) {
        snprintf (tick->evaluated, sizeof tick->evaluated, "%s", week);
        bool counted = reply->elements == 5;
        for (size_t count_nbr = 1; counted && count_nbr < 5; count_nbr++)
            counted = reply->element [count_nbr]->type == REDIS_REPLY_INTEGER;
        if (counted)
            wfa_log ("I", "monev %s %s: %lld judged, %lld below, %lld flagged, %lld lifted", pemda, week,
                     reply->element [1]->integer, reply->element [2]->integer,
                     reply->element [3]->integer, reply->element [4]->integer);
    }
    else
    if (reply)
        wfa_log ("E", "monev_tick: %s", reply->type == REDIS_REPLY_ERROR? reply->str: "bad reply");
    if (reply)
        freeReplyObject (reply);
}

void
monev_tick (monev_t *self, wfa_redis_t *redis)
{
    wfa_store_each_pemda (redis, s_tick_pemda, self);
}
