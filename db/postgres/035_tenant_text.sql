-- The tenant typeahead's index: pg_trgm's GIN indexes on the lowered id
-- and name, which serve the search's LIKE '%text%' as they stand. A
-- search of three characters or more that few tenants match reads these
-- instead of the whole table; store_tenant_list decides (tenants.c).
--
-- pg_trgm ships with PostgreSQL (contrib) and is a trusted extension, so
-- the database's owner may create it. An extension lives in one schema
-- for the whole database: public where that can be had, so that dropping
-- one Vigil schema cannot take the others' indexes with it; else the
-- first on the search path. Its operator class is named by that schema.
-- Where pg_trgm cannot be had, the search still works and reads the
-- table; the warning (in the server's log) says so. Each index keeps a pending list of at most
-- 512 kB (not 4 MB): a search reads that list whole, and 100,000 tenants
-- imported with the default made a search of none take 15 ms. Without a
-- pending list (fastupdate off) that import took 28 s instead of 21.
DO $$
DECLARE
    s name;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        BEGIN
            CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
        EXCEPTION WHEN OTHERS THEN
            BEGIN
                CREATE EXTENSION IF NOT EXISTS pg_trgm;
            EXCEPTION WHEN OTHERS THEN
                RAISE NOTICE 'pg_trgm: %', SQLERRM; -- or another schema's migration made it just now
            END;
        END;
    END IF;
    SELECT n.nspname INTO s FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'pg_trgm';
    IF s IS NULL THEN
        RAISE WARNING 'pg_trgm is not available: the tenant search reads the whole table';
        RETURN;
    END IF;
    EXECUTE format('CREATE INDEX tenants_id_text ON tenants USING gin (lower(id) %I.gin_trgm_ops) '
                   'WITH (gin_pending_list_limit = 512)', s);
    EXECUTE format('CREATE INDEX tenants_name_text ON tenants USING gin (lower(name) %I.gin_trgm_ops) '
                   'WITH (gin_pending_list_limit = 512)', s);
END
$$;
