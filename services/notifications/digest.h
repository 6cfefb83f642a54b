/*  digest.h - the daily email digest of what waits for each approver and
    which employees monev keeps suspended, for the BKD. See digest.c. */
#ifndef DIGEST_H_INCLUDED
#define DIGEST_H_INCLUDED

#include "wfa.h"

//  Send the day's digests of every pemda whose local morning has come and
//  whose day no instance has claimed. Called by the housekeeping timer.
void digest_tick (wfa_redis_t *redis);

//  Free what the digest keeps.
void digest_stop (void);

#endif
