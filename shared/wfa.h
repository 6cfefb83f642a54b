/*  wfa.h - the Fleksi shared library: include this and nothing else. */
#ifndef WFA_H_INCLUDED
#define WFA_H_INCLUDED

#include "wfa_prelude.h"
#include "wfa_error.h"
#include "wfa_mp.h"
#include "wfa_date.h"
#include "wfa_pemda.h"
#include "wfa_employee.h"
#include "wfa_policy.h"
#include "wfa_eligibility.h"
#include "wfa_calendar.h"
#include "wfa_hours.h"
#include "wfa_judge.h"
#include "wfa_keys.h"
#include "wfa_call.h"
#include "wfa_config.h"
#include "wfa_prom.h"
#include "wfa_redis.h"
#include "wfa_service.h"
#include "wfa_consumer.h"
#include "wfa_client.h"
#include "wfa_json.h"
#include "wfa_csv.h"
#include "wfa_store.h"
#include "wfa_authz.h"
#include "wfa_stats.h"
#include "wfa_audit.h"
#include "wfa_jwt.h"
#include "wfa_auth.h"
#include "wfa_report.h"

#endif
