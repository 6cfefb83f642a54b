"""A simulated month of monev data for the tests that show figures (test_dashboard): four
weeks under the test clock, each staff member of an Org working one day a week from home
(requested, approved through the chain), checking in early or late in the morning or not at
all, and
reporting (accepted, returned or not written), so that each week's figures differ."""

import datetime

from harness import approve_chain, awaiting, ok, wait_until, weekly_monday

WEEKS = 4


def simulate_month(client, org, clock, home):
    """Loads the month; returns (first, last): the ISO days of the first and the last working
    day. The clock is left on the day after the last, 09:00 WIB."""
    days = [datetime.date.fromisoformat(weekly_monday(1 + week)) for week in range(WEEKS)]
    rids = []
    for week, day in enumerate(days):
        for person in org.staff:
            rids.append(ok(client.call("REQUEST.SUBMIT", {
                "key": "m%d-%s" % (week, person["nip"]), "as": person["nip"], "kind": "rumah",
                "dates": [day.isoformat()], "location": "Rumah",
                "reason": "Uji bulan monev"}))["request_id"])
    for rid in rids:
        awaiting(client, rid, 20)
        assert approve_chain(client, rid, key="m-" + rid)["state"] == "approved"
    span = {"pemda": org.pemda, "from": days[0].isoformat(), "to": days[-1].isoformat()}
    expected = WEEKS * len(org.staff)
    wait_until("%d flexible days counted" % expected, lambda: ok(client.call(
        "MONEV.GET", span))["periods"][0]["flexible"]["days"] == expected, 20)
    for week, day in enumerate(days):
        for number, person in enumerate(org.staff):
            # Who does what varies by week and person: early, at nine, nothing
            style = (week + number) % 3
            if style == 2:
                continue
            clock.set(day, 7, 40 if style == 0 else 9, tz_hours=7)
            ok(client.call("CHECKIN.IN", {"key": "c%d" % week, "as": person["nip"],
                                          "lat": home[0], "lon": home[1]}))
            clock.set(day, 16)
            ok(client.call("REPORT.SUBMIT", {
                "key": "r%d" % week, "as": person["nip"], "date": day.isoformat(),
                "activities": [{"activity": "Menyusun laporan", "output": "Dokumen",
                                "quantity": 1 + week, "rhk": "RHK-1"}]}))
            ok(client.call("REPORT.VERIFY", {
                "key": "v%d" % week, "as": person["supervisor_nip"], "nip": person["nip"],
                "date": day.isoformat(), "decision": "accept" if style == 0 else "return",
                "note": "" if style == 0 else "Lengkapi keluaran"}))
    clock.set(days[-1] + datetime.timedelta(days=1), 9)
    return days[0].isoformat(), days[-1].isoformat()
