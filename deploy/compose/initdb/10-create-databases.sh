#!/bin/bash
# Runs once, when the PostgreSQL volume is empty (docker-entrypoint-initdb.d). Creates two databases, each owned
# by its own NON-superuser role: one for the FHIR server, one for Keycloak. Passwords come from the environment
# and are passed to psql as variables (quoted by psql, never pasted into SQL by the shell).
set -euo pipefail

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v rehab_db="$REHAB_DB_NAME" -v rehab_user="$REHAB_DB_USER" -v rehab_pw="$REHAB_DB_PASSWORD" \
  -v kc_db="$KEYCLOAK_DB_NAME" -v kc_user="$KEYCLOAK_DB_USER" -v kc_pw="$KEYCLOAK_DB_PASSWORD" <<'EOSQL'
CREATE ROLE :"rehab_user" LOGIN PASSWORD :'rehab_pw' NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
CREATE DATABASE :"rehab_db" OWNER :"rehab_user" ENCODING 'UTF8' TEMPLATE template0;
REVOKE ALL ON DATABASE :"rehab_db" FROM PUBLIC;

CREATE ROLE :"kc_user" LOGIN PASSWORD :'kc_pw' NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
CREATE DATABASE :"kc_db" OWNER :"kc_user" ENCODING 'UTF8' TEMPLATE template0;
REVOKE ALL ON DATABASE :"kc_db" FROM PUBLIC;
EOSQL

# Make each owner also own schema public (PostgreSQL 14 still lets PUBLIC create there; 15+ gives it to
# pg_database_owner already, so this is then only explicit).
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$REHAB_DB_NAME" -v owner="$REHAB_DB_USER" <<'EOSQL'
ALTER SCHEMA public OWNER TO :"owner";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
EOSQL
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$KEYCLOAK_DB_NAME" -v owner="$KEYCLOAK_DB_USER" <<'EOSQL'
ALTER SCHEMA public OWNER TO :"owner";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
EOSQL
