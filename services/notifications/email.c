/*  email.c - the email channel: what a notice says by email, how it is
    sent, and what is recorded about it.

    Templates. A notice's email is the notice's own sentence (the inbox
    line, from the text table in shared/wfa_error.c) framed by a greeting
    and a footer, with a subject per kind of notice, all from the same
    table in the recipient's language (their personnel record's lang,
    Bahasa Indonesia when unset). The layout is a few lines of C here, not
    template files: every word a person reads stays in the one table of
    both languages, and a new notice kind needs one row in s_kinds. The
    HTML part escapes every value.

    Sending. libcurl's SMTP: one connection per message, MIME
    multipart/alternative (text/plain and text/html, UTF-8, base64), a
    Message-ID made of the delivery id (event id and NIP), so the same
    delivery always carries the same id, a Date, and a Subject encoded
    (RFC 2047) when it is not plain ASCII.

    Record. mail:EVENT:NIP (a hash, kept 30 days) holds state (sent,
    retrying, bounced, failed), attempts, to, message_id, sent_at and
    last_error. A redelivered event finds "sent" and mails nothing again.
    A transient failure (no connection, a 4xx) returns -1, so the consumer
    delivers the event again after WFA_REDELIVER_MS; after WFA_EMAIL_TRIES
    tries the email is given up (failed). A 5xx at RCPT marks the address
    bounced on the personnel record (email_bounced = the address,
    email_bounced_at): nothing more is mailed to it, until an import gives
    the person another address. */
#include "email.h"
#include "prefs.h"
#include <curl/curl.h>
#include <openssl/evp.h>

#define S_RECORD_TTL_MS (30LL * 24 * 3600 * 1000)

static struct {
    char *url;                  //  WFA_SMTP_URL, NULL when off
    char *from;                 //  WFA_SMTP_FROM
    char *user;                 //  WFA_SMTP_USER, NULL for none
    char *password;             //  From WFA_SMTP_PASSWORD_FILE
    long use_ssl;               //  CURLUSESSL_*
    int tries;                  //  WFA_EMAIL_TRIES
    long timeout_ms;            //  WFA_SMTP_TIMEOUT_MS
} s_config;

static pthread_once_t s_once = PTHREAD_ONCE_INIT;

static const wfa_prom_family_t s_metrics [] = {
    { "wfa_email_total", WFA_PROM_COUNTER, "outcome",
      "Emails by outcome: sent, retry (a transient failure), bounced, failed" },
    { NULL, 0, NULL, NULL }
};

static void
s_start (void)
{
    wfa_prom_declare_all (wfa_prom (), s_metrics);
    const char *url = wfa_config_get (WFA_CFG_SMTP_URL);
    s_config.from = strdup (wfa_config_get (WFA_CFG_SMTP_FROM));
    s_config.tries = (int) wfa_config_int (WFA_CFG_EMAIL_TRIES);
    if (s_config.tries < 1)
        s_config.tries = 1;
    s_config.timeout_ms = (long) wfa_config_int (WFA_CFG_SMTP_TIMEOUT_MS);
    if (s_config.timeout_ms < 1000)
        s_config.timeout_ms = 1000;
    const char *tls = wfa_config_get (WFA_CFG_SMTP_TLS);
    s_config.use_ssl = streq (tls, "off")? CURLUSESSL_NONE:
                       streq (tls, "require")? CURLUSESSL_ALL: CURLUSESSL_TRY;
    if (!url || !*url) {
        wfa_log ("I", "email: off (WFA_SMTP_URL not set); notices go to the inbox only");
        return;
    }
    if (!wfa_email_valid (s_config.from)) {
        wfa_log ("E", "email: off, WFA_SMTP_FROM '%s' is not an address", s_config.from);
        return;
    }
    const char *user = wfa_config_get (WFA_CFG_SMTP_USER);
    if (user && *user) {
        //  A password never goes out in clear: with a user, TLS is required
        //  (STARTTLS, or smtps://), whatever WFA_SMTP_TLS says
        if (s_config.use_ssl != CURLUSESSL_ALL)
            wfa_log ("I", "email: WFA_SMTP_USER is set, so TLS is required (WFA_SMTP_TLS=%s ignored)", tls);
        s_config.use_ssl = CURLUSESSL_ALL;
        s_config.user = strdup (user);
        const char *path = wfa_config_get (WFA_CFG_SMTP_PASSWORD_FILE);
        FILE *file = path && *path? fopen (path, "r"): NULL;
        char line [512] = "";
        if (file) {
            if (!fgets (line, sizeof line, file))
                line [0] = 0;
            fclose (file);
        }
        else
            wfa_log ("W", "email: WFA_SMTP_USER without a readable WFA_SMTP_PASSWORD_FILE");
        line [strcspn (line, "\r\n")] = 0;
        s_config.password = strdup (line);
    }
    s_config.url = strdup (url);
    wfa_log ("I", "email: on, through %s from %s (STARTTLS %s)", url, s_config.from, tls);
}

void
email_start (void)
{
    pthread_once (&s_once, s_start);
}

const char *
email_from (void)
{
    email_start ();
    return s_config.from;
}

bool
email_enabled (void)
{
    email_start ();
    return s_config.url != NULL;
}

// ---------------------------------------------------------------------
//  Templates

//  What each kind of notice says in its subject; the first row whose
//  prefix the event type starts with wins, the last row is any other.
static const struct {
    const char *prefix;
    wfa_text_t subject;
    bool request;               //  The subject names the request
} s_kinds [] = {
    { "approval.pending", WFA_T_EMAIL_SUBJECT_PENDING, true },
    { "approval.reminder", WFA_T_EMAIL_SUBJECT_REMINDER, true },
    { "approval.escalated", WFA_T_EMAIL_SUBJECT_ESCALATED, true },
    { "approval.no_approver", WFA_T_EMAIL_SUBJECT_NO_APPROVER, true },
    { "request.progress", WFA_T_EMAIL_SUBJECT_PROGRESS, true },
    { "request.cancelled", WFA_T_EMAIL_SUBJECT_CANCELLED, true },
    { "request.", WFA_T_EMAIL_SUBJECT_DECIDED, true },
    { "report.", WFA_T_EMAIL_SUBJECT_REPORT, false },
    { "monev.", WFA_T_EMAIL_SUBJECT_MONEV, false },
    { "", WFA_T_EMAIL_SUBJECT_NOTICE, false },
};

//  What a request.* event says happened, for its subject.
static const struct { const char *type; wfa_text_t outcome; } s_outcomes [] = {
    { "request.approved", WFA_T_OUTCOME_APPROVED },
    { "request.rejected", WFA_T_OUTCOME_REJECTED },
    { "request.returned", WFA_T_OUTCOME_RETURNED },
    { "request.revoked", WFA_T_OUTCOME_REVOKED },
    { "request.expired", WFA_T_OUTCOME_EXPIRED },
    { NULL, 0 }
};

//  The subject of a notice of type about request_id ("" none) in lang.
static void
s_subject (const char *type, const char *request_id, wfa_lang_t lang, char *subject, size_t size)
{
    size_t kind_nbr = 0;
    while (strncmp (type, s_kinds [kind_nbr].prefix, strlen (s_kinds [kind_nbr].prefix)))
        kind_nbr++;
    wfa_text_t text = s_kinds [kind_nbr].subject;
    if (s_kinds [kind_nbr].request && !*request_id)
        text = WFA_T_EMAIL_SUBJECT_NOTICE;
    if (text == WFA_T_EMAIL_SUBJECT_DECIDED) {
        int outcome_nbr = 0;
        while (s_outcomes [outcome_nbr].type && !streq (s_outcomes [outcome_nbr].type, type))
            outcome_nbr++;
        if (s_outcomes [outcome_nbr].type)
            wfa_text_format (text, lang, subject, size, request_id,
                             wfa_text (s_outcomes [outcome_nbr].outcome, lang));
        else
            wfa_text_format (WFA_T_EMAIL_SUBJECT_NOTICE, lang, subject, size);
    }
    else
        wfa_text_format (text, lang, subject, size, request_id);
}

void
email_html_escape (zchunk_t *chunk, const char *text)
{
    for (const char *cursor = text; *cursor; cursor++) {
        const char *entity = *cursor == '&'? "&amp;": *cursor == '<'? "&lt;": *cursor == '>'? "&gt;":
                             *cursor == '"'? "&quot;": *cursor == '\''? "&#39;": NULL;
        if (entity)
            zchunk_extend (chunk, entity, strlen (entity));
        else
            zchunk_extend (chunk, cursor, 1);
    }
}

//  The text and HTML parts of a notice to name: greeting, sentence, the
//  request number when there is one, footer. Caller frees both.
static void
s_bodies (const char *name, const char *sentence, const char *request_id, wfa_lang_t lang,
          char **text_p, char **html_p)
{
    char greeting [512], request [128] = "";
    wfa_text_format (WFA_T_EMAIL_GREETING, lang, greeting, sizeof greeting, *name? name: "Bapak/Ibu");
    if (*request_id)
        wfa_text_format (WFA_T_EMAIL_REQUEST, lang, request, sizeof request, request_id);
    const char *footer = wfa_text (WFA_T_EMAIL_FOOTER, lang);
    zchunk_t *text = zchunk_new (NULL, 1024);
    zchunk_t *html = zchunk_new (NULL, 2048);
    const char *parts [] = { greeting, sentence, request, footer };
    const char *head = lang == WFA_LANG_EN? "<!DOCTYPE html>\n<html lang=\"en\">": "<!DOCTYPE html>\n<html lang=\"id\">";
    zchunk_extend (html, head, strlen (head));
    const char *meta = "<head><meta charset=\"utf-8\"></head>\n<body>\n";
    zchunk_extend (html, meta, strlen (meta));
    for (int part_nbr = 0; part_nbr < 4; part_nbr++) {
        if (!*parts [part_nbr])
            continue;
        zchunk_extend (text, parts [part_nbr], strlen (parts [part_nbr]));
        zchunk_extend (text, "\n\n", 2);
        const char *open = part_nbr == 3? "<p style=\"color:#666;font-size:small\">": "<p>";
        zchunk_extend (html, open, strlen (open));
        email_html_escape (html, parts [part_nbr]);
        zchunk_extend (html, "</p>\n", 5);
    }
    zchunk_extend (html, "</body>\n</html>\n", 16);
    zchunk_extend (text, "", 1);
    zchunk_extend (html, "", 1);
    *text_p = strdup ((char *) zchunk_data (text));
    *html_p = strdup ((char *) zchunk_data (html));
    zchunk_destroy (&text);
    zchunk_destroy (&html);
}

// ---------------------------------------------------------------------
//  The message

//  Append bytes as base64 in lines of 76 characters (RFC 2045).
static void
s_base64_lines (zchunk_t *chunk, const char *bytes, size_t size)
{
    for (size_t done = 0; done < size; done += 57) {
        unsigned char line [80];
        size_t take = size - done < 57? size - done: 57;
        int len = EVP_EncodeBlock (line, (const unsigned char *) bytes + done, (int) take);
        zchunk_extend (chunk, line, (size_t) len);
        zchunk_extend (chunk, "\r\n", 2);
    }
}

//  Append a header line, its value encoded (RFC 2047, UTF-8, base64) when
//  it is not all printable ASCII. Encoded words take at most 45 bytes of
//  text each (60 characters), cut between characters, never inside one.
static void
s_header (zchunk_t *chunk, const char *name, const char *value)
{
    zchunk_extend (chunk, name, strlen (name));
    zchunk_extend (chunk, ": ", 2);
    bool plain = true;
    for (const char *cursor = value; *cursor; cursor++)
        if ((unsigned char) *cursor < 0x20 || (unsigned char) *cursor > 0x7e)
            plain = false;
    if (plain)
        zchunk_extend (chunk, value, strlen (value));
    else {
        size_t size = strlen (value), done = 0;
        while (done < size) {
            size_t take = wfa_utf8_cut (value + done, size - done, 45);
            if (take == 0)
                take = size - done;         //  Not UTF-8: never stall
            unsigned char word [80];
            int len = EVP_EncodeBlock (word, (const unsigned char *) value + done, (int) take);
            if (done)
                zchunk_extend (chunk, "\r\n ", 3);
            zchunk_extend (chunk, "=?UTF-8?B?", 10);
            zchunk_extend (chunk, word, (size_t) len);
            zchunk_extend (chunk, "?=", 2);
            done += take;
        }
    }
    zchunk_extend (chunk, "\r\n", 2);
}

char *
email_render (const email_message_t *message, const char *from)
{
    zchunk_t *chunk = zchunk_new (NULL, 4096);
    char line [512], boundary [128];
    time_t seconds = (time_t) (message->date_ms / 1000);
    struct tm tm;
    gmtime_r (&seconds, &tm);
    static const char *days [] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
    static const char *months [] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
                                     "Sep", "Oct", "Nov", "Dec" };
    snprintf (line, sizeof line, "%s, %02d %s %04d %02d:%02d:%02d +0000", days [tm.tm_wday],
              tm.tm_mday, months [tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    s_header (chunk, "Date", line);
    snprintf (line, sizeof line, "Fleksi <%s>", from);
    s_header (chunk, "From", line);
    snprintf (line, sizeof line, "<%s>", message->to);
    s_header (chunk, "To", line);
    s_header (chunk, "Subject", message->subject);
    snprintf (line, sizeof line, "<%s>", message->message_id);
    s_header (chunk, "Message-ID", line);
    s_header (chunk, "MIME-Version", "1.0");
    //  The boundary: from the Message-ID, which no base64 line can contain
    snprintf (boundary, sizeof boundary, "=_fleksi_%.60s", message->message_id);
    for (char *cursor = boundary; *cursor; cursor++)
        if (!isalnum ((unsigned char) *cursor) && *cursor != '=' && *cursor != '_')
            *cursor = '_';
    snprintf (line, sizeof line, "multipart/alternative; boundary=\"%s\"", boundary);
    s_header (chunk, "Content-Type", line);
    zchunk_extend (chunk, "\r\n", 2);
    const char *parts [2][2] = { { "text/plain", message->text }, { "text/html", message->html } };
    for (int part_nbr = 0; part_nbr < 2; part_nbr++) {
        snprintf (line, sizeof line, "--%s\r\nContent-Type: %s; charset=UTF-8\r\n"
                  "Content-Transfer-Encoding: base64\r\n\r\n", boundary, parts [part_nbr][0]);
        zchunk_extend (chunk, line, strlen (line));
        s_base64_lines (chunk, parts [part_nbr][1], strlen (parts [part_nbr][1]));
    }
    snprintf (line, sizeof line, "--%s--\r\n", boundary);
    zchunk_extend (chunk, line, strlen (line));
    zchunk_extend (chunk, "", 1);
    char *text = strdup ((char *) zchunk_data (chunk));
    zchunk_destroy (&chunk);
    return text;
}

// ---------------------------------------------------------------------
//  Sending

typedef struct {
    const char *text;
    size_t size, done;
} s_upload_t;

static size_t
s_read (char *buffer, size_t size, size_t count, void *arg)
{
    s_upload_t *upload = (s_upload_t *) arg;
    size_t room = size * count, left = upload->size - upload->done;
    size_t take = left < room? left: room;
    memcpy (buffer, upload->text + upload->done, take);
    upload->done += take;
    return take;
}

email_outcome_t
email_send (const email_message_t *message, char *error, size_t error_size)
{
    error [0] = 0;
    if (!email_enabled ()) {
        snprintf (error, error_size, "email off");
        return EMAIL_FAILED;
    }
    CURL *curl = curl_easy_init ();
    if (!curl) {
        snprintf (error, error_size, "curl_easy_init failed");
        return EMAIL_TRANSIENT;
    }
    char *text = email_render (message, s_config.from);
    s_upload_t upload = { text, strlen (text), 0 };
    char from [WFA_EMAIL_MAX + 3], to [WFA_EMAIL_MAX + 3], curl_error [CURL_ERROR_SIZE] = "";
    snprintf (from, sizeof from, "<%s>", s_config.from);
    snprintf (to, sizeof to, "<%s>", message->to);
    struct curl_slist *recipients = curl_slist_append (NULL, to);
    curl_easy_setopt (curl, CURLOPT_URL, s_config.url);
    curl_easy_setopt (curl, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt (curl, CURLOPT_MAIL_RCPT, recipients);
    curl_easy_setopt (curl, CURLOPT_READFUNCTION, s_read);
    curl_easy_setopt (curl, CURLOPT_READDATA, &upload);
    curl_easy_setopt (curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt (curl, CURLOPT_USE_SSL, s_config.use_ssl);
    curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, curl_error);
    curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt (curl, CURLOPT_CONNECTTIMEOUT_MS, s_config.timeout_ms < 5000? s_config.timeout_ms: 5000L);
    curl_easy_setopt (curl, CURLOPT_TIMEOUT_MS, s_config.timeout_ms);
    if (s_config.user) {
        curl_easy_setopt (curl, CURLOPT_USERNAME, s_config.user);
        curl_easy_setopt (curl, CURLOPT_PASSWORD, s_config.password);
    }
    CURLcode rc = curl_easy_perform (curl);
    long code = 0;
    curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &code);
    email_outcome_t outcome = EMAIL_SENT;
    if (rc != CURLE_OK) {
        snprintf (error, error_size, "%s (%ld)", *curl_error? curl_error: curl_easy_strerror (rc), code);
        //  libcurl says "RCPT failed: 550" when the server refuses the recipient
        if (code >= 500 && code < 600)
            outcome = strstr (curl_error, "RCPT")? EMAIL_REFUSED: EMAIL_FAILED;
        else
            outcome = EMAIL_TRANSIENT;
    }
    curl_slist_free_all (recipients);
    curl_easy_cleanup (curl);
    free (text);
    return outcome;
}

// ---------------------------------------------------------------------
//  The channel

//  HSET fields of a record (pairs, NULL-terminated) and keep it 30 days.
static int
s_record (wfa_redis_t *redis, const char *key, ...)
{
    const char *argv [16] = { "HSET", key };
    int argc = 2;
    va_list args;
    va_start (args, key);
    for (const char *name = va_arg (args, const char *); name && argc < 14;
         name = va_arg (args, const char *)) {
        argv [argc++] = name;
        argv [argc++] = va_arg (args, const char *);
    }
    va_end (args);
    redisReply *reply = wfa_redis_argv (redis, argc, argv, NULL);
    int rc = reply && reply->type == REDIS_REPLY_INTEGER? 0: -1;
    if (reply)
        freeReplyObject (reply);
    reply = wfa_redis_command (redis, "PEXPIRE %s %lld", key, S_RECORD_TTL_MS);
    if (reply)
        freeReplyObject (reply);
    return rc;
}

int
email_tell (const wfa_event_t *event, wfa_redis_t *redis, const char *nip, const char *kind,
            const char *text_id, const char *text_en)
{
    if (!email_enabled ())
        return 0;
    char person [WFA_KEY_MAX], record [WFA_KEY_MAX];
    wfa_store_key (person, sizeof person, event->pemda, "emp:%s", nip);
    wfa_store_key (record, sizeof record, event->pemda, "mail:%s:%s", event->id, nip);
    redisReply *facts = wfa_redis_command (redis, "HMGET %s email lang email_bounced name", person);
    //  Most people have no address on record: one round trip for them
    if (facts && facts->type == REDIS_REPLY_ARRAY && facts->elements == 4 && !facts->element [0]->str) {
        freeReplyObject (facts);
        return 0;
    }
    redisReply *state = facts? wfa_redis_command (redis, "HMGET %s state attempts", record): NULL;
    if (!facts || !state || facts->type != REDIS_REPLY_ARRAY || facts->elements != 4
    ||  state->type != REDIS_REPLY_ARRAY || state->elements != 2) {
        if (facts)
            freeReplyObject (facts);
        if (state)
            freeReplyObject (state);
        return -1;
    }
    const char *to = facts->element [0]->str? facts->element [0]->str: "";
    const char *lang_text = facts->element [1]->str? facts->element [1]->str: "";
    const char *bounced = facts->element [2]->str? facts->element [2]->str: "";
    const char *name = facts->element [3]->str? facts->element [3]->str: "";
    const char *done = state->element [0]->str? state->element [0]->str: "";
    int attempts = state->element [1]->str? atoi (state->element [1]->str): 0;
    int rc = 0;
    //  Nobody to mail, a bounced address, or this email already dealt with
    if (!*to || streq (to, bounced) || !wfa_email_valid (to)
    ||  streq (done, "sent") || streq (done, "bounced") || streq (done, "failed")) {
        freeReplyObject (facts);
        freeReplyObject (state);
        return 0;
    }
    //  Muted by the person (never a critical kind: prefs.c)
    int wanted = prefs_wanted (event, kind, redis, nip);
    if (wanted <= 0) {
        freeReplyObject (facts);
        freeReplyObject (state);
        return wanted;
    }
    wfa_lang_t lang = streq (lang_text, "en")? WFA_LANG_EN: WFA_LANG_ID;
    char request_id [64] = "", subject [512], message_id [512], at [24], tries [16], domain [256];
    const msgpack_object *value = wfa_mp_get (event->data, "request_id");
    if (value && value->type == MSGPACK_OBJECT_STR && value->via.str.size < sizeof request_id)
        snprintf (request_id, sizeof request_id, "%.*s", (int) value->via.str.size, value->via.str.ptr);
    s_subject (prefs_kind (event, kind), request_id, lang, subject, sizeof subject);
    snprintf (domain, sizeof domain, "%s", strchr (s_config.from, '@') + 1);
    snprintf (message_id, sizeof message_id, "%s.%s.%s@%s", event->pemda, event->id, nip, domain);
    //  Claimed while it is sent: an instance that reclaims the event
    //  meanwhile (the send outlasting WFA_REDELIVER_MS) finds the claim and
    //  has the event delivered again later, when the record says sent
    char claim_key [WFA_KEY_MAX + 8];
    snprintf (claim_key, sizeof claim_key, "%s:sending", record);
    redisReply *claim = wfa_redis_command (redis, "SET %s 1 NX PX %ld", claim_key, s_config.timeout_ms + 1000);
    bool claimed = claim && claim->type == REDIS_REPLY_STATUS;
    if (claim)
        freeReplyObject (claim);
    //  ... and the record read again under the claim: the one who held it
    //  before may have finished since the first read
    redisReply *again = claimed? wfa_redis_command (redis, "HGET %s state", record): NULL;
    bool finished = again && again->type == REDIS_REPLY_STRING
                 && (streq (again->str, "sent") || streq (again->str, "bounced") || streq (again->str, "failed"));
    bool redis_down = claimed && !again;
    if (again)
        freeReplyObject (again);
    if (!claimed || finished || redis_down) {
        if (claimed) {
            redisReply *release = wfa_redis_command (redis, "DEL %s", claim_key);
            if (release)
                freeReplyObject (release);
        }
        freeReplyObject (facts);
        freeReplyObject (state);
        return finished? 0: -1;
    }
    char *text = NULL, *html = NULL;
    s_bodies (name, lang == WFA_LANG_EN? text_en: text_id, request_id, lang, &text, &html);
    email_message_t message = { to, message_id, subject, text, html, wfa_now_ms () };
    char error [CURL_ERROR_SIZE + 32];
    email_outcome_t outcome = email_send (&message, error, sizeof error);
    snprintf (at, sizeof at, "%" PRId64, wfa_now_ms ());
    snprintf (tries, sizeof tries, "%d", attempts + 1);
    if (outcome == EMAIL_SENT) {
        wfa_prom_add (wfa_prom (), "wfa_email_total", 1, "sent", NULL);
        rc = s_record (redis, record, "state", "sent", "attempts", tries, "to", to, "message_id", message_id,
                       "sent_at", at, NULL);
        //  Sent but not recorded: a redelivery would send it again, so
        //  the record is not retried (its Message-ID makes it recognisable)
        rc = 0;
    }
    else
    if (outcome == EMAIL_REFUSED) {
        wfa_prom_add (wfa_prom (), "wfa_email_total", 1, "bounced", NULL);
        wfa_log ("W", "email to %s of %s bounced: %s", nip, event->id, error);
        const char *argv [] = { "HSET", person, "email_bounced", to, "email_bounced_at", at };
        redisReply *reply = wfa_redis_argv (redis, 6, argv, NULL);
        rc = reply && reply->type == REDIS_REPLY_INTEGER? 0: -1;
        if (reply)
            freeReplyObject (reply);
        if (rc == 0)
            rc = s_record (redis, record, "state", "bounced", "attempts", tries, "to", to,
                           "message_id", message_id, "last_error", error, NULL);
    }
    else {
        bool give_up = outcome == EMAIL_FAILED || attempts + 1 >= s_config.tries;
        wfa_prom_add (wfa_prom (), "wfa_email_total", 1, give_up? "failed": "retry", NULL);
        wfa_log ("W", "email to %s of %s %s: %s", nip, event->id, give_up? "given up": "to retry", error);
        rc = s_record (redis, record, "state", give_up? "failed": "retrying", "attempts", tries,
                       "to", to, "message_id", message_id, "last_error", error, NULL);
        if (!give_up)
            rc = -1;
    }
    free (text);
    free (html);
    redisReply *release = wfa_redis_command (redis, "DEL %s", claim_key);
    if (release)
        freeReplyObject (release);
    freeReplyObject (facts);
    freeReplyObject (state);
    return rc;
}

// ---------------------------------------------------------------------
//  Selftest: the templates and the message, without a server

void
email_test (bool verbose)
{
    (void) verbose;
    char subject [256];
    s_subject ("request.approved", "R-1", WFA_LANG_EN, subject, sizeof subject);
    assert (streq (subject, "[Fleksi] Request R-1 approved"));
    s_subject ("request.rejected", "R-1", WFA_LANG_ID, subject, sizeof subject);
    assert (streq (subject, "[Fleksi] Pengajuan R-1 ditolak"));
    s_subject ("approval.pending", "R-2", WFA_LANG_ID, subject, sizeof subject);
    assert (streq (subject, "[Fleksi] Pengajuan R-2 menunggu keputusan Anda"));
    s_subject ("approval.pending", "", WFA_LANG_EN, subject, sizeof subject);
    assert (streq (subject, "[Fleksi] Notice"));
    s_subject ("monev.flagged", "", WFA_LANG_EN, subject, sizeof subject);
    assert (streq (subject, "[Fleksi] Monitoring and evaluation"));
    s_subject ("inbox.something_new", "", WFA_LANG_ID, subject, sizeof subject);
    assert (streq (subject, "[Fleksi] Pemberitahuan"));

    char *text = NULL, *html = NULL;
    s_bodies ("Siti <b>&</b>", "Request R-1 was approved", "R-1", WFA_LANG_EN, &text, &html);
    assert (strstr (text, "Dear Siti <b>&</b>,\n\nRequest R-1 was approved\n\nRequest number: R-1\n\n"));
    assert (strstr (html, "<p>Dear Siti &lt;b&gt;&amp;&lt;/b&gt;,</p>"));
    assert (strstr (html, "<html lang=\"en\">"));
    assert (!strstr (html, "<b>"));

    email_message_t message = { "siti@x.id", "35.08.1-0.198609262015051001@x.id",
                                "[Fleksi] Pengajuan R-1 disetujui \xE2\x80\x94 selesai", text, html,
                                1796601600000LL };
    char *rendered = email_render (&message, "fleksi@x.id");
    assert (strstr (rendered, "Date: Mon, 07 Dec 2026 00:00:00 +0000\r\n"));
    assert (strstr (rendered, "Message-ID: <35.08.1-0.198609262015051001@x.id>\r\n"));
    assert (strstr (rendered, "Subject: =?UTF-8?B?"));
    assert (strstr (rendered, "Content-Type: text/plain; charset=UTF-8\r\n"));
    assert (strstr (rendered, "Content-Type: text/html; charset=UTF-8\r\n"));
    assert (strstr (rendered, "--=_fleksi_35_08_1_0_198609262015051001_x_id--\r\n"));
    free (rendered);
    //  A plain ASCII subject is left as it is
    message.subject = "[Fleksi] Request R-1 approved";
    rendered = email_render (&message, "fleksi@x.id");
    assert (strstr (rendered, "Subject: [Fleksi] Request R-1 approved\r\n"));
    free (rendered);
    free (text);
    free (html);
    zchunk_t *chunk = zchunk_new (NULL, 16);
    email_html_escape (chunk, "a'\"");
    zchunk_extend (chunk, "", 1);
    assert (streq ((char *) zchunk_data (chunk), "a&#39;&quot;"));
    zchunk_destroy (&chunk);
}
