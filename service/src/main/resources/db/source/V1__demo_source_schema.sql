-- The company's sales schema, created only for dev services (local profile and tests): in
-- production the source exists and is not ours. Names come from the source.* configuration through
-- placeholders and are quoted, so a configured name is used exactly as written.

CREATE TABLE "${clients_table}" (
  "${client_id_column}"         bigint PRIMARY KEY,
  "${client_first_name_column}" text,
  "${client_last_name_column}"  text
);

-- No foreign key from the client column and nullable columns: the real source has neither, and
-- Pulso must cope with the bad rows that allows (unknown client, null product, ...).
CREATE TABLE "${sales_table}" (
  "${sale_id_column}"     bigserial PRIMARY KEY,
  "${sale_client_column}" bigint,
  "${sale_product_column}" text,
  "${sale_time_column}"   timestamptz NOT NULL DEFAULT now(),
  "${sale_amount_column}" numeric(14, 2)
);

-- The nightly batch reads one day at a time.
CREATE INDEX "${sales_table}_${sale_time_column}_idx" ON "${sales_table}" ("${sale_time_column}");

-- Capture needs the old row of an UPDATE (a correction may move a sale to another product, hence
-- another provider) and of a DELETE (a void must subtract the old amount): with the default
-- identity pgoutput would send only the primary key.
ALTER TABLE "${sales_table}" REPLICA IDENTITY FULL;
