-- zkrouter schema, version 3: what a chain told the router about its transactions beyond their
-- L2->L1 logs, for the receipts its chain endpoint serves (docs/api.md, "Chain endpoints"). Every
-- column but the key is optional: a chain sends what it knows. Keyed by the batch first, so rows go
-- in at the end of the table like the logs they describe.
CREATE TABLE transactions (
  chain_id     INTEGER NOT NULL,
  batch_number INTEGER NOT NULL,
  tx_hash      BLOB    NOT NULL,
  block_number INTEGER,                -- the L2 block that included it
  block_hash   BLOB,
  tx_from      BLOB,                   -- the account that signed it
  tx_to        BLOB,                   -- the account it called (NULL: unknown, or a deployment)
  PRIMARY KEY (chain_id, batch_number, tx_hash)
) WITHOUT ROWID;
