#!/usr/bin/env python3
"""Derives the production realm (auth/realm/production/rehab-realm.json) from the development realm
(auth/realm/rehab-realm.json): the same realm settings, roles, SMART client scopes and production clients, but
no demo users, no dev/test clients (rehab-test-cli with password grant, the demo EHR clients) and no client
secrets (set them in Keycloak's admin console, or by the admin REST API, at installation).

Run it after every change of the development realm:  python3 auth/realm/production/make-production-realm.py
ProductionRealmFileTest fails when the two have drifted apart.
"""
import json
import pathlib

HERE = pathlib.Path(__file__).resolve().parent
DEV_CLIENTS = {"rehab-test-cli", "ehr-demo-hospital", "ehr-demo-jwt"}

realm = json.loads((HERE.parent / "rehab-realm.json").read_text(encoding="utf-8"))
realm["displayName"] = realm.get("displayName", "Rehab-FHIR") + " (production)"
realm["clients"] = [c for c in realm["clients"] if c["clientId"] not in DEV_CLIENTS]
for client in realm["clients"]:
    client.pop("secret", None)
kept = {c["clientId"] for c in realm["clients"]}
realm["scopeMappings"] = [m for m in realm.get("scopeMappings", []) if m.get("client") in kept]
# only the service accounts of the production clients; no person, no credential
realm["users"] = [u for u in realm.get("users", []) if u.get("serviceAccountClientId") in kept]
for user in realm["users"]:
    user.pop("credentials", None)
# the clinician app's address is the site's: Keycloak resolves ${REHAB_APP_PUBLIC_URL} from its environment at import
text = json.dumps(realm, indent=2, ensure_ascii=False).replace("http://localhost:4200", "${REHAB_APP_PUBLIC_URL}")
(HERE / "rehab-realm.json").write_text(text + "\n", encoding="utf-8")
print("wrote", HERE / "rehab-realm.json", "clients:", sorted(kept))
