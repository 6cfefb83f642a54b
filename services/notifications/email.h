/*  email.h - the email channel of wfa-notifications: a notice told to a
    person is also mailed to them over SMTP (libcurl), in their language.

    The channel is a sender plus a per-delivery record; the delivery id is
    the event id and the NIP, so a redelivered event finds its email sent
    and sends nothing. See email.c. */
#ifndef EMAIL_H_INCLUDED
#define EMAIL_H_INCLUDED

#include "wfa.h"

//  What a send did.
typedef enum {
    EMAIL_SENT,                 //  The server took the message
    EMAIL_TRANSIENT,            //  No connection, a 4xx: try again later
    EMAIL_REFUSED,              //  A 5xx at RCPT: the address bounces
    EMAIL_FAILED                //  Any other permanent failure (5xx elsewhere, bad setup)
} email_outcome_t;

//  One message, as the sender sends it.
typedef struct {
    const char *to;             //  Recipient addr-spec (wfa_email_valid)
    const char *message_id;     //  Without the angle brackets
    const char *subject;        //  UTF-8
    const char *text;           //  The text/plain part, UTF-8
    const char *html;           //  The text/html part, UTF-8
    int64_t date_ms;            //  The Date header
} email_message_t;

//  Read the SMTP settings (WFA_SMTP_*) once and say in the log whether the
//  channel is on. Safe to call from any thread, any number of times.
void email_start (void);

//  The sender address (WFA_SMTP_FROM).
const char *email_from (void);

//  True when WFA_SMTP_URL is set.
bool email_enabled (void);

//  Mail person nip the notice of event (text_id / text_en: the inbox
//  sentence) when they have an address that has not bounced. Returns 0
//  when done (sent now or before, nobody to mail, bounced, given up), -1
//  to have the event delivered again (a transient failure, Redis down).
//  kind: the notice kind for this person (prefs_kind), NULL for the
//  event's own.
int email_tell (const wfa_event_t *event, wfa_redis_t *redis, const char *nip, const char *kind,
                const char *text_id, const char *text_en);

//  The whole message (headers and MIME body) as the server receives it.
//  Caller frees.
char *email_render (const email_message_t *message, const char *from);

//  Send one message through the configured server; error gets why not.
email_outcome_t email_send (const email_message_t *message, char *error, size_t error_size);

//  HTML-escape text (& < > " ') onto chunk.
void email_html_escape (zchunk_t *chunk, const char *text);

void email_test (bool verbose);

#endif
