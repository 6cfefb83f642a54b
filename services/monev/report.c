/*  report.c - MONEV.REPORT: a pemda's (or one OPD's) monev report of a
    month (YYYY-MM) or a year (YYYY), as one structure every rendering
    (shared/wfa_report.c: HTML, CSV, XLSX; PDF from the HTML) shows the
    same way. It reads only. The figures come from figures.c, the same code
    as MONEV.GET's, over the period's local days: the whole period, each
    OPD's, and for a year each month's. The verification line holds the
    audit chain's head and seq at the time of the report and the SHA-256 of
    the report's canonical content (its CSV without the line that carries
    the hash), so a reader can check both (docs/monev.md). */
#include "monev.h"

#define S_OPDS_MAX 200          //  OPDs of a pemda in one report
#define S_SUSPENDED_MAX 500     //  Suspended employees listed

//  A period "YYYY-MM" or "YYYY" into its first and last day; false if it
//  is neither (years 2000..2099).
static bool
s_period (const char *text, int *from, int *to, bool *yearly)
{
    size_t len = strlen (text);
    if (len != 4 && len != 7)
        return false;
    for (size_t char_nbr = 0; char_nbr < len; char_nbr++)
        if (char_nbr == 4? text [char_nbr] != '-': !isdigit ((unsigned char) text [char_nbr]))
            return false;
    int year = atoi (text);
    if (year < 2000 || year > 2099)
        return false;
    *yearly = len == 4;
    if (*yearly) {
        *from = wfa_date_from_ymd (year, 1, 1);
        *to = wfa_date_from_ymd (year, 12, 31);
        return true;
    }
    int month = atoi (text + 5);
    if (month < 1 || month > 12)
        return false;
    *from = wfa_date_from_ymd (year, month, 1);
    *to = (month == 12? wfa_date_from_ymd (year + 1, 1, 1): wfa_date_from_ymd (year, month + 1, 1)) - 1;
    return true;
}

//  The figures of the whole period for opd (NULL: the pemda) as one
//  MonevPeriod map; the packed bytes into buffer. 0 or -1 (answered).
static int
s_total (wfa_call_t *call, wfa_redis_t *redis, monev_t *self, const char *pemda, const char *opd,
         int from, int to, msgpack_sbuffer *buffer, msgpack_unpacked *unpacked)
{
    msgpack_packer pk;
    wfa_mp_writer_init (buffer, &pk);
    if (monev_figures_pack (call, redis, self, pemda, opd, from, to, "total", &pk))
        return -1;
    if (msgpack_unpack_next (unpacked, buffer->data, buffer->size, NULL) != MSGPACK_UNPACK_SUCCESS
    ||  unpacked->data.type != MSGPACK_OBJECT_ARRAY || unpacked->data.via.array.size != 1) {
        wfa_call_error (call, WFA_E_INTERNAL, NULL, NULL, -1);
        return -1;
    }
    return 0;
}

//  The suspended employees of the pemda (of opd, if not NULL), sorted by
//  NIP: {nip, opd, until} each. 0 or -1 (answered).
static int
s_pack_suspended (wfa_call_t *call, wfa_redis_t *redis, const char *pemda, const char *opd,
                  msgpack_packer *pk)
{
    char key [WFA_KEY_MAX], prefix [WFA_PREFIX_MAX];
    wfa_store_prefix (pemda, prefix, sizeof prefix);
    redisReply *members = wfa_redis_command (redis, "SMEMBERS %s",
                                             wfa_store_key (key, sizeof key, pemda, "mv:suspended"));
    if (wfa_call_redis_down (call, members))
        return -1;
    zlistx_t *rows = zlistx_new ();
    zlistx_set_destructor (rows, (zlistx_destructor_fn *) zstr_free);
    zlistx_set_comparator (rows, (zlistx_comparator_fn *) strcmp);
    int rc = 0;
    for (size_t member_nbr = 0; members->type == REDIS_REPLY_ARRAY && member_nbr < members->elements
         && zlistx_size (rows) < S_SUSPENDED_MAX; member_nbr++) {
        const redisReply *nip = members->element [member_nbr];
        if (nip->type != REDIS_REPLY_STRING || nip->len > 18)
            continue;
        redisReply *fields = wfa_redis_command (redis, "HMGET %semp:%s opd suspended_until", prefix, nip->str);
        if (wfa_call_redis_down (call, fields)) {
            rc = -1;
            break;
        }
        const char *own_opd = fields->type == REDIS_REPLY_ARRAY && fields->elements == 2
                           && fields->element [0]->type == REDIS_REPLY_STRING? fields->element [0]->str: "";
        const char *until = fields->type == REDIS_REPLY_ARRAY && fields->elements == 2
                         && fields->element [1]->type == REDIS_REPLY_STRING? fields->element [1]->str: "";
        if (*until && (!opd || streq (opd, own_opd)))
            zlistx_add_end (rows, zsys_sprintf ("%s\x1f%s\x1f%s", nip->str, own_opd, until));
        freeReplyObject (fields);
    }
    freeReplyObject (members);
    if (rc == 0) {
        zlistx_sort (rows);
        msgpack_pack_array (pk, zlistx_size (rows));
        for (char *row = (char *) zlistx_first (rows); row; row = (char *) zlistx_next (rows)) {
            char *opd_part = strchr (row, 0x1f);
            *opd_part++ = 0;
            char *until_part = strchr (opd_part, 0x1f);
            *until_part++ = 0;
            msgpack_pack_map (pk, 3);
            wfa_mp_pack_kv_str (pk, "nip", row);
            wfa_mp_pack_kv_str (pk, "opd", opd_part);
            wfa_mp_pack_kv_str (pk, "until", until_part);
        }
    }
    zlistx_destroy (&rows);
    return rc;
}

//  The benchmarks of a period's figures: name, min_pct, pct, result.
static void
s_pack_benchmarks (msgpack_packer *pk, const msgpack_object *figures)
{
    static const char *names [3] = { "compliance", "reports", "attainment" };
    static const char *values [3] = { "checkins.compliance_pct", "reports.submission_pct", "attainment.pct" };
    msgpack_pack_array (pk, 3);
    for (int bench_nbr = 0; bench_nbr < 3; bench_nbr++) {
        char path [64];
        msgpack_pack_map (pk, 4);
        wfa_mp_pack_kv_str (pk, "name", names [bench_nbr]);
        wfa_mp_pack_str (pk, "min_pct");
        snprintf (path, sizeof path, "benchmarks.%s.min_pct", names [bench_nbr]);
        const msgpack_object *value = wfa_report_get (figures, path);
        if (value)
            msgpack_pack_object (pk, *value);
        else
            msgpack_pack_nil (pk);
        wfa_mp_pack_str (pk, "pct");
        value = wfa_report_get (figures, values [bench_nbr]);
        if (value)
            msgpack_pack_object (pk, *value);
        else
            msgpack_pack_nil (pk);
        wfa_mp_pack_str (pk, "result");
        snprintf (path, sizeof path, "benchmarks.%s.result", names [bench_nbr]);
        value = wfa_report_get (figures, path);
        if (value)
            msgpack_pack_object (pk, *value);
        else
            msgpack_pack_nil (pk);
    }
}

//  The report's content (everything but its hash) into content. 0 or -1.
static int
s_content (wfa_call_t *call, wfa_redis_t *redis, monev_t *self, const char *pemda, const char *opd,
           const char *period, int from, int to, bool yearly, msgpack_sbuffer *content)
{
    int64_t version = 0;
    if (!wfa_store_policy_current (self->policies, redis, pemda, &version)) {
        wfa_call_error (call, WFA_E_REDIS_UNAVAILABLE, NULL, NULL, -1);
        return -1;
    }
    //  The OPDs: the one asked for, or every OPD of the pemda, sorted
    char key [WFA_KEY_MAX];
    redisReply *opds = NULL;
    if (!opd) {
        opds = wfa_redis_command (redis, "SMEMBERS %s", wfa_store_key (key, sizeof key, pemda, "opds"));
        if (wfa_call_redis_down (call, opds))
            return -1;
    }
    zlistx_t *opd_list = zlistx_new ();
    zlistx_set_destructor (opd_list, (zlistx_destructor_fn *) zstr_free);
    zlistx_set_duplicator (opd_list, (zlistx_duplicator_fn *) strdup);
    zlistx_set_comparator (opd_list, (zlistx_comparator_fn *) strcmp);
    if (opd)
        zlistx_add_end (opd_list, (void *) opd);
    for (size_t opd_nbr = 0; opds && opds->type == REDIS_REPLY_ARRAY && opd_nbr < opds->elements
         && zlistx_size (opd_list) < S_OPDS_MAX; opd_nbr++)
        if (opds->element [opd_nbr]->type == REDIS_REPLY_STRING)
            zlistx_add_end (opd_list, opds->element [opd_nbr]->str);
    if (opds)
        freeReplyObject (opds);
    zlistx_sort (opd_list);
    //  The figures: the period's, each OPD's, each month's
    msgpack_sbuffer total_buffer;
    msgpack_unpacked total;
    msgpack_unpacked_init (&total);
    int rc = s_total (call, redis, self, pemda, opd, from, to, &total_buffer, &total);
    msgpack_sbuffer opds_buffer, months_buffer;
    msgpack_packer opds_pk, months_pk;
    wfa_mp_writer_init (&opds_buffer, &opds_pk);
    wfa_mp_writer_init (&months_buffer, &months_pk);
    msgpack_pack_array (&opds_pk, zlistx_size (opd_list));
    for (const char *name = (const char *) zlistx_first (opd_list); rc == 0 && name;
         name = (const char *) zlistx_next (opd_list)) {
        msgpack_sbuffer one_buffer;
        msgpack_unpacked one;
        msgpack_unpacked_init (&one);
        rc = s_total (call, redis, self, pemda, name, from, to, &one_buffer, &one);
        if (rc == 0) {
            msgpack_pack_map (&opds_pk, 2);
            wfa_mp_pack_kv_str (&opds_pk, "opd", name);
            wfa_mp_pack_str (&opds_pk, "figures");
            msgpack_pack_object (&opds_pk, one.data.via.array.ptr [0]);
        }
        msgpack_unpacked_destroy (&one);
        msgpack_sbuffer_destroy (&one_buffer);
    }
    if (rc == 0 && yearly)
        rc = monev_figures_pack (call, redis, self, pemda, opd, from, to, "month", &months_pk);
    else
        msgpack_pack_array (&months_pk, 0);
    //  The audit chain at the time of the report
    redisReply *audit = rc == 0? wfa_redis_command (redis, "MGET %saudit:seq %saudit:head",
                                                    wfa_store_prefix (pemda, key, sizeof key),
                                                    wfa_store_prefix (pemda, key, sizeof key)): NULL;
    if (rc == 0 && wfa_call_redis_down (call, audit)) {
        rc = -1;
        audit = NULL;
    }
    if (rc == 0) {
        const msgpack_object *figures = &total.data.via.array.ptr [0];
        const wfa_pemda_t *known = wfa_pemda_find (pemda);
        msgpack_packer pk;
        wfa_mp_writer_map (content, &pk, 14);
        wfa_mp_pack_str (&pk, "pemda");
        msgpack_pack_map (&pk, 4);
        wfa_mp_pack_kv_str (&pk, "code", pemda);
        wfa_mp_pack_kv_str (&pk, "name", known? known->name: pemda);
        wfa_mp_pack_kv_str (&pk, "level", known? known->level: "");
        wfa_mp_pack_kv_str (&pk, "tz", wfa_tz_name (wfa_store_pemda_tz (redis, pemda)));
        wfa_mp_pack_kv_str (&pk, "opd", opd? opd: "");
        wfa_mp_pack_kv_str (&pk, "period", period);
        wfa_mp_pack_kv_str (&pk, "kind", yearly? "year": "month");
        char date [11];
        wfa_mp_pack_kv_str (&pk, "from", wfa_date_format (from, date));
        wfa_mp_pack_kv_str (&pk, "to", wfa_date_format (to, date));
        wfa_mp_pack_kv_int (&pk, "days", to - from + 1);
        wfa_mp_pack_kv_int (&pk, "policy_version", version);
        wfa_mp_pack_str (&pk, "benchmarks");
        s_pack_benchmarks (&pk, figures);
        wfa_mp_pack_str (&pk, "figures");
        msgpack_pack_object (&pk, *figures);
        wfa_mp_pack_str (&pk, "opds");
        msgpack_sbuffer_write (content, opds_buffer.data, opds_buffer.size);
        wfa_mp_pack_str (&pk, "months");
        msgpack_sbuffer_write (content, months_buffer.data, months_buffer.size);
        wfa_mp_pack_str (&pk, "suspended");
        rc = s_pack_suspended (call, redis, pemda, opd, &pk);
        const redisReply *seq = audit->type == REDIS_REPLY_ARRAY && audit->elements == 2? audit->element [0]: NULL;
        const redisReply *head = audit->type == REDIS_REPLY_ARRAY && audit->elements == 2? audit->element [1]: NULL;
        wfa_mp_pack_str (&pk, "verification");
        msgpack_pack_map (&pk, 3);
        wfa_mp_pack_kv_int (&pk, "audit_seq", seq && seq->type == REDIS_REPLY_STRING? atoll (seq->str): 0);
        wfa_mp_pack_kv_str (&pk, "audit_head", head && head->type == REDIS_REPLY_STRING? head->str: "");
        char now [WFA_DATE_MS_SIZE];
        wfa_mp_pack_kv_str (&pk, "generated_at", wfa_date_format_ms (wfa_now_ms (), now));
    }
    if (audit)
        freeReplyObject (audit);
    msgpack_sbuffer_destroy (&opds_buffer);
    msgpack_sbuffer_destroy (&months_buffer);
    msgpack_unpacked_destroy (&total);
    msgpack_sbuffer_destroy (&total_buffer);
    zlistx_destroy (&opd_list);
    return rc;
}

void
monev_report (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    monev_t *self = (monev_t *) state;
    const char *pemda = wfa_call_pemda (call, "pemda", false);
    const char *opd = wfa_call_str (call, "opd", WFA_CODE_MAX, false);
    const char *period = wfa_call_str (call, "period", 16, true);
    int from = 0, to = 0;
    bool yearly = false;
    if (period && !s_period (period, &from, &to, &yearly))
        wfa_call_error (call, WFA_E_BAD_VALUE, "period", "YYYY-MM | YYYY", -1);
    wfa_actor_t actor;
    if (wfa_call_failed (call) || wfa_authz_actor (call, redis, &actor))
        return;
    opd = opd && *opd? opd: NULL;
    wfa_target_t target = { pemda && *pemda? pemda: actor.pemda, opd, NULL, NULL, false };
    if (!*target.pemda) {
        wfa_call_error (call, WFA_E_MISSING_FIELD, "pemda", "pemda of the report", -1);
        return;
    }
    char scope_pemda [16];
    snprintf (scope_pemda, sizeof scope_pemda, "%s", target.pemda);
    if (wfa_authz_check (call, &actor, WFA_ACT_METRICS_READ, &target)
    ||  (opd && wfa_store_call_opd (call, redis, "opd", scope_pemda, opd)))
        return;
    msgpack_sbuffer content;
    msgpack_sbuffer_init (&content);
    if (s_content (call, redis, self, scope_pemda, opd, period, from, to, yearly, &content) == 0) {
        msgpack_unpacked unpacked;
        msgpack_unpacked_init (&unpacked);
        char sha256 [65];
        if (msgpack_unpack_next (&unpacked, content.data, content.size, NULL) != MSGPACK_UNPACK_SUCCESS
        ||  wfa_report_digest (&unpacked.data, sha256))
            wfa_call_error (call, WFA_E_INTERNAL, NULL, NULL, -1);
        else {
            //  The content, field by field, the hash added to the verification
            const msgpack_object_map *map = &unpacked.data.via.map;
            for (uint32_t kv_nbr = 0; kv_nbr < map->size; kv_nbr++) {
                char name [32];
                snprintf (name, sizeof name, "%.*s", (int) map->ptr [kv_nbr].key.via.str.size,
                          map->ptr [kv_nbr].key.via.str.ptr);
                msgpack_packer *pk = wfa_call_reply (call, name);
                const msgpack_object *value = &map->ptr [kv_nbr].val;
                if (!streq (name, "verification")) {
                    msgpack_pack_object (pk, *value);
                    continue;
                }
                msgpack_pack_map (pk, value->via.map.size + 1);
                for (uint32_t part_nbr = 0; part_nbr < value->via.map.size; part_nbr++) {
                    msgpack_pack_object (pk, value->via.map.ptr [part_nbr].key);
                    msgpack_pack_object (pk, value->via.map.ptr [part_nbr].val);
                }
                wfa_mp_pack_kv_str (pk, "content_sha256", sha256);
            }
        }
        msgpack_unpacked_destroy (&unpacked);
    }
    msgpack_sbuffer_destroy (&content);
}
