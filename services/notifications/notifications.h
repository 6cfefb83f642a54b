/*  notifications.h - what the files of wfa-notifications share.

    main.c      the service: its events, each told to the right people
    inbox.c     INBOX.LIST and INBOX.READ: a person's own inbox */
#ifndef NOTIFICATIONS_H_INCLUDED
#define NOTIFICATIONS_H_INCLUDED

#include "wfa.h"

//  INBOX.LIST and INBOX.READ (inbox.c)
wfa_handler_fn notifications_inbox_list, notifications_inbox_read;

#endif
