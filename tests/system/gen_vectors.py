#!/usr/bin/python3
"""Print the hex test vectors for docs/protocol.md.

    /usr/bin/python3 tests/system/gen_vectors.py > /tmp/vectors.md

Each vector is a fenced block:

    ### vector: NAME
    frame0: COMMAND
    frame1: HEX OF THE MSGPACK BODY

Call vectors are named after the command (`request.submit`, `request.submit.weekend`);
the reply to a call NAME is the vector NAME.reply. Bodies are python dicts packed with
msgpack.packb in insertion order, so the output is the same on every run. Sent in this
order to a fresh system, each call gets a reply with the status and code of its reply
vector (tests/system/test_vectors.py checks that); the other reply fields are examples.
"""

import json

import msgpack

PEMDA = "35.08"
ATASAN = "198001012005011001"     # born 1980-01-01, appointed 2005-01, male, #001
PEGAWAI = "199002022015022002"    # born 1990-02-02, appointed 2015-02, female, #002
BKD = "198503032010031003"        # born 1985-03-03, appointed 2010-03, male, #003
REQUEST_ID = "REQ-35.08-000001"   # the first request of the pemda on a fresh system
DATES = ["2099-01-05", "2099-01-06"]   # a Monday and a Tuesday, long after today
SATURDAY = "2099-01-03"
T0 = 4070221200000                # 2098-12-25 08:00 WIB, in ms since the epoch
T1 = T0 + 45000
T2 = T0 + 3600000

# The atasan is also the head of DINKES (kepala_opd): he decides the first two steps of the
# default chain; the BKD officer the last
ROWS = [
    {"nip": ATASAN, "name": "Budi Santoso, S.E.", "pemda": PEMDA, "opd": "DINKES",
     "position": "Kepala Dinas Kesehatan", "supervisor_nip": "",
     "roles": ["pegawai", "atasan", "kepala_opd", "admin_pemda"],
     "service_start": "2005-01", "position_eligible": "yes"},
    {"nip": PEGAWAI, "name": "Siti Aminah", "pemda": PEMDA, "opd": "DINKES",
     "position": "Analis Kebijakan", "supervisor_nip": ATASAN, "roles": ["pegawai"],
     "service_start": "2015-02", "position_eligible": "yes"},
    {"nip": BKD, "name": "Rina Wulandari, S.Sos.", "pemda": PEMDA, "opd": "BKD",
     "position": "Analis SDM Aparatur", "supervisor_nip": "", "roles": ["pegawai", "bkd"],
     "service_start": "2010-03", "position_eligible": "yes"},
]
NUMBER = "000001/WFA/35.08/2026"   # an example: the first approval number of the year
TODAY = "2026-11-30"               # an example: the pemda's local day when the vectors run
PAST_DAY = "2026-01-05"            # a Monday long gone: no flexible day, no report
PAST_FROM, PAST_TO = "2026-01-01", "2026-01-31"
ACTIVITIES = [{"activity": "Menyusun draf laporan triwulan", "output": "Draf laporan", "quantity": 1,
               "rhk": "RHK-1", "evidence": ["https://drive.example/draf.pdf"]},
              {"activity": "Rapat daring dengan tim", "output": "Notulen", "quantity": 1,
               "plan": "Rapat daring dengan tim"}]
EKINERJA = [{"id": "tgt-1", "type": "target", "nip": PEGAWAI, "period": "2099-01", "rhk": "RHK-1", "quantity": 20},
            {"id": "log-1", "type": "log", "nip": PEGAWAI, "date": "2099-01-05", "rhk": "RHK-1", "quantity": 3}]
SUBMIT = {"v": 1, "id": "vec-submit", "key": "vec-submit-1", "as": PEGAWAI, "kind": "rumah",
          "dates": DATES, "location": "Rumah, Jl. Mawar 3, Lumajang",
          "reason": "Menyelesaikan laporan triwulan", "plan": ["Menyusun draf laporan",
                                                                "Rapat daring dengan tim"]}


def period(label, working_days, cap_days, person=False, rhks=0, with_target=0, attainment_pct=None,
           office_days=0, unapproved_days=0, by_rhk=None):
    """One period of a MONEV.GET reply, as s_pack_bucket (shared/wfa_monev.c) packs it, with
    no flexible day and no approval decided in it. An employee's period (person) has no
    approvals and capacity, and lists its RHKs (by_rhk); an OPD's, a pemda's and the nation's
    have them."""
    body = {"period": label,
            "flexible": {"days": 0, "location_days": 0, "judged_days": 0, "working_days": working_days,
                         "cap_days": cap_days, "cap_use_pct": 0.0 if cap_days > 0 else None,
                         "unapproved_days": unapproved_days}}
    if not person:
        step = {"decided": 0, "p50_s": 0.0, "p90_s": 0.0, "sla_breaches": 0}
        body["approvals"] = {"approved": 0, "rejected": 0, "revoked": 0, "rejection_pct": None,
                             "revocation_pct": None,
                             "steps": {"atasan": step, "kepala_opd": step, "bkd": step}}
        body["capacity"] = {"peak_away": 0, "limit": None, "peak_pct": None}
    attainment = {"rhks": rhks, "with_target": with_target, "met": 0, "pct": attainment_pct}
    if person:
        attainment["by_rhk"] = by_rhk or []
    body.update({
        "checkins": {"on_time": 0, "late": 0, "missing": 0, "flagged": 0, "compliance_pct": None},
        "reports": {"submitted": 0, "late": 0, "accepted": 0, "returned": 0,
                    "submission_pct": None, "verification_pct": None},
        "attainment": attainment,
        "benchmarks": {"compliance": {"min_pct": 95, "result": None},
                       "reports": {"min_pct": 90, "result": None},
                       "attainment": {"min_pct": 100, "result": None if attainment_pct is None else
                                      "meets" if attainment_pct >= 100 else "below"}},
        "per_day": {"rhk_compared": 0, "flexible_vs_office_pct": None, "office_days": office_days}})
    return body


# No day of the vectors' pemda is an approved flexible day: nothing to compare before and after
NO_BEFORE_AFTER = {"first_flexible_day": None, "before": None, "after": None, "rhk_compared": 0,
                   "after_vs_before_pct": None}


def ok(call_id, **fields):
    body = {"v": 1, "id": call_id, "status": "ok", "code": "OK", "message": "Berhasil"}
    body.update(fields)
    return body


def error(call_id, code, message, field=None, extra=None):
    body = {"v": 1, "id": call_id, "status": "error", "code": code, "message": message}
    if field:
        body["field"] = field
    entry = {"code": code, "message": message}
    if field:
        entry["field"] = field
    body["errors"] = [entry] + (extra or [])
    return body


def request_map(state, history):
    decided = state in ("approved", "rejected")
    r = {"request_id": REQUEST_ID, "pemda": PEMDA, "nip": PEGAWAI, "name": "Siti Aminah",
         "opd": "DINKES", "kind": "rumah", "dates": DATES, "location": SUBMIT["location"],
         "reason": SUBMIT["reason"], "plan": SUBMIT["plan"], "state": state,
         "step": 3 if decided else 1, "steps": 3, "step_role": "bkd" if decided else "atasan",
         "approver": BKD if decided else ATASAN, "submitted_at": T0,
         "decided_at": T2 if decided else 0,
         "decided_by": BKD if decided else "",
         "note": "Silakan" if state == "approved" else ""}
    if state == "approved":
        r["assessment"] = {"tasks_fit": True, "targets_measurable": True, "by": ATASAN,
                           "on_behalf_of": "", "at": T1 + 1000, "decision": "approve",
                           "note": "Target jelas"}
        r["proposal"] = {"service_continues": True, "capacity_ok": True,
                         "capacity_seen": "2099-01-05: 0 away, 2099-01-06: 0 away", "by": ATASAN,
                         "on_behalf_of": "", "at": T1 + 2000, "decision": "approve", "note": ""}
        r["approval_number"] = NUMBER
    if history:
        r["history"] = [
            {"at": T0, "actor": PEGAWAI, "action": "submit", "from": "", "to": "submitted", "note": ""},
            {"at": T1, "actor": "system", "action": "open_step", "from": "submitted", "to": "pending",
             "note": "atasan " + ATASAN},
        ]
    return r


def vectors():
    """[(name, command, body)] in the order they are meant to be sent."""
    v = []

    def pair(name, cmd, call, reply):
        v.append((name, cmd, call))
        v.append((name + ".reply", cmd, reply))

    pair("system.ping", "SYSTEM.PING", {"v": 1, "id": "vec-ping"},
         ok("vec-ping", services={"requests": 1, "approvals": 1, "notifications": 1, "metrics": 1,
                                  "monev": 1}))
    pair("unknown_command", "REQUEST.FROB", {"v": 1, "id": "vec-frob"},
         error("vec-frob", "UNKNOWN_COMMAND", "Perintah tidak dikenal: REQUEST.FROB"))

    pair("employee.import", "EMPLOYEE.IMPORT",
         {"v": 1, "id": "vec-import", "key": "vec-import-1", "rows": ROWS},
         ok("vec-import", imported=3, created=3, updated=0))
    pair("employee.import.forbidden", "EMPLOYEE.IMPORT",
         {"v": 1, "id": "vec-import-nope", "key": "vec-import-3", "as": PEGAWAI, "rows": ROWS[1:2]},
         {"v": 1, "id": "vec-import-nope", "status": "error", "code": "FORBIDDEN",
          "message": "Anda tidak berwenang melakukan tindakan ini: admin_pemda or integrator of this pemda",
          "field": "pemda",
          "errors": [{"code": "FORBIDDEN", "message": "Anda tidak berwenang melakukan tindakan ini: "
                      "admin_pemda or integrator of this pemda", "field": "pemda", "index": 0}]})
    bad_row = dict(ROWS[1], nip="19900202201502200")
    pair("employee.import.invalid", "EMPLOYEE.IMPORT",
         {"v": 1, "id": "vec-import-bad", "key": "vec-import-2", "rows": [ROWS[0], bad_row]},
         {"v": 1, "id": "vec-import-bad", "status": "error", "code": "IMPORT_INVALID",
          "message": "Data impor memiliki baris yang salah; tidak ada yang disimpan",
          "errors": [{"code": "BAD_NIP", "message": "NIP harus 18 digit: tanggal lahir, TMT CPNS (usia 18-60), jenis kelamin 1/2, nomor urut: nip",
                      "field": "nip", "index": 1}]})
    pair("employee.get", "EMPLOYEE.GET", {"v": 1, "id": "vec-emp", "as": PEGAWAI, "nip": PEGAWAI},
         ok("vec-emp", employee=ROWS[1]))

    pair("request.submit", "REQUEST.SUBMIT", SUBMIT,
         ok("vec-submit", request_id=REQUEST_ID, state="pending", step=1, approver=ATASAN,
            policy_version="0"))
    pair("request.submit.weekend", "REQUEST.SUBMIT",
         dict(SUBMIT, id="vec-weekend", key="vec-submit-2", dates=[SATURDAY]),
         error("vec-weekend", "NOT_WORKING_DAY",
               "Tanggal bukan hari kerja (Senin-Jumat): " + SATURDAY, "dates"))
    pair("request.submit.past", "REQUEST.SUBMIT",
         dict(SUBMIT, id="vec-past", key="vec-submit-3", dates=["2020-01-06"]),
         error("vec-past", "DATE_NOT_FUTURE", "Tanggal harus setelah hari ini: 2020-01-06", "dates"))
    pair("request.submit.several_errors_en", "REQUEST.SUBMIT",
         dict(SUBMIT, id="vec-many", key="vec-submit-4", lang="en", kind="kapal", dates=[SATURDAY]),
         error("vec-many", "BAD_KIND", "Kind must be rumah, kantor_lain, lokasi_lain, sif or dinamis: kind", "kind",
               extra=[{"code": "NOT_WORKING_DAY",
                       "message": "Date is not a working day (Mon-Fri): " + SATURDAY, "field": "dates"}]))
    pair("request.submit.no_approver", "REQUEST.SUBMIT",
         dict(SUBMIT, id="vec-noappr", key="vec-submit-5", **{"as": ATASAN}),
         error("vec-noappr", "NO_APPROVER",
               "Pegawai belum memiliki atasan langsung dalam data kepegawaian: as", "as"))

    pair("approval.list", "APPROVAL.LIST", {"v": 1, "id": "vec-alist", "as": ATASAN, "limit": 10},
         ok("vec-alist", requests=[request_map("pending", False)], count=1))
    pair("request.get", "REQUEST.GET", {"v": 1, "id": "vec-get", "as": PEGAWAI, "request_id": REQUEST_ID},
         ok("vec-get", request=request_map("pending", True)))
    pair("request.get.not_found", "REQUEST.GET",
         {"v": 1, "id": "vec-get-nf", "as": ATASAN, "request_id": "REQ-35.08-999999"},
         error("vec-get-nf", "NOT_FOUND", "Data tidak ditemukan: REQ-35.08-999999", "request_id"))
    pair("approval.decide.not_your_decision", "APPROVAL.DECIDE",
         {"v": 1, "id": "vec-decide-nyd", "key": "vec-decide-0", "as": PEGAWAI,
          "request_id": REQUEST_ID, "decision": "approve"},
         error("vec-decide-nyd", "NOT_YOUR_DECISION", "Anda bukan penyetuju untuk tahap ini: "
               + REQUEST_ID, "request_id"))
    missing = ("Persetujuan tahap ini wajib memuat penilaian yang diminta peraturan "
               "(PermenPAN-RB 4/2025): atasan: tasks_fit, targets_measurable")
    pair("approval.decide.assessment_missing", "APPROVAL.DECIDE",
         {"v": 1, "id": "vec-decide-am", "key": "vec-decide-3", "as": ATASAN,
          "request_id": REQUEST_ID, "decision": "approve"},
         error("vec-decide-am", "ASSESSMENT_MISSING", missing, "tasks_fit"))
    pair("approval.decide", "APPROVAL.DECIDE",
         {"v": 1, "id": "vec-decide", "key": "vec-decide-1", "as": ATASAN,
          "request_id": REQUEST_ID, "decision": "approve", "note": "Target jelas",
          "tasks_fit": True, "targets_measurable": True},
         ok("vec-decide", request_id=REQUEST_ID, state="pending"))
    pair("approval.decide.proposal", "APPROVAL.DECIDE",
         {"v": 1, "id": "vec-decide-kepala", "key": "vec-decide-4", "as": ATASAN,
          "request_id": REQUEST_ID, "decision": "approve", "service_continues": True,
          "capacity_ok": True},
         ok("vec-decide-kepala", request_id=REQUEST_ID, state="pending"))
    pair("approval.decide.final", "APPROVAL.DECIDE",
         {"v": 1, "id": "vec-decide-bkd", "key": "vec-decide-5", "as": BKD,
          "request_id": REQUEST_ID, "decision": "approve", "note": "Silakan"},
         ok("vec-decide-bkd", request_id=REQUEST_ID, state="approved", approval_number=NUMBER))
    pair("approval.decide.not_pending", "APPROVAL.DECIDE",
         {"v": 1, "id": "vec-decide-np", "key": "vec-decide-2", "as": ATASAN,
          "request_id": REQUEST_ID, "decision": "reject"},
         error("vec-decide-np", "NOT_PENDING",
               "Pengajuan tidak sedang menunggu keputusan: approved", "request_id"))
    pair("request.list", "REQUEST.LIST",
         {"v": 1, "id": "vec-list", "as": ATASAN, "pemda": PEMDA, "opd": "DINKES", "state": "approved", "limit": 10},
         ok("vec-list", requests=[request_map("approved", False)], count=1))
    pair("inbox.list", "INBOX.LIST", {"v": 1, "id": "vec-inbox", "as": PEGAWAI, "limit": 20},
         ok("vec-inbox", entries=[{
             "entry_id": "%d-0" % T2, "at": T2, "type": "request.approved", "request_id": REQUEST_ID,
             "message_id": "Pengajuan %s disetujui oleh %s dengan nomor persetujuan %s: Silakan"
                           % (REQUEST_ID, BKD, NUMBER),
             "message_en": "Request %s was approved by %s under approval number %s: Silakan"
                           % (REQUEST_ID, BKD, NUMBER)}], count=1))
    pair("metrics.get", "METRICS.GET",
         {"v": 1, "id": "vec-metrics", "as": ATASAN, "pemda": PEMDA, "opd": "DINKES"},
         ok("vec-metrics", submitted=1, approved=1, rejected=0, pending=0, cancelled=0, revoked=0,
            expired=0, no_approver=0,
            lead_time={"count": 1, "avg_s": 3600.0, "p50_s": 3600.0, "p90_s": 3600.0, "max_s": 3600.0},
            days=[{"date": "2098-12-25", "submitted": 1, "approved": 1, "rejected": 0, "pending": 0}]))
    pair("metrics.get.bad_date", "METRICS.GET",
         {"v": 1, "id": "vec-metrics-bad", "as": ATASAN, "pemda": PEMDA, "from": "2099-02-30"},
         error("vec-metrics-bad", "BAD_DATE", "Tanggal harus berformat YYYY-MM-DD dan sah: 2099-02-30",
               "from"))
    pair("metrics.get.forbidden", "METRICS.GET",
         {"v": 1, "id": "vec-metrics-nope", "as": PEGAWAI, "pemda": PEMDA},
         error("vec-metrics-nope", "FORBIDDEN",
               "Anda tidak berwenang melakukan tindakan ini: metrics.read, scope none", "as"))
    genesis = "0" * 40
    h1, h2, h3, h4, h5 = ("%040x" % n for n in (0x11, 0x22, 0x33, 0x44, 0x55))   # example hashes
    audit = [
        {"seq": 1, "at": T0, "request_id": REQUEST_ID, "actor": PEGAWAI, "role": "pegawai",
         "on_behalf_of": "", "action": "submit", "from": "", "to": "submitted",
         "reason": SUBMIT["reason"], "policy_version": "0", "prev": genesis, "hash": h1},
        {"seq": 2, "at": T1, "request_id": REQUEST_ID, "actor": "system", "role": "system",
         "on_behalf_of": "", "action": "open_step", "from": "submitted", "to": "pending",
         "reason": "atasan " + ATASAN, "policy_version": "0", "prev": h1, "hash": h2},
        {"seq": 3, "at": T1 + 1000, "request_id": REQUEST_ID, "actor": ATASAN, "role": "atasan",
         "on_behalf_of": "", "action": "approve", "from": "pending", "to": "pending",
         "reason": "[tasks_fit=yes targets_measurable=yes] Target jelas", "policy_version": "0",
         "prev": h2, "hash": h3},
        {"seq": 4, "at": T1 + 2000, "request_id": REQUEST_ID, "actor": ATASAN, "role": "kepala_opd",
         "on_behalf_of": "", "action": "approve", "from": "pending", "to": "pending",
         "reason": "[service_continues=yes capacity_ok=yes] ", "policy_version": "0",
         "prev": h3, "hash": h4},
        {"seq": 5, "at": T2, "request_id": REQUEST_ID, "actor": BKD, "role": "bkd",
         "on_behalf_of": "", "action": "approve", "from": "pending", "to": "approved",
         "reason": "[nomor persetujuan %s] Silakan" % NUMBER, "policy_version": "0",
         "prev": h4, "hash": h5},
    ]
    pair("audit.request", "AUDIT.REQUEST", {"v": 1, "id": "vec-audit", "as": PEGAWAI, "request_id": REQUEST_ID},
         ok("vec-audit", entries=audit, count=5))
    pair("audit.verify", "AUDIT.VERIFY", {"v": 1, "id": "vec-verify", "as": ATASAN, "pemda": PEMDA},
         ok("vec-verify", valid=True, checked=5, sealed=5, unsealed=0, anchored=5,
            anchored_at=T2 + 60000, head=h5, seal="630dcd29:" + "0" * 62 + "55"))
    pair("calendar.set", "CALENDAR.SET",
         {"v": 1, "id": "vec-cal", "key": "vec-cal-1", "pemda": PEMDA, "as": ATASAN,
          "days": [{"date": "2099-01-01", "kind": "nasional", "name": "Tahun Baru Masehi"},
                   {"date": "2099-01-02", "kind": "cuti_bersama", "name": "Cuti Bersama"}]},
         ok("vec-cal", days=2, ramadan_days=0, deadlines_moved=0))
    pair("calendar.get", "CALENDAR.GET", {"v": 1, "id": "vec-cal-get", "as": PEGAWAI, "pemda": PEMDA},
         ok("vec-cal-get", days=[{"date": "2099-01-01", "kind": "nasional", "name": "Tahun Baru Masehi"},
                                 {"date": "2099-01-02", "kind": "cuti_bersama", "name": "Cuti Bersama"}],
            count=2))
    policy = "[limits]\nweekly_location_days = 2\nmin_notice_working_days = 3\n"
    pair("policy.set", "POLICY.SET",
         {"v": 1, "id": "vec-policy", "key": "vec-policy-1", "pemda": PEMDA, "as": ATASAN,
          "text": policy.encode()},
         ok("vec-policy", version=1))
    pair("policy.set.invalid", "POLICY.SET",
         {"v": 1, "id": "vec-policy-bad", "key": "vec-policy-2", "pemda": PEMDA, "as": ATASAN, "lang": "en",
          "text": b"[limits]\nweekly_location_days = 9\n"},
         {"v": 1, "id": "vec-policy-bad", "status": "error", "code": "POLICY_INVALID",
          "message": "The policy file has errors; the policy in force stays",
          "errors": [{"code": "BAD_VALUE", "message": "Value not allowed: weekly_location_days must be 0..5",
                      "field": "text", "index": 2}]})
    pair("policy.get", "POLICY.GET", {"v": 1, "id": "vec-policy-get", "as": PEGAWAI, "pemda": PEMDA},
         ok("vec-policy-get", version=1, text="[pemda]\ntimezone = WIB\n..."))
    pair("approval.delegate", "APPROVAL.DELEGATE",
         {"v": 1, "id": "vec-delegate", "key": "vec-delegate-1", "as": BKD, "approver": ATASAN,
          "to": PEGAWAI, "from": "2099-01-05", "until": "2099-01-09",
          "order_ref": "800.1.3/123/427.35/2099", "reason": "Dinas luar"},
         ok("vec-delegate", delegation="delegated"))
    pair("approval.delegate.own", "APPROVAL.DELEGATE",
         {"v": 1, "id": "vec-delegate-own", "key": "vec-delegate-2", "as": ATASAN, "approver": ATASAN,
          "to": PEGAWAI, "from": "2099-01-05", "until": "2099-01-09",
          "order_ref": "800.1.3/124/427.35/2099"},
         error("vec-delegate-own", "FORBIDDEN", "Anda tidak berwenang melakukan tindakan ini: "
               "an approver does not appoint their own Plt/Plh", "approver"))
    pair("approval.decide_many", "APPROVAL.DECIDE_MANY",
         {"v": 1, "id": "vec-many", "key": "vec-many-1", "as": ATASAN,
          "items": [{"request_id": REQUEST_ID, "decision": "approve"}]},
         ok("vec-many", results=[error(0, "NOT_PENDING",
                                       "Pengajuan tidak sedang menunggu keputusan: approved", "request_id")],
            done=0))
    pair("request.cancel", "REQUEST.CANCEL",
         {"v": 1, "id": "vec-cancel", "key": "vec-cancel-1", "as": PEGAWAI, "request_id": REQUEST_ID,
          "reason": "Tidak jadi"},
         ok("vec-cancel", request_id=REQUEST_ID, state="cancelled"))
    pair("request.revoke", "REQUEST.REVOKE",
         {"v": 1, "id": "vec-revoke", "key": "vec-revoke-1", "as": ATASAN, "request_id": REQUEST_ID,
          "from": "2099-01-06", "reason": "Kebutuhan layanan"},
         error("vec-revoke", "BAD_STATE",
               "Pengajuan dalam keadaan yang tidak mengizinkan tindakan ini: cancelled -/-> revoke",
               "request_id"))
    pair("request.resubmit", "REQUEST.RESUBMIT",
         dict(SUBMIT, id="vec-resubmit", key="vec-resubmit-1", request_id=REQUEST_ID),
         error("vec-resubmit", "BAD_STATE",
               "Pengajuan dalam keadaan yang tidak mengizinkan tindakan ini: cancelled -/-> resubmit", "as"))

    # Monev (served by wfa-monev). The vectors run on the real clock, so no day of theirs
    # is an approved flexible day: check-ins and reports are refused, deterministically.
    pair("checkin.in", "CHECKIN.IN",
         {"v": 1, "id": "vec-checkin", "key": "vec-checkin-1", "as": PEGAWAI, "lat": -8.1335, "lon": 113.2248},
         error("vec-checkin", "NOT_FLEXIBLE_DAY",
               "Tidak ada kerja fleksibel yang disetujui pada hari itu: " + TODAY, "as"))
    pair("checkin.out", "CHECKIN.OUT",
         {"v": 1, "id": "vec-checkout", "key": "vec-checkout-1", "as": PEGAWAI, "lang": "en"},
         error("vec-checkout", "NOT_FLEXIBLE_DAY",
               "There is no approved flexible work on that day: " + TODAY, "as"))
    pair("report.submit.invalid", "REPORT.SUBMIT",
         {"v": 1, "id": "vec-report-bad", "key": "vec-report-0", "as": PEGAWAI,
          "activities": [{"activity": "Menyusun draf laporan", "output": "Draf", "quantity": 1}]},
         {"v": 1, "id": "vec-report-bad", "status": "error", "code": "MISSING_FIELD",
          "message": "Kolom wajib tidak ada: rhk or plan: what the activity serves", "field": "rhk",
          "errors": [{"code": "MISSING_FIELD", "message": "Kolom wajib tidak ada: rhk or plan: what the activity serves",
                      "field": "rhk", "index": 0}]})
    pair("report.submit", "REPORT.SUBMIT",
         {"v": 1, "id": "vec-report", "key": "vec-report-1", "as": PEGAWAI, "date": PAST_DAY,
          "activities": ACTIVITIES},
         error("vec-report", "NOT_FLEXIBLE_DAY",
               "Tidak ada kerja fleksibel yang disetujui pada hari itu: " + PAST_DAY, "date"))
    pair("report.verify", "REPORT.VERIFY",
         {"v": 1, "id": "vec-verify-report", "key": "vec-verify-report-1", "as": ATASAN, "nip": PEGAWAI,
          "date": PAST_DAY, "decision": "return", "note": "Lengkapi bukti"},
         error("vec-verify-report", "NOT_FOUND",
               "Data tidak ditemukan: report %s %s" % (PEGAWAI, PAST_DAY), "date"))
    pair("report.list", "REPORT.LIST", {"v": 1, "id": "vec-reports", "as": ATASAN, "limit": 10},
         ok("vec-reports", reports=[], count=0))
    pair("report.get", "REPORT.GET",
         {"v": 1, "id": "vec-report-get", "as": PEGAWAI, "nip": PEGAWAI, "date": PAST_DAY},
         error("vec-report-get", "NOT_FOUND", "Data tidak ditemukan: " + PAST_DAY, "date"))
    pair("ekinerja.push", "EKINERJA.PUSH",
         {"v": 1, "id": "vec-ekinerja", "as": ATASAN, "source": "ekinerja-vec", "items": EKINERJA},
         ok("vec-ekinerja", results=[{"index": 0, "result": "created"}, {"index": 1, "result": "created"}],
            created=2, duplicates=0, conflicts=0, unknown=0))
    pair("ekinerja.push.duplicate", "EKINERJA.PUSH",
         {"v": 1, "id": "vec-ekinerja-again", "as": ATASAN, "source": "ekinerja-vec", "items": EKINERJA},
         ok("vec-ekinerja-again", results=[{"index": 0, "result": "duplicate"}, {"index": 1, "result": "duplicate"}],
            created=0, duplicates=2, conflicts=0, unknown=0))
    pair("ekinerja.push.conflict", "EKINERJA.PUSH",
         {"v": 1, "id": "vec-ekinerja-clash", "as": ATASAN, "source": "ekinerja-vec",
          "items": [dict(EKINERJA[0], quantity=25), dict(EKINERJA[0], id="tgt-2", quantity=30)]},
         ok("vec-ekinerja-clash", results=[
             {"index": 0, "result": "conflict", "detail": "id tgt-1 was sent before with other content"},
             {"index": 1, "result": "conflict", "detail": "target 2099-01|RHK-1 is 20 on record"}],
            created=0, duplicates=0, conflicts=2, unknown=0))
    pair("monev.get", "MONEV.GET",
         {"v": 1, "id": "vec-monev", "as": ATASAN, "pemda": PEMDA, "opd": "DINKES",
          "from": "2099-01-01", "to": "2099-01-31", "by": "month"},
         ok("vec-monev", scope={"pemda": PEMDA, "opd": "DINKES", "nip": ""}, periods=[period(
             "2099-01", working_days=40, cap_days=20, rhks=1, with_target=1, attainment_pct=15.0,
             office_days=40)], before_after=NO_BEFORE_AFTER))
    # The check-in and the report refused above were work on days without approval: counted
    pair("monev.get.past", "MONEV.GET",
         {"v": 1, "id": "vec-monev-past", "as": PEGAWAI, "nip": PEGAWAI, "from": PAST_FROM, "to": PAST_TO},
         ok("vec-monev-past", scope={"pemda": PEMDA, "opd": "", "nip": PEGAWAI}, periods=[period(
             "total", working_days=22, cap_days=10, person=True, office_days=22, unapproved_days=1)],
            before_after=dict(NO_BEFORE_AFTER, by_rhk=[])))
    pair("monev.get.forbidden", "MONEV.GET",
         {"v": 1, "id": "vec-monev-nope", "as": PEGAWAI, "pemda": PEMDA, "from": PAST_FROM, "to": PAST_TO},
         error("vec-monev-nope", "FORBIDDEN",
               "Anda tidak berwenang melakukan tindakan ini: metrics.read, scope none", "as"))
    pair("monev.rebuild", "MONEV.REBUILD", {"v": 1, "id": "vec-rebuild", "as": ATASAN, "pemda": PEMDA},
         ok("vec-rebuild", records=5, days=4, months=1, differences=0, equal=True, applied=False, examples=[]))
    return v


def pack(body):
    return msgpack.packb(body, use_bin_type=True)


def render():
    """Each vector as a fenced block: the two frames, then the body as JSON for reading."""
    out = []
    for name, cmd, body in vectors():
        out.append("```\n### vector: %s\nframe0: %s\nframe1: %s\ndecoded: %s\n```\n"
                   % (name, cmd, pack(body).hex(), json.dumps(body, ensure_ascii=False, default=bytes.decode)))
    return "\n".join(out)


if __name__ == "__main__":
    print(render(), end="")
