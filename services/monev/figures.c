/*  figures.c - MONEV.GET: the kept figures over days, weeks or months for
    an employee, an OPD, a pemda or the nation, what is derived from them,
    and the before/after comparison of art. 35 (lua/monev_get.lua reads
    them). docs/monev.md explains each figure for a BKD officer. */
#include "monev.h"


#define S_RANGE_MAX 366         //  Days in one MONEV.GET

//  Totals of the kept figures over a period, and what is derived from them.
typedef struct {
    int64_t flex, flex_loc, judged;     //  Flexible days; those already over
    int64_t on_time, late, flagged;     //  Check-ins (on judged days for the first two)
    int64_t rep_sub, rep_late, rep_acc, rep_ret;
    int64_t working_days;               //  Working days x headcount
    int64_t unapproved;                 //  Days worked without approval (refused check-in or report)
} s_totals_t;

//  The kept figures of a day, in this order (monev_get.lua reads them).
static const char *s_fields [] = {
    "flex", "flex_loc", "ci_on_time", "ci_late", "ci_flagged", "rep_sub", "rep_late",
    "rep_acc", "rep_ret", "uni", NULL
};
#define S_FIELD_COUNT 10

#define S_ROLES 3              //  Approval roles: atasan, kepala_opd, bkd
static const char *s_step_roles [S_ROLES] = { "atasan", "kepala_opd", "bkd" };

//  One RHK of an employee in a period (an employee's scope only).
typedef struct {
    char rhk [65];
    int64_t realized, realized_flex, target;
    double per_flexible_day, per_office_day;    //  -1: no such day
} s_rhk_t;

//  The RHK figures of a period: quantities are compared with their own
//  RHK's target or days only, and the ratios averaged.
typedef struct {
    int64_t pairs;              //  Employee RHKs with a quantity or a target
    int64_t with_target;        //  Of them, with a target in the period
    int64_t met;                //  Of those, realized at least the target
    double ratio_sum;           //  Sum of realized / target x 100
    int64_t compared;           //  RHKs with a quantity on office days and flexible days
    double index_sum;           //  Sum of per flexible day / per office day x 100
    s_rhk_t *list;              //  An employee's RHKs; grown as needed
    size_t count, max;
} s_rhk_figures_t;

typedef struct {
    char label [16];            //  The period: YYYY-MM-DD, YYYY-Www, YYYY-MM or "total"
    s_totals_t totals;
    int64_t approved, rejected, revoked;        //  Requests decided in the period
    double *waits [S_ROLES];    //  Step waits (s) by role; grown as needed
    size_t wait_count [S_ROLES], wait_max [S_ROLES];
    int64_t breaches [S_ROLES]; //  Steps decided past their SLA
    int64_t peak_away;          //  Most people away (location kinds) on one day
    int64_t capacity;           //  The OPD's limit a day, -1 none (OPD scope only)
    int64_t cap_days;           //  The weekly cap x weeks x people
    int benchmark [3];          //  Compliance, report, attainment minimums (percent)
    s_rhk_figures_t rhk;        //  Quantities by RHK
} s_bucket_t;

static void
s_bucket_wait (s_bucket_t *bucket, int role, int64_t wait, int64_t sla)
{
    if (bucket->wait_count [role] == bucket->wait_max [role]) {
        bucket->wait_max [role] = bucket->wait_max [role]? 2 * bucket->wait_max [role]: 16;
        bucket->waits [role] = (double *) realloc (bucket->waits [role], bucket->wait_max [role] * sizeof (double));
        assert (bucket->waits [role]);
    }
    bucket->waits [role][bucket->wait_count [role]++] = (double) wait / 1000.0;
    bucket->breaches [role] += sla > 0 && wait > sla;
}


//  The label of a day's bucket.
static void
s_bucket_label (const char *by, int day, char *label)
{
    char date [11];
    wfa_date_format (day, date);
    if (streq (by, "day"))
        snprintf (label, 16, "%s", date);
    else
    if (streq (by, "week"))
        wfa_date_iso_week (day, label);
    else
    if (streq (by, "month"))
        snprintf (label, 16, "%.7s", date);
    else
        snprintf (label, 16, "total");
}

//  The bucket of a label, made if new.
static size_t
s_bucket_of (s_bucket_t *buckets, size_t *bucket_count, const char *label)
{
    size_t bucket_nbr = 0;
    while (bucket_nbr < *bucket_count && !streq (buckets [bucket_nbr].label, label))
        bucket_nbr++;
    if (bucket_nbr == *bucket_count) {
        snprintf (buckets [bucket_nbr].label, sizeof buckets [bucket_nbr].label, "%s", label);
        buckets [bucket_nbr].capacity = -1;
        (*bucket_count)++;
    }
    return bucket_nbr;
}

//  A working day of the pemda: Monday to Friday, not a day off of its calendar.
static bool
s_working_day (const redisReply *calendar, int day)
{
    if (!wfa_date_is_weekday (day))
        return false;
    char date [11];
    wfa_date_format (day, date);
    for (size_t pair_nbr = 0; calendar->type == REDIS_REPLY_ARRAY && pair_nbr + 1 < calendar->elements; pair_nbr += 2)
        if (calendar->element [pair_nbr]->str && streq (calendar->element [pair_nbr]->str, date))
            return false;
    return true;
}

//  A quantity per day, or -1 when there is no day.
static double
s_per_day (int64_t quantity, int64_t days)
{
    return days > 0? (double) quantity / (double) days: -1;
}

//  Fold one pair's figures {pair, realized, realized_flex, target,
//  flexible_days} of a period into its RHK figures; working_days: of one
//  person in the period.
static void
s_rhk_fold (s_rhk_figures_t *figures, const redisReply *entry, int64_t working_days, bool person)
{
    if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 5)
        return;
    const char *pair = entry->element [0]->str? entry->element [0]->str: "";
    int64_t realized = entry->element [1]->integer, realized_flex = entry->element [2]->integer;
    int64_t target = entry->element [3]->integer, flex_days = entry->element [4]->integer;
    int64_t office_days = working_days - flex_days;
    figures->pairs++;
    if (target > 0) {
        figures->with_target++;
        figures->met += realized >= target;
        figures->ratio_sum += 100.0 * (double) realized / (double) target;
    }
    double per_flexible = s_per_day (realized_flex, flex_days);
    double per_office = s_per_day (realized - realized_flex, office_days);
    if (per_flexible >= 0 && per_office > 0) {
        figures->compared++;
        figures->index_sum += 100.0 * per_flexible / per_office;
    }
    if (person) {
        if (figures->count == figures->max) {
            figures->max = figures->max? 2 * figures->max: 8;
            figures->list = (s_rhk_t *) realloc (figures->list, figures->max * sizeof (s_rhk_t));
            assert (figures->list);
        }
        s_rhk_t *rhk = &figures->list [figures->count++];
        const char *bar = strchr (pair, '|');
        snprintf (rhk->rhk, sizeof rhk->rhk, "%s", bar? bar + 1: pair);
        rhk->realized = realized;
        rhk->realized_flex = realized_flex;
        rhk->target = target;
        rhk->per_flexible_day = per_flexible;
        rhk->per_office_day = per_office;
    }
}

//  A pemda's key prefix, and the prefix of a scope's kept figures within it:
//  an employee's (n:NIP:), an OPD's (o:OPD:) or the whole pemda's ("").
static void
s_scope (const char *pemda, const char *opd, const char *nip, char prefix [WFA_PREFIX_MAX],
         char scope [64])
{
    wfa_store_prefix (pemda, prefix, WFA_PREFIX_MAX);
    if (nip)
        snprintf (scope, 64, "n:%s:", nip);
    else
    if (opd)
        snprintf (scope, 64, "o:%s:", opd);
    else
        *scope = 0;
}

//  Run monev_get.lua in mode for scope: fields, the days with the 1-based
//  period of each, the months with theirs (0: in none). Returns the reply
//  {"ok", ...}, or NULL after recording the error on call.
static redisReply *
s_get (wfa_call_t *call, wfa_redis_t *redis, const char *prefix, const char *mode, const char *scope,
       const char *const *fields, int field_count, const char (*dates) [11], const int *day_buckets,
       int day_count, const char (*months) [8], const int *month_buckets, int month_count)
{
    msgpack_sbuffer map;
    msgpack_packer pk;
    wfa_mp_writer_map (&map, &pk, 7);
    wfa_mp_pack_kv_str (&pk, "mode", mode);
    wfa_mp_pack_kv_str (&pk, "scope", scope);
    wfa_mp_pack_str (&pk, "fields");
    msgpack_pack_array (&pk, field_count);
    for (int field_nbr = 0; field_nbr < field_count; field_nbr++)
        wfa_mp_pack_str (&pk, fields [field_nbr]);
    wfa_mp_pack_str (&pk, "days");
    msgpack_pack_array (&pk, day_count);
    for (int day_nbr = 0; day_nbr < day_count; day_nbr++)
        wfa_mp_pack_str (&pk, dates [day_nbr]);
    wfa_mp_pack_str (&pk, "day_buckets");
    msgpack_pack_array (&pk, day_count);
    for (int day_nbr = 0; day_nbr < day_count; day_nbr++)
        msgpack_pack_int (&pk, day_buckets [day_nbr]);
    wfa_mp_pack_str (&pk, "months");
    msgpack_pack_array (&pk, month_count);
    for (int month_nbr = 0; month_nbr < month_count; month_nbr++)
        wfa_mp_pack_str (&pk, months [month_nbr]);
    wfa_mp_pack_str (&pk, "month_buckets");
    msgpack_pack_array (&pk, month_count);
    for (int month_nbr = 0; month_nbr < month_count; month_nbr++)
        msgpack_pack_int (&pk, month_buckets [month_nbr]);
    const char *keys [] = { prefix };
    redisReply *reply = wfa_store_call_step (call, redis, &wfa_script_monev_get, 1, keys, &map);
    msgpack_sbuffer_destroy (&map);
    return reply;
}

//  Add one pemda's figures of a scope over days into buckets.
static int
s_collect (wfa_call_t *call, wfa_redis_t *redis, const char *pemda, const char *opd, const char *nip,
           int from, int to, const char *by, s_bucket_t *buckets, size_t *bucket_count,
           zhashx_t *policies)
{
    char prefix [WFA_PREFIX_MAX], scope [64];
    s_scope (pemda, opd, nip, prefix, scope);
    int64_t version = 0;
    wfa_policy_t *policy = wfa_store_policy_current (policies, redis, pemda, &version);
    if (!policy) {
        wfa_call_error (call, WFA_E_REDIS_UNAVAILABLE, NULL, NULL, -1);
        return -1;
    }
    wfa_rules_t rules = wfa_policy_rules (policy, opd && *opd? opd: NULL);
    int tz = rules.tz_minutes;
    int today = wfa_date_today (tz);
    redisReply *calendar = wfa_redis_command (redis, "HGETALL %scalendar", prefix);
    if (wfa_call_redis_down (call, calendar))
        return -1;
    //  Each day's period, and each month's (whose targets it carries)
    int day_count = to - from + 1;
    char (*dates) [11] = calloc (day_count + 1, 11);
    char (*months) [8] = calloc (day_count / 28 + 3, 8);
    int *day_buckets = (int *) calloc (day_count + 1, sizeof (int));
    int *month_buckets = (int *) calloc (day_count / 28 + 3, sizeof (int));
    char (*last_week) [12] = calloc (day_count + 2, 12);    //  By bucket, this pemda
    int64_t *person_days = (int64_t *) calloc (day_count + 2, sizeof (int64_t));    //  By bucket
    size_t *bucket_of = (size_t *) calloc (day_count + 1, sizeof (size_t));
    assert (dates && months && day_buckets && month_buckets && last_week && person_days && bucket_of);
    int month_count = 0;
    for (int day = from; day <= to; day++) {
        wfa_date_format (day, dates [day - from]);
        char label [16];
        s_bucket_label (by, day, label);
        bucket_of [day - from] = s_bucket_of (buckets, bucket_count, label);
        day_buckets [day - from] = (int) bucket_of [day - from] + 1;
        if (month_count == 0 || strncmp (months [month_count - 1], dates [day - from], 7) != 0) {
            snprintf (months [month_count], 8, "%.7s", dates [day - from]);
            size_t month_bucket = 0;
            for (size_t bucket_nbr = 0; bucket_nbr < *bucket_count; bucket_nbr++)
                if (streq (buckets [bucket_nbr].label, months [month_count]) || streq (buckets [bucket_nbr].label, "total"))
                    month_bucket = bucket_nbr + 1;
            month_buckets [month_count] = (int) month_bucket;
            month_count++;
        }
    }
    redisReply *reply = s_get (call, redis, prefix, "all", scope, s_fields, S_FIELD_COUNT,
                               (const char (*) [11]) dates, day_buckets, day_count,
                               (const char (*) [8]) months, month_buckets, month_count);
    int rc = 0;
    if (!reply)
        rc = -1;
    else
    if (reply->elements != 6 || reply->element [1]->type != REDIS_REPLY_ARRAY
    ||  reply->element [1]->elements != (size_t) day_count
    ||  reply->element [4]->type != REDIS_REPLY_INTEGER) {
        wfa_log ("E", "monev_get: bad reply");
        wfa_call_error (call, WFA_E_INTERNAL, NULL, NULL, -1);
        rc = -1;
    }
    //  Headcount: one employee, an OPD's people, or the pemda's (service
    //  accounts are no people)
    int64_t heads = rc == 0? reply->element [4]->integer: 0;
    //  The OPD's capacity a day, as decide.lua takes it (-1: no limit)
    int64_t capacity = -1;
    if (opd && !nip) {
        if (rules.max_people_per_day > 0)
            capacity = rules.max_people_per_day;
        if (rules.max_percent_per_day > 0) {
            int64_t by_share = heads * rules.max_percent_per_day / 100;
            by_share = by_share < 1? 1: by_share;
            capacity = capacity < 0 || by_share < capacity? by_share: capacity;
        }
    }
    for (int day = from; rc == 0 && day <= to; day++) {
        const redisReply *row = reply->element [1]->element [day - from];
        size_t bucket_nbr = bucket_of [day - from];
        s_bucket_t *bucket = &buckets [bucket_nbr];
        s_totals_t *t = &bucket->totals;
        //  Approvals decided that day: waits by role, and the request counters
        const redisReply *steps = reply->element [2]->element [day - from];
        for (int role = 0; role < S_ROLES && steps->type == REDIS_REPLY_ARRAY && (size_t) role < steps->elements; role++) {
            const redisReply *waits = steps->element [role];
            for (size_t wait_nbr = 0; wait_nbr + 1 < waits->elements; wait_nbr += 2)
                s_bucket_wait (bucket, role, waits->element [wait_nbr]->integer, waits->element [wait_nbr + 1]->integer);
        }
        const redisReply *requests = reply->element [3]->element [day - from];
        if (requests->type == REDIS_REPLY_ARRAY && requests->elements == 3) {
            bucket->approved += requests->element [0]->integer;
            bucket->rejected += requests->element [1]->integer;
            bucket->revoked += requests->element [2]->integer;
        }
        //  The weekly cap, once per ISO week the period touches (days come
        //  in order, so a bucket's weeks come one after the other)
        char week [12];
        wfa_date_iso_week (day, week);
        if (!streq (last_week [bucket_nbr], week)) {
            snprintf (last_week [bucket_nbr], 12, "%s", week);
            bucket->cap_days += (int64_t) rules.weekly_location_days * heads;
        }
        bucket->capacity = capacity;
        bucket->benchmark [0] = rules.min_checkin_compliance;
        bucket->benchmark [1] = rules.min_report_rate;
        bucket->benchmark [2] = rules.min_attainment;
        int64_t v [S_FIELD_COUNT] = { 0 };
        for (int field_nbr = 0; field_nbr < S_FIELD_COUNT && (size_t) field_nbr < row->elements; field_nbr++)
            v [field_nbr] = row->element [field_nbr]->integer;
        bool over = day < today;       //  The day is over: judged
        t->flex += v [0];
        t->flex_loc += v [1];
        if (v [1] > bucket->peak_away)
            bucket->peak_away = v [1];
        t->flagged += v [4];
        t->rep_late += v [6];
        t->rep_acc += v [7];
        t->rep_ret += v [8];
        t->unapproved += v [9];
        if (over) {
            t->judged += v [0];
            t->on_time += v [2];
            t->late += v [3];
            t->rep_sub += v [5];
        }
        if (s_working_day (calendar, day)) {
            t->working_days += heads;
            person_days [bucket_nbr]++;
        }
    }
    //  The RHK figures of each period
    const redisReply *rhk = rc == 0? reply->element [5]: NULL;
    for (size_t bucket_nbr = 0; rhk && rhk->type == REDIS_REPLY_ARRAY && bucket_nbr < rhk->elements
         && bucket_nbr < *bucket_count; bucket_nbr++) {
        const redisReply *entries = rhk->element [bucket_nbr];
        for (size_t entry_nbr = 0; entries->type == REDIS_REPLY_ARRAY && entry_nbr < entries->elements; entry_nbr++)
            s_rhk_fold (&buckets [bucket_nbr].rhk, entries->element [entry_nbr], person_days [bucket_nbr], nip != NULL);
    }
    free (dates);
    free (months);
    free (day_buckets);
    free (month_buckets);
    free (last_week);
    free (person_days);
    free (bucket_of);
    freeReplyObject (calendar);
    if (reply)
        freeReplyObject (reply);
    return rc;
}

//  ---------------------------------------------------------------------
//  The before/after comparison (art. 35): quantity per working day, RHK by
//  RHK, in a window before the pemda's first flexible day and in the asked
//  range from that day on.

typedef struct {
    char first [11];            //  The pemda's first flexible day, "" none
    int before_from, before_to, after_from, after_to;
    int64_t before_days, after_days;    //  Working days of one person
    int64_t compared;           //  RHKs with a quantity before
    double index_sum;           //  Sum of after per day / before per day x 100
    s_rhk_t *list;              //  An employee's RHKs (per_office_day: before, per_flexible_day: after)
    size_t count;
} s_before_after_t;

static int
s_before_after (wfa_call_t *call, wfa_redis_t *redis, const char *pemda, const char *opd, const char *nip,
                int from, int to, s_before_after_t *result)
{
    memset (result, 0, sizeof *result);
    char prefix [WFA_PREFIX_MAX], scope [64];
    s_scope (pemda, opd, nip, prefix, scope);
    redisReply *reply = s_get (call, redis, prefix, "first", scope, NULL, 0, NULL, NULL, 0, NULL, NULL, 0);
    if (!reply)
        return -1;
    int first = 0;
    if (reply->elements == 2 && reply->element [1]->type == REDIS_REPLY_STRING && reply->element [1]->len == 10)
        snprintf (result->first, sizeof result->first, "%s", reply->element [1]->str);
    freeReplyObject (reply);
    if (!*result->first || wfa_date_parse (result->first, &first) || to < first)
        return 0;
    int length = to - from + 1;
    result->before_from = first - length;
    result->before_to = first - 1;
    result->after_from = from > first? from: first;
    result->after_to = to;
    redisReply *calendar = wfa_redis_command (redis, "HGETALL %scalendar", prefix);
    if (wfa_call_redis_down (call, calendar))
        return -1;
    int day_count = (result->before_to - result->before_from + 1) + (result->after_to - result->after_from + 1);
    char (*dates) [11] = calloc (day_count, 11);
    int *windows = (int *) calloc (day_count, sizeof (int));     //  Period 1 before, 2 after
    assert (dates && windows);
    int day_nbr = 0;
    for (int window = 0; window < 2; window++)
        for (int day = window? result->after_from: result->before_from;
             day <= (window? result->after_to: result->before_to); day++) {
            windows [day_nbr] = window + 1;
            wfa_date_format (day, dates [day_nbr++]);
            if (s_working_day (calendar, day)) {
                if (window)
                    result->after_days++;
                else
                    result->before_days++;
            }
        }
    reply = s_get (call, redis, prefix, "rhk", scope, NULL, 0, (const char (*) [11]) dates, windows,
                   day_count, NULL, NULL, 0);
    free (dates);
    free (windows);
    freeReplyObject (calendar);
    if (!reply)
        return -1;
    if (reply->elements != 6) {
        wfa_log ("E", "monev_get: bad reply");
        wfa_call_error (call, WFA_E_INTERNAL, NULL, NULL, -1);
        freeReplyObject (reply);
        return -1;
    }
    //  Both windows' pairs come sorted: walk them together
    const redisReply *rhk = reply->element [5];
    const redisReply *before = rhk->type == REDIS_REPLY_ARRAY && rhk->elements > 0? rhk->element [0]: NULL;
    const redisReply *after = rhk->type == REDIS_REPLY_ARRAY && rhk->elements > 1? rhk->element [1]: NULL;
    size_t before_count = before && before->type == REDIS_REPLY_ARRAY? before->elements: 0;
    size_t after_count = after && after->type == REDIS_REPLY_ARRAY? after->elements: 0;
    if (nip && before_count > 0)
        result->list = (s_rhk_t *) calloc (before_count, sizeof (s_rhk_t));
    size_t after_nbr = 0;
    for (size_t before_nbr = 0; before_nbr < before_count; before_nbr++) {
        const redisReply *entry = before->element [before_nbr];
        if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 5 || !entry->element [0]->str)
            continue;
        const char *pair = entry->element [0]->str;
        while (after_nbr < after_count && after->element [after_nbr]->elements == 5
        &&     strcmp (after->element [after_nbr]->element [0]->str, pair) < 0)
            after_nbr++;
        int64_t quantity_after = 0;
        if (after_nbr < after_count && after->element [after_nbr]->elements == 5
        &&  streq (after->element [after_nbr]->element [0]->str, pair))
            quantity_after = after->element [after_nbr]->element [1]->integer;
        double per_before = s_per_day (entry->element [1]->integer, result->before_days);
        double per_after = s_per_day (quantity_after, result->after_days);
        if (per_before <= 0 || per_after < 0)
            continue;
        result->compared++;
        result->index_sum += 100.0 * per_after / per_before;
        if (result->list) {
            s_rhk_t *item = &result->list [result->count++];
            const char *bar = strchr (pair, '|');
            snprintf (item->rhk, sizeof item->rhk, "%s", bar? bar + 1: pair);
            item->per_office_day = per_before;
            item->per_flexible_day = per_after;
        }
    }
    freeReplyObject (reply);
    return 0;
}

static void
s_pack_percent (msgpack_packer *pk, const char *key, int64_t numerator, int64_t denominator)
{
    wfa_mp_pack_str (pk, key);
    double percent = wfa_stats_percent (numerator, denominator);
    if (percent < 0)
        msgpack_pack_nil (pk);
    else
        msgpack_pack_double (pk, percent);
}

//  A value rounded to 2 decimals, or nil when below 0 (none).
static void
s_pack_rounded (msgpack_packer *pk, const char *key, double value)
{
    wfa_mp_pack_str (pk, key);
    if (value < 0)
        msgpack_pack_nil (pk);
    else
        msgpack_pack_double (pk, round (100.0 * value) / 100.0);
}

//  The average of count ratios summing to sum, or -1 for none.
static double
s_average (double sum, int64_t count)
{
    return count > 0? sum / (double) count: -1;
}

//  An employee's RHKs as "by_rhk": each one's quantity per day before and
//  after its first flexible day (before_after), or its attainment and its
//  quantity per flexible and per office day.
static void
s_pack_by_rhk (msgpack_packer *pk, const s_rhk_t *list, size_t count, bool before_after)
{
    wfa_mp_pack_str (pk, "by_rhk");
    msgpack_pack_array (pk, count);
    for (size_t item_nbr = 0; item_nbr < count; item_nbr++) {
        const s_rhk_t *item = &list [item_nbr];
        msgpack_pack_map (pk, before_after? 4: 7);
        wfa_mp_pack_kv_str (pk, "rhk", item->rhk);
        if (before_after) {
            s_pack_rounded (pk, "before_per_day", item->per_office_day);
            s_pack_rounded (pk, "after_per_day", item->per_flexible_day);
            s_pack_rounded (pk, "pct", item->per_office_day > 0?
                            100.0 * item->per_flexible_day / item->per_office_day: -1);
            continue;
        }
        wfa_mp_pack_kv_int (pk, "realized", item->realized);
        wfa_mp_pack_kv_int (pk, "realized_flexible", item->realized_flex);
        wfa_mp_pack_kv_int (pk, "target", item->target);
        s_pack_percent (pk, "pct", item->realized, item->target);
        s_pack_rounded (pk, "per_flexible_day", item->per_flexible_day);
        s_pack_rounded (pk, "per_office_day", item->per_office_day);
    }
}

static void
s_pack_before_after (msgpack_packer *pk, const s_before_after_t *result, bool person)
{
    bool compared = result->after_to > 0;
    msgpack_pack_map (pk, person? 6: 5);
    wfa_mp_pack_str (pk, "first_flexible_day");
    if (*result->first)
        wfa_mp_pack_str (pk, result->first);
    else
        msgpack_pack_nil (pk);
    for (int window = 0; window < 2; window++) {
        wfa_mp_pack_str (pk, window? "after": "before");
        if (!compared) {
            msgpack_pack_nil (pk);
            continue;
        }
        char from [11], to [11];
        wfa_date_format (window? result->after_from: result->before_from, from);
        wfa_date_format (window? result->after_to: result->before_to, to);
        msgpack_pack_map (pk, 3);
        wfa_mp_pack_kv_str (pk, "from", from);
        wfa_mp_pack_kv_str (pk, "to", to);
        wfa_mp_pack_kv_int (pk, "working_days", window? result->after_days: result->before_days);
    }
    wfa_mp_pack_kv_int (pk, "rhk_compared", result->compared);
    s_pack_rounded (pk, "after_vs_before_pct", s_average (result->index_sum, result->compared));
    if (person)
        s_pack_by_rhk (pk, result->list, result->count, true);
}

//  Under key, a map of size entries that begins with the counts of names
//  (NULL-terminated), values in the same order; the caller packs the rest.
static void
s_pack_counts (msgpack_packer *pk, const char *key, size_t size, const char **names,
               const int64_t *values)
{
    wfa_mp_pack_str (pk, key);
    msgpack_pack_map (pk, size);
    for (size_t name_nbr = 0; names [name_nbr]; name_nbr++)
        wfa_mp_pack_kv_int (pk, names [name_nbr], values [name_nbr]);
}

//  One period's figures as a map.
static void
s_pack_bucket (msgpack_packer *pk, s_bucket_t *bucket, bool person, bool nation)
{
    const s_totals_t *t = &bucket->totals;
    const s_rhk_figures_t *rhk = &bucket->rhk;
    int64_t missing = t->judged - t->on_time - t->late;
    int64_t office_days = t->working_days - t->flex;
    msgpack_pack_map (pk, person? 7: 9);
    wfa_mp_pack_kv_str (pk, "period", bucket->label);
    s_pack_counts (pk, "flexible", 7,
                   (const char *[]) { "days", "location_days", "judged_days", "working_days", "cap_days", NULL },
                   (int64_t []) { t->flex, t->flex_loc, t->judged, t->working_days, bucket->cap_days });
    s_pack_percent (pk, "cap_use_pct", t->flex_loc, bucket->cap_days);
    wfa_mp_pack_kv_int (pk, "unapproved_days", t->unapproved);
    if (!person) {
        //  Approvals: outcomes, and how long each step waited
        s_pack_counts (pk, "approvals", 6, (const char *[]) { "approved", "rejected", "revoked", NULL },
                       (int64_t []) { bucket->approved, bucket->rejected, bucket->revoked });
        s_pack_percent (pk, "rejection_pct", bucket->rejected, bucket->approved + bucket->rejected);
        s_pack_percent (pk, "revocation_pct", bucket->revoked, bucket->approved);
        wfa_mp_pack_str (pk, "steps");
        msgpack_pack_map (pk, S_ROLES);
        for (int role = 0; role < S_ROLES; role++) {
            wfa_stats_sort (bucket->waits [role], bucket->wait_count [role]);
            wfa_mp_pack_str (pk, s_step_roles [role]);
            msgpack_pack_map (pk, 4);
            wfa_mp_pack_kv_int (pk, "decided", (int64_t) bucket->wait_count [role]);
            wfa_mp_pack_str (pk, "p50_s");
            msgpack_pack_double (pk, wfa_stats_percentile (bucket->waits [role], bucket->wait_count [role], 0.5));
            wfa_mp_pack_str (pk, "p90_s");
            msgpack_pack_double (pk, wfa_stats_percentile (bucket->waits [role], bucket->wait_count [role], 0.9));
            wfa_mp_pack_kv_int (pk, "sla_breaches", bucket->breaches [role]);
        }
        wfa_mp_pack_str (pk, "capacity");
        msgpack_pack_map (pk, 3);
        wfa_mp_pack_str (pk, "peak_away");
        if (nation)
            msgpack_pack_nil (pk);
        else
            msgpack_pack_int64 (pk, bucket->peak_away);
        wfa_mp_pack_str (pk, "limit");
        if (bucket->capacity < 0)
            msgpack_pack_nil (pk);
        else
            msgpack_pack_int64 (pk, bucket->capacity);
        s_pack_percent (pk, "peak_pct", bucket->peak_away, bucket->capacity);
        //  (the nation's figures are sums; a peak over pemdas is not: peak_away is nil then)
    }
    s_pack_counts (pk, "checkins", 5, (const char *[]) { "on_time", "late", "missing", "flagged", NULL },
                   (int64_t []) { t->on_time, t->late, missing > 0? missing: 0, t->flagged });
    s_pack_percent (pk, "compliance_pct", t->on_time, t->judged);
    s_pack_counts (pk, "reports", 6, (const char *[]) { "submitted", "late", "accepted", "returned", NULL },
                   (int64_t []) { t->rep_sub, t->rep_late, t->rep_acc, t->rep_ret });
    s_pack_percent (pk, "submission_pct", t->rep_sub, t->judged);
    s_pack_percent (pk, "verification_pct", t->rep_acc, t->rep_sub);
    //  Attainment: each RHK against its own target, the ratios averaged
    double attainment = s_average (rhk->ratio_sum, rhk->with_target);
    s_pack_counts (pk, "attainment", person? 5: 4, (const char *[]) { "rhks", "with_target", "met", NULL },
                   (int64_t []) { rhk->pairs, rhk->with_target, rhk->met });
    s_pack_rounded (pk, "pct", attainment);
    if (person)
        s_pack_by_rhk (pk, rhk->list, rhk->count, false);
    //  The pemda's benchmarks: met, below, or nothing to judge (nil)
    wfa_mp_pack_str (pk, "benchmarks");
    msgpack_pack_map (pk, 3);
    const char *names [3] = { "compliance", "reports", "attainment" };
    double percents [3] = { wfa_stats_percent (t->on_time, t->judged), wfa_stats_percent (t->rep_sub, t->judged),
                            attainment < 0? -1: round (100.0 * attainment) / 100.0 };
    for (int benchmark_nbr = 0; benchmark_nbr < 3; benchmark_nbr++) {
        wfa_mp_pack_str (pk, names [benchmark_nbr]);
        double percent = percents [benchmark_nbr];
        msgpack_pack_map (pk, 2);
        wfa_mp_pack_kv_int (pk, "min_pct", bucket->benchmark [benchmark_nbr]);
        wfa_mp_pack_str (pk, "result");
        if (percent < 0)
            msgpack_pack_nil (pk);
        else
            wfa_mp_pack_str (pk, percent >= bucket->benchmark [benchmark_nbr]? "meets": "below");
    }
    //  The same period flexible against office: per day, RHK by RHK
    wfa_mp_pack_str (pk, "per_day");
    msgpack_pack_map (pk, 3);
    wfa_mp_pack_kv_int (pk, "rhk_compared", rhk->compared);
    s_pack_rounded (pk, "flexible_vs_office_pct", s_average (rhk->index_sum, rhk->compared));
    wfa_mp_pack_kv_int (pk, "office_days", office_days > 0? office_days: 0);
}

typedef struct {
    wfa_call_t *call;
    int from, to;
    const char *by;
    s_bucket_t *buckets;
    size_t *count;
    zhashx_t *policies;
    int rc;
} s_nation_t;

static void
s_collect_pemda (wfa_redis_t *redis, const char *pemda, const char *prefix, void *arg)
{
    (void) prefix;
    s_nation_t *nation = (s_nation_t *) arg;
    if (nation->rc == 0)
        nation->rc = s_collect (nation->call, redis, pemda, NULL, NULL, nation->from, nation->to,
                                nation->by, nation->buckets, nation->count, nation->policies);
}

void
monev_get (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    monev_t *self = (monev_t *) state;
    const char *pemda = wfa_call_pemda (call, "pemda", false);
    const char *opd = wfa_call_str (call, "opd", WFA_CODE_MAX, false);
    const char *nip = wfa_call_str (call, "nip", 18, false);
    const char *from_text = wfa_call_str (call, "from", 10, true);
    const char *to_text = wfa_call_str (call, "to", 10, true);
    const char *by = wfa_call_str (call, "by", 8, false);
    int from = 0, to = 0;
    if (nip && *nip && !wfa_nip_valid (nip))
        wfa_call_error (call, WFA_E_BAD_NIP, "nip", nip, -1);
    wfa_call_check_date (call, "from", from_text, &from);
    wfa_call_check_date (call, "to", to_text, &to);
    if (by && !streq (by, "total") && !streq (by, "day") && !streq (by, "week") && !streq (by, "month"))
        wfa_call_error (call, WFA_E_BAD_VALUE, "by", "total | day | week | month", -1);
    if (!wfa_call_failed (call) && (to < from || to - from >= S_RANGE_MAX))
        wfa_call_error (call, WFA_E_BAD_VALUE, "to", "from <= to, at most 366 days", -1);
    wfa_actor_t actor;
    if (wfa_call_failed (call) || wfa_authz_actor (call, redis, &actor))
        return;
    by = by? by: "total";
    opd = opd && *opd? opd: NULL;
    nip = nip && *nip? nip: NULL;
    //  The scope: an employee, an OPD, a pemda, or (no pemda) the nation
    char nip_pemda [16] = "";
    redisReply *person = NULL;
    wfa_target_t target = { pemda && *pemda? pemda: NULL, opd, NULL, NULL, false };
    if (nip) {
        if (wfa_authz_employee (call, redis, nip, nip_pemda, sizeof nip_pemda, &target, &person))
            return;
    }
    else
    if (!target.pemda && (opd || !(actor.roles & (1u << WFA_ROLE_KEMENDAGRI)))) {
        target.pemda = actor.pemda;         //  By default, the reader's pemda
        if (!*actor.pemda) {
            wfa_call_error (call, WFA_E_MISSING_FIELD, "pemda", "pemda of the OPD", -1);
            return;
        }
    }
    int denied = 0;
    if (!target.pemda)
        denied = wfa_authz_check (call, &actor, WFA_ACT_METRICS_READ, &target);   //  The nation
    else
    if (nip)
        denied = wfa_authz_check_person (call, &actor, WFA_ACT_EMPLOYEE_READ, &target, "nip");
    else
        denied = wfa_authz_check (call, &actor, WFA_ACT_METRICS_READ, &target);
    char scope_pemda [16];
    snprintf (scope_pemda, sizeof scope_pemda, "%s", target.pemda? target.pemda: "");
    char scope_opd [WFA_CODE_MAX + 1];
    snprintf (scope_opd, sizeof scope_opd, "%s", target.opd? target.opd: "");
    if (person)
        freeReplyObject (person);
    if (denied || (!nip && opd && *scope_pemda && wfa_store_call_opd (call, redis, "opd", scope_pemda, opd)))
        return;
    //  One employee's figures are of their own pemda and OPD: another
    //  pemda or OPD beside the NIP would be a filter that does nothing
    bool other_opd = nip && opd && !streq (opd, scope_opd);
    if (nip && (other_opd || (pemda && *pemda && !streq (pemda, scope_pemda)))) {
        wfa_call_error (call, WFA_E_BAD_VALUE, other_opd? "opd": "pemda", wfa_text (WFA_T_DETAIL_NOT_THE_EMPLOYEES,
                        wfa_call_lang (call)), -1);
        return;
    }
    size_t bucket_max = (size_t) (to - from + 2);
    s_bucket_t *buckets = (s_bucket_t *) calloc (bucket_max, sizeof (s_bucket_t));
    size_t bucket_count = 0;
    int rc = 0;
    if (*scope_pemda)
        rc = s_collect (call, redis, scope_pemda, nip? scope_opd: opd, nip, from, to, by, buckets,
                        &bucket_count, self->policies);
    else {
        s_nation_t nation = { call, from, to, by, buckets, &bucket_count, self->policies, 0 };
        if (wfa_store_each_pemda (redis, s_collect_pemda, &nation))
            wfa_call_error (call, WFA_E_REDIS_UNAVAILABLE, NULL, NULL, -1);
        rc = nation.rc;
    }
    //  Before and after the pemda's first flexible day (not for the nation)
    s_before_after_t before_after;
    memset (&before_after, 0, sizeof before_after);
    if (rc == 0 && *scope_pemda)
        rc = s_before_after (call, redis, scope_pemda, nip? NULL: opd, nip, from, to, &before_after);
    if (rc == 0 && !wfa_call_failed (call)) {
        msgpack_packer *pk = wfa_call_reply (call, "scope");
        msgpack_pack_map (pk, 3);
        wfa_mp_pack_kv_str (pk, "pemda", scope_pemda);
        wfa_mp_pack_kv_str (pk, "opd", nip? "": scope_opd);
        wfa_mp_pack_kv_str (pk, "nip", nip? nip: "");
        pk = wfa_call_reply (call, "periods");
        msgpack_pack_array (pk, bucket_count);
        for (size_t bucket_nbr = 0; bucket_nbr < bucket_count; bucket_nbr++)
            s_pack_bucket (pk, &buckets [bucket_nbr], nip != NULL, *scope_pemda == 0);
        pk = wfa_call_reply (call, "before_after");
        if (*scope_pemda)
            s_pack_before_after (pk, &before_after, nip != NULL);
        else
            msgpack_pack_nil (pk);
    }
    for (size_t bucket_nbr = 0; bucket_nbr < bucket_count; bucket_nbr++) {
        for (int role = 0; role < S_ROLES; role++)
            free (buckets [bucket_nbr].waits [role]);
        free (buckets [bucket_nbr].rhk.list);
    }
    free (buckets);
    free (before_after.list);
}

int
monev_figures_pack (wfa_call_t *call, wfa_redis_t *redis, monev_t *self, const char *pemda,
                    const char *opd, int from, int to, const char *by, msgpack_packer *pk)
{
    size_t bucket_max = (size_t) (to - from + 2);
    s_bucket_t *buckets = (s_bucket_t *) calloc (bucket_max, sizeof (s_bucket_t));
    assert (buckets);
    size_t bucket_count = 0;
    int rc = s_collect (call, redis, pemda, opd, NULL, from, to, by, buckets, &bucket_count, self->policies);
    if (rc == 0) {
        msgpack_pack_array (pk, bucket_count);
        for (size_t bucket_nbr = 0; bucket_nbr < bucket_count; bucket_nbr++)
            s_pack_bucket (pk, &buckets [bucket_nbr], false, false);
    }
    for (size_t bucket_nbr = 0; bucket_nbr < bucket_count; bucket_nbr++) {
        for (int role = 0; role < S_ROLES; role++)
            free (buckets [bucket_nbr].waits [role]);
        free (buckets [bucket_nbr].rhk.list);
    }
    free (buckets);
    return rc;
}

void
monev_figures_test (bool verbose)
{
    (void) verbose;
    char label [16];
    int day = 0;
    wfa_date_parse ("2026-12-03", &day);
    s_bucket_label ("week", day, label);
    assert (streq (label, "2026-W49"));
    s_bucket_label ("month", day, label);
    assert (streq (label, "2026-12"));
    s_bucket_label ("total", day, label);
    assert (streq (label, "total"));
    //  Periods are found by label, made once
    s_bucket_t buckets [3];
    memset (buckets, 0, sizeof buckets);
    size_t bucket_count = 0;
    assert (s_bucket_of (buckets, &bucket_count, "2026-12") == 0);
    assert (s_bucket_of (buckets, &bucket_count, "2027-01") == 1);
    assert (s_bucket_of (buckets, &bucket_count, "2026-12") == 0 && bucket_count == 2);
    assert (buckets [1].capacity == -1);
    //  RHK ratios: each RHK against its own target, then averaged
    assert (s_per_day (5, 2) == 2.5 && s_per_day (5, 0) == -1);
    assert (s_average (100.0 + 4.0, 2) == 52.0 && s_average (0, 0) == -1);
}
