#!/usr/bin/env bash
# Starts the whole system locally (development only): PostgreSQL with data under .local/, Keycloak with the
# realm from auth/realm/, the FHIR server with demo data on http://localhost:8080/fhir and the clinician web app
# on http://localhost:4200 (it prints the URL and the demo users).
# Any extra arguments go to Spring Boot, e.g. --server.port=9090.
set -euo pipefail
cd "$(dirname "$0")/../.."
chmod +x mvnw
./mvnw -B -q install -DskipTests
# the server's JVM options (docs/operations.md, "JVM settings"); the runner hosts the FHIR server in this JVM
exec java @deploy/jvm/server.jvm.options -jar deploy/local-runner/target/local-runner-0.1.0-SNAPSHOT-exec.jar "$@"
