"""Over HTTP, one pemda's credential reaches nothing of another, and an Idempotency-Key
holds one body.

- an integrator token of 35.08 and a person of 35.08 ask for 35.09's employees, requests,
  schedule, metrics and tokens: 404 NOT_FOUND for a person (no oracle: the same as a NIP
  on record nowhere), 403 FORBIDDEN for a request id of 35.09 (it names its pemda; the
  same whether it exists or not) and for a pemda-wide read, the statuses docs/protocol.md's
  HTTP table gives those codes;
- a POST retried with the same Idempotency-Key and body gets the first answer; the same
  key with another body is 409 IDEMPOTENCY_MISMATCH and changes nothing.
"""

from harness import Org, System, import_rows, make_nip, workdays

from test_gateway import error_shape, submit


def test_another_pemdas_data_is_out_of_reach_over_http():
    with System(verbose=False, gateway=True) as system:
        a, b = Org("35.08", supervisors=1, staff=1), Org("35.09", supervisors=1, staff=1, base=100)
        import_rows(system.client(), a.rows + b.rows)
        integrator = system.integrator_token("35.08", "simpeg")
        person = system.person_token(a.bkd["nip"])        # a BKD officer reads the whole pemda
        theirs = b.staff[0]["nip"]
        status, _, body = submit(system, system.person_token(theirs, "35.09"), theirs, "b-1")
        assert status == 200, (status, body)
        their_request = body["request_id"]
        nobody = make_nip(999)

        for token in (integrator, person):
            # One named record of another pemda reads as one on record nowhere
            for path in ("/v1/employees/" + theirs, "/v1/employees/" + nobody):
                status, _, body = system.http("GET", path, token=token)
                assert status == 404, (path, status, body)
                error_shape(body, "NOT_FOUND", "nip")
            # A request id names its pemda: another pemda's is forbidden whether or not it
            # exists (the same answer for both), and one of their own on record nowhere 404
            for rid in (their_request, "REQ-35.09-999999"):
                status, _, body = system.http("GET", "/v1/requests/" + rid, token=token)
                assert status == 403, (rid, status, body)
                error_shape(body, "FORBIDDEN", "Authorization")
            status, _, body = system.http("GET", "/v1/requests/REQ-35.08-999999", token=token)
            assert status == 404, (status, body)
            error_shape(body, "NOT_FOUND")
            # A read of the other pemda as a whole is forbidden, and says it is the credential's
            for path in ("/v1/requests?pemda=35.09", "/v1/employees?pemda=35.09",
                         "/v1/schedule?pemda=35.09&date=" + workdays(1)[0],
                         "/v1/pemda/35.09/metrics"):
                status, _, body = system.http("GET", path, token=token)
                assert status == 403, (path, status, body)
                error_shape(body, "FORBIDDEN", "Authorization")
            # Their own pemda answers: the refusals above are about the pemda, not the route
            status, _, body = system.http("GET", "/v1/requests?pemda=35.08", token=token)
            assert status == 200 and body["requests"] == [], (status, body)

        # Nor may the integrator manage the other pemda's credentials
        status, _, body = system.http("GET", "/v1/pemda/35.09/tokens", token=integrator)
        assert status == 403, (status, body)
        error_shape(body, "FORBIDDEN", "Authorization")
        # And the request of 35.09 is untouched by all this: its own employee still reads it
        status, _, body = system.http("GET", "/v1/requests/" + their_request,
                                      token=system.person_token(theirs, "35.09"))
        assert status == 200 and body["request"]["state"] == "pending", (status, body)


def test_an_idempotency_key_holds_one_body_over_http():
    with System(verbose=False, gateway=True) as system:
        org = Org("35.08", supervisors=1, staff=1)
        import_rows(system.client(), org.rows)
        nip = org.staff[0]["nip"]
        token = system.person_token(nip)
        dates = workdays(1)
        status, _, first = submit(system, token, nip, "same-key", dates)
        assert status == 200 and first["state"] == "pending", (status, first)
        # The same key and body: the first answer, not a second request
        status, _, again = submit(system, token, nip, "same-key", dates)
        assert status == 200 and again["request_id"] == first["request_id"], (status, again)
        # The same key with another body: refused, nothing stored
        status, _, body = submit(system, token, nip, "same-key", dates, location="Kafe, Lumajang")
        assert status == 409, (status, body)
        error_shape(body, "IDEMPOTENCY_MISMATCH")
        status, _, body = system.http("GET", "/v1/requests?nip=" + nip, token=token)
        assert status == 200 and [r["request_id"] for r in body["requests"]] == \
            [first["request_id"]], body
        assert body["requests"][0]["location"] == "Rumah, Lumajang", body
        # In English on request, same code
        status, _, body = system.http("POST", "/v1/requests",
                                      {"kind": "rumah", "dates": dates, "location": "X",
                                       "reason": "Y", "plan": []}, token,
                                      {"Idempotency-Key": "same-key", "Accept-Language": "en"})
        assert status == 409 and body["code"] == "IDEMPOTENCY_MISMATCH", (status, body)
        assert "idempotency" in body["message"].lower(), body
