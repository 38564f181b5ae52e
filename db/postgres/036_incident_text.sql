-- The incident search's index: pg_trgm's GIN indexes on the lowered
-- title and description, which serve the search's LIKE '%text%' as they
-- stand, as 035's serve the tenants'. 035 made the extension where it
-- could be had; without it the search walks the table as before, and
-- 035's warning has said so. Pending lists of 512 kB, as 035's.
DO $$
DECLARE
    s name;
BEGIN
    SELECT n.nspname INTO s FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'pg_trgm';
    IF s IS NULL THEN
        RETURN;
    END IF;
    EXECUTE format('CREATE INDEX incidents_title_text ON incidents USING gin (lower(title) %I.gin_trgm_ops) '
                   'WITH (gin_pending_list_limit = 512)', s);
    EXECUTE format('CREATE INDEX incidents_description_text ON incidents '
                   'USING gin (lower(description) %I.gin_trgm_ops) WITH (gin_pending_list_limit = 512)', s);
END
$$;
