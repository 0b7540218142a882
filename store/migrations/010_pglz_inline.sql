-- Servers without lz4 (the embedded PostgreSQL's binaries are built without it) compress large values with pglz,
-- which costs Postgres about a third more CPU per span than the rest of the write (docs/performance.md, "Embedded
-- PostgreSQL"). There, rows up to ~8 kB stay whole and uncompressed in the heap instead: more bytes on disk, less
-- CPU. Servers with lz4 (migration 005 set it) are left as they are.
DO $$
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM pg_attribute
    WHERE attrelid = 'spans'::regclass AND attname = 'inputs' AND attcompression = 'l'
  ) THEN
    EXECUTE 'ALTER TABLE spans SET (toast_tuple_target = 8160)';
  END IF;
END
$$;
