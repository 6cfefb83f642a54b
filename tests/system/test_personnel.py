"""Personnel data for the rules: the import takes start of service, disciplinary sanctions
(with their periods), predikat kinerja, position eligibility, the field-based flag and the
registered home; a later import updates them; a file without those columns leaves them be;
bad values are refused with their line numbers."""

import json
import os
import subprocess
import tempfile

from harness import ROOT, System, make_nip, wfactl_env

WFACTL = os.path.join(ROOT, "build", "bin", "wfactl")
HEADER = "nip,name,pemda,opd,position,supervisor_nip,roles"
FULL = HEADER + ",service_start,sanctions,predikat,position_eligible,field_based,home"


def wfactl(system, *args):
    env = wfactl_env(system, args)
    return subprocess.run([WFACTL] + list(args), capture_output=True, text=True, env=env, timeout=30)


def import_text(system, text):
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
        f.write(text)
    try:
        return wfactl(system, "--json", "import", "employees", f.name)
    finally:
        os.unlink(f.name)




def get(client, nip):
    reply = client.call("EMPLOYEE.GET", {"nip": nip})
    assert reply["status"] == "ok", reply
    return reply["employee"]


def test_personnel_fields_import_update_and_keep():
    boss, staff = make_nip(1), make_nip(2)
    with System(verbose=False) as system:
        client = system.client()
        first = (FULL + "\n" +
                 boss + ",Kepala,35.08,DINKES,Kepala Dinas,,pegawai;atasan,1995-03,,sangat_baik,yes,no,\n" +
                 staff + ",Staf,35.08,DINKES,Surveilans,%s,pegawai,2019-02-01,"
                 "2026-01-05..2026-03-31,baik,yes,ya,\"Jl. Mawar 3, Lumajang\"\n" % boss)
        result = import_text(system, first)
        assert result.returncode == 0, result.stdout + result.stderr
        got = get(client, staff)
        assert (got["service_start"], got["sanctions"], got["predikat"], got["field_based"],
                got["home"]) == ("2019-02-01", "2026-01-05..2026-03-31", "baik", "ya",
                                 "Jl. Mawar 3, Lumajang"), got

        # A file with only the required columns changes the person but keeps the rest
        result = import_text(system, HEADER + "\n" + staff + ",Staf Baru,35.08,DINKES,Epidemiolog,%s,pegawai\n" % boss)
        assert result.returncode == 0, result.stdout + result.stderr
        got = get(client, staff)
        assert got["name"] == "Staf Baru" and got["predikat"] == "baik" and got["home"].startswith("Jl."), got

        # A later import updates them: a new sanction, a new predikat
        result = import_text(system, HEADER + ",sanctions,predikat\n" + staff +
                             ",Staf Baru,35.08,DINKES,Epidemiolog,%s,pegawai,2026-12-01..,butuh_perbaikan\n" % boss)
        assert result.returncode == 0, result.stdout + result.stderr
        got = get(client, staff)
        assert got["sanctions"] == "2026-12-01.." and got["predikat"] == "butuh_perbaikan", got


def test_personnel_bad_values_refused_with_lines():
    with System(verbose=False) as system:
        text = (FULL + "\n" +
                make_nip(3) + ",A,35.08,X,,,pegawai,2015-13,,baik,yes,no,\n" +
                make_nip(4) + ",B,35.08,X,,,pegawai,2015-01,2026-02-01..2026-01-01,hebat,mungkin,no,\n")
        result = import_text(system, text)
        assert result.returncode != 0
        report = json.loads(result.stdout)
        found = {(e["line"], e["field"]) for e in report["errors"]}
        assert found == {(2, "service_start"), (3, "sanctions"), (3, "predikat"),
                         (3, "position_eligible")}, report
        client = system.client()
        reply = client.call("EMPLOYEE.GET", {"nip": make_nip(3)})
        assert reply["code"] == "NOT_FOUND", reply     # nothing was loaded (a NIP on record nowhere)
