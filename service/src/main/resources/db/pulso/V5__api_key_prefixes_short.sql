-- A key's stored display prefix was its first 12 characters: most of a short configured admin key in
-- plain text. Keep what ApiKeys.prefix keeps now: 'pulso_' and 4 characters, or the first 4 of a key
-- of another form.
UPDATE pulso.api_keys
   SET key_prefix = CASE WHEN key_prefix LIKE 'pulso\_%' THEN left(key_prefix, 10) ELSE left(key_prefix, 4) END
 WHERE length(key_prefix) > 4;
