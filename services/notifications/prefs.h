/*  prefs.h - which notices a person is emailed (PREFS.GET / SET).

    Every notice is emailed unless the person turned its type off; the
    critical ones (a decision on their own request, a suspension) cannot
    be turned off and are emailed even if an old record says off. */
#ifndef PREFS_H_INCLUDED
#define PREFS_H_INCLUDED

#include "wfa.h"

//  The notice kind of an event, for the person it is told to: kind when the
//  teller gives one (request.progress: the employee's own request moving on,
//  request.cancelled: to the approvers who held it), else the event's type,
//  or monev.suspended for a monev.flagged that carries suspended_until.
const char *prefs_kind (const wfa_event_t *event, const char *kind);

//  True for a kind that cannot be muted.
bool prefs_critical (const char *kind);

//  1 if nip wants a notice of kind (prefs_kind) emailed, 0 if they muted
//  it, -1 if Redis is down.
int prefs_wanted (const wfa_event_t *event, const char *kind, wfa_redis_t *redis, const char *nip);

void prefs_get (wfa_call_t *call, wfa_redis_t *redis, void *state);
void prefs_set (wfa_call_t *call, wfa_redis_t *redis, void *state);

void prefs_test (bool verbose);

#endif
